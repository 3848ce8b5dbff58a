package org.sparkgrad.backend;

import org.sparkgrad.tensor.Tensor;

/**
 * Iteration over several strided operands that share one (broadcast) shape. The innermost dim is handed
 * to a kernel as (base offsets, inner strides, length) so kernels run tight loops; outer dims are walked
 * with incremental offsets, in parallel chunks for large shapes.
 */
public final class Strided {
    private Strided() {}

    /** A loop body over one row of the innermost dim. */
    @FunctionalInterface
    public interface Kernel {
        void row(int[] offsets, int[] innerStrides, int n);
    }

    /** Strides of {@code t} viewed as broadcast to {@code shape} (right-aligned; broadcast dims get 0). */
    public static int[] broadcastStrides(Tensor t, int[] shape) {
        int[] ts = t.shapeRef(), st = t.stridesRef();
        int[] out = new int[shape.length];
        int lead = shape.length - ts.length;
        if (lead < 0) throw new IllegalArgumentException("cannot broadcast shape " + java.util.Arrays.toString(ts)
                + " to " + java.util.Arrays.toString(shape));
        for (int i = 0; i < ts.length; i++) {
            if (ts[i] == shape[lead + i]) out[lead + i] = ts[i] == 1 ? 0 : st[i];
            else if (ts[i] == 1) out[lead + i] = 0;
            else throw new IllegalArgumentException("cannot broadcast shape " + java.util.Arrays.toString(ts)
                    + " to " + java.util.Arrays.toString(shape));
        }
        return out;
    }

    /**
     * Calls {@code k} for every innermost row of {@code shape}, with per-operand offsets starting from
     * {@code base[i]} and strides {@code strides[i]}. Rows are processed in parallel when the shape is large
     * (the kernel must write disjoint locations per row).
     */
    public static void forEach(int[] shape, int[][] strides, int[] base, Kernel k) {
        int ops = strides.length;
        int rank = shape.length;
        // coalesce: drop size-1 dims and merge dims that are contiguous for every operand
        int[] sh = new int[rank];
        int[][] st = new int[ops][rank];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) continue;
            if (shape[d] == 0) return;
            if (r > 0) {
                boolean merge = true;
                for (int o = 0; o < ops; o++) {
                    if (st[o][r - 1] != strides[o][d] * shape[d]) {
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
            k.row(base.clone(), new int[ops], 1);
            return;
        }
        final int rr = r;
        final int n = sh[rr - 1];
        int[] inner = new int[ops];
        for (int o = 0; o < ops; o++) inner[o] = st[o][rr - 1];
        int outer = 1;
        for (int d = 0; d < rr - 1; d++) outer *= sh[d];
        Parallel.range(outer, n, (from, to) -> {
            int[] idx = new int[Math.max(rr - 1, 1)];
            int[] off = base.clone();
            // decompose 'from' into a multi-index over the outer dims
            int rem = from;
            for (int d = rr - 2; d >= 0; d--) {
                idx[d] = rem % sh[d];
                rem /= sh[d];
                for (int o = 0; o < ops; o++) off[o] += idx[d] * st[o][d];
            }
            for (int row = from; row < to; row++) {
                k.row(off, inner, n);
                for (int d = rr - 2; d >= 0; d--) {
                    idx[d]++;
                    for (int o = 0; o < ops; o++) off[o] += st[o][d];
                    if (idx[d] < sh[d]) break;
                    for (int o = 0; o < ops; o++) off[o] -= st[o][d] * sh[d];
                    idx[d] = 0;
                }
            }
        });
    }
}
