package org.sparkgrad.optim;

import java.util.List;
import org.sparkgrad.tensor.Tensor;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019, "Decoupled Weight Decay
 * Regularization"), exactly as {@code torch.optim.AdamW} of PyTorch 1.13 and 2.x ({@code foreach=False}). Per
 * parameter, at step {@code t}: first {@code p = p * (1 - lr * weight_decay)}, then the {@link Adam} update
 * without L2 term (AMSGrad and maximize as in Adam).
 *
 * <p>State as {@link Adam}. Options: {@code lr} 1e-3, {@code betas} [0.9, 0.999], {@code eps} 1e-8,
 * {@code weight_decay} <b>1e-2</b>, {@code amsgrad} false, {@code maximize} false.
 * <pre>{@code new AdamW(model.parameters()).lr(1e-3).weightDecay(0.1)}</pre>
 */
public final class AdamW extends AdamCore {

    /** AdamW over {@code params} with the default options. */
    public AdamW(Iterable<Tensor> params) { super(params, 1e-2, true); }

    /** AdamW over parameter groups (groups take the defaults for options they lack). */
    public AdamW(List<ParamGroup> groups) { super(groups, 1e-2, true); }

    /** Learning rate ({@code >= 0}). */
    public AdamW lr(double lr) {
        checkNonNegative("learning rate", lr);
        setDefault("lr", lr);
        return this;
    }

    /** Coefficients of the running averages of the gradient and its square, each in {@code [0, 1)}. */
    public AdamW betas(double beta1, double beta2) {
        checkBetas(beta1, beta2);
        setDefault("betas", List.of(beta1, beta2));
        return this;
    }

    /** Term added to the denominator ({@code >= 0}). */
    public AdamW eps(double eps) {
        checkNonNegative("epsilon value", eps);
        setDefault("eps", eps);
        return this;
    }

    /** Decoupled weight decay coefficient ({@code >= 0}). */
    public AdamW weightDecay(double weightDecay) {
        checkNonNegative("weight_decay value", weightDecay);
        setDefault("weight_decay", weightDecay);
        return this;
    }

    /** Use the AMSGrad variant. */
    public AdamW amsgrad(boolean amsgrad) {
        setDefault("amsgrad", amsgrad);
        return this;
    }

    /** Maximize the objective instead of minimizing it. */
    public AdamW maximize(boolean maximize) {
        setDefault("maximize", maximize);
        return this;
    }
}
