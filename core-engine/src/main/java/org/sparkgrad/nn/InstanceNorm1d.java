package org.sparkgrad.nn;

/**
 * Instance normalisation of (N, C, L) or unbatched (C, L) (PyTorch's {@code nn.InstanceNorm1d}); see {@link InstanceNorm} for the
 * semantics, state names and defaults (eps 1e-5, momentum 0.1, affine false, no running statistics).
 */
public class InstanceNorm1d extends InstanceNorm {
    /** {@code InstanceNorm1d(numFeatures)} with PyTorch's defaults. */
    public InstanceNorm1d(int numFeatures) { this(numFeatures, 1e-5, 0.1, false, false); }

    /** @see InstanceNorm#InstanceNorm(int, double, double, boolean, boolean) */
    public InstanceNorm1d(int numFeatures, double eps, double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override protected int noBatchDim() { return 2; }
}
