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
                if (FastMath.VECTOR) {
                    max = VectorRowKernels.max(p, o, limit);
                } else {
                    for (int j = 0; j < limit; j++) max = Math.max(max, p[o + j]);
                }
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
        if (FastMath.VECTOR) {
            VectorRowKernels.scale(p, o, limit, inv);
        } else {
            for (int j = 0; j < limit; j++) p[o + j] *= inv;
        }
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
    /**
     * OpenBLAS runs a GEMM with {@code m * n * k} at most this on the calling thread only; the per-item products are
     * cut into row blocks below it, so that the items can run in parallel on the fork-join pool without nesting BLAS
     * threads.
     */
    static final int SINGLE_THREAD_MNK = 65536 * 4;

    /** Rows per block so that a block's GEMM stays at or below {@link #SINGLE_THREAD_MNK}. */
    static int rowBlock(int rows, int n, int k) {
        long per = (long) Math.max(1, n) * Math.max(1, k);
        return (int) Math.max(1, Math.min(rows, SINGLE_THREAD_MNK / per));
    }

    /** A contiguous per-chunk scratch buffer of the dtype's array type. */
    private static Object scratch(boolean f32, int size) { return f32 ? new float[size] : new double[size]; }

    static void forward(CpuBackend be, Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor keep,
                        Tensor probs, Tensor out) {
        checkTypes(q, k, v);
        int l = q.size(-2), e = q.size(-1), s = k.size(-2), ev = v.size(-1);
        Mats mq = mats(be, q), mk = mats(be, k), mv = mats(be, v);
        int n = mq.off.length;
        if (!probs.isContiguous()) throw new IllegalArgumentException("attentionForward: probs must be contiguous");
        CpuStorage ps = CpuBackend.st(probs);
        Object pa = ps.array();
        boolean f32 = ps.f != null;
        int pb = probs.storageOffset(), ls = l * s;
        MaskInfo mi = mask == null ? null : new MaskInfo(mask, probs.shapeRef());
        Tensor kc = keep == null ? null : (keep.isContiguous() ? keep : be.contiguous(keep));
        Object ka = kc == null ? null : CpuBackend.st(kc).array();
        int kb = kc == null ? 0 : kc.storageOffset();
        Tensor dst = writable(out) ? out : CpuBackend.newTensor(out.dtype(), out.shapeRef());
        Mats mo = mats(be, dst);
        int rbS = rowBlock(l, s, e), rbO = rowBlock(l, ev, s);
        Parallel.range(n, Math.max(1, ls * (e + ev) * 2), (t0, t1) -> {
            Object a = keep == null ? null : scratch(f32, ls);
            for (int t = t0; t < t1; t++) {
                int po = pb + t * ls;
                // scores = scale * q k^T; under the causal mask a row block needs only the keys up to its last row
                for (int r0 = 0; r0 < l; r0 += rbS) {
                    int m = Math.min(rbS, l - r0), c1 = causal ? Math.min(s, r0 + m) : s;
                    if (c1 == 0) continue;
                    gemm(mq.trans, !mk.trans, m, c1, e, scale, mq.arr(), mq.off[t] + rowOff(mq, r0), mq.ld, mk.arr(), mk.off[t], mk.ld,
                            pa, po + r0 * s, s);
                }
                for (int i = 0; i < l; i++) {
                    int limit = causal ? Math.min(s, i + 1) : s;
                    int mo0 = mi == null ? 0 : mi.off[t] + i * mi.rowStride;
                    if (f32) softmaxRowF(ps.f, po + i * s, s, 1f, limit, mi, mo0);
                    else softmaxRowD(ps.d, po + i * s, s, 1.0, limit, mi, mo0);
                }
                Object aa = pa;
                int ab = po;
                if (a != null) {
                    if (f32) {
                        float[] af = (float[]) a, pf = ps.f, kf = (float[]) ka;
                        for (int j = 0; j < ls; j++) af[j] = pf[po + j] * kf[kb + t * ls + j];
                    } else {
                        double[] ad = (double[]) a, pd = ps.d, kd = (double[]) ka;
                        for (int j = 0; j < ls; j++) ad[j] = pd[po + j] * kd[kb + t * ls + j];
                    }
                    aa = a;
                    ab = 0;
                }
                // out = A v; a row block's probabilities vanish beyond its last row under the causal mask
                for (int r0 = 0; r0 < l; r0 += rbO) {
                    int m = Math.min(rbO, l - r0), c1 = causal ? Math.min(s, r0 + m) : s;
                    gemm(false, mv.trans, m, ev, c1, 1.0, aa, ab + r0 * s, s, mv.arr(), mv.off[t], mv.ld, mo.arr(), mo.off[t] + r0 * mo.ld, mo.ld);
                }
            }
        });
        if (dst != out) be.copy(dst, out);
    }

    /** Offset of row r of a batch item of m (rows are the first operand dim). */
    private static int rowOff(Mats m, int r) { return m.trans ? r : r * m.ld; }

    // ================================================================== backward
    static void backward(CpuBackend be, Tensor grad, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor keep, double scale,
                         boolean causal, Tensor gq, Tensor gk, Tensor gv, Tensor gLogits) {
        checkTypes(q, k, v);
        int l = q.size(-2), e = q.size(-1), s = k.size(-2), ev = v.size(-1);
        Mats mq = mats(be, q), mk = mats(be, k), mv = mats(be, v), mg = mats(be, grad);
        Tensor p = probs.isContiguous() ? probs : be.contiguous(probs);
        int n = mq.off.length, ls = l * s;
        CpuStorage ps = CpuBackend.st(p);
        boolean f32 = ps.f != null;
        int pb = p.storageOffset();
        Tensor kc = keep == null ? null : (keep.isContiguous() ? keep : be.contiguous(keep));
        Object ka = kc == null ? null : CpuBackend.st(kc).array();
        int kb = kc == null ? 0 : kc.storageOffset();
        Tensor gvDst = gv == null ? null : (writable(gv) ? gv : CpuBackend.newTensor(gv.dtype(), gv.shapeRef()));
        Tensor gqDst = gq == null ? null : (writable(gq) ? gq : CpuBackend.newTensor(gq.dtype(), gq.shapeRef()));
        Tensor gkDst = gk == null ? null : (writable(gk) ? gk : CpuBackend.newTensor(gk.dtype(), gk.shapeRef()));
        Tensor gz = gLogits != null && gLogits.isContiguous() ? gLogits : null;
        Mats mgv = gvDst == null ? null : mats(be, gvDst), mgq = gqDst == null ? null : mats(be, gqDst), mgk = gkDst == null ? null : mats(be, gkDst);
        Tensor gzFull = gLogits != null && gz == null ? CpuBackend.newTensor(p.dtype(), p.shapeRef()) : gz;
        Object gza = gzFull == null ? null : CpuBackend.st(gzFull).array();
        int gzb = gzFull == null ? 0 : gzFull.storageOffset();
        int[] limits = causal ? new int[l] : null;
        for (int i = 0; causal && i < l; i++) limits[i] = Math.min(s, i + 1);
        int rbA = rowBlock(l, s, ev), rbV = rowBlock(s, ev, l), rbQ = rowBlock(l, e, s), rbK = rowBlock(s, e, l);
        Parallel.range(n, Math.max(1, ls * (2 * e + 2 * ev) * 2), (t0, t1) -> {
            Object dz = scratch(f32, ls), a = keep == null ? null : scratch(f32, ls);
            for (int t = t0; t < t1; t++) {
                int po = pb + t * ls;
                Object aa = ps.array();
                int ab = po;
                if (a != null) {
                    if (f32) {
                        float[] af = (float[]) a, pf = ps.f, kf = (float[]) ka;
                        for (int j = 0; j < ls; j++) af[j] = pf[po + j] * kf[kb + t * ls + j];
                    } else {
                        double[] ad = (double[]) a, pd = ps.d, kd = (double[]) ka;
                        for (int j = 0; j < ls; j++) ad[j] = pd[po + j] * kd[kb + t * ls + j];
                    }
                    aa = a;
                    ab = 0;
                }
                // dA = grad v^T, only up to each row block's last nonzero probability
                for (int r0 = 0; r0 < l; r0 += rbA) {
                    int m = Math.min(rbA, l - r0), c1 = blockLimit(limits, r0, m, s);
                    if (c1 > 0) {
                        gemm(mg.trans, !mv.trans, m, c1, ev, 1.0, mg.arr(), mg.off[t] + rowOff(mg, r0), mg.ld, mv.arr(), mv.off[t], mv.ld,
                                dz, r0 * s, s);
                    }
                }
                // gv = A^T grad: key row j gets contributions from the query rows whose limit exceeds j
                if (mgv != null) {
                    for (int j0 = 0; j0 < s; j0 += rbV) {
                        int m = Math.min(rbV, s - j0), i0 = firstRowReaching(limits, j0, l);
                        gemm(true, mg.trans, m, ev, l - i0, 1.0, aa, ab + i0 * s + j0, s, mg.arr(), mg.off[t] + rowOff(mg, i0), mg.ld,
                                mgv.arr(), mgv.off[t] + j0 * mgv.ld, mgv.ld);
                    }
                }
                // dZ = P * (dA * keep - rowsum(dA * keep * P)), zero beyond each row's limit
                for (int i = 0; i < l; i++) {
                    int lim = limits == null ? s : limits[i];
                    int zo = i * s, pr = po + i * s, kr = kb + t * ls + i * s;
                    if (f32 && FastMath.VECTOR) {
                        float[] zf = (float[]) dz, kf = (float[]) ka;
                        if (kf != null) VectorRowKernels.mul(zf, zo, kf, kr, lim);
                        VectorRowKernels.softmaxGrad(zf, zo, ps.f, pr, lim);
                        Arrays.fill(zf, zo + lim, zo + s, 0f);
                    } else if (f32) {
                        float[] zf = (float[]) dz, pf = ps.f, kf = (float[]) ka;
                        if (kf != null) for (int j = 0; j < lim; j++) zf[zo + j] *= kf[kr + j];
                        double acc = 0;
                        for (int j = 0; j < lim; j++) acc += zf[zo + j] * pf[pr + j];
                        float dot = (float) acc;
                        for (int j = 0; j < lim; j++) zf[zo + j] = pf[pr + j] * (zf[zo + j] - dot);
                        Arrays.fill(zf, zo + lim, zo + s, 0f);
                    } else {
                        double[] zd = (double[]) dz, pd = ps.d, kd = (double[]) ka;
                        if (kd != null) for (int j = 0; j < lim; j++) zd[zo + j] *= kd[kr + j];
                        double dot = 0;
                        for (int j = 0; j < lim; j++) dot += zd[zo + j] * pd[pr + j];
                        for (int j = 0; j < lim; j++) zd[zo + j] = pd[pr + j] * (zd[zo + j] - dot);
                        Arrays.fill(zd, zo + lim, zo + s, 0.0);
                    }
                }
                if (gza != null) System.arraycopy(dz, 0, gza, gzb + t * ls, ls);
                if (mgq != null) {
                    for (int r0 = 0; r0 < l; r0 += rbQ) {
                        int m = Math.min(rbQ, l - r0), c1 = blockLimit(limits, r0, m, s);
                        gemm(false, mk.trans, m, e, c1, scale, dz, r0 * s, s, mk.arr(), mk.off[t], mk.ld, mgq.arr(), mgq.off[t] + r0 * mgq.ld, mgq.ld);
                    }
                }
                if (mgk != null) {
                    for (int j0 = 0; j0 < s; j0 += rbK) {
                        int m = Math.min(rbK, s - j0), i0 = firstRowReaching(limits, j0, l);
                        gemm(true, mq.trans, m, e, l - i0, scale, dz, i0 * s + j0, s, mq.arr(), mq.off[t] + rowOff(mq, i0), mq.ld,
                                mgk.arr(), mgk.off[t] + j0 * mgk.ld, mgk.ld);
                    }
                }
            }
        });
        if (gvDst != null && gvDst != gv) be.copy(gvDst, gv);
        if (gqDst != null && gqDst != gq) be.copy(gqDst, gq);
        if (gkDst != null && gkDst != gk) be.copy(gkDst, gk);
        if (gLogits != null && gzFull != gLogits) be.copy(gzFull, gLogits);
    }

    /** The largest row limit in rows {@code [r0, r0 + m)} (s when not causal). */
    private static int blockLimit(int[] limits, int r0, int m, int s) {
        return limits == null ? s : limits[r0 + m - 1];
    }

    /** The first query row whose limit exceeds key j0 (0 when not causal). */
    private static int firstRowReaching(int[] limits, int j0, int l) {
        return limits == null ? 0 : Math.min(l, j0);
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
