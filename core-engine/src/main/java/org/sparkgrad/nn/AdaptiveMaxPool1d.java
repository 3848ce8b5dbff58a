package org.sparkgrad.nn;

/**
 * 1-D adaptive max pooling (PyTorch {@code nn.AdaptiveMaxPool1d}) of {@code (N, C, L)} or unbatched input.
 * See {@link AdaptiveMaxPoolNd}.
 */
public class AdaptiveMaxPool1d extends AdaptiveMaxPoolNd {
    /** The same output size in every dim. */
    public AdaptiveMaxPool1d(int outputSize) {
        super(1, new int[] {outputSize});
    }

    /** One output size per dim (1 values; -1 keeps that input size). */
    public AdaptiveMaxPool1d(int[] outputSize) {
        super(1, outputSize);
    }
}
