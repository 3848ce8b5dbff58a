package org.sparkgrad.nn;

/** PyTorch's (deprecated) {@code nn.UpsamplingNearest2d}: {@link Upsample} with mode nearest. */
public class UpsamplingNearest2d extends Upsample {
    /** Nearest; give {@code size} or {@code scaleFactor} (the other null). */
    public UpsamplingNearest2d(int[] size, double[] scaleFactor) { super(size, scaleFactor, "nearest", null, null); }

    /** {@code UpsamplingNearest2d(scale_factor=scaleFactor)}. */
    public UpsamplingNearest2d(double scaleFactor) { this(null, new double[] {scaleFactor}); }
}
