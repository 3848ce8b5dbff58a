package org.sparkgrad.optim;

import java.util.ArrayList;
import java.util.List;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.Tensor;

/**
 * Gradient clipping, as {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_} (PyTorch 1.13 and 2.x).
 * Both modify the parameters' {@code grad()} in place and skip parameters without a gradient.
 */
public final class ClipGrad {
    private ClipGrad() {}

    /** {@link #clipGradNorm(Iterable, double, double, boolean)} with the 2-norm and no finiteness check. */
    public static double clipGradNorm(Iterable<Tensor> params, double maxNorm) {
        return clipGradNorm(params, maxNorm, 2.0, false);
    }

    /** {@link #clipGradNorm(Iterable, double, double, boolean)} without the finiteness check. */
    public static double clipGradNorm(Iterable<Tensor> params, double maxNorm, double normType) {
        return clipGradNorm(params, maxNorm, normType, false);
    }

    /**
     * Rescales all gradients together so that their total norm is at most {@code maxNorm}. The total norm is
     * the {@code normType}-norm of the vector of per-parameter gradient norms (i.e. of all gradient elements
     * concatenated); {@code normType = Double.POSITIVE_INFINITY} uses the largest absolute element. Each
     * gradient is multiplied by {@code min(1, maxNorm / (total + 1e-6))}, exactly as PyTorch.
     *
     * @param normType          a positive p, or positive infinity
     * @param errorIfNonfinite  throw when the total norm is NaN or infinite (the gradients are then left unchanged)
     * @return the total norm of the gradients before clipping (0 when no parameter has a gradient)
     * @throws IllegalArgumentException for a non-positive normType or a negative maxNorm
     * @throws ArithmeticException      for a non-finite total norm when {@code errorIfNonfinite}
     */
    public static double clipGradNorm(Iterable<Tensor> params, double maxNorm, double normType, boolean errorIfNonfinite) {
        if (!(normType > 0)) throw new IllegalArgumentException("clip_grad_norm: normType must be positive or infinity, got " + normType);
        if (!(maxNorm >= 0)) throw new IllegalArgumentException("clip_grad_norm: maxNorm must be >= 0, got " + maxNorm);
        List<Tensor> grads = grads(params);
        if (grads.isEmpty()) return 0.0;
        double total;
        try (GradMode.Guard g = GradMode.noGrad()) {
            boolean inf = normType == Double.POSITIVE_INFINITY;
            double acc = 0;
            for (Tensor gr : grads) {
                double n = gr.norm(normType).item();
                if (inf) acc = Double.isNaN(n) || Double.isNaN(acc) ? Double.NaN : Math.max(acc, n);
                else acc += normType == 2 ? n * n : (normType == 1 ? n : Math.pow(n, normType));
            }
            total = inf || normType == 1 ? acc : (normType == 2 ? Math.sqrt(acc) : Math.pow(acc, 1 / normType));
            if (errorIfNonfinite && !Double.isFinite(total)) {
                throw new ArithmeticException("The total norm of order " + normType + " for gradients from `parameters` is non-finite ("
                        + total + "), so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                        + "anyway, pass errorIfNonfinite=false");
            }
            double coef = Math.min(1.0, maxNorm / (total + 1e-6));
            for (Tensor gr : grads) gr.mul_(coef);
        }
        return total;
    }

    /**
     * Clamps every gradient element to {@code [-clipValue, clipValue]} in place.
     *
     * @throws IllegalArgumentException for a negative clipValue
     */
    public static void clipGradValue(Iterable<Tensor> params, double clipValue) {
        if (!(clipValue >= 0)) throw new IllegalArgumentException("clip_grad_value: clipValue must be >= 0, got " + clipValue);
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (Tensor gr : grads(params)) gr.clamp_(-clipValue, clipValue);
        }
    }

    private static List<Tensor> grads(Iterable<Tensor> params) {
        List<Tensor> l = new ArrayList<>();
        for (Tensor p : params) if (p.grad() != null) l.add(p.grad());
        return l;
    }
}
