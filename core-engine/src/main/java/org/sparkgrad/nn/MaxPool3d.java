package org.sparkgrad.nn;

/**
 * 3-D max pooling (PyTorch {@code nn.MaxPool3d}) of {@code (N, C, D, H, W)} or unbatched input.
 * See {@link MaxPoolNd}.
 */
public class MaxPool3d extends MaxPoolNd {
    /** Stride = kernel size, no padding. */
    public MaxPool3d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** One kernel size, stride and padding for all dims. */
    public MaxPool3d(int kernelSize, int stride, int padding) {
        super(3, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, false);
    }

    /** Every argument (null arrays = defaults: stride = kernel, padding 0, dilation 1). */
    public MaxPool3d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        super(3, kernelSize, stride, padding, dilation, ceilMode);
    }
}
