package org.sparkgrad.train;

import org.sparkgrad.amp.Autocast;
import org.sparkgrad.amp.GradScaler;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.nn.Module;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * One model + optimizer + objective, stepping over mini-batches: the training step every loop (local or
 * distributed) shares. A step is zero grads (set to none), forward, loss, backward, optimizer step.
 *
 * <p>With an autocast dtype the forward pass and the loss run inside an {@link Autocast} region of that dtype (mixed
 * precision; the parameters and the optimizer stay float32), and with {@link DType#FLOAT16} the backward pass and
 * the step go through a {@link GradScaler} kept for the trainer's lifetime (a step whose gradients overflow is
 * skipped and the scale backs off), as in PyTorch's AMP recipe.
 */
public final class LocalTrainer {
    private final Module model;
    private final Optimizer optimizer;
    private final String loss;
    private final DType autocast;
    private final GradScaler scaler;
    private long skippedSteps;

    /** A float32 trainer. */
    public LocalTrainer(Module model, Optimizer optimizer, String loss) { this(model, optimizer, loss, null); }

    /**
     * A trainer with mixed precision in {@code autocast} ({@link DType#BFLOAT16} or {@link DType#FLOAT16}), or plain
     * float32 when it is null.
     *
     * @throws IllegalArgumentException for another dtype
     */
    public LocalTrainer(Module model, Optimizer optimizer, String loss, DType autocast) {
        this(model, optimizer, loss, autocast, GradScaler.DEFAULT_INIT_SCALE);
    }

    /**
     * As {@link #LocalTrainer(Module, Optimizer, String, DType)}, with the float16 loss scaler starting at
     * {@code initScale} (e.g. the scale an earlier round of distributed training ended with).
     *
     * @throws IllegalArgumentException for another dtype than bfloat16/float16, or a scale that is not positive
     */
    public LocalTrainer(Module model, Optimizer optimizer, String loss, DType autocast, double initScale) {
        if (autocast != null && !autocast.isReducedPrecision()) {
            throw new IllegalArgumentException("mixed precision runs in bfloat16 or float16, not " + autocast.torchName());
        }
        this.model = model;
        this.optimizer = optimizer;
        this.loss = loss;
        this.autocast = autocast;
        this.scaler = autocast == DType.FLOAT16 ? new GradScaler(initScale, GradScaler.DEFAULT_GROWTH_FACTOR,
                GradScaler.DEFAULT_BACKOFF_FACTOR, GradScaler.DEFAULT_GROWTH_INTERVAL) : null;
    }

    /** The autocast dtype, or null for float32 training. */
    public DType autocast() { return autocast; }

    /** The loss scaler of float16 mixed precision, or null. */
    public GradScaler scaler() { return scaler; }

    /** Steps whose optimizer update the float16 loss scaler skipped (inf/NaN gradients) so far. */
    public long skippedSteps() { return skippedSteps; }

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
        if (autocast == null) {
            Tensor l = Objectives.loss(loss, model.forward(x), y);
            l.backward();
            optimizer.step();
            return l.item();
        }
        Tensor l;
        try (Autocast ac = Autocast.enable(x.device().type(), autocast)) {
            l = Objectives.loss(loss, model.forward(x), y);
        }
        if (scaler == null) {
            l.backward();
            optimizer.step();
        } else {
            scaler.scale(l).backward();
            if (!scaler.step(optimizer)) skippedSteps++;
            scaler.update();
        }
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
