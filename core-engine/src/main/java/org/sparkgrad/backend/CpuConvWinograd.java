package org.sparkgrad.backend;

import org.sparkgrad.backend.CpuConvKernels.Geom;
import org.sparkgrad.backend.CpuConvVector.Plan;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Winograd F(2, 3) along the leading {@code m} spatial dims (kernel 3, stride 1, dilation 1; m = 1 or 2) of a
 * float32 convolution, fused with the direct kernel of {@link CpuConvVector} for the remaining dims.
 *
 * <p>Math (Lavin and Gray 2016, "Fast Algorithms for Convolutional Neural Networks"): along one dim, two
 * outputs of a 3-tap correlation are {@code y = A^T [(G g) . (B^T d)]} for an input tile {@code d} of 4,
 * with {@code B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]},
 * {@code G = [[1,0,0],[.5,.5,.5],[.5,-.5,.5],[0,0,1]]}, {@code A^T = [[1,1,1,0],[0,1,-1,-1]]}; nested over m dims
 * this is a sum of {@code 4^m} products instead of {@code 2^m * 3^m}: 1.5x fewer multiply-adds for m = 1,
 * 2.25x for m = 2. Each of the {@code 4^m} products is itself a convolution over the remaining dims (and over
 * the input channels), which the direct microkernel computes on the transformed input.
 *
 * <p>Work is split into units of (sample, tiles of the first m-1 dims, a group of tiles along dim m-1): a unit
 * transforms just its input slab into a thread-local buffer (a few hundred kB, cache resident), runs the
 * {@code 4^m} convolutions block by block and applies the output transform on the fly, so nothing of size
 * of the input is materialised beyond the padded copy the direct path also makes.
 */
final class CpuConvWinograd {
    private static final float[][] BT = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
    private static final float[][] G = {{1, 0, 0}, {.5f, .5f, .5f}, {.5f, -.5f, .5f}, {0, 0, 1}};
    /** Target size of a unit's transformed-input buffer, in floats (512 kB); tests lower it to get several units. */
    static int budget = 1 << 17;
    private static final int OB = CpuConvVector.OB;

    private CpuConvWinograd() {}

    /** The shape of the direct sub-problem of one unit: (tiles, remaining padded dims). */
    private static Geom subGeom(Geom g, Plan pl, int m, int tg) {
        int nr = g.nd - m;
        int[] in = new int[nr + 1], k = new int[nr + 1], out = new int[nr + 1], s = new int[nr + 1], p = new int[nr + 1],
                dil = new int[nr + 1];
        in[0] = tg;
        k[0] = 1;
        out[0] = tg;
        s[0] = 1;
        dil[0] = 1;
        for (int i = 0; i < nr; i++) {
            in[i + 1] = pl.padded[m + i];
            k[i + 1] = g.k[m + i];
            out[i + 1] = g.out[m + i];
            s[i + 1] = g.s[m + i];
            dil[i + 1] = g.dil[m + i];
        }
        return new Geom(1, g.c, g.o, in, k, out, s, p, dil, g.groups);
    }

    private static int tilesPerUnit(Geom g, Plan pl, int m) {
        int[] pst = Shape.contiguousStrides(pl.padded);
        int rVolP = pst[m - 1];
        int last = (g.out[m - 1] + 1) / 2;
        long per = (long) (1 << (2 * m)) * g.c * rVolP;
        return (int) Math.max(1, Math.min(last, budget / Math.max(1, per)));
    }

    /** Whether the fused path fits {@code g} with m Winograd dims (the sub-problem must suit the direct kernel). */
    static boolean suits(Geom g, int m) {
        if (g.og < OB) return false;
        Plan pl = new Plan(g);
        Geom sub = subGeom(g, pl, m, tilesPerUnit(g, pl, m));
        return new Plan(sub).run >= CpuConvVector.VL;
    }

