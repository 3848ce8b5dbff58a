package org.sparkgrad.cuda;

import java.util.Arrays;

/**
 * The N-d sliding-window geometry of convolution (im2col/col2im) and pooling: per spatial dim the input size,
 * kernel, stride, padding, dilation and output size, with PyTorch's output-size formulas. {@link #pack(int)}
 * writes {@code struct SgGeom} of {@code sg_common.cuh} (41 int32: nd, channels, kprod, oprod, iprod, then six
 * entries each of in, k, stride, pad, dil, out).
 */
public final class WindowGeometry {
    /** {@code SG_MAX_SPATIAL}: spatial dims the kernels support. */
    public static final int MAX_SPATIAL = 6;
    /** Size of the packed struct in int32 words. */
    public static final int INTS = 5 + 6 * MAX_SPATIAL;

    private final int[] in, kernel, stride, padding, dilation, out;

    private WindowGeometry(int[] in, int[] kernel, int[] stride, int[] padding, int[] dilation, int[] out) {
        int nd = in.length;
        if (nd < 1 || nd > MAX_SPATIAL) {
            throw new IllegalArgumentException("1 to " + MAX_SPATIAL + " spatial dims supported, got " + nd);
        }
        for (int[] a : new int[][] {kernel, stride, padding, dilation, out}) {
            if (a.length != nd) throw new IllegalArgumentException("geometry arrays must all have " + nd + " entries");
        }
        for (int d = 0; d < nd; d++) {
            if (kernel[d] < 1 || stride[d] < 1 || dilation[d] < 1 || padding[d] < 0) {
                throw new IllegalArgumentException("bad window in dim " + d + ": kernel " + kernel[d] + ", stride "
                        + stride[d] + ", padding " + padding[d] + ", dilation " + dilation[d]);
            }
            if (out[d] < 1) {
                throw new IllegalArgumentException("input spatial size " + Arrays.toString(in) + " is too small for kernel "
                        + Arrays.toString(kernel) + " (dilation " + Arrays.toString(dilation) + ", padding "
                        + Arrays.toString(padding) + "): output size " + Arrays.toString(out));
            }
        }
        this.in = in.clone();
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.padding = padding.clone();
        this.dilation = dilation.clone();
        this.out = out.clone();
    }

    /** Convolution: {@code out = floor((in + 2 pad - dil (k - 1) - 1) / stride) + 1} (torch.nn.Conv*d). */
    public static WindowGeometry conv(int[] in, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        int[] out = new int[in.length];
        for (int d = 0; d < in.length; d++) {
            out[d] = Math.floorDiv(in[d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1, stride[d]) + 1;
        }
        return new WindowGeometry(in, kernel, stride, padding, dilation, out);
    }

    /**
     * Pooling, PyTorch's {@code pooling_output_shape}: as {@link #conv} but rounding up with {@code ceilMode}, where
     * a last window that would start in the right padding is dropped; padding must be at most half the kernel.
     */
    public static WindowGeometry pool(int[] in, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                      boolean ceilMode) {
        int[] out = new int[in.length];
        for (int d = 0; d < in.length; d++) {
            if (padding[d] * 2 > kernel[d]) {
                throw new IllegalArgumentException("pad should be at most half of effective kernel size, but got pad="
                        + padding[d] + ", kernel_size=" + kernel[d]);
            }
            int num = in[d] + 2 * padding[d] - dilation[d] * (kernel[d] - 1) - 1 + (ceilMode ? stride[d] - 1 : 0);
            int o = Math.floorDiv(num, stride[d]) + 1;
            if (ceilMode && (long) (o - 1) * stride[d] >= in[d] + padding[d]) o--;
            out[d] = o;
        }
        return new WindowGeometry(in, kernel, stride, padding, dilation, out);
    }

    /** An explicit geometry (the output sizes computed by the caller, e.g. from the engine's {@code PoolWindows}). */
    static WindowGeometry of(int[] in, int[] kernel, int[] stride, int[] padding, int[] dilation, int[] out) {
        return new WindowGeometry(in, kernel, stride, padding, dilation, out);
    }

    /** Adaptive pooling to {@code out}: windows [floor(o in / out), ceil((o + 1) in / out)). */
    public static WindowGeometry adaptive(int[] in, int[] out) {
        int[] ones = new int[in.length];
        Arrays.fill(ones, 1);
        return new WindowGeometry(in, ones, ones, new int[in.length], ones, out);
    }

    public int spatialDims() {
        return in.length;
    }

    public int[] in() {
        return in.clone();
    }

    public int[] out() {
        return out.clone();
    }

    public int[] kernel() {
        return kernel.clone();
    }

    public long kernelProduct() {
        return prod(kernel);
    }

    public long outputProduct() {
        return prod(out);
    }

    public long inputProduct() {
        return prod(in);
    }

    private static long prod(int[] a) {
        long p = 1;
        for (int v : a) p *= v;
        return p;
    }

    /** {@code struct SgGeom} with the given channel count. */
    public int[] pack(int channels) {
        long kp = kernelProduct(), op = outputProduct(), ip = inputProduct();
        if (kp > Integer.MAX_VALUE || op > Integer.MAX_VALUE || ip > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("window geometry too large for 32-bit kernel indexing");
        }
        int[] p = new int[INTS];
        p[0] = in.length;
        p[1] = channels;
        p[2] = (int) kp;
        p[3] = (int) op;
        p[4] = (int) ip;
        int[][] fields = {in, kernel, stride, padding, dilation, out};
        for (int f = 0; f < fields.length; f++) {
            for (int d = 0; d < in.length; d++) p[5 + f * MAX_SPATIAL + d] = fields[f][d];
            for (int d = in.length; d < MAX_SPATIAL; d++) p[5 + f * MAX_SPATIAL + d] = 1;
        }
        return p;
    }

    @Override
    public String toString() {
        return "WindowGeometry{in=" + Arrays.toString(in) + ", kernel=" + Arrays.toString(kernel) + ", stride="
                + Arrays.toString(stride) + ", padding=" + Arrays.toString(padding) + ", dilation="
                + Arrays.toString(dilation) + ", out=" + Arrays.toString(out) + "}";
    }
}
