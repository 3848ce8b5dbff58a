package org.sparkgrad.nn;

/**
 * 3-D average pooling (PyTorch {@code nn.AvgPool3d}) of {@code (N, C, D, H, W)} or unbatched input.
 * See {@link AvgPoolNd}.
 */
public class AvgPool3d extends AvgPoolNd {
    /** Stride = kernel size, no padding. */
    public AvgPool3d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** One kernel size, stride and padding for all dims; padding counted in the divisor. */
    public AvgPool3d(int kernelSize, int stride, int padding) {
        super(3, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, false, true, null);
    }

    /** Every argument (null arrays = defaults: stride = kernel, padding 0; null divisor = PyTorch's rule). */
    public AvgPool3d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        super(3, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }
}
