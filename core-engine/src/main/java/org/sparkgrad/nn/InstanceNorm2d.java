package org.sparkgrad.nn;

/**
 * Instance normalisation of (N, C, H, W) or unbatched (C, H, W) (PyTorch's {@code nn.InstanceNorm2d}); see {@link InstanceNorm} for the
 * semantics, state names and defaults (eps 1e-5, momentum 0.1, affine false, no running statistics).
 */
public class InstanceNorm2d extends InstanceNorm {
    /** {@code InstanceNorm2d(numFeatures)} with PyTorch's defaults. */
    public InstanceNorm2d(int numFeatures) { this(numFeatures, 1e-5, 0.1, false, false); }

    /** @see InstanceNorm#InstanceNorm(int, double, double, boolean, boolean) */
    public InstanceNorm2d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override protected int noBatchDim() { return 3; }
}
