package org.sparkgrad.nn;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Instance normalisation (Ulyanov et al. 2016), the common base of {@link InstanceNorm1d}, {@link InstanceNorm2d} and
 * {@link InstanceNorm3d} (PyTorch's {@code _InstanceNorm}). Input {@code (N, C, *)} or unbatched {@code (C, *)}: each
 * (sample, channel) plane is normalised over its spatial dims with its own mean and biased variance, then
 * {@code y = xhat * weight + bias}. With {@code trackRunningStats}, training updates {@code running_mean} and
 * {@code running_var} as {@link F#instanceNorm} describes (unbiased plane variances averaged over the batch) and
 * evaluation normalises with them; without it, evaluation uses the input's statistics too.
 *
 * <p>Defaults as PyTorch: eps 1e-5, momentum 0.1, <b>affine false</b>, <b>trackRunningStats false</b>. State, named as
 * PyTorch's: parameters {@code weight} (ones) and {@code bias} (zeros) when affine; buffers {@code running_mean}
 * (zeros), {@code running_var} (ones) and {@code num_batches_tracked} (int64, 0-d; PyTorch registers it but instance
 * norm never advances it) when tracking.
 */
public abstract class InstanceNorm extends NormBase {
    private static final Logger LOG = LoggerFactory.getLogger(InstanceNorm.class);

    /** Running-average factor of the tracked statistics (default 0.1). */
    public final double momentum;

    /**
     * @param numFeatures       channels C
     * @param eps               added to the variance (default 1e-5)
     * @param momentum          running-average factor (default 0.1)
     * @param affine            learn per-channel weight and bias (default false)
     * @param trackRunningStats keep running statistics for evaluation (default false)
     * @throws IllegalArgumentException for a non-positive feature count
     */
    protected InstanceNorm(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, affine, trackRunningStats);
        this.momentum = momentum;
    }

    /** Rank of an unbatched input: 2 for 1d ({@code (C, L)}), 3 for 2d, 4 for 3d. */
    protected abstract int noBatchDim();

    /**
     * @throws IllegalArgumentException for an input of the wrong rank, or, when affine, a channel count other than
     *                                  numFeatures (naming the shape); without affine a mismatch is only logged, as
     *                                  PyTorch only warns
     */
    @Override public Tensor forward(Tensor x) {
        int nb = noBatchDim();
        if (x.dim() != nb && x.dim() != nb + 1) {
            throw new IllegalArgumentException("expected " + nb + "D or " + (nb + 1) + "D input (got " + x.dim() + "D input of shape "
                    + Shape.str(x.shapeRef()) + ")");
        }
        int featureDim = x.dim() - nb;
        if (x.size(featureDim) != numFeatures) {
            if (affine) {
                throw new IllegalArgumentException("expected input's size at dim=" + featureDim + " to match num_features (" + numFeatures
                        + "), but got: " + x.size(featureDim) + " (input shape " + Shape.str(x.shapeRef()) + ").");
            }
            LOG.warn("{}: input's size at dim={} does not match num_features ({}), got input of shape {}; num_features is not used "
                    + "because affine=False", getClass().getSimpleName(), featureDim, numFeatures, Shape.str(x.shapeRef()));
        }
        if (x.dim() == nb) return apply(x.unsqueeze(0)).squeeze(0);
        return apply(x);
    }

    private Tensor apply(Tensor x) {
        return F.instanceNorm(x, runningMean(), runningVar(), weight, bias, isTraining() || !trackRunningStats, momentum, eps);
    }

    @Override public String extraRepr() {
        return numFeatures + ", eps=" + ReprUtil.num(eps) + ", momentum=" + ReprUtil.num(momentum) + ", affine=" + (affine ? "True" : "False")
                + ", track_running_stats=" + (trackRunningStats ? "True" : "False");
    }
}
