package org.sparkgrad.backend;

import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * The CPU backend's scans ({@link Backend#scan}) and sort ({@link Backend#sort}): the scanned/sorted dim is moved
 * last (a copy only when it is not already the innermost contiguous dim), then one plain loop per row, rows in
 * parallel when the work is large.
 */
final class CpuScanSortKernels {
    private CpuScanSortKernels() {}

    /** x viewed with {@code dim} swapped to the end, made contiguous (rows of length {@code size(dim)}). */
    private static Tensor rowsLast(CpuBackend cpu, Tensor x, int dim) {
        int rank = x.dim();
        Tensor moved = dim == rank - 1 ? x : CpuBackend.swap(x, dim, rank - 1);
        return moved.isContiguous() ? moved : cpu.contiguous(moved);
    }

    /** Undoes {@link #rowsLast} on a result laid out like it. */
    private static Tensor back(CpuBackend cpu, Tensor out, int dim) {
        int rank = out.dim();
        return dim == rank - 1 ? out : cpu.contiguous(CpuBackend.swap(out, dim, rank - 1));
    }

    private static void checkRank(String op, Tensor x, int dim) {
        if (x.dim() == 0 || dim < 0 || dim >= x.dim()) {
            throw new IllegalArgumentException(op + ": dim " + dim + " is not a dim of the input of shape " + Shape.str(x.shapeRef())
                    + " (the backend needs rank >= 1 and a normalised dim)");
        }
    }

    // ================================================================== scans
    static Tensor[] scan(CpuBackend cpu, ScanOp op, Tensor x, int dim) {
        checkRank(op.torchName(), x, dim);
        DType dt = x.dtype();
        boolean integer = dt == DType.INT64;
        if (!(dt.isFloatingPoint() || integer) || (integer && op == ScanOp.LOGSUMEXP)) {
            throw new IllegalArgumentException(op.torchName() + " is not implemented for dtype " + dt.torchName());
        }
        Tensor xc = rowsLast(cpu, x, dim);
        int len = xc.size(-1), n = xc.numel(), rows = len == 0 ? 0 : n / len, base = xc.storageOffset();
        Tensor out = CpuBackend.newTensor(dt, xc.shapeRef());
        Tensor idx = op.hasIndices() ? CpuBackend.newTensor(DType.INT64, xc.shapeRef()) : null;
        CpuStorage in = CpuBackend.st(xc), os = CpuBackend.st(out);
        long[] il = idx == null ? null : CpuBackend.st(idx).l;
        Parallel.range(rows, len, (from, to) -> {
            double[] buf = integer ? null : new double[len], res = integer ? null : new double[len];
            for (int r = from; r < to; r++) {
                int o = base + r * len, w = r * len;
                if (integer) {
                    scanRowLong(op, in.l, o, os.l, w, il, len);
                    continue;
                }
                if (in.f != null) for (int i = 0; i < len; i++) buf[i] = in.f[o + i];
                else System.arraycopy(in.d, o, buf, 0, len);
                scanRow(op, buf, res, il, w, len);
                if (os.f != null) for (int i = 0; i < len; i++) os.f[w + i] = (float) res[i];
                else System.arraycopy(res, 0, os.d, w, len);
            }
        });
        return new Tensor[] {back(cpu, out, dim), idx == null ? null : back(cpu, idx, dim)};
    }

