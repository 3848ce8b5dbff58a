package org.sparkgrad.nn;

import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * State shared by batch and instance normalisation, PyTorch's {@code _NormBase}: parameters {@code weight} (ones,
 * {@code (C)}) and {@code bias} (zeros, {@code (C)}) when {@code affine}; buffers {@code running_mean} (zeros),
 * {@code running_var} (ones) and {@code num_batches_tracked} (int64, 0-d) when {@code trackRunningStats}, all float32
 * on the CPU until moved with {@link Module#to}.
 */
public abstract class NormBase extends Module {
    /** Channels C. */
    public final int numFeatures;
    /** Added to the variance. */
    public final double eps;
    /** Learned per-channel weight and bias; running statistics kept. */
    public final boolean affine, trackRunningStats;
    /** Per-channel scale (ones) and shift (zeros), {@code (C)}; null unless affine. */
    public final Tensor weight, bias;

    /**
     * @param numFeatures       channels C
     * @param eps               added to the variance
     * @param affine            learn per-channel weight and bias
     * @param trackRunningStats keep running statistics
     * @throws IllegalArgumentException for a non-positive feature count
     */
    protected NormBase(int numFeatures, double eps, boolean affine, boolean trackRunningStats) {
        if (numFeatures <= 0) throw new IllegalArgumentException("num_features must be positive, got " + numFeatures);
        this.numFeatures = numFeatures;
        this.eps = eps;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        this.weight = registerParameter("weight", affine ? Tensor.ones(numFeatures) : null);
        this.bias = registerParameter("bias", affine ? Tensor.zeros(numFeatures) : null);
        registerBuffer("running_mean", trackRunningStats ? Tensor.zeros(numFeatures) : null);
        registerBuffer("running_var", trackRunningStats ? Tensor.ones(numFeatures) : null);
        registerBuffer("num_batches_tracked", trackRunningStats ? Tensor.scalar(0, DType.INT64) : null);
    }

    /** The running mean buffer {@code (C)} (null when not tracked). */
    public Tensor runningMean() { return buffer("running_mean"); }

    /** The running variance buffer {@code (C)} (null when not tracked). */
    public Tensor runningVar() { return buffer("running_var"); }

    /** The number of training batches seen (0-d int64; null when not tracked). */
    public Tensor numBatchesTracked() { return buffer("num_batches_tracked"); }

    /** Resets the running statistics to mean 0, variance 1 and the batch count to 0 (no-op when not tracked). */
    public void resetRunningStats() {
        if (!trackRunningStats) return;
        try (GradMode.Guard g = GradMode.noGrad()) {
            runningMean().zero_();
            runningVar().fill_(1);
            numBatchesTracked().zero_();
        }
    }
}
