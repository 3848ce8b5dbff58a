package org.sparkgrad.nn;

/**
 * 4-D max pooling (no PyTorch class; max_pool3d with one more spatial dim) of {@code (N, C, T, D, H, W)} or unbatched input.
 * See {@link MaxPoolNd}.
 */
public class MaxPool4d extends MaxPoolNd {
    /** Stride = kernel size, no padding. */
    public MaxPool4d(int kernelSize) {
        this(kernelSize, kernelSize, 0);
    }

    /** One kernel size, stride and padding for all dims. */
    public MaxPool4d(int kernelSize, int stride, int padding) {
        super(4, new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, false);
    }

    /** Every argument (null arrays = defaults: stride = kernel, padding 0, dilation 1). */
    public MaxPool4d(int[] kernelSize, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        super(4, kernelSize, stride, padding, dilation, ceilMode);
    }
}
