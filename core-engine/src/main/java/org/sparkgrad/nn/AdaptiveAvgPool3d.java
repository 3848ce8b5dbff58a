package org.sparkgrad.nn;

/**
 * 3-D adaptive avg pooling (PyTorch {@code nn.AdaptiveAvgPool3d}) of {@code (N, C, D, H, W)} or unbatched input.
 * See {@link AdaptiveAvgPoolNd}.
 */
public class AdaptiveAvgPool3d extends AdaptiveAvgPoolNd {
    /** The same output size in every dim. */
    public AdaptiveAvgPool3d(int outputSize) {
        super(3, new int[] {outputSize});
    }

    /** One output size per dim (3 values; -1 keeps that input size). */
    public AdaptiveAvgPool3d(int[] outputSize) {
        super(3, outputSize);
    }
}
