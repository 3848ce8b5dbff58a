package org.sparkgrad.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.Tensor;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum, L2 weight decay and
 * maximization: {@code torch.optim.SGD} of PyTorch 1.13 and 2.x ({@code foreach=False}). Per parameter, with gradient
 * {@code g} (negated when {@code maximize}):
 * <pre>
 *   g = g + weight_decay * p                          (if weight_decay != 0)
 *   b = g (first step), else b = momentum * b + (1 - dampening) * g    (if momentum != 0)
 *   g = g + momentum * b (nesterov), else g = b       (if momentum != 0)
 *   p = p - lr * g
 * </pre>
 * Nesterov momentum as formulated by Sutskever et al. (2013), "On the importance of initialization and
 * momentum in deep learning". State per parameter: {@code momentum_buffer} (when momentum != 0).
 *
 * <p>Options (keys of {@link ParamGroup}): {@code lr} 1e-3 (PyTorch 2.x's default; 1.13 had none), {@code momentum} 0,
 * {@code dampening} 0, {@code weight_decay} 0, {@code nesterov} false, {@code maximize} false.
 * <pre>{@code new SGD(model.parameters(), 0.1).momentum(0.9).nesterov(true).weightDecay(5e-4)}</pre>
 */
public final class SGD extends Optimizer {

    /** SGD over {@code params} with PyTorch 2.x's default learning rate 1e-3. */
    public SGD(Iterable<Tensor> params) {
        this(params, 1e-3);
    }

    /** SGD over parameter groups; groups without their own {@code lr} get PyTorch 2.x's default 1e-3. */
    public SGD(List<ParamGroup> groups) {
        this(groups, 1e-3);
    }

    /**
     * SGD over {@code params} with learning rate {@code lr}.
     *
     * @throws IllegalArgumentException for a negative lr or bad parameters (see {@link Optimizer})
     */
    public SGD(Iterable<Tensor> params, double lr) {
        super(params, initialDefaults(lr));
    }

    /** SGD over parameter groups; {@code lr} is the default for groups without their own. */
    public SGD(List<ParamGroup> groups, double lr) {
        super(groups, initialDefaults(lr));
    }

    private static Map<String, Object> initialDefaults(double lr) {
        checkNonNegative("learning rate", lr);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", lr);
        d.put("momentum", 0.0);
        d.put("dampening", 0.0);
        d.put("weight_decay", 0.0);
        d.put("nesterov", false);
        d.put("maximize", false);
        return d;
    }

    /** Learning rate ({@code >= 0}). */
    public SGD lr(double lr) {
        checkNonNegative("learning rate", lr);
        setDefault("lr", lr);
        return this;
    }

    /** Momentum factor ({@code >= 0}; 0 disables momentum). */
    public SGD momentum(double momentum) {
        checkNonNegative("momentum value", momentum);
        setDefault("momentum", momentum);
        return this;
    }

    /** Dampening of the momentum's gradient term. */
    public SGD dampening(double dampening) {
        setDefault("dampening", dampening);
        return this;
    }

    /** L2 penalty added to the gradient ({@code >= 0}). */
    public SGD weightDecay(double weightDecay) {
        checkNonNegative("weight_decay value", weightDecay);
        setDefault("weight_decay", weightDecay);
        return this;
    }

    /** Nesterov momentum (needs momentum &gt; 0 and zero dampening, checked at {@link #step()}). */
    public SGD nesterov(boolean nesterov) {
        setDefault("nesterov", nesterov);
        return this;
    }

    /** Maximize the objective instead of minimizing it. */
    public SGD maximize(boolean maximize) {
        setDefault("maximize", maximize);
        return this;
    }

    @Override protected void validate(ParamGroup g) {
        checkNonNegative("learning rate", g.getDouble("lr"));
        checkNonNegative("momentum value", g.getDouble("momentum"));
        checkNonNegative("weight_decay value", g.getDouble("weight_decay"));
        if (g.getBoolean("nesterov") && (g.getDouble("momentum") <= 0 || g.getDouble("dampening") != 0)) {
            throw new IllegalArgumentException("Nesterov momentum requires a momentum and zero dampening (momentum "
                    + g.getDouble("momentum") + ", dampening " + g.getDouble("dampening") + ")");
        }
    }

    @Override protected void update(Tensor p, Tensor grad, Map<String, Object> state, ParamGroup g) {
        double lr = g.getDouble("lr"), momentum = g.getDouble("momentum"), dampening = g.getDouble("dampening");
        double wd = g.getDouble("weight_decay");
        Tensor d = g.getBoolean("maximize") ? grad.neg() : grad;
        if (wd != 0) d = d.add(p, wd);
        if (momentum != 0) {
            Object b = state.get("momentum_buffer");
            Tensor buf;
            if (b instanceof Tensor) {
                buf = (Tensor) b;
                buf.mul_(momentum).add_(d, 1 - dampening);
            } else {
                buf = d.contiguousCopy();
                state.put("momentum_buffer", buf);
            }
            d = g.getBoolean("nesterov") ? d.add(buf, momentum) : buf;
        }
        p.add_(d, -lr);
    }
}
