package org.sparkgrad.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 row loops of layer norm and RMS norm ({@link CpuNormKernels}) on the JDK Vector API. Only called when
 * {@link FastMath#VECTOR}; every signature is primitive so that no other class needs the
 * {@code jdk.incubator.vector} module to load. Sums run in vector lanes over blocks of {@link #BLOCK} elements whose
 * partial results are added in double, so a long row keeps the accuracy of the scalar double accumulation.
 */
final class VectorNormKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    /** Elements summed in float lanes before the partial sum goes to a double. */
    static final int BLOCK = 512;

    private VectorNormKernels() {}

    /** {@code sum(x[o .. o + d))} in float lanes per block, blocks added in double. */
    static double sum(float[] x, int o, int d) {
        double total = 0;
        for (int b = 0; b < d; b += BLOCK) {
            int end = Math.min(d, b + BLOCK), j = b, ub = b + S.loopBound(end - b);
            FloatVector acc = FloatVector.zero(S);
            for (; j < ub; j += VL) acc = acc.add(FloatVector.fromArray(S, x, o + j));
            double part = acc.reduceLanes(VectorOperators.ADD);
            for (; j < end; j++) part += x[o + j];
            total += part;
        }
        return total;
    }

    /**
     * {@code sum((x - m)^2)} over {@code x[o .. o + d)}, blocked like {@link #sum}; adds {@code sum(x - m)} to
     * {@code devSum[0]}. With both, a caller whose {@code m} is the mean rounded to float removes that rounding exactly:
     * {@code sum((x - mean)^2) = sum((x - m)^2) - (sum(x - m))^2 / n} (the deviations are small, so their float sum is
     * accurate where a float sum of x itself is not).
     */
    static double squares(float[] x, int o, int d, float m, double[] devSum) {
        double total = 0, dev = 0;
        for (int b = 0; b < d; b += BLOCK) {
            int end = Math.min(d, b + BLOCK), j = b, ub = b + S.loopBound(end - b);
            FloatVector acc = FloatVector.zero(S), accD = FloatVector.zero(S);
            for (; j < ub; j += VL) {
                FloatVector c = FloatVector.fromArray(S, x, o + j).sub(m);
                acc = c.fma(c, acc);
                accD = accD.add(c);
            }
            double part = acc.reduceLanes(VectorOperators.ADD), partD = accD.reduceLanes(VectorOperators.ADD);
            for (; j < end; j++) {
                float c = x[o + j] - m;
                part += c * c;
                partD += c;
            }
            total += part;
            dev += partD;
        }
        devSum[0] += dev;
        return total;
    }

    /**
     * One row: {@code y = (x - mean) * rstd * w + b} (RMS: mean 0; callers pass ones / zeros for an absent w / b, so
     * the vector loop has no branch); returns {@code {mean, rstd}} in {@code stats[0..1]}.
     */
    static void layerNormRow(float[] x, int o, float[] y, int yo, int d, float[] w, int wo, float[] b, int bo, double eps,
                             boolean rms, float[] stats) {
        float m = rms ? 0f : (float) (sum(x, o, d) / d);
        double[] dev = {0};
        double q = squares(x, o, d, m, dev);
        if (!rms) q -= dev[0] * dev[0] / d; // centre on the exact mean, not on its float rounding m
        float rs = (float) (1.0 / Math.sqrt(Math.max(q, 0) / d + eps));
        stats[0] = m;
        stats[1] = rs;
        int j = 0, ub = S.loopBound(d);
        for (; j < ub; j += VL) {
            FloatVector.fromArray(S, x, o + j).sub(m).mul(rs).fma(FloatVector.fromArray(S, w, wo + j), FloatVector.fromArray(S, b, bo + j))
                    .intoArray(y, yo + j);
        }
        for (; j < d; j++) y[yo + j] = (x[o + j] - m) * rs * w[wo + j] + b[bo + j];
    }

    /**
     * One row of the backward, with every array present (no branches in the vector loops, whose values C2 could not
     * keep in registers across a merge): accumulates {@code aw += g * xhat}, {@code ab += g} and writes
     * {@code dx = rstd * (wg - mean(wg) - xhat * mean(wg * xhat))} ({@code wg = g w}; RMS: without {@code mean(wg)}).
     */
    static void layerNormBackRow(float[] g, int go, float[] x, int xo, float mean, float rstd, float[] w, int wo, int d,
                                 boolean rms, float[] dx, int dxo, float[] aw, float[] ab) {
        double s1 = 0, s2 = 0;
        for (int b = 0; b < d; b += BLOCK) {
            int end = Math.min(d, b + BLOCK), j = b, ub = b + S.loopBound(end - b);
            FloatVector a1 = FloatVector.zero(S), a2 = FloatVector.zero(S);
            for (; j < ub; j += VL) {
                FloatVector gv = FloatVector.fromArray(S, g, go + j);
                FloatVector xh = FloatVector.fromArray(S, x, xo + j).sub(mean).mul(rstd);
                FloatVector wg = gv.mul(FloatVector.fromArray(S, w, wo + j));
                a1 = a1.add(wg);
                a2 = wg.fma(xh, a2);
                gv.fma(xh, FloatVector.fromArray(S, aw, j)).intoArray(aw, j);
                gv.add(FloatVector.fromArray(S, ab, j)).intoArray(ab, j);
            }
            double p1 = a1.reduceLanes(VectorOperators.ADD), p2 = a2.reduceLanes(VectorOperators.ADD);
            for (; j < end; j++) {
                float gv = g[go + j];
                float xh = (x[xo + j] - mean) * rstd;
                float wg = gv * w[wo + j];
                p1 += wg;
                p2 += wg * xh;
                aw[j] += gv * xh;
                ab[j] += gv;
            }
            s1 += p1;
            s2 += p2;
        }
        float c1 = rms ? 0f : (float) (s1 / d), c2 = (float) (s2 / d);
        int j = 0, ub = S.loopBound(d);
        for (; j < ub; j += VL) {
            FloatVector wg = FloatVector.fromArray(S, g, go + j).mul(FloatVector.fromArray(S, w, wo + j));
            FloatVector xh = FloatVector.fromArray(S, x, xo + j).sub(mean).mul(rstd);
            wg.sub(c1).sub(xh.mul(c2)).mul(rstd).intoArray(dx, dxo + j);
        }
        for (; j < d; j++) {
            float wg = g[go + j] * w[wo + j];
            float xh = (x[xo + j] - mean) * rstd;
            dx[dxo + j] = rstd * (wg - c1 - xh * c2);
        }
    }

    /** {@code y[yo + j] = (x[xo + j] - m) * a + b} for {@code j < n}. */
    static void affine(float[] x, int xo, float[] y, int yo, int n, float m, float a, float b) {
        int j = 0, ub = S.loopBound(n);
        FloatVector bv = FloatVector.broadcast(S, b);
        for (; j < ub; j += VL) FloatVector.fromArray(S, x, xo + j).sub(m).fma(FloatVector.broadcast(S, a), bv).intoArray(y, yo + j);
        for (; j < n; j++) y[yo + j] = (x[xo + j] - m) * a + b;
    }

    /** {@code out[0] += sum(g)}, {@code out[1] += sum(g * (x - m))} over {@code n} elements, blocked like {@link #sum}. */
    static void gradSums(float[] g, int go, float[] x, int xo, int n, float m, double[] out) {
        double s0 = 0, s1 = 0;
        for (int b = 0; b < n; b += BLOCK) {
            int end = Math.min(n, b + BLOCK), j = b, ub = b + S.loopBound(end - b);
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S);
            for (; j < ub; j += VL) {
                FloatVector gv = FloatVector.fromArray(S, g, go + j);
                a0 = a0.add(gv);
                a1 = gv.fma(FloatVector.fromArray(S, x, xo + j).sub(m), a1);
            }
            double p0 = a0.reduceLanes(VectorOperators.ADD), p1 = a1.reduceLanes(VectorOperators.ADD);
            for (; j < end; j++) {
                p0 += g[go + j];
                p1 += g[go + j] * (x[xo + j] - m);
            }
            s0 += p0;
            s1 += p1;
        }
        out[0] += s0;
        out[1] += s1;
    }

    /** {@code d[dof + j] = a * (g[go + j] * w - cg - (x[xo + j] - m) * cx)} for {@code j < n}. */
    static void normGrad(float[] g, int go, float[] x, int xo, float[] d, int dof, int n, float a, float w, float cg, float m, float cx) {
        int j = 0, ub = S.loopBound(n);
        for (; j < ub; j += VL) {
            FloatVector gv = FloatVector.fromArray(S, g, go + j).mul(w).sub(cg);
            gv.sub(FloatVector.fromArray(S, x, xo + j).sub(m).mul(cx)).mul(a).intoArray(d, dof + j);
        }
        for (; j < n; j++) d[dof + j] = a * (g[go + j] * w - cg - (x[xo + j] - m) * cx);
    }
}
