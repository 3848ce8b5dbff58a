package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/**
 * Resizes {@code (N, C, W)}, {@code (N, C, H, W)} or {@code (N, C, D, H, W)} inputs to a fixed spatial size or by a
 * scale factor, PyTorch's {@code nn.Upsample(size, scale_factor, mode='nearest', align_corners=None,
 * recompute_scale_factor=None)}; see {@link F#interpolate(Tensor, int[], double[], String, Boolean, Boolean)} for the
 * modes and the index math. No parameters or buffers.
 */
public class Upsample extends Module {
    /** Output spatial size (one value per dim, or one for all), or null. */
    public final int[] size;
    /** Scale factor (one per dim, or one for all), or null. */
    public final double[] scaleFactor;
    /** nearest, nearest-exact, linear, bilinear, trilinear or area. */
    public final String mode;
    /** As {@code F.interpolate}'s {@code align_corners} and {@code recompute_scale_factor} (null = PyTorch's default). */
    public final Boolean alignCorners, recomputeScaleFactor;

    /**
     * @throws IllegalArgumentException for both or neither of size and scaleFactor (PyTorch raises on the first forward;
     *                                  here at construction)
     */
    public Upsample(int[] size, double[] scaleFactor, String mode, Boolean alignCorners, Boolean recomputeScaleFactor) {
        if (size != null && scaleFactor != null) throw new IllegalArgumentException("only one of size or scale_factor should be defined");
        if (size == null && scaleFactor == null) throw new IllegalArgumentException("either size or scale_factor should be defined");
        this.size = size == null ? null : size.clone();
        this.scaleFactor = scaleFactor == null ? null : scaleFactor.clone();
        this.mode = mode == null ? "nearest" : mode;
        this.alignCorners = alignCorners;
        this.recomputeScaleFactor = recomputeScaleFactor;
    }

    /** {@code Upsample(scale_factor=scaleFactor, mode=mode)} with the same factor for every spatial dim. */
    public Upsample(double scaleFactor, String mode) { this(null, new double[] {scaleFactor}, mode, null, null); }

    /** {@code Upsample(size=size, mode=mode)}. */
    public Upsample(int[] size, String mode) { this(size, null, mode, null, null); }

    @Override public Tensor forward(Tensor x) {
        return F.interpolate(x, size, scaleFactor, mode, alignCorners, recomputeScaleFactor);
    }

    /** As PyTorch: {@code scale_factor=2.0, mode=nearest} or {@code size=(4, 6), mode=bilinear}. */
    @Override public String extraRepr() {
        String info;
        if (scaleFactor != null) {
            if (scaleFactor.length == 1) {
                info = "scale_factor=" + ReprUtil.num(scaleFactor[0]);
            } else {
                StringBuilder b = new StringBuilder("scale_factor=(");
                for (int i = 0; i < scaleFactor.length; i++) b.append(i > 0 ? ", " : "").append(ReprUtil.num(scaleFactor[i]));
                info = b.append(')').toString();
            }
        } else {
            info = "size=" + (size.length == 1 ? String.valueOf(size[0]) : ReprUtil.tuple(size));
        }
        return info + ", mode=" + mode;
    }
}
