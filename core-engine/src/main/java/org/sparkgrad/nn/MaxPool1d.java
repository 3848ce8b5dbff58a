package org.sparkgrad.nn;

/**
 * 1-D max pooling (PyTorch {@code nn.MaxPool1d}) of {@code (N, C, L)} or unbatched input.
 * See {@link MaxPoolNd}.
 */
public class MaxPool1d extends MaxPoolNd {
    /** Stride = kernel size, no padding. */
    public MaxPool1d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** One kernel size, stride and padding for all dims. */
    public MaxPool1d(int kernelSize, int stride, int padding) {
        super(1, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, false);
    }

    /** Every argument (null arrays = defaults: stride = kernel, padding 0, dilation 1). */
    public MaxPool1d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        super(1, kernelSize, stride, padding, dilation, ceilMode);
    }
}
