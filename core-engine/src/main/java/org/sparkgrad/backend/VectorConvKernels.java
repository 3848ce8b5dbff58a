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
     * Weight-gradient block for 4 output channels and 4 reduction indices over one segment of positions:
     * {@code acc[(oi * 4 + ki) * VL + lane] += sum_{j = lane mod VL, j < len} gy[g0 + oi * gyLd + j] * x[xb + koff[k0 + ki] + j]},
     * {@code len} a positive multiple of {@link #VL}. The 16 accumulators live in {@code acc} between segments so
     * that the loop stays a single affine loop (a flat loop switching segments inside runs 2.5x slower under C2,
     * and a 4 x 6 block spills registers).
     */
    static void weight4x4(float[] gy, int g0, int gyLd, float[] x, int xb, int[] koff, int k0, int len, float[] acc) {
        FloatVector a00 = FloatVector.fromArray(S, acc, 0), a01 = FloatVector.fromArray(S, acc, VL);
        FloatVector a02 = FloatVector.fromArray(S, acc, 2 * VL), a03 = FloatVector.fromArray(S, acc, 3 * VL);
        FloatVector a10 = FloatVector.fromArray(S, acc, 4 * VL), a11 = FloatVector.fromArray(S, acc, 5 * VL);
        FloatVector a12 = FloatVector.fromArray(S, acc, 6 * VL), a13 = FloatVector.fromArray(S, acc, 7 * VL);
        FloatVector a20 = FloatVector.fromArray(S, acc, 8 * VL), a21 = FloatVector.fromArray(S, acc, 9 * VL);
        FloatVector a22 = FloatVector.fromArray(S, acc, 10 * VL), a23 = FloatVector.fromArray(S, acc, 11 * VL);
        FloatVector a30 = FloatVector.fromArray(S, acc, 12 * VL), a31 = FloatVector.fromArray(S, acc, 13 * VL);
        FloatVector a32 = FloatVector.fromArray(S, acc, 14 * VL), a33 = FloatVector.fromArray(S, acc, 15 * VL);
        int g1 = g0 + gyLd, g2 = g1 + gyLd, g3 = g2 + gyLd;
        int x0 = xb + koff[k0], x1 = xb + koff[k0 + 1], x2 = xb + koff[k0 + 2], x3 = xb + koff[k0 + 3];
        for (int j = 0; j < len; j += VL) {
            FloatVector y0 = FloatVector.fromArray(S, gy, g0 + j), y1 = FloatVector.fromArray(S, gy, g1 + j);
            FloatVector y2 = FloatVector.fromArray(S, gy, g2 + j), y3 = FloatVector.fromArray(S, gy, g3 + j);
            FloatVector v = FloatVector.fromArray(S, x, x0 + j);
            a00 = y0.fma(v, a00); a10 = y1.fma(v, a10); a20 = y2.fma(v, a20); a30 = y3.fma(v, a30);
            v = FloatVector.fromArray(S, x, x1 + j);
            a01 = y0.fma(v, a01); a11 = y1.fma(v, a11); a21 = y2.fma(v, a21); a31 = y3.fma(v, a31);
            v = FloatVector.fromArray(S, x, x2 + j);
            a02 = y0.fma(v, a02); a12 = y1.fma(v, a12); a22 = y2.fma(v, a22); a32 = y3.fma(v, a32);
            v = FloatVector.fromArray(S, x, x3 + j);
            a03 = y0.fma(v, a03); a13 = y1.fma(v, a13); a23 = y2.fma(v, a23); a33 = y3.fma(v, a33);
        }
        a00.intoArray(acc, 0); a01.intoArray(acc, VL); a02.intoArray(acc, 2 * VL); a03.intoArray(acc, 3 * VL);
        a10.intoArray(acc, 4 * VL); a11.intoArray(acc, 5 * VL); a12.intoArray(acc, 6 * VL); a13.intoArray(acc, 7 * VL);
        a20.intoArray(acc, 8 * VL); a21.intoArray(acc, 9 * VL); a22.intoArray(acc, 10 * VL); a23.intoArray(acc, 11 * VL);
        a30.intoArray(acc, 12 * VL); a31.intoArray(acc, 13 * VL); a32.intoArray(acc, 14 * VL); a33.intoArray(acc, 15 * VL);
    }

    /** The 1 x 1 form of {@link #weight4x4}: {@code acc[lane] += sum gy[g0 + j] * x[xb + j]}. */
    static void weight1x1(float[] gy, int g0, float[] x, int xb, int len, float[] acc) {
        FloatVector a = FloatVector.fromArray(S, acc, 0);
        for (int j = 0; j < len; j += VL) a = FloatVector.fromArray(S, gy, g0 + j).fma(FloatVector.fromArray(S, x, xb + j), a);
        a.intoArray(acc, 0);
    }

    /** Sum of the lanes of vector {@code i} of {@code acc}. */
    static float lanes(float[] acc, int i) {
        return FloatVector.fromArray(S, acc, i * VL).reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@code u[dst + r * dstStride + i] = x[sa + r * srcStride + i] +- x[sb + r * srcStride + i]} for {@code r < rows},
     * {@code i < len}. Rows of at least one vector end with an overlapping vector instead of a scalar tail
     * ({@code u} and {@code x} must be different arrays).
     */
    static void addRows(float[] x, int sa, int sb, int srcStride, boolean subtract, float[] u, int dst, int dstStride, int rows, int len) {
        if (len >= VL && len <= 2 * VL) {
            // one or two (overlapping) vectors per row, no inner loop
            int t = len - VL;
            if (subtract) {
                for (int r = 0; r < rows; r++, sa += srcStride, sb += srcStride, dst += dstStride) {
                    FloatVector.fromArray(S, x, sa).sub(FloatVector.fromArray(S, x, sb)).intoArray(u, dst);
                    FloatVector.fromArray(S, x, sa + t).sub(FloatVector.fromArray(S, x, sb + t)).intoArray(u, dst + t);
                }
            } else {
                for (int r = 0; r < rows; r++, sa += srcStride, sb += srcStride, dst += dstStride) {
                    FloatVector.fromArray(S, x, sa).add(FloatVector.fromArray(S, x, sb)).intoArray(u, dst);
                    FloatVector.fromArray(S, x, sa + t).add(FloatVector.fromArray(S, x, sb + t)).intoArray(u, dst + t);
                }
            }
            return;
        }
        int bound = S.loopBound(len);
        boolean overlap = len >= VL && bound < len;
        for (int r = 0; r < rows; r++, sa += srcStride, sb += srcStride, dst += dstStride) {
            int i = 0;
            if (subtract) {
                for (; i < bound; i += VL) {
                    FloatVector.fromArray(S, x, sa + i).sub(FloatVector.fromArray(S, x, sb + i)).intoArray(u, dst + i);
                }
                if (overlap) {
                    int t = len - VL;
                    FloatVector.fromArray(S, x, sa + t).sub(FloatVector.fromArray(S, x, sb + t)).intoArray(u, dst + t);
                } else {
                    for (; i < len; i++) u[dst + i] = x[sa + i] - x[sb + i];
                }
            } else {
                for (; i < bound; i += VL) {
                    FloatVector.fromArray(S, x, sa + i).add(FloatVector.fromArray(S, x, sb + i)).intoArray(u, dst + i);
                }
                if (overlap) {
                    int t = len - VL;
                    FloatVector.fromArray(S, x, sa + t).add(FloatVector.fromArray(S, x, sb + t)).intoArray(u, dst + t);
                } else {
                    for (; i < len; i++) u[dst + i] = x[sa + i] + x[sb + i];
                }
            }
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
