package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/**
 * Smooth L1 loss, quadratic below {@code beta} (PyTorch's {@code nn.SmoothL1Loss(reduction='mean', beta=1.0)}); see
 * {@link Losses#smoothL1Loss(Tensor, Tensor, Losses.Reduction, double)}.
 */
public class SmoothL1Loss extends Loss {
    /** Where the loss turns from quadratic to linear (default 1; 0 = L1). */
    public final double beta;

    /** {@code SmoothL1Loss()}: reduction "mean", beta 1. */
    public SmoothL1Loss() { this("mean", 1.0); }

    /**
     * @param reduction none, mean or sum
     * @param beta      threshold between the quadratic and linear parts, {@code >= 0} (checked at the call, as PyTorch)
     */
    public SmoothL1Loss(String reduction, double beta) {
        super(reduction);
        this.beta = beta;
    }

    @Override public Tensor forward(Tensor input, Tensor target) { return Losses.smoothL1Loss(input, target, reductionMode(), beta); }
}
