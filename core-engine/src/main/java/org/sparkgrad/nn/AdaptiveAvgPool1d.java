package org.sparkgrad.nn;

/**
 * 1-D adaptive avg pooling (PyTorch {@code nn.AdaptiveAvgPool1d}) of {@code (N, C, L)} or unbatched input.
 * See {@link AdaptiveAvgPoolNd}.
 */
public class AdaptiveAvgPool1d extends AdaptiveAvgPoolNd {
    /** The same output size in every dim. */
    public AdaptiveAvgPool1d(int outputSize) {
        super(1, new int[] {outputSize});
    }

    /** One output size per dim (1 values; -1 keeps that input size). */
    public AdaptiveAvgPool1d(int[] outputSize) {
        super(1, outputSize);
    }
}
