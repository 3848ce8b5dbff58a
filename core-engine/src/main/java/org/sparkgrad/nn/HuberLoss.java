package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/**
 * Huber loss, quadratic below {@code delta} (PyTorch's {@code nn.HuberLoss(reduction='mean', delta=1.0)}); see
 * {@link Losses#huberLoss(Tensor, Tensor, Losses.Reduction, double)}.
 */
public class HuberLoss extends Loss {
    /** Where the loss turns from quadratic to linear (default 1). */
    public final double delta;

    /** {@code HuberLoss()}: reduction "mean", delta 1. */
    public HuberLoss() { this("mean", 1.0); }

    /**
     * @param reduction none, mean or sum
     * @param delta     threshold between the quadratic and linear parts, {@code > 0} (checked at the call, as PyTorch)
     */
    public HuberLoss(String reduction, double delta) {
        super(reduction);
        this.delta = delta;
    }

    @Override public Tensor forward(Tensor input, Tensor target) { return Losses.huberLoss(input, target, reductionMode(), delta); }
}
