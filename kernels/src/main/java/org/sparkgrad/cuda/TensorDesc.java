package org.sparkgrad.cuda;

import java.util.Arrays;

/**
 * The kernels' strided operand descriptor ({@code struct TDesc} in {@code sg_common.cuh}): ndim, element offset,
 * shape[8], stride[8], passed by value as 18 little-endian int32. {@link #coalesce} merges dims the way the
 * kernels like them: a contiguous operand becomes one dim (no division per element on the device).
 */
public final class TensorDesc {
    /** {@code SG_MAX_DIMS}. */
    public static final int MAX_DIMS = 8;
    /** Size of the packed struct in int32 words. */
    public static final int INTS = 2 + 2 * MAX_DIMS;

    private final int offset;
    private final int[] shape;
    private final int[] stride;

    private TensorDesc(int offset, int[] shape, int[] stride) {
        if (shape.length != stride.length) throw new IllegalArgumentException("shape and stride lengths differ");
        if (shape.length > MAX_DIMS) {
            throw new IllegalArgumentException("CUDA kernels take at most " + MAX_DIMS + " dims after coalescing, got shape "
                    + Arrays.toString(shape) + " with strides " + Arrays.toString(stride));
        }
        this.offset = offset;
        this.shape = shape;
        this.stride = stride;
    }

    /** A descriptor as given (no coalescing). */
    public static TensorDesc of(int offset, int[] shape, int[] stride) {
        return new TensorDesc(offset, shape.clone(), stride.clone());
    }

    public int ndim() {
        return shape.length;
    }

    public int offset() {
        return offset;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int[] stride() {
        return stride.clone();
    }

    /** The element offset of linear index {@code i} (row-major over the shape): the kernels' {@code sg_offset}. */
    public long offsetOf(long i) {
        long off = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            long c = i % shape[d];
            i /= shape[d];
            off += c * stride[d];
        }
        return off;
    }

    /** {@code struct TDesc} as 18 ints. */
    public int[] pack() {
        int[] p = new int[INTS];
        p[0] = shape.length;
        p[1] = offset;
        System.arraycopy(shape, 0, p, 2, shape.length);
        System.arraycopy(stride, 0, p, 2 + MAX_DIMS, stride.length);
        return p;
    }

    /**
     * Descriptors of several operands iterated together over {@code shape}, with dims of size 1 dropped and
     * adjacent dims merged wherever every operand allows it ({@code stride[d-1] == stride[d] * shape[d]}). All
     * results share one shape; the linear index of every element is unchanged, so
     * {@code result[k].offsetOf(i) == offsets[k] + sum(coord_d(i) * strides[k][d])} for every i. A 0-d or
     * all-ones shape gives one dim of size 1.
     *
     * @param shape   the iteration shape
     * @param strides per operand, its strides along {@code shape} (0 for broadcast dims)
     * @param offsets per operand, its element offset
     */
    public static TensorDesc[] coalesce(int[] shape, int[][] strides, int[] offsets) {
        int ops = strides.length;
        int rank = shape.length;
        int[] sh = new int[Math.max(rank, 1)];
        int[][] st = new int[ops][Math.max(rank, 1)];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) continue;
            if (r > 0) {
                boolean merge = true;
                for (int o = 0; o < ops; o++) {
                    if ((long) st[o][r - 1] != (long) strides[o][d] * shape[d]) {
                        merge = false;
                        break;
                    }
                }
                if (merge) {
                    sh[r - 1] *= shape[d];
                    for (int o = 0; o < ops; o++) st[o][r - 1] = strides[o][d];
                    continue;
                }
            }
            sh[r] = shape[d];
            for (int o = 0; o < ops; o++) st[o][r] = strides[o][d];
            r++;
        }
        if (r == 0) {
            sh[0] = 1;
            for (int o = 0; o < ops; o++) st[o][0] = 0;
            r = 1;
        }
        TensorDesc[] out = new TensorDesc[ops];
        int[] fs = Arrays.copyOf(sh, r);
        for (int o = 0; o < ops; o++) out[o] = new TensorDesc(offsets[o], fs.clone(), Arrays.copyOf(st[o], r));
        return out;
    }

    /** Contiguous row-major strides of a shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= shape[d];
        }
        return s;
    }

    @Override
    public String toString() {
        return "TensorDesc{offset=" + offset + ", shape=" + Arrays.toString(shape) + ", stride=" + Arrays.toString(stride)
                + "}";
    }
}
