package org.sparkgrad.backend;

import java.util.Arrays;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.HalfFloat;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Storage;
import org.sparkgrad.tensor.Tensor;

/**
 * The host backend: plain Java loops (float32 fast paths, a general strided path for every dtype), GEMM
 * through {@link Blas}, parallel over cores above {@link Parallel#GRAIN} elements.
 */
public final class CpuBackend implements Backend {

    @Override public Device.Type deviceType() { return Device.Type.CPU; }

    @Override public String name() { return "cpu"; }

    static CpuStorage st(Tensor t) { return (CpuStorage) t.storage(); }

    static Tensor newTensor(DType dtype, int[] shape) {
        return new Tensor(CpuStorage.allocate(dtype, Shape.numel(shape)), shape.clone());
    }

    // ================================================================== memory
    @Override public Storage allocate(DType dtype, int numel, Device device) { return CpuStorage.allocate(dtype, numel); }

    @Override public Storage upload(CpuStorage host, Device device) {
        CpuStorage s = CpuStorage.allocate(host.dtype(), host.size());
        System.arraycopy(host.array(), 0, s.array(), 0, host.size());
        return s;
    }

    @Override public CpuStorage download(Tensor t) {
        return st(contiguous(t));
    }

    @Override public Tensor contiguous(Tensor t) {
        Tensor out = newTensor(t.dtype(), t.shapeRef());
        copy(t, out);
        return out;
    }

    @Override public void copy(Tensor src, Tensor dst) {
        int[] shape = dst.shapeRef();
        CpuStorage s = st(src), d = st(dst);
        if (src.dtype() == dst.dtype() && src.isContiguous() && dst.isContiguous() && Arrays.equals(src.shapeRef(), shape)) {
            System.arraycopy(s.array(), src.storageOffset(), d.array(), dst.storageOffset(), dst.numel());
            return;
        }
        int[][] strides = {dst.stridesRef(), Strided.broadcastStrides(src, shape)};
        int[] base = {dst.storageOffset(), src.storageOffset()};
        if (s.f != null && d.f != null) {
            float[] sf = s.f, df = d.f;
            Strided.forEach(shape, strides, base, (off, in, n) -> {
                int o = off[0], i = off[1], so = in[0], si = in[1];
                for (int e = 0; e < n; e++, o += so, i += si) df[o] = sf[i];
            });
        } else if (s.f != null && d.h != null) {
            float[] sf = s.f;
            short[] dh = d.h;
            DType dt = dst.dtype();
            Strided.forEach(shape, strides, base, (off, in, n) -> {
                int o = off[0], i = off[1], so = in[0], si = in[1];
                for (int e = 0; e < n; e++, o += so, i += si) dh[o] = HalfFloat.fromFloat(sf[i], dt);
            });
        } else if (s.h != null && d.f != null) {
            short[] sh = s.h;
            float[] df = d.f;
            DType dt = src.dtype();
            Strided.forEach(shape, strides, base, (off, in, n) -> {
                int o = off[0], i = off[1], so = in[0], si = in[1];
                for (int e = 0; e < n; e++, o += so, i += si) df[o] = HalfFloat.toFloat(sh[i], dt);
            });
        } else if (d.l != null && s.l != null) {
            long[] sl = s.l, dl = d.l;
            Strided.forEach(shape, strides, base, (off, in, n) -> {
                int o = off[0], i = off[1];
                for (int e = 0; e < n; e++, o += in[0], i += in[1]) dl[o] = sl[i];
            });
        } else if (d.l != null || s.l != null) {
            Strided.forEach(shape, strides, base, (off, in, n) -> {
                int o = off[0], i = off[1];
                for (int e = 0; e < n; e++, o += in[0], i += in[1]) d.setLong(o, s.getLong(i));
            });
        } else {
            Strided.forEach(shape, strides, base, (off, in, n) -> {
                int o = off[0], i = off[1];
                for (int e = 0; e < n; e++, o += in[0], i += in[1]) d.set(o, s.get(i));
            });
        }
    }