    /** One float row (values as doubles); indices written at {@code il[w + i]} for MAX/MIN. */
    static void scanRow(ScanOp op, double[] x, double[] out, long[] il, int w, int len) {
        switch (op) {
            case SUM: {
                double acc = 0;
                for (int i = 0; i < len; i++) out[i] = acc += x[i];
                break;
            }
            case PROD: {
                double acc = 1;
                for (int i = 0; i < len; i++) out[i] = acc *= x[i];
                break;
            }
            case LOGSUMEXP: {
                double acc = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < len; i++) out[i] = acc = logAddExp(x[i], acc);
                break;
            }
            default: {
                boolean max = op == ScanOp.MAX;
                double best = len == 0 ? 0 : x[0];
                int at = 0;
                for (int i = 0; i < len; i++) {
                    double v = x[i];
                    if (Double.isNaN(v) || (!Double.isNaN(best) && (max ? v >= best : v <= best))) {
                        best = v;
                        at = i;
                    }
                    out[i] = best;
                    il[w + i] = at;
                }
            }
        }
    }

    /**
     * PyTorch's {@code _log_add_exp_helper(x, acc)}: {@code max + log1p(exp(min - max))}; NaN in either propagates; two
     * equal infinities give {@code x} (where the formula would give {@code inf - inf = NaN}).
     */
    static double logAddExp(double x, double acc) {
        if (Double.isNaN(acc) || Double.isNaN(x)) return Double.NaN;
        double mn = Math.min(x, acc), mx = Math.max(x, acc);
        if (mn != mx || Double.isFinite(mn)) return Math.log1p(Math.exp(mn - mx)) + mx;
        return x;
    }

    private static void scanRowLong(ScanOp op, long[] x, int o, long[] out, int w, long[] il, int len) {
        switch (op) {
            case SUM: {
                long acc = 0;
                for (int i = 0; i < len; i++) out[w + i] = acc += x[o + i];
                break;
            }
            case PROD: {
                long acc = 1;
                for (int i = 0; i < len; i++) out[w + i] = acc *= x[o + i];
                break;
            }
            default: {
                boolean max = op == ScanOp.MAX;
                long best = len == 0 ? 0 : x[o];
                int at = 0;
                for (int i = 0; i < len; i++) {
                    long v = x[o + i];
                    if (max ? v >= best : v <= best) {
                        best = v;
                        at = i;
                    }
                    out[w + i] = best;
                    il[w + i] = at;
                }
            }
        }
    }

    // ================================================================== sort
    static Tensor[] sort(CpuBackend cpu, Tensor x, int dim, boolean descending) {
        checkRank("sort", x, dim);
        DType dt = x.dtype();
        boolean integer = dt == DType.INT64;
        if (!(dt.isFloatingPoint() || integer)) throw new IllegalArgumentException("sort is not implemented for dtype " + dt.torchName());
        Tensor xc = rowsLast(cpu, x, dim);
        int len = xc.size(-1), n = xc.numel(), rows = len == 0 ? 0 : n / len, base = xc.storageOffset();
        Tensor out = CpuBackend.newTensor(dt, xc.shapeRef());
        Tensor idx = CpuBackend.newTensor(DType.INT64, xc.shapeRef());
        CpuStorage in = CpuBackend.st(xc), os = CpuBackend.st(out);
        long[] il = CpuBackend.st(idx).l;
        int cost = len * (32 - Integer.numberOfLeadingZeros(Math.max(len, 1)));
        Parallel.range(rows, cost, (from, to) -> {
            int[] perm = new int[len], tmp = new int[len];
            double[] keys = integer ? null : new double[len];
            for (int r = from; r < to; r++) {
                int o = base + r * len, w = r * len;
                for (int i = 0; i < len; i++) perm[i] = i;
                if (integer) {
                    long[] lk = in.l;
                    mergeSort(perm, tmp, 0, len, (a, b) -> descending ? lk[o + a] > lk[o + b] : lk[o + a] < lk[o + b]);
                    for (int i = 0; i < len; i++) {
                        os.l[w + i] = lk[o + perm[i]];
                        il[w + i] = perm[i];
                    }
                    continue;
                }
                if (in.f != null) for (int i = 0; i < len; i++) keys[i] = in.f[o + i];
                else System.arraycopy(in.d, o, keys, 0, len);
                mergeSort(perm, tmp, 0, len, descending ? (a, b) -> descBefore(keys[a], keys[b]) : (a, b) -> ascBefore(keys[a], keys[b]));
                for (int i = 0; i < len; i++) {
                    os.set(w + i, keys[perm[i]]);
                    il[w + i] = perm[i];
                }
            }
        });
        return new Tensor[] {back(cpu, out, dim), back(cpu, idx, dim)};
    }

    /** Ascending order with NaN the largest value (PyTorch/numpy): strictly before. */
    static boolean ascBefore(double a, double b) { return a < b || (Double.isNaN(b) && !Double.isNaN(a)); }

    /** Descending order with NaN the largest value (so first): strictly before. */
    static boolean descBefore(double a, double b) { return a > b || (Double.isNaN(a) && !Double.isNaN(b)); }

    /** Strict order on row positions. */
    @FunctionalInterface
    interface Before {
        boolean test(int a, int b);
    }

    /** Stable merge sort of {@code a[from, to)} (positions) by {@code before}; {@code tmp} is scratch of a's length. */
    static void mergeSort(int[] a, int[] tmp, int from, int to, Before before) {
        if (to - from <= 16) {
            for (int i = from + 1; i < to; i++) {
                int v = a[i], j = i - 1;
                while (j >= from && before.test(v, a[j])) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        int mid = (from + to) >>> 1;
        mergeSort(a, tmp, from, mid, before);
        mergeSort(a, tmp, mid, to, before);
        if (!before.test(a[mid], a[mid - 1])) return; // already in order
        System.arraycopy(a, from, tmp, from, to - from);
        int i = from, j = mid, k = from;
        while (i < mid && j < to) a[k++] = before.test(tmp[j], tmp[i]) ? tmp[j++] : tmp[i++];
        while (i < mid) a[k++] = tmp[i++];
        while (j < to) a[k++] = tmp[j++];
    }
}
