package org.sparkgrad.nn;

import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Batch normalisation over a 5D input (N, C, D, H, W) (PyTorch's {@code nn.BatchNorm3d}); see {@link BatchNorm} for
 * the semantics, state names and defaults (eps 1e-5, momentum 0.1, affine, tracking running statistics).
 */
public class BatchNorm3d extends BatchNorm {
    /** {@code BatchNorm3d(numFeatures)} with PyTorch's defaults. */
    public BatchNorm3d(int numFeatures) { this(numFeatures, 1e-5, 0.1, true, true); }

    /** @see BatchNorm#BatchNorm(int, double, Double, boolean, boolean) */
    public BatchNorm3d(int numFeatures, double eps, Double momentum, boolean affine, boolean trackRunningStats) {
        super(numFeatures, eps, momentum, affine, trackRunningStats);
    }

    @Override protected void checkInputDim(Tensor x) {
        if (x.dim() != 5) {
            throw new IllegalArgumentException("expected 5D input (got " + x.dim() + "D input of shape " + Shape.str(x.shapeRef()) + ")");
        }
    }
}