    @Override public void fill(Tensor dst, double value) {
        CpuStorage d = st(dst);
        short bits = d.h == null ? 0 : HalfFloat.fromFloat((float) value, dst.dtype());
        if (d.h != null && Double.isFinite(value) && Float.isInfinite(HalfFloat.toFloat(bits, dst.dtype()))) {
            // PyTorch's checked scalar conversion
            throw new IllegalArgumentException("value cannot be converted to type " + dst.dtype().torchName() + " without overflow: " + value);
        }
        if (dst.isContiguous()) {
            int from = dst.storageOffset(), to = from + dst.numel();
            if (d.f != null) Arrays.fill(d.f, from, to, (float) value);
            else if (d.d != null) Arrays.fill(d.d, from, to, value);
            else if (d.l != null) Arrays.fill(d.l, from, to, (long) value);
            else if (d.h != null) Arrays.fill(d.h, from, to, bits);
            else Arrays.fill(d.b, from, to, (byte) (value != 0 ? 1 : 0));
            return;
        }
        Strided.forEach(dst.shapeRef(), new int[][] {dst.stridesRef()}, new int[] {dst.storageOffset()}, (off, in, n) -> {
            int o = off[0];
            for (int e = 0; e < n; e++, o += in[0]) d.set(o, value);
        });
    }

    // ================================================================== elementwise
    @Override public Tensor unary(UnaryOp op, Tensor x, double a, double b) {
        Tensor xc = x.isContiguous() ? x : contiguous(x);
        DType outType = op.returnsBool() ? DType.BOOL : x.dtype();
        Tensor out = newTensor(outType, x.shapeRef());
        CpuStorage s = st(xc), o = st(out);
        int n = out.numel(), off = xc.storageOffset();
        if (s.f != null && o.f != null) {
            float[] in = s.f, res = o.f;
            Parallel.range(n, 1, (from, to) -> CpuKernels.unaryF(op, in, off, res, from, to, (float) a, (float) b));
        } else if (s.d != null && o.d != null) {
            double[] in = s.d, res = o.d;
            Parallel.range(n, 1, (from, to) -> {
                for (int i = from; i < to; i++) res[i] = op.apply(in[off + i], a, b);
            });
        } else {
            for (int i = 0; i < n; i++) o.set(i, op.apply(s.get(off + i), a, b));
        }
        return out;
    }

    @Override public Tensor unaryBackward(UnaryOp op, Tensor grad, Tensor x, Tensor out, double a, double b) {
        Tensor g = grad.isContiguous() ? grad : contiguous(grad);
        Tensor xc = x.isContiguous() ? x : contiguous(x);
        Tensor yc = out == null ? null : (out.isContiguous() ? out : contiguous(out));
        Tensor res = newTensor(grad.dtype(), grad.shapeRef());
        CpuStorage gs = st(g), xs = st(xc), ys = yc == null ? null : st(yc), rs = st(res);
        int n = res.numel(), go = g.storageOffset(), xo = xc.storageOffset(), yo = yc == null ? 0 : yc.storageOffset();
        if (gs.f != null && xs.f != null && (ys == null || ys.f != null)) {
            float[] gf = gs.f, xf = xs.f, yf = ys == null ? null : ys.f, rf = rs.f;
            Parallel.range(n, 1, (from, to) -> CpuKernels.unaryBackwardF(op, gf, go, xf, xo, yf, yo, rf, from, to, a, b));
        } else {
            for (int i = 0; i < n; i++) {
                double xv = xs.get(xo + i);
                double yv = ys == null ? op.apply(xv, a, b) : ys.get(yo + i);
                rs.set(i, gs.get(go + i) * op.derivative(xv, yv, a, b));
            }
        }
        return res;
    }

    @Override public Tensor binary(BinaryOp op, Tensor x, Tensor y) {
        int[] shape = Shape.broadcast(x.shapeRef(), y.shapeRef());
        DType dt = op.returnsBool() ? DType.BOOL : DType.promote(x.dtype(), y.dtype());
        Tensor out = newTensor(dt, shape);
        binaryInto(op, x, y, out);
        return out;
    }

    @Override public void binaryInPlace(BinaryOp op, Tensor x, Tensor y) {
        Shape.broadcast(x.shapeRef(), y.shapeRef());
        binaryInto(op, x, y, x);
    }

    @Override public void addScaledInPlace(Tensor x, Tensor y, double alpha) {
        CpuStorage xs = st(x), ys = st(y);
        if (xs.f != null && ys.f != null && x.isContiguous() && y.isContiguous() && Arrays.equals(x.shapeRef(), y.shapeRef())) {
            float[] xf = xs.f, yf = ys.f;
            float a = (float) alpha;
            int xo = x.storageOffset(), yo = y.storageOffset();
            Parallel.range(x.numel(), 1, (from, to) -> CpuKernels.axpy(a, yf, yo + from, xf, xo + from, to - from));
            return;
        }
        Backend.super.addScaledInPlace(x, y, alpha);
    }

