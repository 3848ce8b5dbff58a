package org.sparkgrad.nn;

import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Batch normalisation (Ioffe and Szegedy 2015), the common base of {@link BatchNorm1d}, {@link BatchNorm2d} and
 * {@link BatchNorm3d} (PyTorch's {@code _BatchNorm}). Input {@code (N, C, *)}: in training, each channel is normalised
 * with the batch mean and biased batch variance over every dim but 1, and the running statistics are updated in place,
 * {@code running = (1 - momentum) * running + momentum * stat} with the <b>unbiased</b> variance for
 * {@code running_var} (with {@code momentum = null}, a cumulative average: factor {@code 1 / num_batches_tracked});
 * in evaluation the running statistics are used (batch statistics when they are not tracked). Then
 * {@code y = xhat * weight + bias}.
 *
 * <p>State, named as PyTorch's: parameters {@code weight} (ones) and {@code bias} (zeros) when {@code affine};
 * buffers {@code running_mean} (zeros), {@code running_var} (ones) and {@code num_batches_tracked} (int64, 0-d) when
 * {@code trackRunningStats}.
 */
public abstract class BatchNorm extends NormBase {
    /** The running-average factor; null = cumulative moving average. */
    public final Double momentum;

    /**
     * @param numFeatures       channels C
     * @param eps               added to the variance (default 1e-5)
     * @param momentum          running-average factor (default 0.1), or null for a cumulative average
     * @param affine            learn per-channel weight and bias
     * @param trackRunningStats keep running statistics (used in evaluation)
     * @throws IllegalArgumentException for a non-positive feature count
     */
    protected BatchNorm(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, affine, trackRunningStats);
        this.momentum = momentum;
    }

    /** Checks the input rank; throws {@link IllegalArgumentException} naming the expected dims and the shape. */
    protected abstract void checkInputDim(Tensor x);

    /**
     * @throws IllegalArgumentException for an input of the wrong rank or channel count (naming the shape)
     */
    @Override public Tensor forward(Tensor x) {
        checkInputDim(x);
        if (x.size(1) != numFeatures) {
            throw new IllegalArgumentException(getClass().getSimpleName() + "(" + numFeatures + "): expected " + numFeatures
                    + " channels in dim 1, got input of shape " + Shape.str(x.shapeRef()));
        }
        double factor = momentum == null ? 0.0 : momentum;
        if (isTraining() && trackRunningStats) {
            Tensor nbt = numBatchesTracked();
            try (GradMode.Guard g = GradMode.noGrad()) {
                nbt.add_(Tensor.scalar(1, DType.INT64));
            }
            if (momentum == null) factor = 1.0 / nbt.item();
        }
        boolean bnTraining = isTraining() || runningMean() == null;
        boolean passStats = !isTraining() || trackRunningStats;
        return F.batchNorm(x, passStats ? runningMean() : null, passStats ? runningVar() : null, weight, bias, bnTraining, factor, eps);
    }

    @Override public String extraRepr() {
        return numFeatures + ", eps=" + ReprUtil.num(eps) + ", momentum=" + (momentum == null ? "None" : ReprUtil.num(momentum))
                + ", affine=" + (affine ? "True" : "False") + ", track_running_stats=" + (trackRunningStats ? "True" : "False");
    }
}
