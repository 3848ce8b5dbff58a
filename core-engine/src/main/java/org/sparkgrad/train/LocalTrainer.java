package org.sparkgrad.train;

import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.nn.Module;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;
import org.sparkgrad.tensor.Tensor;

/**
 * One model + optimizer + objective, stepping over mini-batches: the training step every loop (local or
 * distributed) shares. A step is zero grads (set to none), forward, loss, backward, optimizer step.
 */
public final class LocalTrainer {
    private final Module model;
    private final Optimizer optimizer;
    private final String loss;

    public LocalTrainer(Module model, Optimizer optimizer, String loss) {
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
    }

    public Module model() { return model; }

    public Optimizer optimizer() { return optimizer; }

    /**
     * One training step on a batch at learning rate {@code lr}.
     *
     * @param x features {@code (N, *featuresShape)}
     * @param y targets: class indices {@code (N)} or values shaped like the output
     * @return the batch's mean loss
     */
    public double step(Tensor x, Tensor y, double lr) {
        for (ParamGroup g : optimizer.paramGroups()) g.lr(lr);
        model.train();
        optimizer.zeroGrad(true);
        Tensor out = model.forward(x);
        Tensor l = Objectives.loss(loss, out, y);
        l.backward();
        optimizer.step();
        return l.item();
    }

    /** Forward in eval mode without recording the graph. */
    public Tensor predict(Tensor x) {
        boolean was = model.isTraining();
        model.eval();
        try (GradMode.Guard g = GradMode.noGrad()) {
            return model.forward(x);
        } finally {
            model.train(was);
        }
    }
}
