package org.sparkgrad.backend;

import java.util.Arrays;
import org.sparkgrad.backend.CpuConvKernels.Geom;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * The direct float32 convolution of the CPU backend (forward, input gradient, weight gradient), for any
 * number of spatial dims, with unit stride along the last dim (any stride elsewhere, any padding, dilation
 * and group count). It avoids im2col entirely:
 *
 * <ul>
 *   <li>the input is copied once into a zero-padded buffer {@code (N, C, *padded)};</li>
 *   <li>output positions are walked in <em>runs</em> whose input positions are consecutive in that buffer:
 *       a row of the last dim, or, when the second-to-last dim also has unit stride, a whole (H, W) plane
 *       flattened with the padded row length (the {@code Wp - Wo} positions at each row end are computed and
 *       dropped);</li>
 *   <li>a register-blocked microkernel ({@link VectorConvKernels}) accumulates 8 output channels x 3
 *       vectors of positions over the reduction index {@code k = (input channel, kernel tap)}, whose input
 *       offsets are precomputed; weights are broadcast from a {@code (k, o)} copy.</li>
 * </ul>
 *
 * The input gradient of a unit-stride convolution is the same kernel run as a convolution of the output
 * gradient (padded by {@code dil*(k-1) - p}) with the flipped, channel-transposed weight. The weight gradient
 * uses a second microkernel (4 output channels x 4 reduction indices, vectorised over positions, over
 * chunks of about 4096 positions, the accumulators carried between the runs of a chunk).
 *
 * <p>This class names no Vector API type, so it loads without the {@code jdk.incubator.vector} module; it only
 * calls {@link VectorConvKernels} when {@link #AVAILABLE}.
 */
final class CpuConvVector {
    /** Whether the Vector API is present with vectors of at least 256 bits. */
    static final boolean AVAILABLE = detect();
    /** Lanes per vector and positions per forward block (0 when unavailable). */
    static final int VL = AVAILABLE ? VectorConvKernels.VL : 0, CH = AVAILABLE ? VectorConvKernels.CH : 0;
    static final int OB = 8;

    private CpuConvVector() {}

    private static boolean detect() {
        if ("false".equalsIgnoreCase(System.getProperty("sparkgrad.vector"))) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            return VectorConvKernels.VL >= 8;
        } catch (Throwable t) {
            return false;
        }
    }

    /** How a geometry maps onto runs of the padded input. */
    static final class Plan {
        final Geom g;
        final int flat;          // trailing dims flattened into one run (1 or 2)
        final int[] padded;      // padded input size per dim
        final int pVol;          // padded volume per channel
        final int q;             // outer output positions (all dims but the flattened ones)
        final int[] qBase;       // padded-input offset of each outer position's run
        final int run;           // run length in padded coordinates
        final int runOut;        // output elements per outer position
        final int wp, wo;        // padded and output length of the last dim
        final int[] koff;        // per k = (c, tap) of one group: c * pVol + tap offset

        Plan(Geom g) {
            this.g = g;
            int nd = g.nd;
            flat = nd >= 2 && g.s[nd - 2] == 1 ? 2 : 1;
            padded = new int[nd];
            for (int d = 0; d < nd; d++) padded[d] = g.in[d] + 2 * g.p[d];
            int[] pst = Shape.contiguousStrides(padded);
            long pv = 1;
            for (int d : padded) pv *= d;
            pVol = (int) Math.min(pv, Integer.MAX_VALUE);
            wp = padded[nd - 1];
            wo = g.out[nd - 1];
            run = flat == 2 ? (g.out[nd - 2] - 1) * wp + wo : wo;
            runOut = flat == 2 ? g.out[nd - 2] * wo : wo;
            int outer = nd - flat;
            int nq = 1;
            for (int d = 0; d < outer; d++) nq *= g.out[d];
            q = nq;
            qBase = new int[nq];
            int[] idx = new int[Math.max(outer, 1)];
            for (int i = 0; i < nq; i++) {
                int off = 0;
                for (int d = 0; d < outer; d++) off += idx[d] * g.s[d] * pst[d];
                qBase[i] = off;
                for (int d = outer - 1; d >= 0; d--) {
                    if (++idx[d] < g.out[d]) break;
                    idx[d] = 0;
                }
            }
            koff = new int[g.cg * g.kVol];
            int[] a = new int[nd];
            for (int t = 0; t < g.kVol; t++) {
                int off = 0;
                for (int d = 0; d < nd; d++) off += a[d] * g.dil[d] * pst[d];
                for (int c = 0; c < g.cg; c++) koff[c * g.kVol + t] = c * pVol + off;
                for (int d = nd - 1; d >= 0; d--) {
                    if (++a[d] < g.k[d]) break;
                    a[d] = 0;
                }
            }
        }

        /** Output offset (within an outer position) of run position j, or -1 for a dropped position. */
        int outIndex(int j) {
            if (j >= run) return -1;
            if (flat == 1) return j;
            int h = j / wp, w = j - h * wp;
            return w < wo ? h * wo + w : -1;
        }

        /** Elements of the padded buffer, with slack for the vector reads past the last run. */
        long bufferSize() { return (long) g.n * g.c * pVol + 2L * CH; }
    }

    /**
     * Runs of consecutive chunk positions whose outputs are contiguous: quadruples (first position, length,
     * group key, first output offset), preceded by their count; positions with key -1 are dropped.
     */
    static int[] segments(int[] key, int[] off) {
        int n = key.length;
        int[] out = new int[1 + 4 * n];
        int cnt = 0;
        for (int j = 0; j < n; ) {
            if (key[j] < 0) {
                j++;
                continue;
            }
            int e = j + 1;
            while (e < n && key[e] == key[j] && off[e] == off[e - 1] + 1) e++;
            int b = 1 + 4 * cnt++;
            out[b] = j;
            out[b + 1] = e - j;
            out[b + 2] = key[j];
            out[b + 3] = off[j];
            j = e;
        }
        out[0] = cnt;
        return Arrays.copyOf(out, 1 + 4 * cnt);
    }

    private static boolean fitsInt(Geom g, long padded) {
        long out = (long) g.n * g.o * g.outVol;
        return padded < Integer.MAX_VALUE - 64 && out < Integer.MAX_VALUE;
    }

    private static boolean paddedFits(Geom g) {
        long pv = 1;
        for (int d = 0; d < g.nd; d++) pv *= g.in[d] + 2L * g.p[d];
        return fitsInt(g, (long) g.n * g.c * pv + 2L * CH);
    }

    /**
     * Whether the direct forward suits {@code g}: unit last-dim stride, at least {@code OB / 2} outputs per group (the
     * last block of {@code OB} is zero-padded: LeNet's 6 channels waste a quarter of the lanes and still beat im2col
     * + GEMM, which costs 1.5-2x there), long enough runs.
     */
    static boolean suitsForward(Geom g) {
        if (!AVAILABLE || g.n == 0 || g.outVol == 0) return false;
        if (g.s[g.nd - 1] != 1 || g.og < OB / 2 || !paddedFits(g)) return false;
        return new Plan(g).run >= VL;
    }

    /** The geometry of the input gradient seen as a forward convolution (null when it is not one of unit stride). */
    static Geom backwardInputGeom(Geom g) {
        int nd = g.nd;
        int[] pb = new int[nd], ones = new int[nd];
        for (int d = 0; d < nd; d++) {
            if (g.s[d] != 1) return null;
            pb[d] = g.dil[d] * (g.k[d] - 1) - g.p[d];
            // a transposed convolution's output padding makes the input longer than this correlation's output
            if (pb[d] < 0 || g.out[d] + 2 * pb[d] - g.dil[d] * (g.k[d] - 1) != g.in[d]) return null;
            ones[d] = 1;
        }
        return new Geom(g.n, g.o, g.c, g.out, g.k, g.in, ones, pb, g.dil, g.groups);
    }

    static boolean suitsBackwardInput(Geom g) {
        if (!AVAILABLE) return false;
        Geom t = backwardInputGeom(g);
        return t != null && suitsForward(t);
    }

    static boolean suitsBackwardWeight(Geom g) {
        if (!AVAILABLE || g.n == 0 || g.outVol == 0) return false;
        if (g.s[g.nd - 1] != 1 || g.og < 4 || g.cg * g.kVol < 4 || !paddedFits(g)) return false;
        return new Plan(g).run >= VL;
    }

    private static float[] f(Tensor t) { return ((CpuStorage) t.storage()).f; }

    /** Copies x (contiguous, offset xo) into a zero-padded (N, C, *padded) buffer. */
    static float[] pad(float[] x, int xo, Plan pl) {
        Geom g = pl.g;
        float[] xp = new float[(int) pl.bufferSize()];
        int nd = g.nd, w = g.in[nd - 1], rows = g.inVol / Math.max(w, 1);
        int[] pst = Shape.contiguousStrides(pl.padded);
        int planes = g.n * g.c;
        Parallel.range(planes, g.inVol, (from, to) -> {
            int[] idx = new int[Math.max(nd - 1, 1)];
            for (int pc = from; pc < to; pc++) {
                Arrays.fill(idx, 0);
                int src = xo + pc * g.inVol, dstPlane = pc * pl.pVol;
                for (int r = 0; r < rows; r++, src += w) {
                    int dst = dstPlane + g.p[nd - 1];
                    for (int d = 0; d < nd - 1; d++) dst += (idx[d] + g.p[d]) * pst[d];
                    System.arraycopy(x, src, xp, dst, w);
                    for (int d = nd - 2; d >= 0; d--) {
                        if (++idx[d] < g.in[d]) break;
                        idx[d] = 0;
                    }
                }
            }
        });
        return xp;
    }

    static Tensor forward(Tensor x, Tensor w, Tensor b, Geom g) {
        float[] wa = Arrays.copyOfRange(f(w), w.storageOffset(), w.storageOffset() + g.o * g.rows);
        float[] bias = b == null ? null : Arrays.copyOfRange(f(b), b.storageOffset(), b.storageOffset() + g.o);
        return convolve(f(x), x.storageOffset(), wa, bias, g);
    }

    /**
     * The forward convolution of a contiguous float32 input (offset {@code xo}) with a contiguous
     * {@code (O, C/groups, *k)} weight: Winograd along the leading dims when they allow it, else direct.
     */
    static Tensor convolve(float[] x, int xo, float[] w, float[] bias, Geom g) {
        Plan pl = new Plan(g);
        float[] xp = pad(x, xo, pl);
        int m = winogradDims(g);
        if (m > 0) return CpuConvWinograd.run(xp, w, bias, pl, m);
        int k = g.rows, op = roundUp(g.og, OB);
        float[] wt = new float[g.groups * k * op];
        for (int gr = 0; gr < g.groups; gr++) {
            for (int o = 0; o < g.og; o++) {
                int src = (gr * g.og + o) * k;
                for (int i = 0; i < k; i++) wt[(gr * k + i) * op + o] = w[src + i];
            }
        }
        return run(xp, wt, bias, pl);
    }

    /** Whether the Winograd F(2,3) path may be used (true by default; for tests and benchmarks). */
    static volatile boolean winogradEnabled = !"false".equalsIgnoreCase(System.getProperty("sparkgrad.conv.winograd"));

    /**
     * Number of leading spatial dims the Winograd F(2,3) path transforms: those with kernel 3, stride 1 and
     * dilation 1, at most 2 and at most nd - 1 (the last dim stays direct); 0 when the path does not apply.
     */
    static int winogradDims(Geom g) {
        if (!winogradEnabled) return 0;
        int m = 0;
        while (m < Math.min(2, g.nd - 1) && g.k[m] == 3 && g.s[m] == 1 && g.dil[m] == 1) m++;
        if (m == 0) return 0;
        return CpuConvWinograd.suits(g, m) ? m : 0;
    }

    /** Runs the forward microkernel over a padded input and an (o-padded) (k, o) weight copy. */
    static Tensor run(float[] xp, float[] wt, float[] bias, Plan pl) {
        Geom g = pl.g;
        int k = g.rows, op = roundUp(g.og, OB);
        int nj = (pl.run + CH - 1) / CH;
        int[][] segs = new int[nj][];
        for (int jc = 0; jc < nj; jc++) {
            int[] key = new int[CH], off = new int[CH];
            for (int j = 0; j < CH; j++) {
                off[j] = pl.outIndex(jc * CH + j);
                key[j] = off[j] < 0 ? -1 : 0;
            }
            segs[jc] = segments(key, off);
        }
        Tensor y = new Tensor(CpuStorage.allocate(DType.FLOAT32, g.n * g.o * g.outVol), CpuConvKernels.concat(g.n, g.o, g.out));
        float[] ya = f(y);
        int units = g.n * g.groups * pl.q * nj;
        int cost = (int) Math.min(1 << 20, (long) op * k * CH / 8);
        Parallel.range(units, cost, (from, to) -> {
            float[] scratch = new float[OB * CH];
            for (int u = from; u < to; u++) {
                int jc = u % nj, rest = u / nj;
                int qi = rest % pl.q;
                rest /= pl.q;
                int gr = rest % g.groups, n = rest / g.groups;
                int base = (n * g.c + gr * g.cg) * pl.pVol + pl.qBase[qi] + jc * CH;
                for (int ob = 0; ob < g.og; ob += OB) {
                    VectorConvKernels.forward8x3(xp, base, pl.koff, 0, k, wt, gr * k * op + ob, op, scratch);
                    int on = Math.min(OB, g.og - ob);
                    for (int oi = 0; oi < on; oi++) {
                        int o = gr * g.og + ob + oi;
                        int yb = ((n * g.o + o) * pl.q + qi) * pl.runOut;
                        float bv = bias == null ? 0f : bias[o];
                        int[] sg = segs[jc];
                        for (int si = 0, ns = sg[0]; si < ns; si++) {
                            int sb = 1 + 4 * si;
                            VectorConvKernels.storeRow(scratch, oi * CH + sg[sb], bv, ya, yb + sg[sb + 3], sg[sb + 1]);
                        }
                    }
                }
            }
        });
        return y;
    }

    static Tensor backwardInput(Tensor gy, Tensor w, Geom g) {
        Geom t = backwardInputGeom(g);
        // the transposed, flipped weight (C, O/groups, *k): conv' has og' = cg outputs and cg' = og inputs per group
        int kv = g.kVol;
        float[] wa = f(w), w2 = new float[g.c * g.og * kv];
        int wo = w.storageOffset();
        for (int gr = 0; gr < g.groups; gr++) {
            for (int o = 0; o < g.og; o++) {
                for (int c = 0; c < g.cg; c++) {
                    int src = wo + ((gr * g.og + o) * g.cg + c) * kv, dst = ((gr * g.cg + c) * g.og + o) * kv + kv - 1;
                    for (int a = 0; a < kv; a++) w2[dst - a] = wa[src + a];
                }
            }
        }
        return convolve(f(gy), gy.storageOffset(), w2, null, t);
    }

    /** Positions per weight-gradient chunk (a multiple of the vector length). */
    static int weightChunk = 4096;

    static Tensor backwardWeight(Tensor x, Tensor gy, Geom g) {
        Plan pl = new Plan(g);
        float[] xp = pad(f(x), x.storageOffset(), pl);
        int lr = roundUp(pl.run, VL);
        // output gradient laid out on the runs: (N, O, Q, lr), zero at dropped positions
        float[] ge = new float[g.n * g.o * pl.q * lr + VL];
        float[] ga = f(gy);
        int go = gy.storageOffset();
        int rowsPerRun = pl.runOut / pl.wo;
        Parallel.range(g.n * g.o * pl.q, pl.runOut, (from, to) -> {
            for (int r = from; r < to; r++) {
                int src = go + r * pl.runOut, dst = r * lr;
                for (int h = 0; h < rowsPerRun; h++) System.arraycopy(ga, src + h * pl.wo, ge, dst + h * pl.wp, pl.wo);
            }
        });
        int k = g.rows;
        // units of about weightChunk positions (whole vectors), made of segments of runs; a 4 x 4 block
        // accumulates over all segments of a unit before its lanes are summed
        final int jc = weightChunk;
        java.util.List<int[]> chunks = new java.util.ArrayList<>(); // per unit: (n, q, j0, len) quadruples
        int[] cur = new int[4 * 8];
        int nseg = 0, filled = 0;
        for (int n = 0; n < g.n; n++) {
            for (int q = 0; q < pl.q; q++) {
                for (int j0 = 0; j0 < lr; ) {
                    int len = Math.min(lr - j0, jc - filled);
                    if (nseg * 4 + 4 > cur.length) cur = Arrays.copyOf(cur, cur.length * 2);
                    cur[4 * nseg] = n;
                    cur[4 * nseg + 1] = q;
                    cur[4 * nseg + 2] = j0;
                    cur[4 * nseg + 3] = len;
                    nseg++;
                    filled += len;
                    j0 += len;
                    if (filled == jc) {
                        chunks.add(Arrays.copyOf(cur, 4 * nseg));
                        nseg = 0;
                        filled = 0;
                    }
                }
            }
        }
        if (nseg > 0) chunks.add(Arrays.copyOf(cur, 4 * nseg));
        int nch = chunks.size();
        int units = g.groups * nch;
        float[] dw = new float[g.o * k];
        int gyLd = pl.q * lr;
        int cost = (int) Math.min(1 << 20, (long) g.og * k * jc / 64);
        Parallel.range(units, cost, (from, to) -> {
            float[] part = new float[g.o * k];
            int maxSeg = 0;
            for (int[] c : chunks) maxSeg = Math.max(maxSeg, c.length / 4);
            int[] gyOff = new int[maxSeg], xOff = new int[maxSeg], lens = new int[maxSeg];
            float[] acc = new float[16 * VL];
            for (int u = from; u < to; u++) {
                int ci = u % nch, gr = u / nch;
                int[] ch = chunks.get(ci);
                int ns = ch.length / 4;
                for (int i = 0; i < ns; i++) {
                    int n = ch[4 * i], q = ch[4 * i + 1], j0 = ch[4 * i + 2];
                    gyOff[i] = ((n * g.o + gr * g.og) * pl.q + q) * lr + j0;
                    xOff[i] = (n * g.c + gr * g.cg) * pl.pVol + pl.qBase[q] + j0;
                    lens[i] = ch[4 * i + 3];
                }
                int o4 = g.og - g.og % 4, k4 = k - k % 4;
                for (int o0 = 0; o0 < o4; o0 += 4) {
                    int accRow = (gr * g.og + o0) * k;
                    for (int k0 = 0; k0 < k4; k0 += 4) {
                        Arrays.fill(acc, 0f);
                        for (int i = 0; i < ns; i++) {
                            VectorConvKernels.weight4x4(ge, gyOff[i] + o0 * gyLd, gyLd, xp, xOff[i], pl.koff, k0, lens[i], acc);
                        }
                        for (int oi = 0; oi < 4; oi++) {
                            for (int ki = 0; ki < 4; ki++) part[accRow + oi * k + k0 + ki] += VectorConvKernels.lanes(acc, oi * 4 + ki);
                        }
                    }
                }
                // edges of the (o, k) blocking: one output channel and reduction index at a time
                for (int o = 0; o < g.og; o++) {
                    int accRow = (gr * g.og + o) * k;
                    for (int kk = o < o4 ? k4 : 0; kk < k; kk++) {
                        Arrays.fill(acc, 0, VL, 0f);
                        for (int i = 0; i < ns; i++) {
                            VectorConvKernels.weight1x1(ge, gyOff[i] + o * gyLd, xp, xOff[i] + pl.koff[kk], lens[i], acc);
                        }
                        part[accRow + kk] += VectorConvKernels.lanes(acc, 0);
                    }
                }
            }
            synchronized (dw) {
                for (int i = 0; i < dw.length; i++) dw[i] += part[i];
            }
        });
        return new Tensor(CpuStorage.wrap(dw), CpuConvKernels.concat(g.o, g.cg, g.k));
    }

    static int roundUp(int v, int m) { return (v + m - 1) / m * m; }
}