    private void binaryInto(BinaryOp op, Tensor x, Tensor y, Tensor out) {
        int[] shape = out.shapeRef();
        CpuStorage xs = st(x), ys = st(y), os = st(out);
        if (xs.f != null && ys.f != null && os.f != null) {
            float[] xf = xs.f, yf = ys.f, of = os.f;
            if (x.isContiguous() && y.isContiguous() && out.isContiguous()
                    && Arrays.equals(x.shapeRef(), shape) && Arrays.equals(y.shapeRef(), shape)) {
                int xo = x.storageOffset(), yo = y.storageOffset(), oo = out.storageOffset();
                Parallel.range(out.numel(), 1, (from, to) ->
                        CpuKernels.binaryF(op, xf, xo + from, 1, yf, yo + from, 1, of, oo + from, 1, to - from));
                return;
            }
            int[][] strides = {out.stridesRef(), Strided.broadcastStrides(x, shape), Strided.broadcastStrides(y, shape)};
            Strided.forEach(shape, strides, new int[] {out.storageOffset(), x.storageOffset(), y.storageOffset()},
                    (off, in, n) -> CpuKernels.binaryF(op, xf, off[1], in[1], yf, off[2], in[2], of, off[0], in[0], n));
            return;
        }
        int[][] strides = {out.stridesRef(), Strided.broadcastStrides(x, shape), Strided.broadcastStrides(y, shape)};
        boolean integer = os.l != null;
        Strided.forEach(shape, strides, new int[] {out.storageOffset(), x.storageOffset(), y.storageOffset()}, (off, in, n) -> {
            int o = off[0], i = off[1], j = off[2];
            for (int e = 0; e < n; e++, o += in[0], i += in[1], j += in[2]) {
                if (integer) os.setLong(o, CpuKernels.binaryLong(op, xs.getLong(i), ys.getLong(j)));
                else os.set(o, op.apply(xs.get(i), ys.get(j)));
            }
        });
    }

