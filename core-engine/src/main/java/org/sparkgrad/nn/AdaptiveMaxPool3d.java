package org.sparkgrad.nn;

/**
 * 3-D adaptive max pooling (PyTorch {@code nn.AdaptiveMaxPool3d}) of {@code (N, C, D, H, W)} or unbatched input.
 * See {@link AdaptiveMaxPoolNd}.
 */
public class AdaptiveMaxPool3d extends AdaptiveMaxPoolNd {
    /** The same output size in every dim. */
    public AdaptiveMaxPool3d(int outputSize) {
        super(3, new int[] {outputSize});
    }

    /** One output size per dim (3 values; -1 keeps that input size). */
    public AdaptiveMaxPool3d(int[] outputSize) {
        super(3, outputSize);
    }
}
