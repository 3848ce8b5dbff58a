package org.sparkgrad.nn;

/**
 * Instance normalisation of (N, C, D, H, W) or unbatched (C, D, H, W) (PyTorch's {@code nn.InstanceNorm3d}); see {@link InstanceNorm} for the
 * semantics, state names and defaults (eps 1e-5, momentum 0.1, affine false, no running statistics).
 */
public class InstanceNorm3d extends InstanceNorm {
    /** {@code InstanceNorm3d(numFeatures)} with PyTorch's defaults. */
    public InstanceNorm3d(int numFeatures) { this(numFeatures, 1e-5, 0.1, false, false); }

    /** @see InstanceNorm#InstanceNorm(int, double, double, boolean, boolean) */
    public InstanceNorm3d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override protected int noBatchDim() { return 4; }
}
