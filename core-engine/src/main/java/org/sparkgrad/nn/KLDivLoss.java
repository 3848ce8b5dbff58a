package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/**
 * Kullback-Leibler divergence with log-probability input (PyTorch's {@code nn.KLDivLoss(reduction='mean',
 * log_target=False)}); {@code "batchmean"} divides the sum by the batch size (the mathematically correct KL; PyTorch's
 * default "mean" divides by the element count). See {@link Losses#klDiv(Tensor, Tensor, Losses.Reduction, boolean)}.
 */
public class KLDivLoss extends Loss {
    /** Whether the target holds log-probabilities. */
    public final boolean logTarget;

    /** {@code KLDivLoss()}: reduction "mean", probabilities as target. */
    public KLDivLoss() { this("mean", false); }

    /**
     * @param reduction none, mean, sum or batchmean
     * @param logTarget the target holds log-probabilities
     */
    public KLDivLoss(String reduction, boolean logTarget) {
        super(reduction);
        this.logTarget = logTarget;
    }

    @Override boolean allowsBatchmean() { return true; }

    @Override public Tensor forward(Tensor input, Tensor target) { return Losses.klDiv(input, target, reductionMode(), logTarget); }
}
