package org.sparkgrad.nn;

/**
 * 2-D adaptive max pooling (PyTorch {@code nn.AdaptiveMaxPool2d}) of {@code (N, C, H, W)} or unbatched input.
 * See {@link AdaptiveMaxPoolNd}.
 */
public class AdaptiveMaxPool2d extends AdaptiveMaxPoolNd {
    /** The same output size in every dim. */
    public AdaptiveMaxPool2d(int outputSize) {
        super(2, new int[] {outputSize});
    }

    /** One output size per dim (2 values; -1 keeps that input size). */
    public AdaptiveMaxPool2d(int[] outputSize) {
        super(2, outputSize);
    }
}