    static Tensor run(float[] xp, float[] w, float[] bias, Plan pl, int m) {
        Geom g = pl.g;
        int nd = g.nd, nComp = 1 << (2 * m), nOut = 1 << m, wTaps = pow3(m);
        int[] pst = Shape.contiguousStrides(pl.padded);
        int rVolP = pst[m - 1];
        int[] tiles = new int[m];
        for (int d = 0; d < m; d++) tiles[d] = (g.out[d] + 1) / 2;
        int tg = tilesPerUnit(g, pl, m);
        int lastTiles = tiles[m - 1], nGroupsLast = (lastTiles + tg - 1) / tg;
        int outerTiles = prod(tiles, 0, m - 1);
        int kR = g.kVol / wTaps, kk = g.cg * kR, op = CpuConvVector.roundUp(g.og, OB);
        int routVol = prod(g.out, m, nd), outWVol = prod(g.out, 0, m);

        // transformed weights, one (k', o) copy per component xi: sum over the Winograd taps a of prod G[xi][a] w[a]
        float[][] wt = new float[nComp][g.groups * kk * op];
        for (int xi = 0; xi < nComp; xi++) {
            for (int a = 0; a < wTaps; a++) {
                float coef = 1;
                for (int d = 0, xr = xi, ar = a; d < m; d++) {
                    coef *= G[xr & 3][ar % 3];
                    xr >>= 2;
                    ar /= 3;
                }
                if (coef == 0) continue;
                // digit order: dim m-1 is the lowest digit of both xi (base 4) and a (base 3)
                for (int o = 0; o < g.o; o++) {
                    int gr = o / g.og, ol = o % g.og;
                    for (int c = 0; c < g.cg; c++) {
                        int src = (o * g.cg + c) * g.kVol + a * kR;
                        int dst = (gr * kk + c * kR) * op + ol;
                        for (int r = 0; r < kR; r++) wt[xi][dst + r * op] += coef * w[src + r];
                    }
                }
            }
        }
        Plan full = new Plan(subGeom(g, pl, m, tg));
        int tailTg = lastTiles - (nGroupsLast - 1) * tg;
        Plan tail = tailTg == tg ? full : new Plan(subGeom(g, pl, m, tailTg));
        int bufLen = nComp * g.c * full.pVol + 2 * CpuConvVector.CH;
        int[][] fullMap = positionMap(full, routVol), tailMap = tail == full ? fullMap : positionMap(tail, routVol);

        Tensor y = new Tensor(CpuStorage.allocate(DType.FLOAT32, g.n * g.o * g.outVol), CpuConvKernels.concat(g.n, g.o, g.out));
        float[] ya = ((CpuStorage) y.storage()).f;
        int units = g.n * outerTiles * nGroupsLast;
        int ch = CpuConvVector.CH;
        long unitCost = (long) nComp * kk * g.o * tg * rVolP / 16;
        Parallel.range(units, (int) Math.min(1 << 20, unitCost), (from, to) -> {
            float[] u = new float[bufLen];
            float[] v = m == 2 ? new float[4 * (2 * tg + 2) * pst[1]] : null;
            float[][] mb = new float[nComp][OB * ch];
            float[][] yb = new float[nOut][OB * ch], tb = new float[8][OB * ch];
            int[] tileIdx = new int[m];
            for (int unit = from; unit < to; unit++) {
                int gl = unit % nGroupsLast, rest = unit / nGroupsLast;
                int ot = rest % outerTiles, n = rest / outerTiles;
                for (int d = m - 2, r = ot; d >= 0; d--) {
                    tileIdx[d] = r % tiles[d];
                    r /= tiles[d];
                }
                int tg0 = gl * tg;
                Plan sp = gl == nGroupsLast - 1 ? tail : full;
                int[][] segMap = gl == nGroupsLast - 1 ? tailMap : fullMap;
                int tgl = gl == nGroupsLast - 1 ? tailTg : tg;
                transformInput(xp, pl, pst, m, n, tileIdx, tg0, tgl, rVolP, u, sp.pVol, v);
                int nj = (sp.run + ch - 1) / ch;
                int compStride = g.c * sp.pVol;
                for (int gr = 0; gr < g.groups; gr++) {
                    for (int q = 0; q < sp.q; q++) {
                        for (int jc = 0; jc < nj; jc++) {
                            int base = gr * g.cg * sp.pVol + sp.qBase[q] + jc * ch;
                            for (int ob = 0; ob < g.og; ob += OB) {
                                for (int xi = 0; xi < nComp; xi++) {
                                    VectorConvKernels.forward8x3(u, xi * compStride + base, sp.koff, 0, kk, wt[xi], gr * kk * op + ob, op, mb[xi]);
                                }
                                int on = Math.min(OB, g.og - ob), len = on * ch;
                                // A^T along the last Winograd dim, then (m = 2) along the first
                                if (m == 1) {
                                    VectorConvKernels.outputTransform(mb[0], mb[1], mb[2], mb[3], yb[0], yb[1], len);
                                } else {
                                    for (int x0 = 0; x0 < 4; x0++) {
                                        VectorConvKernels.outputTransform(mb[4 * x0], mb[4 * x0 + 1], mb[4 * x0 + 2], mb[4 * x0 + 3],
                                                tb[2 * x0], tb[2 * x0 + 1], len);
                                    }
                                    for (int e1 = 0; e1 < 2; e1++) {
                                        VectorConvKernels.outputTransform(tb[e1], tb[2 + e1], tb[4 + e1], tb[6 + e1], yb[e1], yb[2 + e1], len);
                                    }
                                }
                                for (int eta = 0; eta < nOut; eta++) {
                                    scatter(yb[eta], on, ya, bias, g, segMap[q * nj + jc], m, n, gr * g.og + ob, tileIdx, tg0, eta, routVol);
                                }
                            }
                        }
                    }
                }
            }
        });
        return y;
    }

