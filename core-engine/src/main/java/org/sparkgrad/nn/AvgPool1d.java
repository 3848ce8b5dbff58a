package org.sparkgrad.nn;

/**
 * 1-D average pooling (PyTorch {@code nn.AvgPool1d}) of {@code (N, C, L)} or unbatched input.
 * See {@link AvgPoolNd}.
 */
public class AvgPool1d extends AvgPoolNd {
    /** Stride = kernel size, no padding. */
    public AvgPool1d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** One kernel size, stride and padding for all dims; padding counted in the divisor. */
    public AvgPool1d(int kernelSize, int stride, int padding) {
        super(1, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, false, true, null);
    }

    /** Every argument (null arrays = defaults: stride = kernel, padding 0; null divisor = PyTorch's rule). */
    public AvgPool1d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        super(1, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }
}
