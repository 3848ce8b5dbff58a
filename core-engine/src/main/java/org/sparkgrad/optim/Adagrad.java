package org.sparkgrad.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.Tensor;

/**
 * Adagrad (Duchi, Hazan &amp; Singer 2011, "Adaptive Subgradient Methods for Online Learning and Stochastic
 * Optimization"), exactly as {@code torch.optim.Adagrad} of PyTorch 1.13 and 2.x ({@code foreach=False}, dense
 * gradients). Per parameter, at step {@code t} with gradient {@code g} (negated when {@code maximize}):
 * <pre>
 *   g = g + weight_decay * p                     (if weight_decay != 0)
 *   clr = lr / (1 + (t - 1) * lr_decay)
 *   s = s + g * g                                (s starts at initial_accumulator_value)
 *   p = p - clr * g / (sqrt(s) + eps)
 * </pre>
 * State per parameter: {@code step} (Long), {@code sum}. Options: {@code lr} 1e-2, {@code lr_decay} 0,
 * {@code weight_decay} 0, {@code initial_accumulator_value} 0, {@code eps} 1e-10, {@code maximize} false.
 * The accumulator is created at a parameter's first update (PyTorch creates it in the constructor; the
 * values are the same).
 * <pre>{@code new Adagrad(model.parameters()).lr(0.1).lrDecay(1e-3)}</pre>
 */
public final class Adagrad extends Optimizer {

    /** Adagrad over {@code params} with the default options. */
    public Adagrad(Iterable<Tensor> params) { super(params, initialDefaults()); }

    /** Adagrad over parameter groups (groups take the defaults for options they lack). */
    public Adagrad(List<ParamGroup> groups) { super(groups, initialDefaults()); }

    private static Map<String, Object> initialDefaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", 1e-2);
        d.put("lr_decay", 0.0);
        d.put("weight_decay", 0.0);
        d.put("initial_accumulator_value", 0.0);
        d.put("eps", 1e-10);
        d.put("maximize", false);
        return d;
    }

    /** Learning rate ({@code >= 0}). */
    public Adagrad lr(double lr) {
        checkNonNegative("learning rate", lr);
        setDefault("lr", lr);
        return this;
    }

    /** Learning-rate decay per step ({@code >= 0}). */
    public Adagrad lrDecay(double lrDecay) {
        checkNonNegative("lr_decay value", lrDecay);
        setDefault("lr_decay", lrDecay);
        return this;
    }

    /** L2 penalty added to the gradient ({@code >= 0}). */
    public Adagrad weightDecay(double weightDecay) {
        checkNonNegative("weight_decay value", weightDecay);
        setDefault("weight_decay", weightDecay);
        return this;
    }

    /** Starting value of the squared-gradient accumulator ({@code >= 0}). */
    public Adagrad initialAccumulatorValue(double value) {
        checkNonNegative("initial_accumulator_value value", value);
        setDefault("initial_accumulator_value", value);
        return this;
    }

    /** Term added to the denominator ({@code >= 0}). */
    public Adagrad eps(double eps) {
        checkNonNegative("epsilon value", eps);
        setDefault("eps", eps);
        return this;
    }

    /** Maximize the objective instead of minimizing it. */
    public Adagrad maximize(boolean maximize) {
        setDefault("maximize", maximize);
        return this;
    }

    @Override protected void validate(ParamGroup g) {
        checkNonNegative("learning rate", g.getDouble("lr"));
        checkNonNegative("lr_decay value", g.getDouble("lr_decay"));
        checkNonNegative("weight_decay value", g.getDouble("weight_decay"));
        checkNonNegative("initial_accumulator_value value", g.getDouble("initial_accumulator_value"));
        checkNonNegative("epsilon value", g.getDouble("eps"));
    }

    @Override protected void update(Tensor p, Tensor grad, Map<String, Object> state, ParamGroup g) {
        double lr = g.getDouble("lr"), lrDecay = g.getDouble("lr_decay"), wd = g.getDouble("weight_decay");
        double eps = g.getDouble("eps");
        Tensor sum = stateTensor(state, "sum", p, g.getDouble("initial_accumulator_value"));
        long step = stepCount(state) + 1;
        state.put("step", step);

        Tensor gr = g.getBoolean("maximize") ? grad.neg() : grad;
        if (wd != 0) gr = gr.add(p, wd);
        double clr = lr / (1 + (step - 1) * lrDecay);
        InPlace.addcmul(sum, gr, gr, 1);
        Tensor std = sum.sqrt().add_(eps);
        InPlace.addcdiv(p, gr, std, -clr);
    }
}