    /** B^T rows as (a, b, sign): row xi of B^T d is {@code d[a] + sign * d[b]}. */
    private static final int[][] BT_TERMS = {{0, 2, -1}, {1, 2, 1}, {2, 1, -1}, {1, 3, -1}};

    /**
     * Fills u with the 4^m transformed input slabs of one unit, {@code u[xi][c][tile][R padded]} (channel stride
     * pVolSub), separably one Winograd dim at a time: every B^T row is a sum or difference of two rows, so each
     * stage is a contiguous add or subtract over whole slabs. Input rows past the padded input (the last tile
     * of an odd output size) count as zero.
     */
    private static void transformInput(float[] xp, Plan pl, int[] pst, int m, int n, int[] tileIdx, int tg0, int tgl, int rVolP,
                                       float[] u, int pVolSub, float[] v) {
        Geom g = pl.g;
        int lastLen = pl.padded[m - 1];
        int rows = 2 * tgl + 2; // input rows of the last Winograd dim this unit reads
        for (int c = 0; c < g.c; c++) {
            int cb = (n * g.c + c) * pl.pVol;
            if (m == 1) {
                // tiles whose 4 input rows are all inside the padded input, then the last one row by row
                int full = Math.max(0, Math.min(tgl, Math.floorDiv(lastLen - 4, 2) - tg0 + 1));
                int src0 = cb + 2 * tg0 * pst[0];
                for (int xi = 0; xi < 4; xi++) {
                    int dst = (xi * g.c + c) * pVolSub;
                    int[] tm = BT_TERMS[xi];
                    if (full > 0) {
                        VectorConvKernels.addRows(xp, src0 + tm[0] * pst[0], src0 + tm[1] * pst[0], 2 * pst[0], tm[2] < 0, u, dst,
                                rVolP, full, rVolP);
                    }
                    for (int tl = full; tl < tgl; tl++) {
                        rowCombine(xp, src0 + 2 * tl * pst[0], rVolP, 2 * (tg0 + tl), lastLen, tm, u, dst + tl * rVolP, rVolP);
                    }
                }
            } else {
                // stage 1, along dim 0 (4 rows at 2*tile0 + b): v[xi0][row of dim 1][R] for the rows this unit needs
                int t0 = 2 * tileIdx[0];
                int slab = rows * pst[1];
                for (int xi0 = 0; xi0 < 4; xi0++) {
                    int[] tm = BT_TERMS[xi0];
                    int pa = t0 + tm[0], pb = t0 + tm[1];
                    int len = Math.min(rows, lastLen - 2 * tg0) * pst[1];
                    int sa = cb + pa * pst[0] + 2 * tg0 * pst[1], sb = cb + pb * pst[0] + 2 * tg0 * pst[1];
                    boolean ina = pa < pl.padded[0], inb = pb < pl.padded[0];
                    int dst = xi0 * slab;
                    combine(xp, ina ? sa : -1, inb ? sb : -1, tm[2], v, dst, len);
                    java.util.Arrays.fill(v, dst + len, dst + slab, 0f);
                }
                // stage 2, along dim 1: u[xi0 * 4 + xi1][c][tl][R] (rows past the input are zeros in v)
                for (int xi0 = 0; xi0 < 4; xi0++) {
                    for (int xi1 = 0; xi1 < 4; xi1++) {
                        int[] tm = BT_TERMS[xi1];
                        int dst = ((xi0 * 4 + xi1) * g.c + c) * pVolSub;
                        VectorConvKernels.addRows(v, xi0 * slab + tm[0] * pst[1], xi0 * slab + tm[1] * pst[1], 2 * pst[1], tm[2] < 0, u,
                                dst, rVolP, tgl, rVolP);
                    }
                }
            }
        }
    }

