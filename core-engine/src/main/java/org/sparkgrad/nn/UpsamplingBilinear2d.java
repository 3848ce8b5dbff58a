package org.sparkgrad.nn;

/** PyTorch's (deprecated) {@code nn.UpsamplingBilinear2d}: {@link Upsample} with mode bilinear and align_corners true. */
public class UpsamplingBilinear2d extends Upsample {
    /** Bilinear with {@code align_corners = true}; give {@code size} or {@code scaleFactor} (the other null). */
    public UpsamplingBilinear2d(int[] size, double[] scaleFactor) { super(size, scaleFactor, "bilinear", true, null); }

    /** {@code UpsamplingBilinear2d(scale_factor=scaleFactor)}. */
    public UpsamplingBilinear2d(double scaleFactor) { this(null, new double[] {scaleFactor}); }
}
