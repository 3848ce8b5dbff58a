package org.sparkgrad.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked float32 microkernels of the direct convolution, on the JDK Vector API (one vector =
 * {@link #VL} lanes of the CPU's preferred width: 16 with AVX-512, 8 with AVX2). Only
 * {@link CpuConvVector} calls them, and only when the {@code jdk.incubator.vector} module is present: every
 * signature here is primitive so that no other class needs the module to load.
 *
 * <p>Notation: a "run" is a stretch of output positions whose input positions are consecutive in the padded
 * input (unit stride), {@code koff[k]} the offset of reduction index {@code k = (channel, kernel tap)} in the
 * padded input relative to the run's base.
 */
final class VectorConvKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    static final int VL = S.length();
    /** Output channels per forward block. */
    static final int OB = 8;
    /** Positions per forward block (3 vectors). */
    static final int CH = 3 * VL;

    private VectorConvKernels() {}

    /**
     * Forward block: {@code out[oi * CH + j] = sum_{k in [k0, k1)} wt[wb + k * ldw + oi] * x[base + koff[k] + j]}
     * for {@code oi < 8}, {@code j < CH}.
     */
    static void forward8x3(float[] x, int base, int[] koff, int k0, int k1, float[] wt, int wb, int ldw, float[] out) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a10 = z, a11 = z, a12 = z, a20 = z, a21 = z, a22 = z, a30 = z, a31 = z, a32 = z;
        FloatVector a40 = z, a41 = z, a42 = z, a50 = z, a51 = z, a52 = z, a60 = z, a61 = z, a62 = z, a70 = z, a71 = z, a72 = z;
        int w = wb + k0 * ldw;
        for (int k = k0; k < k1; k++, w += ldw) {
            int xo = base + koff[k];
            FloatVector x0 = FloatVector.fromArray(S, x, xo);
            FloatVector x1 = FloatVector.fromArray(S, x, xo + VL);
            FloatVector x2 = FloatVector.fromArray(S, x, xo + 2 * VL);
            FloatVector v = FloatVector.broadcast(S, wt[w]);
            a00 = x0.fma(v, a00); a01 = x1.fma(v, a01); a02 = x2.fma(v, a02);
            v = FloatVector.broadcast(S, wt[w + 1]);
            a10 = x0.fma(v, a10); a11 = x1.fma(v, a11); a12 = x2.fma(v, a12);
            v = FloatVector.broadcast(S, wt[w + 2]);
            a20 = x0.fma(v, a20); a21 = x1.fma(v, a21); a22 = x2.fma(v, a22);
            v = FloatVector.broadcast(S, wt[w + 3]);
            a30 = x0.fma(v, a30); a31 = x1.fma(v, a31); a32 = x2.fma(v, a32);
            v = FloatVector.broadcast(S, wt[w + 4]);
            a40 = x0.fma(v, a40); a41 = x1.fma(v, a41); a42 = x2.fma(v, a42);
            v = FloatVector.broadcast(S, wt[w + 5]);
            a50 = x0.fma(v, a50); a51 = x1.fma(v, a51); a52 = x2.fma(v, a52);
            v = FloatVector.broadcast(S, wt[w + 6]);
            a60 = x0.fma(v, a60); a61 = x1.fma(v, a61); a62 = x2.fma(v, a62);
            v = FloatVector.broadcast(S, wt[w + 7]);
            a70 = x0.fma(v, a70); a71 = x1.fma(v, a71); a72 = x2.fma(v, a72);
        }
        int o = 0;
        a00.intoArray(out, o); a01.intoArray(out, o + VL); a02.intoArray(out, o + 2 * VL); o += CH;
        a10.intoArray(out, o); a11.intoArray(out, o + VL); a12.intoArray(out, o + 2 * VL); o += CH;
        a20.intoArray(out, o); a21.intoArray(out, o + VL); a22.intoArray(out, o + 2 * VL); o += CH;
        a30.intoArray(out, o); a31.intoArray(out, o + VL); a32.intoArray(out, o + 2 * VL); o += CH;
        a40.intoArray(out, o); a41.intoArray(out, o + VL); a42.intoArray(out, o + 2 * VL); o += CH;
        a50.intoArray(out, o); a51.intoArray(out, o + VL); a52.intoArray(out, o + 2 * VL); o += CH;
        a60.intoArray(out, o); a61.intoArray(out, o + VL); a62.intoArray(out, o + 2 * VL); o += CH;
        a70.intoArray(out, o); a71.intoArray(out, o + VL); a72.intoArray(out, o + 2 * VL);
    }

    /**
     * Weight-gradient block for 4 output channels and 4 reduction indices, over segments of positions:
     * {@code acc[accRow + oi * lda + k0 + ki] += sum_s sum_{j < len[s]} gy[gyOff[s] + (o0 + oi) * gyLd + j] * x[xOff[s] + koff[k0 + ki] + j]},
     * every {@code len[s]} a positive multiple of {@link #VL}. (A 4 x 6 block spills registers under C2.)
     */
    static void weight4x4(float[] gy, int[] gyOff, int gyLd, float[] x, int[] xOff, int[] koff, int[] len, int nseg, int o0,
                          int k0, float[] acc, int accRow, int lda) {
        FloatVector z = FloatVector.zero(S);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int c0 = koff[k0], c1 = koff[k0 + 1], c2 = koff[k0 + 2], c3 = koff[k0 + 3];
        int total = 0;
        for (int i = 0; i < nseg; i++) total += len[i];
        // one flat loop over (segment, j): C2 keeps the accumulators in registers only across a single loop
        int sg = 0, j = 0, end = len[0], g0 = gyOff[0] + o0 * gyLd, xb = xOff[0];
        for (int it = 0; it < total; it += VL) {
            FloatVector y0 = FloatVector.fromArray(S, gy, g0 + j);
            FloatVector y1 = FloatVector.fromArray(S, gy, g0 + gyLd + j);
            FloatVector y2 = FloatVector.fromArray(S, gy, g0 + 2 * gyLd + j);
            FloatVector y3 = FloatVector.fromArray(S, gy, g0 + 3 * gyLd + j);
            int xj = xb + j;
            FloatVector v = FloatVector.fromArray(S, x, xj + c0);
            a00 = y0.fma(v, a00); a10 = y1.fma(v, a10); a20 = y2.fma(v, a20); a30 = y3.fma(v, a30);
            v = FloatVector.fromArray(S, x, xj + c1);
            a01 = y0.fma(v, a01); a11 = y1.fma(v, a11); a21 = y2.fma(v, a21); a31 = y3.fma(v, a31);
            v = FloatVector.fromArray(S, x, xj + c2);
            a02 = y0.fma(v, a02); a12 = y1.fma(v, a12); a22 = y2.fma(v, a22); a32 = y3.fma(v, a32);
            v = FloatVector.fromArray(S, x, xj + c3);
            a03 = y0.fma(v, a03); a13 = y1.fma(v, a13); a23 = y2.fma(v, a23); a33 = y3.fma(v, a33);
            j += VL;
            if (j == end) {
                j = 0;
                if (++sg < nseg) {
                    end = len[sg];
                    g0 = gyOff[sg] + o0 * gyLd;
                    xb = xOff[sg];
                }
            }
        }
        int r = accRow + k0;
        acc[r] += a00.reduceLanes(VectorOperators.ADD);
        acc[r + 1] += a01.reduceLanes(VectorOperators.ADD);
        acc[r + 2] += a02.reduceLanes(VectorOperators.ADD);
        acc[r + 3] += a03.reduceLanes(VectorOperators.ADD);
        r += lda;
        acc[r] += a10.reduceLanes(VectorOperators.ADD);
        acc[r + 1] += a11.reduceLanes(VectorOperators.ADD);
        acc[r + 2] += a12.reduceLanes(VectorOperators.ADD);
        acc[r + 3] += a13.reduceLanes(VectorOperators.ADD);
        r += lda;
        acc[r] += a20.reduceLanes(VectorOperators.ADD);
        acc[r + 1] += a21.reduceLanes(VectorOperators.ADD);
        acc[r + 2] += a22.reduceLanes(VectorOperators.ADD);
        acc[r + 3] += a23.reduceLanes(VectorOperators.ADD);
        r += lda;
        acc[r] += a30.reduceLanes(VectorOperators.ADD);
        acc[r + 1] += a31.reduceLanes(VectorOperators.ADD);
        acc[r + 2] += a32.reduceLanes(VectorOperators.ADD);
        acc[r + 3] += a33.reduceLanes(VectorOperators.ADD);
    }

    /** The 1 x 1 form of {@link #weight4x4}, for the edges of the (o, k) blocking. */
    static void weight1x1(float[] gy, int[] gyOff, int gyLd, float[] x, int[] xOff, int[] koff, int[] len, int nseg, int o,
                          int k, float[] acc, int accIndex) {
        FloatVector a = FloatVector.zero(S);
        int ck = koff[k];
        int total = 0;
        for (int i = 0; i < nseg; i++) total += len[i];
        int sg = 0, j = 0, end = len[0], g0 = gyOff[0] + o * gyLd, xb = xOff[0] + ck;
        for (int it = 0; it < total; it += VL) {
            a = FloatVector.fromArray(S, gy, g0 + j).fma(FloatVector.fromArray(S, x, xb + j), a);
            j += VL;
            if (j == end) {
                j = 0;
                if (++sg < nseg) {
                    end = len[sg];
                    g0 = gyOff[sg] + o * gyLd;
                    xb = xOff[sg] + ck;
                }
            }
        }
        acc[accIndex] += a.reduceLanes(VectorOperators.ADD);
    }

    /** {@code u[dst + i] = x[sa + i] + sign * x[sb + i]} for {@code i < len} (sign +1 or -1). */
    static void addRows(float[] x, int sa, int sb, boolean subtract, float[] u, int dst, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        if (subtract) {
            for (; i < bound; i += VL) {
                FloatVector.fromArray(S, x, sa + i).sub(FloatVector.fromArray(S, x, sb + i)).intoArray(u, dst + i);
            }
            for (; i < len; i++) u[dst + i] = x[sa + i] - x[sb + i];
        } else {
            for (; i < bound; i += VL) {
                FloatVector.fromArray(S, x, sa + i).add(FloatVector.fromArray(S, x, sb + i)).intoArray(u, dst + i);
            }
            for (; i < len; i++) u[dst + i] = x[sa + i] + x[sb + i];
        }
    }

    /** {@code y[dst + i] = src[from + i] + bias} for {@code i < len}. */
    static void storeRow(float[] src, int from, float bias, float[] y, int dst, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector b = FloatVector.broadcast(S, bias);
        for (; i < bound; i += VL) FloatVector.fromArray(S, src, from + i).add(b).intoArray(y, dst + i);
        for (; i < len; i++) y[dst + i] = src[from + i] + bias;
    }

    /** {@code y[i] += c * src[i]} for {@code i < len}. */
    static void axpy(float c, float[] src, float[] y, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector cv = FloatVector.broadcast(S, c);
        for (; i < bound; i += VL) FloatVector.fromArray(S, src, i).fma(cv, FloatVector.fromArray(S, y, i)).intoArray(y, i);
        for (; i < len; i++) y[i] += c * src[i];
    }

    /**
     * One-dim Winograd F(2,3) output transform {@code A^T}: {@code y0 = m0 + m1 + m2}, {@code y1 = m1 - m2 - m3},
     * elementwise over {@code len} floats.
     */
    static void outputTransform(float[] m0, float[] m1, float[] m2, float[] m3, float[] y0, float[] y1, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += VL) {
            FloatVector b = FloatVector.fromArray(S, m1, i), c = FloatVector.fromArray(S, m2, i);
            FloatVector a = FloatVector.fromArray(S, m0, i), d = FloatVector.fromArray(S, m3, i);
            a.add(b).add(c).intoArray(y0, i);
            b.sub(c).sub(d).intoArray(y1, i);
        }
        for (; i < len; i++) {
            y0[i] = m0[i] + m1[i] + m2[i];
            y1[i] = m1[i] - m2[i] - m3[i];
        }
    }
}