    /** dst = row(r0 + a) + sign * row(r0 + b), rows of {@code rowLen} from {@code base}; rows at or past {@code limit} are zero. */
    private static void rowCombine(float[] x, int base, int rowLen, int r0, int limit, int[] term, float[] u, int dst, int len) {
        int a = term[0], b = term[1];
        combine(x, r0 + a < limit ? base + a * rowLen : -1, r0 + b < limit ? base + b * rowLen : -1, term[2], u, dst, len);
    }

    /** u[dst..dst+len) = x[sa..] + sign * x[sb..] (a source of -1 is zero). */
    private static void combine(float[] x, int sa, int sb, int sign, float[] u, int dst, int len) {
        if (sa >= 0 && sb >= 0) {
            VectorConvKernels.addRows(x, sa, sb, 0, sign < 0, u, dst, 0, 1, len);
        } else if (sa >= 0) {
            System.arraycopy(x, sa, u, dst, len);
        } else if (sb >= 0) {
            if (sign > 0) {
                System.arraycopy(x, sb, u, dst, len);
            } else {
                for (int i = 0; i < len; i++) u[dst + i] = -x[sb + i];
            }
        } else {
            java.util.Arrays.fill(u, dst, dst + len, 0f);
        }
    }

    /**
     * Per chunk {@code q * nj + jc} of a sub-problem: its runs of positions that are contiguous in the output,
     * as quadruples (first position in the chunk, length, tile index inside the unit, offset in the remaining
     * output dims), preceded by their count.
     */
    private static int[][] positionMap(Plan sp, int routVol) {
        int ch = CpuConvVector.CH, nj = (sp.run + ch - 1) / ch;
        int[][] segs = new int[sp.q * nj][];
        for (int q = 0; q < sp.q; q++) {
            for (int jc = 0; jc < nj; jc++) {
                int[] tl = new int[ch], r = new int[ch];
                for (int j = 0; j < ch; j++) {
                    int idx = sp.outIndex(jc * ch + j);
                    if (idx < 0) {
                        tl[j] = -1;
                        continue;
                    }
                    int sub = q * sp.runOut + idx;
                    tl[j] = sub / routVol;
                    r[j] = sub - tl[j] * routVol;
                }
                segs[q * nj + jc] = CpuConvVector.segments(tl, r);
            }
        }
        return segs;
    }

    /** Writes output component eta of one (on channels x CH positions) block, adding the bias. */
    private static void scatter(float[] yb, int on, float[] ya, float[] bias, Geom g, int[] seg, int m, int n, int o0,
                                int[] tileIdx, int tg0, int eta, int routVol) {
        int ch = CpuConvVector.CH;
        // Winograd-dim output coordinates except the last, which depends on the tile inside the sub-problem
        int wBase = 0;
        for (int d = 0; d < m - 1; d++) {
            int coord = 2 * tileIdx[d] + ((eta >> (m - 1 - d)) & 1);
            if (coord >= g.out[d]) return;
            wBase = wBase * g.out[d] + coord;
        }
        int lastBit = eta & 1, lastOut = g.out[m - 1];
        for (int oi = 0; oi < on; oi++) {
            int o = o0 + oi;
            int yo = (n * g.o + o) * g.outVol;
            float bv = bias == null ? 0f : bias[o];
            for (int sgi = 0, ns = seg[0]; sgi < ns; sgi++) {
                int b = 1 + 4 * sgi;
                int coord = 2 * (tg0 + seg[b + 2]) + lastBit;
                if (coord >= lastOut) continue;
                VectorConvKernels.storeRow(yb, oi * ch + seg[b], bv, ya, yo + (wBase * lastOut + coord) * routVol + seg[b + 3], seg[b + 1]);
            }
        }
    }

    private static int prod(int[] a, int from, int to) {
        int r = 1;
        for (int i = from; i < to; i++) r *= a[i];
        return r;
    }

    private static int pow3(int m) {
        int r = 1;
        for (int i = 0; i < m; i++) r *= 3;
        return r;
    }
}
