package org.sparkgrad.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.Tensor;

/**
 * RMSprop (Tieleman &amp; Hinton 2012, Coursera lecture 6.5; centered variant from Graves 2013, "Generating
 * Sequences With Recurrent Neural Networks"), exactly as {@code torch.optim.RMSprop} of PyTorch 1.13 and 2.x
 * ({@code foreach=False}). Per parameter, with gradient {@code g} (negated when {@code maximize}):
 * <pre>
 *   g = g + weight_decay * p                                (if weight_decay != 0)
 *   v = alpha * v + (1 - alpha) * g * g
 *   centered: a = alpha * a + (1 - alpha) * g;  s = sqrt(v - a * a) + eps
 *   else:     s = sqrt(v) + eps
 *   momentum &gt; 0: b = momentum * b + g / s;  p = p - lr * b
 *   else:         p = p - lr * g / s
 * </pre>
 * State per parameter: {@code step} (Long), {@code square_avg}, {@code momentum_buffer} (momentum &gt; 0),
 * {@code grad_avg} (centered). Options: {@code lr} 1e-2, {@code alpha} 0.99, {@code eps} 1e-8,
 * {@code weight_decay} 0, {@code momentum} 0, {@code centered} false, {@code maximize} false.
 * <pre>{@code new RMSprop(model.parameters()).lr(1e-3).alpha(0.9).centered(true)}</pre>
 */
public final class RMSprop extends Optimizer {

    /** RMSprop over {@code params} with the default options. */
    public RMSprop(Iterable<Tensor> params) { super(params, initialDefaults()); }

    /** RMSprop over parameter groups (groups take the defaults for options they lack). */
    public RMSprop(List<ParamGroup> groups) { super(groups, initialDefaults()); }

    private static Map<String, Object> initialDefaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", 1e-2);
        d.put("alpha", 0.99);
        d.put("eps", 1e-8);
        d.put("weight_decay", 0.0);
        d.put("momentum", 0.0);
        d.put("centered", false);
        d.put("maximize", false);
        return d;
    }

    /** Learning rate ({@code >= 0}). */
    public RMSprop lr(double lr) {
        checkNonNegative("learning rate", lr);
        setDefault("lr", lr);
        return this;
    }

    /** Smoothing constant of the squared-gradient average ({@code >= 0}). */
    public RMSprop alpha(double alpha) {
        checkNonNegative("alpha value", alpha);
        setDefault("alpha", alpha);
        return this;
    }

    /** Term added to the denominator ({@code >= 0}). */
    public RMSprop eps(double eps) {
        checkNonNegative("epsilon value", eps);
        setDefault("eps", eps);
        return this;
    }

    /** L2 penalty added to the gradient ({@code >= 0}). */
    public RMSprop weightDecay(double weightDecay) {
        checkNonNegative("weight_decay value", weightDecay);
        setDefault("weight_decay", weightDecay);
        return this;
    }

    /** Momentum factor ({@code >= 0}). */
    public RMSprop momentum(double momentum) {
        checkNonNegative("momentum value", momentum);
        setDefault("momentum", momentum);
        return this;
    }

    /** Normalize by an estimate of the gradient's variance instead of its second moment. */
    public RMSprop centered(boolean centered) {
        setDefault("centered", centered);
        return this;
    }

    /** Maximize the objective instead of minimizing it. */
    public RMSprop maximize(boolean maximize) {
        setDefault("maximize", maximize);
        return this;
    }

    @Override protected void validate(ParamGroup g) {
        checkNonNegative("learning rate", g.getDouble("lr"));
        checkNonNegative("epsilon value", g.getDouble("eps"));
        checkNonNegative("momentum value", g.getDouble("momentum"));
        checkNonNegative("weight_decay value", g.getDouble("weight_decay"));
        checkNonNegative("alpha value", g.getDouble("alpha"));
    }

    @Override protected void update(Tensor p, Tensor grad, Map<String, Object> state, ParamGroup g) {
        double lr = g.getDouble("lr"), alpha = g.getDouble("alpha"), eps = g.getDouble("eps");
        double wd = g.getDouble("weight_decay"), momentum = g.getDouble("momentum");
        boolean centered = g.getBoolean("centered");
        Tensor squareAvg = stateTensor(state, "square_avg", p, 0);
        Tensor buf = momentum > 0 ? stateTensor(state, "momentum_buffer", p, 0) : null;
        Tensor gradAvg = centered ? stateTensor(state, "grad_avg", p, 0) : null;
        state.put("step", stepCount(state) + 1);

        Tensor gr = g.getBoolean("maximize") ? grad.neg() : grad;
        if (wd != 0) gr = gr.add(p, wd);
        InPlace.addcmul(squareAvg.mul_(alpha), gr, gr, 1 - alpha);
        Tensor avg;
        if (centered) {
            gradAvg.mul_(alpha).add_(gr, 1 - alpha);
            avg = squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
        } else {
            avg = squareAvg.sqrt();
        }
        avg.add_(eps);
        if (momentum > 0) {
            InPlace.addcdiv(buf.mul_(momentum), gr, avg, 1);
            p.add_(buf, -lr);
        } else {
            InPlace.addcdiv(p, gr, avg, -lr);
        }
    }
}
