package org.sparkgrad.nn;

/**
 * 2-D max pooling (PyTorch {@code nn.MaxPool2d}) of {@code (N, C, H, W)} or unbatched input.
 * See {@link MaxPoolNd}.
 */
public class MaxPool2d extends MaxPoolNd {
    /** Stride = kernel size, no padding. */
    public MaxPool2d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** One kernel size, stride and padding for all dims. */
    public MaxPool2d(int kernelSize, int stride, int padding) {
        super(2, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, false);
    }

    /** Every argument (null arrays = defaults: stride = kernel, padding 0, dilation 1). */
    public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        super(2, kernelSize, stride, padding, dilation, ceilMode);
    }
}
