package org.sparkgrad.nn;

/**
 * 2-D adaptive avg pooling (PyTorch {@code nn.AdaptiveAvgPool2d}) of {@code (N, C, H, W)} or unbatched input.
 * See {@link AdaptiveAvgPoolNd}.
 */
public class AdaptiveAvgPool2d extends AdaptiveAvgPoolNd {
    /** The same output size in every dim. */
    public AdaptiveAvgPool2d(int outputSize) {
        super(2, new int[] {outputSize});
    }

    /** One output size per dim (2 values; -1 keeps that input size). */
    public AdaptiveAvgPool2d(int[] outputSize) {
        super(2, outputSize);
    }
}
