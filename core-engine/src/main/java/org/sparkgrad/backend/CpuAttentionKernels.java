package org.sparkgrad.backend;

import java.util.Arrays;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * CPU kernels of fused scaled dot-product attention (Vaswani et al. 2017) behind
 * {@link Backend#attentionForward}, {@link Backend#attentionBackward}, {@link Backend#maskedSoftmax_} and
 * {@link Backend#maskedSoftmaxBackward}.
 *
 * <p>Every matrix product is one BLAS GEMM per batch item that reads its operands in place through their strides
 * (so the heads of a packed {@code (B, T, 3 * H * hd)} projection are used without copies) and writes straight into
 * the destination view (so the output can be laid out {@code (B, T, H, hd)}). The scale is folded into the GEMM;
 * the mask, the causal limit and the softmax are one pass per row, parallel over rows. Under a causal mask the
 * entries above the diagonal are never exponentiated.
 */
final class CpuAttentionKernels {
    private CpuAttentionKernels() {}

    /** A batch of equally shaped matrices inside one array: per-item offsets, leading dim, stored transposed. */
    static final class Mats {
        final float[] f;
        final double[] d;
        final int[] off;
        final int ld;
        final boolean trans;

        Mats(CpuStorage s, int[] off, int ld, boolean trans) {
            this.f = s.f;
            this.d = s.d;
            this.off = off;
            this.ld = ld;
            this.trans = trans;
        }

        Object arr() { return f != null ? f : d; }
    }

    /** Offsets of every batch item of {@code t (..., r, c)} (row-major order over the batch dims). */
    static int[] batchOffsets(int[] shape, int[] strides, int base, int batchRank) {
        int n = 1;
        for (int i = 0; i < batchRank; i++) n *= shape[i];
        int[] off = new int[n];
        int[] idx = new int[batchRank];
        int cur = base;
        for (int t = 0; t < n; t++) {
            off[t] = cur;
            for (int d = batchRank - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    cur += strides[d];
                    break;
                }
                cur -= (shape[d] - 1) * strides[d];
                idx[d] = 0;
            }
        }
        return off;
    }

    /** Views {@code t (..., r, c)} as a batch of GEMM operands, copying only when neither row- nor column-major. */
    static Mats mats(CpuBackend be, Tensor t) {
        int rank = t.dim();
        int r = t.size(-2), c = t.size(-1);
        int[] st = t.stridesRef();
        boolean rowMajor = (c <= 1 || st[rank - 1] == 1) && (r <= 1 || st[rank - 2] >= c);
        boolean colMajor = !rowMajor && (r <= 1 || st[rank - 2] == 1) && (c <= 1 || st[rank - 1] >= r);
        if (!rowMajor && !colMajor) {
            t = be.contiguous(t);
            st = t.stridesRef();
            rowMajor = true;
        }
        int ld = rowMajor ? (r <= 1 ? Math.max(c, 1) : st[rank - 2]) : (c <= 1 ? Math.max(r, 1) : st[rank - 1]);
        return new Mats(CpuBackend.st(t), batchOffsets(t.shapeRef(), st, t.storageOffset(), rank - 2), ld, !rowMajor);
    }

    /** Whether {@code t} can be written as row-major matrices with unit last stride. */
    static boolean writable(Tensor t) {
        int rank = t.dim();
        int r = t.size(-2), c = t.size(-1);
        int[] st = t.stridesRef();
        return (c <= 1 || st[rank - 1] == 1) && (r <= 1 || st[rank - 2] >= c);
    }

    static void gemm(boolean ta, boolean tb, int m, int n, int k, double alpha, Object a, int ao, int lda, Object b, int bo,
                     int ldb, Object c, int co, int ldc) {
        if (a instanceof float[]) {
            Blas.sgemm(ta, tb, m, n, k, (float) alpha, (float[]) a, ao, lda, (float[]) b, bo, ldb, 0f, (float[]) c, co, ldc);
        } else {
            Blas.dgemm(ta, tb, m, n, k, alpha, (double[]) a, ao, lda, (double[]) b, bo, ldb, 0.0, (double[]) c, co, ldc);
        }
    }

    private static void checkTypes(Tensor q, Tensor k, Tensor v) {
        if (!q.dtype().isFloatingPoint() || k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
            throw new IllegalArgumentException("attention expects query, key and value of one float dtype, got "
                    + q.dtype().torchName() + ", " + k.dtype().torchName() + " and " + v.dtype().torchName());
        }
    }

    /** Mask access per row: storage, per-item offsets over the batch, row and column strides. */
    private static final class MaskInfo {
        final byte[] b;
        final float[] f;
        final double[] d;
        final int[] off;
        final int rowStride, colStride;

        MaskInfo(Tensor mask, int[] fullShape) {
            CpuStorage s = CpuBackend.st(mask);
            b = s.b;
            f = s.f;
            d = s.d;
            int[] ms = Strided.broadcastStrides(mask, fullShape);
            int rank = fullShape.length;
            off = batchOffsets(fullShape, ms, mask.storageOffset(), rank - 2);
            rowStride = ms[rank - 2];
            colStride = ms[rank - 1];
        }
    }

    /** Softmax of {@code scale * p[o..o+S) + mask} in place, entries {@code >= limit} masked (set to 0). */
    static void softmaxRowF(float[] p, int o, int s, float scale, int limit, MaskInfo m, int mo) {
        float max = Float.NEGATIVE_INFINITY;
        if (m == null) {
            if (scale == 1f) {
                for (int j = 0; j < limit; j++) max = Math.max(max, p[o + j]);
            } else {
                for (int j = 0; j < limit; j++) {
                    float z = p[o + j] * scale;
                    p[o + j] = z;
                    max = Math.max(max, z);
                }
            }
        } else {
            int cs = m.colStride;
            for (int j = 0; j < limit; j++) {
                float z = p[o + j] * scale;
                if (m.b != null) {
                    if (m.b[mo + j * cs] == 0) z = Float.NEGATIVE_INFINITY;
                } else {
                    z += m.f != null ? m.f[mo + j * cs] : (float) m.d[mo + j * cs];
                }
                p[o + j] = z;
                max = Math.max(max, z);
            }
        }
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            Arrays.fill(p, o, o + s, Float.NaN);
            return;
        }
        float inv = (float) (1 / FastMath.expShifted(p, o, max, p, o, limit));
        for (int j = 0; j < limit; j++) p[o + j] *= inv;
        for (int j = limit; j < s; j++) p[o + j] = 0f;
    }

    static void softmaxRowD(double[] p, int o, int s, double scale, int limit, MaskInfo m, int mo) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < limit; j++) {
            double z = p[o + j] * scale;
            if (m != null) {
                int mi = mo + j * m.colStride;
                if (m.b != null) {
                    if (m.b[mi] == 0) z = Double.NEGATIVE_INFINITY;
                } else {
                    z += m.d != null ? m.d[mi] : m.f[mi];
                }
            }
            p[o + j] = z;
            max = Math.max(max, z);
        }
        if (max == Double.NEGATIVE_INFINITY || Double.isNaN(max)) {
            Arrays.fill(p, o, o + s, Double.NaN);
            return;
        }
        double sum = 0;
        for (int j = 0; j < limit; j++) {
            double e = Math.exp(p[o + j] - max);
            p[o + j] = e;
            sum += e;
        }
        double inv = 1 / sum;
        for (int j = 0; j < limit; j++) p[o + j] *= inv;
        for (int j = limit; j < s; j++) p[o + j] = 0;
    }

    /** Row softmax over a contiguous (n, L, S) block starting at {@code base}, with the mask and causal limit. */
    private static void softmaxRows(CpuStorage ps, int base, int n, int l, int s, double scale, MaskInfo m, boolean causal) {
        Parallel.range(n * l, s * 8, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int item = r / l, i = r % l;
                int limit = causal ? Math.min(s, i + 1) : s;
                int mo = m == null ? 0 : m.off[item] + i * m.rowStride;
                if (ps.f != null) softmaxRowF(ps.f, base + r * s, s, (float) scale, limit, m, mo);
                else softmaxRowD(ps.d, base + r * s, s, scale, limit, m, mo);
            }
        });
    }

    // ================================================================== forward
    static void forward(CpuBackend be, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor keep,
                        Tensor probs, Tensor out) {
        checkTypes(q, k, v);
        int l = q.size(-2), e = q.size(-1), s = k.size(-2), ev = v.size(-1);
        Mats mq = mats(be, q), mk = mats(be, k), mv = mats(be, v);
        int n = mq.off.length;
        if (!probs.isContiguous()) throw new IllegalArgumentException("attentionForward: probs must be contiguous");
        CpuStorage ps = CpuBackend.st(probs);
        Object pa = ps.array();
        int pb = probs.storageOffset(), ls = l * s;
        // scores = scale * q k^T, one GEMM per item, written into probs
        for (int t = 0; t < n; t++) {
            gemm(mq.trans, !mk.trans, l, s, e, scale, mq.arr(), mq.off[t], mq.ld, mk.arr(), mk.off[t], mk.ld, pa, pb + t * ls, s);
        }
        MaskInfo mi = mask == null ? null : new MaskInfo(mask, probs.shapeRef());
        softmaxRows(ps, pb, n, l, s, 1.0, mi, causal);
        Object aa = pa;
        int ab = pb;
        if (keep != null) {
            Tensor a = CpuBackend.newTensor(probs.dtype(), probs.shapeRef());
            be.copy(probs, a);
            be.binaryInPlace(BinaryOp.MUL, a, keep);
            aa = CpuBackend.st(a).array();
            ab = 0;
        }
        Tensor dst = writable(out) ? out : CpuBackend.newTensor(out.dtype(), out.shapeRef());
        Mats mo = mats(be, dst);
        for (int t = 0; t < n; t++) {
            gemm(false, mv.trans, l, ev, s, 1.0, aa, ab + t * ls, s, mv.arr(), mv.off[t], mv.ld, mo.arr(), mo.off[t], mo.ld);
        }
        if (dst != out) be.copy(dst, out);
    }

    // ================================================================== backward
    static void backward(CpuBackend be, Tensor grad, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor keep, double scale,
                         Tensor gq, Tensor gk, Tensor gv, Tensor gLogits) {
        checkTypes(q, k, v);
        int l = q.size(-2), e = q.size(-1), s = k.size(-2), ev = v.size(-1);
        Mats mq = mats(be, q), mk = mats(be, k), mv = mats(be, v), mg = mats(be, grad);
        Tensor p = probs.isContiguous() ? probs : be.contiguous(probs);
        int n = mq.off.length, ls = l * s;
        CpuStorage ps = CpuBackend.st(p);
        int pb = p.storageOffset();
        Tensor a = p;
        if (keep != null) {
            a = CpuBackend.newTensor(p.dtype(), p.shapeRef());
            be.copy(p, a);
            be.binaryInPlace(BinaryOp.MUL, a, keep);
        }
        Tensor dz = gLogits != null && gLogits.isContiguous() ? gLogits : CpuBackend.newTensor(p.dtype(), p.shapeRef());
        CpuStorage zs = CpuBackend.st(dz);
        Object za = zs.array();
        int zb = dz.storageOffset();
        // dA = grad v^T and gv = A^T grad
        Tensor gvDst = gv == null ? null : (writable(gv) ? gv : CpuBackend.newTensor(gv.dtype(), gv.shapeRef()));
        Mats mgv = gvDst == null ? null : mats(be, gvDst);
        Object aArr = CpuBackend.st(a).array();
        int aBase = a.storageOffset();
        for (int t = 0; t < n; t++) {
            gemm(mg.trans, !mv.trans, l, s, ev, 1.0, mg.arr(), mg.off[t], mg.ld, mv.arr(), mv.off[t], mv.ld, za, zb + t * ls, s);
            if (mgv != null) {
                gemm(true, mg.trans, s, ev, l, 1.0, aArr, aBase + t * ls, s, mg.arr(), mg.off[t], mg.ld, mgv.arr(), mgv.off[t], mgv.ld);
            }
        }
        if (gvDst != null && gvDst != gv) be.copy(gvDst, gv);
        if (keep != null) {
            Tensor dzView = new Tensor(dz.storage(), zb, p.shapeRef(), Shape.contiguousStrides(p.shapeRef()));
            be.binaryInPlace(BinaryOp.MUL, dzView, keep);
        }
        // dZ = P * (dA - rowsum(dA * P))
        Parallel.range(n * l, s * 4, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int po = pb + r * s, zo = zb + r * s;
                if (ps.f != null) {
                    float[] pf = ps.f, zf = zs.f;
                    double acc = 0;
                    for (int j = 0; j < s; j++) acc += zf[zo + j] * pf[po + j];
                    float dot = (float) acc;
                    for (int j = 0; j < s; j++) zf[zo + j] = pf[po + j] * (zf[zo + j] - dot);
                } else {
                    double[] pd = ps.d, zd = zs.d;
                    double dot = 0;
                    for (int j = 0; j < s; j++) dot += zd[zo + j] * pd[po + j];
                    for (int j = 0; j < s; j++) zd[zo + j] = pd[po + j] * (zd[zo + j] - dot);
                }
            }
        });
        if (gLogits != null && gLogits != dz) be.copy(dz, gLogits);
        Tensor gqDst = gq == null ? null : (writable(gq) ? gq : CpuBackend.newTensor(gq.dtype(), gq.shapeRef()));
        Tensor gkDst = gk == null ? null : (writable(gk) ? gk : CpuBackend.newTensor(gk.dtype(), gk.shapeRef()));
        Mats mgq = gqDst == null ? null : mats(be, gqDst), mgk = gkDst == null ? null : mats(be, gkDst);
        for (int t = 0; t < n; t++) {
            if (mgq != null) {
                gemm(false, mk.trans, l, e, s, scale, za, zb + t * ls, s, mk.arr(), mk.off[t], mk.ld, mgq.arr(), mgq.off[t], mgq.ld);
            }
            if (mgk != null) {
                gemm(true, mq.trans, s, e, l, scale, za, zb + t * ls, s, mq.arr(), mq.off[t], mq.ld, mgk.arr(), mgk.off[t], mgk.ld);
            }
        }
        if (gqDst != null && gqDst != gq) be.copy(gqDst, gq);
        if (gkDst != null && gkDst != gk) be.copy(gkDst, gk);
    }

    // ================================================================== masked softmax
    static Tensor maskedSoftmax(CpuBackend be, Tensor scores, double scale, Tensor mask, boolean causal) {
        if (!scores.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("masked softmax is not supported for dtype " + scores.dtype().torchName());
        }
        if (!scores.isContiguous()) throw new IllegalArgumentException("maskedSoftmax_: scores must be contiguous");
        int l = scores.size(-2), s = scores.size(-1);
        int n = l * s == 0 ? 0 : scores.numel() / (l * s);
        MaskInfo mi = mask == null ? null : new MaskInfo(mask, scores.shapeRef());
        softmaxRows(CpuBackend.st(scores), scores.storageOffset(), n, l, s, scale, mi, causal);
        return scores;
    }

    static Tensor maskedSoftmaxBackward(CpuBackend be, Tensor grad, Tensor probs, double scale) {
        Tensor g = grad.isContiguous() ? grad : be.contiguous(grad);
        Tensor p = probs.isContiguous() ? probs : be.contiguous(probs);
        Tensor out = CpuBackend.newTensor(p.dtype(), p.shapeRef());
        int s = p.dim() == 0 ? 1 : p.size(-1);
        int rows = s == 0 ? 0 : p.numel() / s;
        CpuStorage gs = CpuBackend.st(g), ps = CpuBackend.st(p), os = CpuBackend.st(out);
        int go = g.storageOffset(), po = p.storageOffset();
        boolean f32 = p.dtype() == DType.FLOAT32;
        Parallel.range(rows, s * 3, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int a = go + r * s, b = po + r * s, c = r * s;
                if (f32) {
                    double acc = 0;
                    for (int j = 0; j < s; j++) acc += gs.f[a + j] * ps.f[b + j];
                    float dot = (float) acc, sc = (float) scale;
                    for (int j = 0; j < s; j++) os.f[c + j] = sc * ps.f[b + j] * (gs.f[a + j] - dot);
                } else {
                    double dot = 0;
                    for (int j = 0; j < s; j++) dot += gs.d[a + j] * ps.d[b + j];
                    for (int j = 0; j < s; j++) os.d[c + j] = scale * ps.d[b + j] * (gs.d[a + j] - dot);
                }
            }
        });
        return out;
    }
}