    @Override public Tensor where(Tensor cond, Tensor x, Tensor y) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where expected condition to be a boolean tensor, but got a tensor with dtype "
                    + cond.dtype().torchName());
        }
        int[] shape = Shape.broadcast(Shape.broadcast(cond.shapeRef(), x.shapeRef()), y.shapeRef());
        Tensor out = newTensor(DType.promote(x.dtype(), y.dtype()), shape);
        CpuStorage cs = st(cond), xs = st(x), ys = st(y), os = st(out);
        int[][] strides = {out.stridesRef(), Strided.broadcastStrides(cond, shape), Strided.broadcastStrides(x, shape),
                Strided.broadcastStrides(y, shape)};
        int[] base = {0, cond.storageOffset(), x.storageOffset(), y.storageOffset()};
        byte[] cb = cs.b;
        if (xs.f != null && ys.f != null && os.f != null) {
            float[] xf = xs.f, yf = ys.f, of = os.f;
            Strided.forEach(shape, strides, base, (off, in, n) -> {
                int o = off[0], c = off[1], i = off[2], j = off[3];
                for (int e = 0; e < n; e++, o += in[0], c += in[1], i += in[2], j += in[3]) of[o] = cb[c] != 0 ? xf[i] : yf[j];
            });
        } else {
            Strided.forEach(shape, strides, base, (off, in, n) -> {
                int o = off[0], c = off[1], i = off[2], j = off[3];
                for (int e = 0; e < n; e++, o += in[0], c += in[1], i += in[2], j += in[3]) {
                    if (os.l != null) os.setLong(o, cb[c] != 0 ? xs.getLong(i) : ys.getLong(j));
                    else os.set(o, cb[c] != 0 ? xs.get(i) : ys.get(j));
                }
            });
        }
        return out;
    }

    // ================================================================== reductions
    /** Moves {@code dims} to the end and returns a contiguous (rows, R) layout plus the kept shape. */
    private static final class Rows {
        Tensor data;
        int rows, len;
        int[] outShape;
    }

    private Rows toRows(Tensor x, int[] dims, boolean keepdim) {
        int rank = x.dim();
        boolean[] red = new boolean[rank];
        for (int d : dims) red[d] = true;
        int[] perm = new int[rank];
        int k = 0;
        for (int d = 0; d < rank; d++) if (!red[d]) perm[k++] = d;
        int kept = k;
        for (int d = 0; d < rank; d++) if (red[d]) perm[k++] = d;
        int[] xs = x.shapeRef(), xst = x.stridesRef();
        int[] ps = new int[rank], pst = new int[rank];
        for (int i = 0; i < rank; i++) {
            ps[i] = xs[perm[i]];
            pst[i] = xst[perm[i]];
        }
        Tensor view = new Tensor(x.storage(), x.storageOffset(), ps, pst);
        Rows r = new Rows();
        r.data = view.isContiguous() ? view : contiguous(view);
        r.len = 1;
        for (int i = kept; i < rank; i++) r.len *= ps[i];
        r.rows = 1;
        for (int i = 0; i < kept; i++) r.rows *= ps[i];
        if (keepdim) {
            r.outShape = xs.clone();
            for (int d : dims) r.outShape[d] = 1;
        } else {
            r.outShape = Arrays.copyOf(ps, kept);
        }
        return r;
    }

    @Override public Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        boolean intSum = op != ReduceOp.MEAN && op != ReduceOp.LOGSUMEXP && !x.dtype().isFloatingPoint();
        if (!x.dtype().isFloatingPoint() && !intSum) {
            throw new IllegalArgumentException(op + " is not supported for dtype " + x.dtype().torchName());
        }
        if ((op == ReduceOp.SUM || op == ReduceOp.MEAN) && x.dtype() == DType.FLOAT32 && x.isContiguous() && isLeadingPrefix(dims)
                && dims.length > 0 && dims.length < x.dim()) {
            return sumLeadingDims(op, x, dims, keepdim);
        }
        Rows r = toRows(x, dims, keepdim);
        if (r.len == 0 && (op == ReduceOp.AMAX || op == ReduceOp.AMIN)) {
            throw new IllegalArgumentException(op.name().toLowerCase(java.util.Locale.ROOT) + "(): Expected reduction dim to have non-zero size for input of shape "
                    + Shape.str(x.shapeRef()));
        }
        Tensor out = newTensor(intSum ? DType.INT64 : x.dtype(), r.outShape);
        CpuStorage in = st(r.data), os = st(out);
        int base = r.data.storageOffset(), len = r.len;
        if (intSum) {
            for (int row = 0; row < r.rows; row++) {
                int o = base + row * len;
                long acc = op == ReduceOp.PROD ? 1 : (op == ReduceOp.SUM ? 0 : in.getLong(o));
                for (int i = 0; i < len; i++) {
                    long v = in.getLong(o + i);
                    if (op == ReduceOp.SUM) acc += v;
                    else if (op == ReduceOp.PROD) acc *= v;
                    else if (op == ReduceOp.AMAX) acc = Math.max(acc, v);
                    else acc = Math.min(acc, v);
                }
                os.l[row] = acc;
            }
            return out;
        }
        if (in.f != null) {
            float[] f = in.f, of = os.f;
            Parallel.range(r.rows, len, (from, to) -> {
                for (int row = from; row < to; row++) of[row] = (float) CpuKernels.reduceRowF(op, f, base + row * len, len);
            });
        } else {
            double[] d = in.d, od = os.d;
            Parallel.range(r.rows, len, (from, to) -> {
                for (int row = from; row < to; row++) od[row] = CpuKernels.reduceRowD(op, d, base + row * len, len);
            });
        }
        return out;
    }

    private static boolean isLeadingPrefix(int[] dims) {
        for (int i = 0; i < dims.length; i++) if (dims[i] != i) return false;
        return true;
    }

    /**
     * Sum (or mean) of a contiguous float32 tensor over its leading dims without a transposing copy: rows of
     * the trailing block are accumulated column-wise in double, in parallel over column ranges.
     */
    private Tensor sumLeadingDims(ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        int[] xs = x.shapeRef();
        int rows = 1, trailing = 1;
        for (int d : dims) rows *= xs[d];
        for (int d = dims.length; d < xs.length; d++) trailing *= xs[d]; // not numel / rows: rows may be 0 (mean = NaN)
        int cols = trailing;
        int[] outShape;
        if (keepdim) {
            outShape = xs.clone();
            for (int d : dims) outShape[d] = 1;
        } else {
            outShape = Arrays.copyOfRange(xs, dims.length, xs.length);
        }
        Tensor out = newTensor(DType.FLOAT32, outShape);
        float[] in = st(x).f, o = st(out).f;
        int base = x.storageOffset();
        double scale = op == ReduceOp.MEAN ? 1.0 / rows : 1.0;
        final int fr = rows;
        Parallel.range(cols, rows, (c0, c1) -> {
            double[] acc = new double[c1 - c0];
            for (int r = 0; r < fr; r++) {
                int off = base + r * cols;
                for (int c = c0; c < c1; c++) acc[c - c0] += in[off + c];
            }
            for (int c = c0; c < c1; c++) o[c] = (float) (acc[c - c0] * scale);
        });
        return out;
    }

    @Override public Tensor var(Tensor x, int[] dims, double correction, boolean keepdim) {
        if (!x.dtype().isFloatingPoint()) throw new IllegalArgumentException("var is not supported for dtype " + x.dtype().torchName());
        Rows r = toRows(x, dims, keepdim);
        Tensor out = newTensor(x.dtype(), r.outShape);
        CpuStorage in = st(r.data), os = st(out);
        int base = r.data.storageOffset(), len = r.len;
        double div = Math.max(0, len - correction);
        for (int row = 0; row < r.rows; row++) {
            int o = base + row * len;
            double mean = 0;
            for (int i = 0; i < len; i++) mean += in.get(o + i);
            mean /= len;
            double ss = 0;
            for (int i = 0; i < len; i++) {
                double dv = in.get(o + i) - mean;
                ss += dv * dv;
            }
            os.set(row, ss / div);
        }
        return out;
    }

    @Override public Tensor argReduce(boolean max, Tensor x, int dim, boolean keepdim) {
        Rows r = toRows(x, new int[] {dim}, keepdim);
        if (r.len == 0) {
            throw new IllegalArgumentException((max ? "argmax" : "argmin") + "(): Expected reduction dim " + dim
                    + " to have non-zero size for input of shape " + Shape.str(x.shapeRef()));
        }
        Tensor out = newTensor(DType.INT64, r.outShape);
        CpuStorage in = st(r.data);
        long[] ol = st(out).l;
        int base = r.data.storageOffset(), len = r.len;
        for (int row = 0; row < r.rows; row++) {
            int o = base + row * len;
            int best = 0;
            double bv = in.get(o);
            for (int i = 1; i < len; i++) {
                double v = in.get(o + i);
                if (Double.isNaN(bv)) break;
                if (Double.isNaN(v) || (max ? v > bv : v < bv)) {
                    bv = v;
                    best = i;
                }
            }
            ol[row] = best;
        }
        return out;
    }

    // ================================================================== linalg
    private static boolean rowMajor(int[] st, int rank, int cols) {
        return st[rank - 1] == 1 && st[rank - 2] >= Math.max(1, cols);
    }

    private static boolean colMajor(int[] st, int rank, int rows) {
        return st[rank - 2] == 1 && st[rank - 1] >= Math.max(1, rows);
    }

    @Override public Tensor matmul(Tensor a, Tensor b) {
        if (!a.dtype().isFloatingPoint() || a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("matmul expects float tensors of one dtype, got " + a.dtype().torchName()
                    + " and " + b.dtype().torchName());
        }
        int rank = a.dim();
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        if (!rowMajor(a.stridesRef(), rank, k) && !colMajor(a.stridesRef(), rank, m)) a = contiguous(a);
        if (!rowMajor(b.stridesRef(), rank, n) && !colMajor(b.stridesRef(), rank, k)) b = contiguous(b);
        boolean ta = !rowMajor(a.stridesRef(), rank, k);
        boolean tb = !rowMajor(b.stridesRef(), rank, n);
        int lda = ta ? a.stride(-1) : a.stride(-2);
        int ldb = tb ? b.stride(-1) : b.stride(-2);
        if (m == 1 || k == 1) lda = ta ? Math.max(lda, m) : Math.max(lda, k);
        if (k == 1 || n == 1) ldb = tb ? Math.max(ldb, k) : Math.max(ldb, n);
        int[] outShape = a.shape();
        outShape[rank - 1] = n;
        Tensor out = newTensor(a.dtype(), outShape);
        int batch = 1;
        for (int i = 0; i < rank - 2; i++) batch *= outShape[i];
        int[] bShape = Arrays.copyOf(outShape, rank - 2);
        int[] aSt = Arrays.copyOf(a.stridesRef(), rank - 2), bSt = Arrays.copyOf(b.stridesRef(), rank - 2);
        int[] idx = new int[Math.max(rank - 2, 0)];
        CpuStorage as = st(a), bs = st(b), os = st(out);
        int fLda = lda, fLdb = ldb;
        for (int t = 0; t < batch; t++) {
            int ao = a.storageOffset(), bo = b.storageOffset();
            for (int d = 0; d < idx.length; d++) {
                ao += idx[d] * aSt[d];
                bo += idx[d] * bSt[d];
            }
            if (as.f != null) {
                Blas.sgemm(ta, tb, m, n, k, 1f, as.f, ao, fLda, bs.f, bo, fLdb, 0f, os.f, t * m * n, n);
            } else {
                Blas.dgemm(ta, tb, m, n, k, 1.0, as.d, ao, fLda, bs.d, bo, fLdb, 0.0, os.d, t * m * n, n);
            }
            for (int d = idx.length - 1; d >= 0; d--) {
                if (++idx[d] < bShape[d]) break;
                idx[d] = 0;
            }
        }
        return out;
    }

    // ================================================================== softmax
    /** A transposed view, not recorded by autograd. */
    static Tensor swap(Tensor t, int d0, int d1) {
        int[] sh = t.shape(), st = t.strides();
        int s = sh[d0]; sh[d0] = sh[d1]; sh[d1] = s;
        s = st[d0]; st[d0] = st[d1]; st[d1] = s;
        return new Tensor(t.storage(), t.storageOffset(), sh, st);
    }

    /** A contiguous tensor with the same elements and a new shape (copied if needed), not recorded. */
    private Tensor reshape0(Tensor t, int... shape) {
        Tensor c = t.isContiguous() ? t : contiguous(t);
        return new Tensor(c.storage(), c.storageOffset(), shape, Shape.contiguousStrides(shape));
    }

    @Override public Tensor softmax(Tensor x, int dim, boolean log) {
        if (!x.dtype().isFloatingPoint()) throw new IllegalArgumentException("softmax is not supported for dtype " + x.dtype().torchName());
        int rank = x.dim();
        if (rank == 0) return reshape0(softmax(reshape0(x, 1), 0, log));
        Tensor moved = dim == rank - 1 ? x : swap(x, dim, rank - 1);
        Tensor xc = moved.isContiguous() ? moved : contiguous(moved);
        Tensor out = newTensor(x.dtype(), xc.shapeRef());
        int len = xc.size(-1), rows = len == 0 ? 0 : xc.numel() / len, base = xc.storageOffset();
        CpuStorage in = st(xc), os = st(out);
        if (in.f != null) {
            float[] f = in.f, of = os.f;
            Parallel.range(rows, len * 4, (from, to) -> {
                for (int r = from; r < to; r++) CpuKernels.softmaxRowF(f, base + r * len, of, r * len, len, log);
            });
        } else {
            double[] d = in.d, od = os.d;
            Parallel.range(rows, len * 4, (from, to) -> {
                for (int r = from; r < to; r++) CpuKernels.softmaxRowD(d, base + r * len, od, r * len, len, log);
            });
        }
        return dim == rank - 1 ? out : contiguous(swap(out, dim, rank - 1));
    }

    @Override public Tensor softmaxBackward(Tensor grad, Tensor out, int dim, boolean log) {
        int rank = out.dim();
        if (rank == 0) return reshape0(softmaxBackward(reshape0(grad, 1), reshape0(out, 1), 0, log));
        Tensor g = dim == rank - 1 ? grad : swap(grad, dim, rank - 1);
        Tensor y = dim == rank - 1 ? out : swap(out, dim, rank - 1);
        if (!g.isContiguous()) g = contiguous(g);
        if (!y.isContiguous()) y = contiguous(y);
        Tensor res = newTensor(out.dtype(), g.shapeRef());
        int len = g.size(-1), rows = len == 0 ? 0 : g.numel() / len;
        CpuStorage gs = st(g), ys = st(y), rs = st(res);
        int go = g.storageOffset(), yo = y.storageOffset();
        if (gs.f != null && ys.f != null) {
            float[] gf = gs.f, yf = ys.f, rf = rs.f;
            Parallel.range(rows, len * 3, (from, to) -> {
                for (int r = from; r < to; r++) CpuKernels.softmaxBackwardRowF(gf, go + r * len, yf, yo + r * len, rf, r * len, len, log);
            });
        } else {
            for (int r = 0; r < rows; r++) {
                double dot = 0;
                for (int i = 0; i < len; i++) {
                    double gv = gs.get(go + r * len + i), yv = ys.get(yo + r * len + i);
                    dot += log ? gv : gv * yv;
                }
                for (int i = 0; i < len; i++) {
                    double gv = gs.get(go + r * len + i), yv = ys.get(yo + r * len + i);
                    rs.set(r * len + i, log ? gv - Math.exp(yv) * dot : yv * (gv - dot));
                }
            }
        }
        return dim == rank - 1 ? res : contiguous(swap(res, dim, rank - 1));
    }

    // ================================================================== indexing
    private static long[] indices(Tensor index, String op) {
        if (index.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + "(): Expected dtype int64 for index, got " + index.dtype().torchName());
        }
        return index.toLongArray();
    }

    /** PyTorch's index_select/gather/scatter/index_add range: 0 <= v < size (a negative index is an error). */
    private static int checkIndex(long v, int size, int dim) {
        if (v < 0 || v >= size) {
            throw new IndexOutOfBoundsException("index " + v + " is out of bounds for dimension " + dim + " with size " + size);
        }
        return (int) v;
    }

    @Override public Tensor indexSelect(Tensor x, int dim, Tensor index) {
        long[] idx = indices(index, "index_select");
        Tensor xc = x.isContiguous() ? x : contiguous(x);
        int[] shape = x.shape();
        int size = shape.length == 0 ? 1 : shape[dim];
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.length; i++) inner *= shape[i];
        if (shape.length > 0) shape[dim] = idx.length;
        Tensor out = newTensor(x.dtype(), shape);
        Object src = st(xc).array(), dst = st(out).array();
        int base = xc.storageOffset();
        int[] rows = new int[idx.length];
        for (int j = 0; j < idx.length; j++) rows[j] = checkIndex(idx[j], size, dim);
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < idx.length; j++) {
                System.arraycopy(src, base + (o * size + rows[j]) * inner, dst, (o * idx.length + j) * inner, inner);
            }
        }
        return out;
    }

    @Override public void indexAdd(Tensor target, int dim, Tensor index, Tensor src) {
        long[] idx = indices(index, "index_add");
        Tensor sc = src.isContiguous() ? src : contiguous(src);
        int[] shape = target.shapeRef();
        int size = shape.length == 0 ? 1 : shape[dim];
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.length; i++) inner *= shape[i];
        CpuStorage ts = st(target), ss = st(sc);
        int tb = target.storageOffset(), sb = sc.storageOffset();
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < idx.length; j++) {
                int row = checkIndex(idx[j], size, dim);
                int to = tb + (o * size + row) * inner, so = sb + (o * idx.length + j) * inner;
                if (ts.f != null && ss.f != null) {
                    for (int i = 0; i < inner; i++) ts.f[to + i] += ss.f[so + i];
                } else {
                    for (int i = 0; i < inner; i++) ts.set(to + i, ts.get(to + i) + ss.get(so + i));
                }
            }
        }
    }

    @Override public Tensor gather(Tensor x, int dim, Tensor index) {
        long[] idx = indices(index, "gather");
        int[] ish = index.shapeRef(), xsh = x.shapeRef(), xst = x.stridesRef();
        checkGatherShapes("gather", x, index, dim);
        Tensor out = newTensor(x.dtype(), ish);
        CpuStorage xs = st(x), os = st(out);
        int rank = ish.length;
        int[] pos = new int[rank];
        for (int e = 0; e < idx.length; e++) {
            int off = x.storageOffset();
            for (int d = 0; d < rank; d++) {
                int p = d == dim ? checkIndex(idx[e], xsh[d], d) : pos[d];
                off += p * xst[d];
            }
            if (os.l != null) os.setLong(e, xs.getLong(off));
            else os.set(e, xs.get(off));
            for (int d = rank - 1; d >= 0; d--) {
                if (++pos[d] < ish[d]) break;
                pos[d] = 0;
            }
        }
        return out;
    }

    private static void checkGatherShapes(String op, Tensor x, Tensor index, int dim) {
        if (index.dim() != x.dim()) {
            throw new IllegalArgumentException(op + "(): Index tensor must have the same number of dimensions as input tensor: index "
                    + Shape.str(index.shapeRef()) + " vs input " + Shape.str(x.shapeRef()));
        }
        for (int d = 0; d < x.dim(); d++) {
            if (d != dim && index.size(d) > x.size(d)) {
                throw new IllegalArgumentException(op + "(): Size does not match at dimension " + d + ": index "
                        + Shape.str(index.shapeRef()) + " vs input " + Shape.str(x.shapeRef()));
            }
        }
    }

    @Override public void scatter(Tensor target, int dim, Tensor index, Tensor src, boolean add) {
        long[] idx = indices(index, add ? "scatter_add" : "scatter");
        checkGatherShapes(add ? "scatter_add" : "scatter", target, index, dim);
        int[] ish = index.shapeRef(), tsh = target.shapeRef(), tst = target.stridesRef(), sst = src.stridesRef();
        CpuStorage ts = st(target), ss = st(src);
        int rank = ish.length;
        int[] pos = new int[rank];
        for (int e = 0; e < idx.length; e++) {
            int to = target.storageOffset(), so = src.storageOffset();
            for (int d = 0; d < rank; d++) {
                int p = d == dim ? checkIndex(idx[e], tsh[d], d) : pos[d];
                to += p * tst[d];
                so += pos[d] * sst[d];
            }
            double v = ss.get(so);
            ts.set(to, add ? ts.get(to) + v : v);
            for (int d = rank - 1; d >= 0; d--) {
                if (++pos[d] < ish[d]) break;
                pos[d] = 0;
            }
        }
    }

    // ================================================================== scans and sort (CpuScanSortKernels)
    @Override public Tensor[] scan(ScanOp op, Tensor x, int dim) { return CpuScanSortKernels.scan(this, op, x, dim); }

    /** Always stable (a merge sort per row), whatever {@code stable} says. */
    @Override public Tensor[] sort(Tensor x, int dim, boolean descending, boolean stable) {
        return CpuScanSortKernels.sort(this, x, dim, descending);
    }

    // ================================================================== convolution and pooling (CpuConvKernels)
    @Override public Tensor im2col(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        return CpuConvKernels.im2col(x, kernel, stride, padding, dilation);
    }

    @Override public Tensor col2im(Tensor cols, int[] inputSize, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        return CpuConvKernels.col2im(cols, inputSize, kernel, stride, padding, dilation);
    }

    @Override public Tensor conv(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return CpuConvKernels.conv(x, weight, bias, stride, padding, dilation, groups);
    }

    @Override public Tensor convBackwardInput(Tensor grad, Tensor weight, int[] inputSize, int[] stride, int[] padding,
                                              int[] dilation, int groups) {
        return CpuConvKernels.convBackwardInput(grad, weight, inputSize, stride, padding, dilation, groups);
    }

    @Override public Tensor convBackwardWeight(Tensor x, Tensor grad, int[] kernelSize, int[] stride, int[] padding,
                                               int[] dilation, int groups) {
        return CpuConvKernels.convBackwardWeight(x, grad, kernelSize, stride, padding, dilation, groups);
    }

    @Override public Tensor[] maxPool(Tensor x, PoolWindows w) { return CpuConvKernels.maxPool(x, w); }

    @Override public Tensor maxPoolBackward(Tensor grad, Tensor indices, int[] inputShape) {
        return CpuConvKernels.maxPoolBackward(grad, indices, inputShape);
    }

    @Override public Tensor avgPool(Tensor x, PoolWindows w) { return CpuConvKernels.avgPool(x, w); }

    @Override public Tensor avgPoolBackward(Tensor grad, PoolWindows w, int[] inputShape) {
        return CpuConvKernels.avgPoolBackward(grad, w, inputShape);
    }

    // ================================================================== normalisation (CpuNormKernels)
    @Override public Tensor[] layerNorm(Tensor x, int normalizedNumel, Tensor weight, Tensor bias, double eps, boolean rms) {
        return CpuNormKernels.layerNorm(this, x, normalizedNumel, weight, bias, eps, rms);
    }

    @Override public Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight,
                                                int normalizedNumel, boolean rms, boolean[] need) {
        return CpuNormKernels.layerNormBackward(this, grad, x, mean, rstd, weight, normalizedNumel, rms, need);
    }

    @Override public Tensor[] batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                                        boolean training, double momentum, double eps) {
        return CpuNormKernels.batchNorm(this, x, weight, bias, runningMean, runningVar, training, momentum, eps);
    }

    @Override public Tensor[] batchNormBackward(Tensor grad, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd,
                                                boolean training, boolean[] need) {
        return CpuNormKernels.batchNormBackward(this, grad, x, weight, saveMean, saveInvstd, training, need);
    }

    @Override public Tensor[] groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        return CpuNormKernels.groupNorm(this, x, numGroups, weight, bias, eps);
    }

    @Override public Tensor[] groupNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int numGroups,
                                                boolean[] need) {
        return CpuNormKernels.groupNormBackward(this, grad, x, mean, rstd, weight, numGroups, need);
    }

    // ================================================================== attention (CpuAttentionKernels)
    @Override public void attentionForward(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor keep,
                                           Tensor probs, Tensor out) {
        CpuAttentionKernels.forward(this, q, k, v, mask, causal, scale, keep, probs, out);
    }

    @Override public void attentionBackward(Tensor grad, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor keep, double scale,
                                            boolean causal, Tensor gq, Tensor gk, Tensor gv, Tensor gLogits) {
        CpuAttentionKernels.backward(this, grad, q, k, v, probs, keep, scale, causal, gq, gk, gv, gLogits);
    }

    @Override public Tensor maskedSoftmax_(Tensor scores, double scale, Tensor mask, boolean causal) {
        return CpuAttentionKernels.maskedSoftmax(this, scores, scale, mask, causal);
    }

    @Override public Tensor maskedSoftmaxBackward(Tensor grad, Tensor probs, double scale) {
        return CpuAttentionKernels.maskedSoftmaxBackward(this, grad, probs, scale);
    }

    // ================================================================== fully connected (CpuLinearKernels)
    @Override public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return CpuLinearKernels.linear(this, x, weight, bias);
    }

    @Override public Tensor[] linearBackward(Tensor grad, Tensor x, Tensor weight, boolean[] need) {
        return CpuLinearKernels.linearBackward(this, grad, x, weight, need);
    }
}
