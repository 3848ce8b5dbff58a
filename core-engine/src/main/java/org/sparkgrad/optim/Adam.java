package org.sparkgrad.optim;

import java.util.List;
import org.sparkgrad.tensor.Tensor;

/**
 * Adam (Kingma &amp; Ba 2015, "Adam: A Method for Stochastic Optimization"), with the AMSGrad variant (Reddi et
 * al. 2018, "On the Convergence of Adam and Beyond") and L2 weight decay added to the gradient, exactly as
 * {@code torch.optim.Adam} of PyTorch 1.13 and 2.x ({@code foreach=False}). Per parameter, at step {@code t} with
 * gradient {@code g} (negated when {@code maximize}):
 * <pre>
 *   g = g + weight_decay * p                                   (if weight_decay != 0)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   vmax = max(vmax, v), used instead of v below                (amsgrad)
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 * State per parameter: {@code step} (Long), {@code exp_avg}, {@code exp_avg_sq}, {@code max_exp_avg_sq}
 * (amsgrad). Options: {@code lr} 1e-3, {@code betas} [0.9, 0.999], {@code eps} 1e-8, {@code weight_decay} 0,
 * {@code amsgrad} false, {@code maximize} false. For decoupled weight decay use {@link AdamW}.
 * <pre>{@code new Adam(model.parameters()).lr(3e-4).betas(0.9, 0.98).eps(1e-9)}</pre>
 */
public final class Adam extends AdamCore {

    /** Adam over {@code params} with the default options. */
    public Adam(Iterable<Tensor> params) { super(params, 0.0, false); }

    /** Adam over parameter groups (groups take the defaults for options they lack). */
    public Adam(List<ParamGroup> groups) { super(groups, 0.0, false); }

    /** Learning rate ({@code >= 0}). */
    public Adam lr(double lr) {
        checkNonNegative("learning rate", lr);
        setDefault("lr", lr);
        return this;
    }

    /** Coefficients of the running averages of the gradient and its square, each in {@code [0, 1)}. */
    public Adam betas(double beta1, double beta2) {
        checkBetas(beta1, beta2);
        setDefault("betas", List.of(beta1, beta2));
        return this;
    }

    /** Term added to the denominator ({@code >= 0}). */
    public Adam eps(double eps) {
        checkNonNegative("epsilon value", eps);
        setDefault("eps", eps);
        return this;
    }

    /** L2 penalty added to the gradient ({@code >= 0}). */
    public Adam weightDecay(double weightDecay) {
        checkNonNegative("weight_decay value", weightDecay);
        setDefault("weight_decay", weightDecay);
        return this;
    }

    /** Use the AMSGrad variant. */
    public Adam amsgrad(boolean amsgrad) {
        setDefault("amsgrad", amsgrad);
        return this;
    }

    /** Maximize the objective instead of minimizing it. */
    public Adam maximize(boolean maximize) {
        setDefault("maximize", maximize);
        return this;
    }
}
