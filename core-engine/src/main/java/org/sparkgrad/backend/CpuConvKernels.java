package org.sparkgrad.backend;

import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * CPU kernels of the N-dimensional convolution and pooling primitives of {@link Backend}, written once for
 * any number of spatial dims.
 *
 * <p>Convolution has three implementations, chosen per call:
 * <ul>
 *   <li>the general one (every dtype, stride, padding, dilation, group count): im2col/vol2col + GEMM through
 *       {@link Blas}, per sample and per group, over tiles of output positions so that the column buffer stays
 *       small (at most {@link #COL_BUDGET} elements) however large the volume;</li>
 *   <li>float32 with unit stride along the last dim: a direct convolution with register-blocked AVX-512/AVX2
 *       microkernels on the JDK Vector API ({@link CpuConvVector}), which needs no column buffer: forward,
 *       input gradient (as a forward convolution of the padded output gradient with the flipped kernel when
 *       all strides are 1) and weight gradient;</li>
 *   <li>on top of the direct one, Winograd F(2,3) along up to two leading dims whose kernel is 3 with stride
 *       and dilation 1 ({@link CpuConvWinograd}): 1.5x (one dim) or 2.25x (two dims) fewer multiply-adds.</li>
 * </ul>
 * The Vector API paths need the {@code jdk.incubator.vector} module (JVM flag
 * {@code --add-modules=jdk.incubator.vector}) and vectors of at least 256 bits; without them every call takes
 * the im2col + GEMM path. {@link #setVectorKernelsEnabled} switches between them (tests, benchmarks); the
 * system properties {@code sparkgrad.vector=false} and {@code sparkgrad.conv.winograd=false} disable the direct
 * kernels or Winograd at start-up.
 *
 * <p>Pooling walks, for every (n, c) plane in parallel, the windows of a {@link PoolWindows}, row by row.
 */
public final class CpuConvKernels {
    /** Largest im2col tile, in elements (8 MB in float32). */
    static final int COL_BUDGET = 1 << 21;

    private static final Logger LOG = LoggerFactory.getLogger(CpuConvKernels.class);
    private static volatile boolean vectorEnabled = CpuConvVector.AVAILABLE;

    static {
        if (CpuConvVector.AVAILABLE) {
            LOG.info("convolution: direct Vector API kernels ({} float lanes) with Winograd F(2,3) for 3-tap unit-stride dims; "
                    + "im2col + GEMM for float64 and unsupported shapes", CpuConvVector.VL);
        } else {
            LOG.info("convolution: im2col + GEMM (start the JVM with --add-modules=jdk.incubator.vector for the faster direct kernels)");
        }
    }

    private CpuConvKernels() {}

    /**
     * Whether float32 convolutions and max pooling may use the direct Vector API kernels (true by default when the
     * {@code jdk.incubator.vector} module is present). Switching it off forces the im2col + GEMM path and the scalar
     * pooling loop; tests and benchmarks use this to compare the two.
     *
     * @return the previous setting
     * @throws IllegalStateException when switching on without the module
     */
    public static boolean setVectorKernelsEnabled(boolean on) {
        if (on && !CpuConvVector.AVAILABLE) {
            throw new IllegalStateException("the Vector API kernels need the JVM flag --add-modules=jdk.incubator.vector");
        }
        boolean prev = vectorEnabled;
        vectorEnabled = on;
        return prev;
    }

    /** Whether the direct Vector API kernels are in use for float32 convolutions. */
    public static boolean vectorKernelsEnabled() { return vectorEnabled; }

    // =================================================================================== geometry
    /** The sizes of one convolution. */
    static final class Geom {
        final int n, c, o, groups, cg, og, nd;
        final int[] in, k, out, s, p, dil;
        final int inVol, outVol, kVol, rows;
        final int[] inStride;

        Geom(int n, int c, int o, int[] in, int[] k, int[] out, int[] s, int[] p, int[] dil, int groups) {
            this.n = n;
            this.c = c;
            this.o = o;
            this.groups = groups;
            this.cg = c / groups;
            this.og = o / groups;
            this.nd = in.length;
            this.in = in;
            this.k = k;
            this.out = out;
            this.s = s;
            this.p = p;
            this.dil = dil;
            inVol = Shape.numel(in);
            outVol = Shape.numel(out);
            kVol = Shape.numel(k);
            rows = cg * kVol;
            inStride = Shape.contiguousStrides(in);
        }

        /** Columns per im2col tile. */
        int tile() {
            if (outVol == 0) return 1;
            int t = Math.max(1, COL_BUDGET / Math.max(1, rows));
            if (t >= outVol) return outVol;
            int w = out[nd - 1];
            if (t > w) t -= t % w; // whole rows of the last dim: fewer segments
            return Math.max(1, t);
        }
    }

    static int[] outSize(int[] in, int[] k, int[] s, int[] p, int[] dil) {
        int[] out = new int[in.length];
        for (int d = 0; d < in.length; d++) out[d] = (in[d] + 2 * p[d] - dil[d] * (k[d] - 1) - 1) / s[d] + 1;
        return out;
    }

    static int[] spatial(int[] shape) { return Arrays.copyOfRange(shape, 2, shape.length); }

    static int[] concat(int a, int b, int[] rest) {
        int[] r = new int[rest.length + 2];
        r[0] = a;
        r[1] = b;
        System.arraycopy(rest, 0, r, 2, rest.length);
        return r;
    }

    static Tensor contig(Tensor t) { return t.isContiguous() ? t : t.backend().contiguous(t); }

    static Tensor newTensor(DType dt, int[] shape) {
        return new Tensor(CpuStorage.allocate(dt, Shape.numel(shape)), shape.clone());
    }

    static void requireFloat(Tensor t, String op) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + " is not implemented for dtype " + t.dtype().torchName());
        }
    }

    // =================================================================================== im2col plans
    /**
     * Segments of one im2col row (one kernel tap) over the output positions {@code [l0, l1)}: runs along the
     * last output dim with the same outer position. Each segment is 5 ints: destination (relative to l0),
     * length, source offset of the segment's first valid element relative to the channel base (or -1 when the
     * whole segment is padding), number of leading padding elements, number of valid elements.
     */
    static int[] plan(Geom g, int tap, int l0, int l1) {
        int nd = g.nd;
        int[] a = new int[nd];
        for (int d = nd - 1, t = tap; d >= 0; d--) {
            a[d] = t % g.k[d];
            t /= g.k[d];
        }
        int wo = g.out[nd - 1], win = g.in[nd - 1], sw = g.s[nd - 1];
        int aw = a[nd - 1] * g.dil[nd - 1] - g.p[nd - 1];
        // valid w: 0 <= w*sw + aw < win
        int wlo = aw >= 0 ? 0 : (-aw + sw - 1) / sw;
        int whi = win - 1 - aw < 0 ? -1 : (win - 1 - aw) / sw; // inclusive
        wlo = Math.min(wlo, wo);
        whi = Math.min(whi, wo - 1);
        int nseg = (l1 - l0) / wo + 2;
        int[] segs = new int[1 + 5 * nseg];
        int[] idx = new int[Math.max(nd - 1, 1)];
        int rest = l0 / wo;
        for (int d = nd - 2; d >= 0; d--) {
            idx[d] = rest % g.out[d];
            rest /= g.out[d];
        }
        int count = 0;
        int l = l0;
        while (l < l1) {
            int w0 = l % wo;
            int end = Math.min(l1, l - w0 + wo);
            int len = end - l;
            int off = 0;
            boolean valid = true;
            for (int d = 0; d < nd - 1; d++) {
                int pos = idx[d] * g.s[d] + a[d] * g.dil[d] - g.p[d];
                if (pos < 0 || pos >= g.in[d]) {
                    valid = false;
                    break;
                }
                off += pos * g.inStride[d];
            }
            int base = 5 * count + 1;
            segs[base] = l - l0;
            segs[base + 1] = len;
            if (!valid || whi < wlo) {
                segs[base + 2] = -1;
            } else {
                int vs = Math.max(w0, wlo), ve = Math.min(w0 + len - 1, whi);
                if (ve < vs) {
                    segs[base + 2] = -1;
                } else {
                    segs[base + 2] = off + vs * sw + aw;
                    segs[base + 3] = vs - w0;
                    segs[base + 4] = ve - vs + 1;
                }
            }
            count++;
            l = end;
            for (int d = nd - 2; d >= 0; d--) {
                if (++idx[d] < g.out[d]) break;
                idx[d] = 0;
            }
        }
        segs[0] = count;
        return segs;
    }

    static int[][] plans(Geom g, int l0, int l1) {
        int[][] pl = new int[g.kVol][];
        for (int t = 0; t < g.kVol; t++) pl[t] = plan(g, t, l0, l1);
        return pl;
    }

    /** Writes the im2col rows of channels [c0, c1) (relative to xoff) into col (row stride ldc). */
    static void im2colTile(Object x, int xoff, Geom g, int[][] plans, int c0, int c1, Object col, int colOff, int ldc) {
        int sw = g.s[g.nd - 1];
        for (int c = c0; c < c1; c++) {
            int cbase = xoff + c * g.inVol;
            for (int t = 0; t < g.kVol; t++) {
                int[] segs = plans[t];
                int rowOff = colOff + (c * g.kVol + t) * ldc;
                if (x instanceof float[]) {
                    im2colRowF((float[]) x, cbase, segs, sw, (float[]) col, rowOff);
                } else {
                    im2colRowD((double[]) x, cbase, segs, sw, (double[]) col, rowOff);
                }
            }
        }
    }

    private static void im2colRowF(float[] x, int cbase, int[] segs, int sw, float[] col, int rowOff) {
        for (int s = 0, n = segs[0]; s < n; s++) {
            int b = 5 * s + 1;
            int dst = rowOff + segs[b], len = segs[b + 1], src = segs[b + 2];
            if (src < 0) {
                Arrays.fill(col, dst, dst + len, 0f);
                continue;
            }
            int lead = segs[b + 3], cnt = segs[b + 4];
            if (lead > 0) Arrays.fill(col, dst, dst + lead, 0f);
            int d = dst + lead, si = cbase + src;
            if (sw == 1) {
                System.arraycopy(x, si, col, d, cnt);
            } else {
                for (int i = 0; i < cnt; i++, si += sw) col[d + i] = x[si];
            }
            int tail = len - lead - cnt;
            if (tail > 0) Arrays.fill(col, d + cnt, d + cnt + tail, 0f);
        }
    }

    private static void im2colRowD(double[] x, int cbase, int[] segs, int sw, double[] col, int rowOff) {
        for (int s = 0, n = segs[0]; s < n; s++) {
            int b = 5 * s + 1;
            int dst = rowOff + segs[b], len = segs[b + 1], src = segs[b + 2];
            if (src < 0) {
                Arrays.fill(col, dst, dst + len, 0.0);
                continue;
            }
            int lead = segs[b + 3], cnt = segs[b + 4];
            if (lead > 0) Arrays.fill(col, dst, dst + lead, 0.0);
            int d = dst + lead, si = cbase + src;
            if (sw == 1) {
                System.arraycopy(x, si, col, d, cnt);
            } else {
                for (int i = 0; i < cnt; i++, si += sw) col[d + i] = x[si];
            }
            int tail = len - lead - cnt;
            if (tail > 0) Arrays.fill(col, d + cnt, d + cnt + tail, 0.0);
        }
    }

    /** Adds the im2col rows of channels [c0, c1) back into x (the adjoint of {@link #im2colTile}). */
    static void col2imTile(Object col, int colOff, int ldc, Geom g, int[][] plans, int c0, int c1, Object x, int xoff) {
        int sw = g.s[g.nd - 1];
        for (int c = c0; c < c1; c++) {
            int cbase = xoff + c * g.inVol;
            for (int t = 0; t < g.kVol; t++) {
                int[] segs = plans[t];
                int rowOff = colOff + (c * g.kVol + t) * ldc;
                for (int s = 0, n = segs[0]; s < n; s++) {
                    int b = 5 * s + 1;
                    int src = segs[b + 2];
                    if (src < 0) continue;
                    int d = rowOff + segs[b] + segs[b + 3], cnt = segs[b + 4], xi = cbase + src;
                    if (x instanceof float[]) {
                        float[] xf = (float[]) x, cf = (float[]) col;
                        for (int i = 0; i < cnt; i++, xi += sw) xf[xi] += cf[d + i];
                    } else {
                        double[] xd = (double[]) x, cd = (double[]) col;
                        for (int i = 0; i < cnt; i++, xi += sw) xd[xi] += cd[d + i];
                    }
                }
            }
        }
    }

    private static Object alloc(DType dt, int n) { return dt == DType.FLOAT32 ? new float[n] : new double[n]; }

    private static Object arr(Tensor t) {
        CpuStorage s = (CpuStorage) t.storage();
        return s.f != null ? s.f : s.d;
    }

    private static void gemm(boolean ta, boolean tb, int m, int n, int k, Object a, int offA, int lda, Object b, int offB,
                             int ldb, double beta, Object c, int offC, int ldc) {
        if (c instanceof float[]) {
            Blas.sgemm(ta, tb, m, n, k, 1f, (float[]) a, offA, lda, (float[]) b, offB, ldb, (float) beta, (float[]) c, offC, ldc);
        } else {
            Blas.dgemm(ta, tb, m, n, k, 1.0, (double[]) a, offA, lda, (double[]) b, offB, ldb, beta, (double[]) c, offC, ldc);
        }
    }

    // =================================================================================== im2col / col2im
    static Tensor im2col(Tensor x0, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        requireFloat(x0, "im2col");
        Tensor x = contig(x0);
        int[] xs = x.shapeRef();
        int[] in = spatial(xs);
        Geom g = new Geom(xs[0], xs[1], xs[1], in, kernel, outSize(in, kernel, stride, padding, dilation), stride, padding,
                dilation, 1);
        Tensor cols = newTensor(x.dtype(), new int[] {g.n, g.rows, g.outVol});
        Object xa = arr(x), ca = arr(cols);
        int[][] pl = plans(g, 0, g.outVol);
        for (int n = 0; n < g.n; n++) {
            int xoff = x.storageOffset() + n * g.c * g.inVol, coff = n * g.rows * g.outVol;
            Parallel.range(g.c, g.kVol * g.outVol, (c0, c1) -> im2colTile(xa, xoff, g, pl, c0, c1, ca, coff, g.outVol));
        }
        return cols;
    }

    static Tensor col2im(Tensor cols0, int[] inputSize, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        requireFloat(cols0, "col2im");
        Tensor cols = contig(cols0);
        int[] cs = cols.shapeRef();
        int kVol = Shape.numel(kernel);
        int c = cs[1] / kVol;
        int[] out = outSize(inputSize, kernel, stride, padding, dilation);
        Geom g = new Geom(cs[0], c, c, inputSize, kernel, out, stride, padding, dilation, 1);
        if (cs[1] != c * kVol || cs[2] != g.outVol) {
            throw new IllegalArgumentException("col2im: columns of shape " + Shape.str(cs) + " do not match kernel "
                    + Arrays.toString(kernel) + " and output size " + Arrays.toString(out));
        }
        Tensor x = newTensor(cols.dtype(), concat(g.n, c, inputSize));
        Object xa = arr(x), ca = arr(cols);
        int[][] pl = plans(g, 0, g.outVol);
        for (int n = 0; n < g.n; n++) {
            int xoff = n * c * g.inVol, coff = cols.storageOffset() + n * g.rows * g.outVol;
            Parallel.range(c, kVol * g.outVol, (c0, c1) -> col2imTile(ca, coff, g.outVol, g, pl, c0, c1, xa, xoff));
        }
        return x;
    }

    // =================================================================================== convolution
    static Tensor conv(Tensor x0, Tensor w0, Tensor b0, int[] stride, int[] padding, int[] dilation, int groups) {
        requireFloat(x0, "conv");
        Tensor x = contig(x0), w = contig(w0), b = b0 == null ? null : contig(b0);
        int[] xs = x.shapeRef(), ws = w.shapeRef();
        int[] in = spatial(xs), k = spatial(ws);
        Geom g = new Geom(xs[0], xs[1], ws[0], in, k, outSize(in, k, stride, padding, dilation), stride, padding, dilation,
                groups);
        if (x.dtype() == DType.FLOAT32 && vectorEnabled && CpuConvVector.suitsForward(g)) {
            return CpuConvVector.forward(x, w, b, g);
        }
        Tensor y = newTensor(x.dtype(), concat(g.n, g.o, g.out));
        Object xa = arr(x), wa = arr(w), ya = arr(y);
        int tile = g.tile();
        Object col = alloc(x.dtype(), g.rows * tile);
        for (int l0 = 0; l0 < g.outVol; l0 += tile) {
            int l1 = Math.min(g.outVol, l0 + tile), len = l1 - l0, lc = l0;
            int[][] pl = plans(g, l0, l1);
            for (int n = 0; n < g.n; n++) {
                for (int gr = 0; gr < groups; gr++) {
                    int xoff = x.storageOffset() + (n * g.c + gr * g.cg) * g.inVol;
                    Parallel.range(g.cg, g.kVol * len, (c0, c1) -> im2colTile(xa, xoff, g, pl, c0, c1, col, 0, len));
                    gemm(false, false, g.og, len, g.rows, wa, w.storageOffset() + gr * g.og * g.rows, g.rows, col, 0, len,
                            0, ya, (n * g.o + gr * g.og) * g.outVol + lc, g.outVol);
                }
            }
        }
        if (b != null) addBias(y, b, g);
        return y;
    }

    static void addBias(Tensor y, Tensor b, Geom g) {
        Object ya = arr(y), ba = arr(b);
        int bo = b.storageOffset(), vol = g.outVol;
        Parallel.range(g.n * g.o, vol, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r % g.o, off = r * vol;
                if (ya instanceof float[]) {
                    float[] yf = (float[]) ya;
                    float bv = ((float[]) ba)[bo + o];
                    for (int i = 0; i < vol; i++) yf[off + i] += bv;
                } else {
                    double[] yd = (double[]) ya;
                    double bv = ((double[]) ba)[bo + o];
                    for (int i = 0; i < vol; i++) yd[off + i] += bv;
                }
            }
        });
    }

    static Tensor convBackwardInput(Tensor gy0, Tensor w0, int[] inputSize, int[] stride, int[] padding, int[] dilation,
                                    int groups) {
        requireFloat(gy0, "conv backward");
        Tensor gy = contig(gy0), w = contig(w0);
        int[] gs = gy.shapeRef(), ws = w.shapeRef();
        int[] k = spatial(ws);
        int c = ws[1] * groups;
        Geom g = new Geom(gs[0], c, ws[0], inputSize, k, spatial(gs), stride, padding, dilation, groups);
        if (gy.dtype() == DType.FLOAT32 && vectorEnabled && CpuConvVector.suitsBackwardInput(g)) {
            return CpuConvVector.backwardInput(gy, w, g);
        }
        Tensor gx = newTensor(gy.dtype(), concat(g.n, g.c, inputSize));
        Object ga = arr(gy), wa = arr(w), xa = arr(gx);
        int tile = g.tile();
        Object col = alloc(gy.dtype(), g.rows * tile);
        for (int l0 = 0; l0 < g.outVol; l0 += tile) {
            int l1 = Math.min(g.outVol, l0 + tile), len = l1 - l0;
            int[][] pl = plans(g, l0, l1);
            for (int n = 0; n < g.n; n++) {
                for (int gr = 0; gr < groups; gr++) {
                    // col (rows x len) = W_g^T (rows x og) @ gy[n, g] (og x len)
                    gemm(true, false, g.rows, len, g.og, wa, w.storageOffset() + gr * g.og * g.rows, g.rows, ga,
                            gy.storageOffset() + (n * g.o + gr * g.og) * g.outVol + l0, g.outVol, 0, col, 0, len);
                    int xoff = (n * g.c + gr * g.cg) * g.inVol;
                    Parallel.range(g.cg, g.kVol * len, (c0, c1) -> col2imTile(col, 0, len, g, pl, c0, c1, xa, xoff));
                }
            }
        }
        return gx;
    }

    static Tensor convBackwardWeight(Tensor x0, Tensor gy0, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                     int groups) {
        requireFloat(x0, "conv backward");
        Tensor x = contig(x0), gy = contig(gy0);
        int[] xs = x.shapeRef(), gs = gy.shapeRef();
        Geom g = new Geom(xs[0], xs[1], gs[1], spatial(xs), kernelSize, spatial(gs), stride, padding, dilation, groups);
        if (x.dtype() == DType.FLOAT32 && vectorEnabled && CpuConvVector.suitsBackwardWeight(g)) {
            return CpuConvVector.backwardWeight(x, gy, g);
        }
        Tensor gw = newTensor(x.dtype(), concat(g.o, g.cg, kernelSize));
        Object xa = arr(x), ga = arr(gy), wa = arr(gw);
        int tile = g.tile();
        Object col = alloc(x.dtype(), g.rows * tile);
        for (int l0 = 0; l0 < g.outVol; l0 += tile) {
            int l1 = Math.min(g.outVol, l0 + tile), len = l1 - l0;
            int[][] pl = plans(g, l0, l1);
            for (int n = 0; n < g.n; n++) {
                for (int gr = 0; gr < groups; gr++) {
                    int xoff = x.storageOffset() + (n * g.c + gr * g.cg) * g.inVol;
                    Parallel.range(g.cg, g.kVol * len, (c0, c1) -> im2colTile(xa, xoff, g, pl, c0, c1, col, 0, len));
                    // dW_g (og x rows) += gy[n, g] (og x len) @ col^T (len x rows)
                    gemm(false, true, g.og, g.rows, len, ga, gy.storageOffset() + (n * g.o + gr * g.og) * g.outVol + l0,
                            g.outVol, col, 0, len, 1, wa, gr * g.og * g.rows, g.rows);
                }
            }
        }
        return gw;
    }

    // =================================================================================== pooling
    /** Per dim and output index: the flat offsets (position * plane stride) of the in-bounds taps. */
    private static int[][][] tapOffsets(PoolWindows w) {
        int nd = w.spatialDims();
        int[] st = Shape.contiguousStrides(w.inputSize);
        int[][][] r = new int[nd][][];
        for (int d = 0; d < nd; d++) {
            int n = w.outputSize[d];
            r[d] = new int[n][];
            for (int i = 0; i < n; i++) {
                int[] tmp = new int[w.taps[d][i]];
                int cnt = 0;
                for (int t = 0; t < w.taps[d][i]; t++) {
                    int pos = w.start[d][i] + t * w.dilation[d];
                    if (pos >= 0 && pos < w.inputSize[d]) tmp[cnt++] = pos * st[d];
                }
                r[d][i] = Arrays.copyOf(tmp, cnt);
            }
        }
        return r;
    }

    /** Largest product of the outer dims' tap counts (all dims but the last). */
    private static int maxOuter(int[][][] taps) {
        long m = 1;
        for (int d = 0; d < taps.length - 1; d++) {
            int best = 0;
            for (int[] t : taps[d]) best = Math.max(best, t.length);
            m *= best;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, m));
    }

    /**
     * The flat in-plane offsets of the in-bounds taps of the outer dims (all but the last) of the windows at
     * outer output index {@code idx}, into {@code buf}; returns their number. The last dim's taps are added by
     * the caller for each output along it, so this runs once per output row.
     */
    private static int outerOffsets(int[][][] taps, int[] idx, int[] buf, int[] odo) {
        int nd = taps.length - 1;
        if (nd == 0) {
            buf[0] = 0;
            return 1;
        }
        int total = 1;
        for (int d = 0; d < nd; d++) {
            total *= taps[d][idx[d]].length;
            odo[d] = 0;
        }
        for (int e = 0; e < total; e++) {
            int off = 0;
            for (int d = 0; d < nd; d++) off += taps[d][idx[d]][odo[d]];
            buf[e] = off;
            for (int d = nd - 1; d >= 0; d--) {
                if (++odo[d] < taps[d][idx[d]].length) break;
                odo[d] = 0;
            }
        }
        return total;
    }

    private static double outerDivisor(PoolWindows w, int[] idx) {
        double v = 1;
        for (int d = 0; d < w.spatialDims() - 1; d++) v *= w.divisor[d][idx[d]];
        return v;
    }

    /** Advances the outer output index (all dims but the last). */
    private static void nextRow(int[] idx, int[] size) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < size[d]) return;
            idx[d] = 0;
        }
    }

    /** Number of output rows: the product of all output sizes but the last. */
    private static int rows(PoolWindows w) { return w.outputVolume() / Math.max(1, w.outputSize[w.spatialDims() - 1]); }

    /**
     * The output positions of one plane that the vector kernel pools: those whose windows lie wholly inside the input
     * (a multiple of the vector length of them, in order), their window origins, and the window's tap offsets in
     * row-major order (the order of the scalar rule). Null when the windows are not all the same shape (adaptive
     * pooling) or fewer than a vector of them are complete.
     */
    static final class VectorPlan {
        final int[] base, out, taps;
        final int n;
        final boolean[] done, rowDone;

        private VectorPlan(int[] base, int[] out, int n, int[] taps, boolean[] done, boolean[] rowDone) {
            this.base = base;
            this.out = out;
            this.n = n;
            this.taps = taps;
            this.done = done;
            this.rowDone = rowDone;
        }

        static VectorPlan of(PoolWindows w) {
            int nd = w.spatialDims();
            int[] k = new int[nd], st = Shape.contiguousStrides(w.inputSize);
            for (int d = 0; d < nd; d++) {
                if (w.outputSize[d] == 0) return null;
                k[d] = w.taps[d][0];
                for (int i = 0; i < w.outputSize[d]; i++) if (w.taps[d][i] != k[d]) return null;
            }
            int kv = Shape.numel(k);
            if (kv == 0) return null;
            int[] taps = new int[kv], kc = new int[nd];
            for (int t = 0; t < kv; t++) {
                int off = 0;
                for (int d = 0; d < nd; d++) off += kc[d] * w.dilation[d] * st[d];
                taps[t] = off;
                for (int d = nd - 1; d >= 0 && ++kc[d] == k[d]; d--) kc[d] = 0;
            }
            int outVol = w.outputVolume();
            int[] base = new int[outVol], out = new int[outVol], oc = new int[nd];
            int n = 0;
            for (int o = 0; o < outVol; o++) {
                boolean inside = true;
                int b = 0;
                for (int d = 0; d < nd && inside; d++) {
                    int s0 = w.start[d][oc[d]];
                    inside = s0 >= 0 && s0 + (k[d] - 1) * w.dilation[d] < w.inputSize[d];
                    b += s0 * st[d];
                }
                if (inside) {
                    base[n] = b;
                    out[n++] = o;
                }
                for (int d = nd - 1; d >= 0 && ++oc[d] == w.outputSize[d]; d--) oc[d] = 0;
            }
            n -= n % VectorPoolKernels.VL;
            if (n == 0) return null;
            boolean[] done = new boolean[outVol];
            for (int j = 0; j < n; j++) done[out[j]] = true;
            int last = w.outputSize[nd - 1], rows = outVol / last;
            boolean[] rowDone = new boolean[rows];
            for (int r = 0; r < rows; r++) {
                boolean all = true;
                for (int i = 0; i < last && all; i++) all = done[r * last + i];
                rowDone[r] = all;
            }
            return new VectorPlan(base, out, n, taps, done, rowDone);
        }
    }

    static Tensor[] maxPool(Tensor x0, PoolWindows w) {
        requireFloat(x0, "max_pool");
        Tensor x = contig(x0);
        int[] xs = x.shapeRef();
        int planes = xs[0] * xs[1], inVol = w.inputVolume(), outVol = w.outputVolume(), nd = w.spatialDims();
        int[] outShape = concat(xs[0], xs[1], w.outputSize);
        Tensor y = newTensor(x.dtype(), outShape), ind = newTensor(DType.INT64, outShape);
        int[][][] taps = tapOffsets(w);
        int ob = maxOuter(taps), rows = rows(w), last = w.outputSize[nd - 1];
        int[][] lastTaps = taps[nd - 1];
        Object xa = arr(x), ya = arr(y);
        long[] ia = ((CpuStorage) ind.storage()).l;
        int xo = x.storageOffset();
        VectorPlan vp = xa instanceof float[] && vectorEnabled && VectorPoolKernels.usable() ? VectorPlan.of(w) : null;
        Parallel.range(planes, outVol * 4, (from, to) -> {
            int[] idx = new int[nd - 1], odo = new int[Math.max(1, nd - 1)], buf = new int[ob];
            for (int pl = from; pl < to; pl++) {
                Arrays.fill(idx, 0);
                int xb = xo + pl * inVol, yb = pl * outVol;
                if (vp != null) VectorPoolKernels.maxBlocks((float[]) xa, xb, vp.base, vp.out, vp.n, vp.taps, (float[]) ya, yb, ia);
                for (int r = 0; r < rows; r++, nextRow(idx, w.outputSize)) {
                    if (vp != null && vp.rowDone[r]) continue;
                    int cnt = outerOffsets(taps, idx, buf, odo);
                    for (int i = 0; i < last; i++) {
                        if (vp != null && vp.done[r * last + i]) continue;
                        int[] lt = lastTaps[i];
                        int best = -1, j = yb + r * last + i;
                        // PyTorch's rule: the max, NaN winning (the last NaN), the first position among equal maxima
                        if (xa instanceof float[]) {
                            float[] xf = (float[]) xa;
                            float m = Float.NEGATIVE_INFINITY;
                            for (int e = 0; e < cnt; e++) {
                                for (int t : lt) {
                                    int off = buf[e] + t;
                                    float v = xf[xb + off];
                                    if (v > m || best < 0 || v != v) {
                                        m = v;
                                        best = off;
                                    }
                                }
                            }
                            ((float[]) ya)[j] = m;
                        } else {
                            double[] xd = (double[]) xa;
                            double m = Double.NEGATIVE_INFINITY;
                            for (int e = 0; e < cnt; e++) {
                                for (int t : lt) {
                                    int off = buf[e] + t;
                                    double v = xd[xb + off];
                                    if (v > m || best < 0 || v != v) {
                                        m = v;
                                        best = off;
                                    }
                                }
                            }
                            ((double[]) ya)[j] = m;
                        }
                        ia[j] = best;
                    }
                }
            }
        });
        return new Tensor[] {y, ind};
    }

    static Tensor maxPoolBackward(Tensor g0, Tensor ind0, int[] inputShape) {
        requireFloat(g0, "max_pool backward");
        Tensor g = contig(g0), ind = contig(ind0);
        int[] gs = g.shapeRef();
        int planes = gs[0] * gs[1];
        int outVol = planes == 0 ? 0 : g.numel() / planes;
        int inVol = Shape.numel(spatial(inputShape));
        Tensor gx = newTensor(g.dtype(), inputShape);
        Object ga = arr(g), xa = arr(gx);
        long[] ia = ((CpuStorage) ind.storage()).l;
        int go = g.storageOffset(), io = ind.storageOffset();
        Parallel.range(planes, outVol, (from, to) -> {
            for (int pl = from; pl < to; pl++) {
                int xb = pl * inVol;
                for (int j = 0, gb = pl * outVol; j < outVol; j++) {
                    long i = ia[io + gb + j];
                    if (i < 0) continue;
                    if (i >= inVol) {
                        throw new IllegalArgumentException("max_pool backward: index " + i + " is out of range for an input plane of "
                                + inVol + " elements (input shape " + Shape.str(inputShape) + ")");
                    }
                    if (xa instanceof float[]) ((float[]) xa)[xb + (int) i] += ((float[]) ga)[go + gb + j];
                    else ((double[]) xa)[xb + (int) i] += ((double[]) ga)[go + gb + j];
                }
            }
        });
        return gx;
    }

    static Tensor avgPool(Tensor x0, PoolWindows w) {
        requireFloat(x0, "avg_pool");
        Tensor x = contig(x0);
        int[] xs = x.shapeRef();
        int planes = xs[0] * xs[1], inVol = w.inputVolume(), outVol = w.outputVolume(), nd = w.spatialDims();
        Tensor y = newTensor(x.dtype(), concat(xs[0], xs[1], w.outputSize));
        int[][][] taps = tapOffsets(w);
        int ob = maxOuter(taps), rows = rows(w), last = w.outputSize[nd - 1];
        int[][] lastTaps = taps[nd - 1];
        double[] lastDiv = w.divisor[nd - 1];
        Object xa = arr(x), ya = arr(y);
        int xo = x.storageOffset();
        Parallel.range(planes, outVol * 4, (from, to) -> {
            int[] idx = new int[nd - 1], odo = new int[Math.max(1, nd - 1)], buf = new int[ob];
            for (int pl = from; pl < to; pl++) {
                Arrays.fill(idx, 0);
                int xb = xo + pl * inVol, yb = pl * outVol;
                for (int r = 0; r < rows; r++, nextRow(idx, w.outputSize)) {
                    int cnt = outerOffsets(taps, idx, buf, odo);
                    double divOuter = outerDivisor(w, idx);
                    for (int i = 0; i < last; i++) {
                        int[] lt = lastTaps[i];
                        double div = divOuter * lastDiv[i];
                        int j = yb + r * last + i;
                        if (xa instanceof float[]) {
                            float[] xf = (float[]) xa;
                            float sum = 0;
                            for (int e = 0; e < cnt; e++) for (int t : lt) sum += xf[xb + buf[e] + t];
                            ((float[]) ya)[j] = (float) (sum / div);
                        } else {
                            double[] xd = (double[]) xa;
                            double sum = 0;
                            for (int e = 0; e < cnt; e++) for (int t : lt) sum += xd[xb + buf[e] + t];
                            ((double[]) ya)[j] = sum / div;
                        }
                    }
                }
            }
        });
        return y;
    }

    static Tensor avgPoolBackward(Tensor g0, PoolWindows w, int[] inputShape) {
        requireFloat(g0, "avg_pool backward");
        Tensor g = contig(g0);
        int planes = inputShape[0] * inputShape[1], inVol = w.inputVolume(), outVol = w.outputVolume(), nd = w.spatialDims();
        Tensor gx = newTensor(g.dtype(), inputShape);
        int[][][] taps = tapOffsets(w);
        int ob = maxOuter(taps), rows = rows(w), last = w.outputSize[nd - 1];
        int[][] lastTaps = taps[nd - 1];
        double[] lastDiv = w.divisor[nd - 1];
        Object ga = arr(g), xa = arr(gx);
        int go = g.storageOffset();
        Parallel.range(planes, outVol * 4, (from, to) -> {
            int[] idx = new int[nd - 1], odo = new int[Math.max(1, nd - 1)], buf = new int[ob];
            for (int pl = from; pl < to; pl++) {
                Arrays.fill(idx, 0);
                int xb = pl * inVol, gb = go + pl * outVol;
                for (int r = 0; r < rows; r++, nextRow(idx, w.outputSize)) {
                    int cnt = outerOffsets(taps, idx, buf, odo);
                    double divOuter = outerDivisor(w, idx);
                    for (int i = 0; i < last; i++) {
                        int[] lt = lastTaps[i];
                        int j = gb + r * last + i;
                        double div = divOuter * lastDiv[i];
                        if (xa instanceof float[]) {
                            float[] xf = (float[]) xa;
                            float v = (float) (((float[]) ga)[j] / div);
                            for (int e = 0; e < cnt; e++) for (int t : lt) xf[xb + buf[e] + t] += v;
                        } else {
                            double[] xd = (double[]) xa;
                            double v = ((double[]) ga)[j] / div;
                            for (int e = 0; e < cnt; e++) for (int t : lt) xd[xb + buf[e] + t] += v;
                        }
                    }
                }
            }
        });
        return gx;
    }
}
