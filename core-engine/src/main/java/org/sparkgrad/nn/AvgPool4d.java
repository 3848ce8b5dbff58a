package org.sparkgrad.nn;

/**
 * 4-D average pooling (no PyTorch class; avg_pool3d with one more spatial dim) of {@code (N, C, T, D, H, W)} or unbatched input.
 * See {@link AvgPoolNd}.
 */
public class AvgPool4d extends AvgPoolNd {
    /** Stride = kernel size, no padding. */
    public AvgPool4d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** One kernel size, stride and padding for all dims; padding counted in the divisor. */
    public AvgPool4d(int kernelSize, int stride, int padding) {
        super(4, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, false, true, null);
    }

    /** Every argument (null arrays = defaults: stride = kernel, padding 0; null divisor = PyTorch's rule). */
    public AvgPool4d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        super(4, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }
}
