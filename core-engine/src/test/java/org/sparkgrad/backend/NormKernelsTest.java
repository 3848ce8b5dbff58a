package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The float32 layer-norm row kernels, scalar and Vector API, against a double reference. */
class NormKernelsTest {
    private static float[] randn(Random r, int n, double offset) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() + offset);
        return a;
    }

    @Test
    void scalarAndVectorRowsMatchTheDoubleDefinition() {
        Random rnd = new Random(3);
        for (int d : new int[] {1, 7, 16, 33, 256, 1000, 1537}) {
            for (boolean rms : new boolean[] {false, true}) {
                float[] x = randn(rnd, d + 3, 50), w = randn(rnd, d, 0), b = randn(rnd, d, 0), g = randn(rnd, d + 2, 0);
                // double reference
                double mean = 0;
                if (!rms) {
                    for (int j = 0; j < d; j++) mean += x[3 + j];
                    mean /= d;
                }
                double var = 0;
                for (int j = 0; j < d; j++) var += (x[3 + j] - mean) * (x[3 + j] - mean);
                double rstd = 1 / Math.sqrt(var / d + 1e-5);
                double[] yRef = new double[d], dxRef = new double[d], dwRef = new double[d];
                double s1 = 0, s2 = 0;
                for (int j = 0; j < d; j++) {
                    double xh = (x[3 + j] - mean) * rstd;
                    yRef[j] = xh * w[j] + (rms ? 0 : b[j]);
                    s1 += g[2 + j] * w[j];
                    s2 += g[2 + j] * w[j] * xh;
                    dwRef[j] = g[2 + j] * xh;
                }
                for (int j = 0; j < d; j++) {
                    double xh = (x[3 + j] - mean) * rstd;
                    dxRef[j] = rstd * (g[2 + j] * w[j] - (rms ? 0 : s1 / d) - xh * s2 / d);
                }
                // scalar kernels
                float[] y = new float[d + 1], mean1 = new float[1], rstd1 = new float[1];
                CpuNormKernels.layerNormRowF(x, 3, y, 1, d, w, 0, rms ? null : b, 0, 1e-5, rms, rms ? null : mean1, rstd1, 0);
                check(yRef, y, 1, "scalar y d=" + d + " rms=" + rms);
                float[] dx = new float[d];
                double[] aw = new double[d], ab = new double[d];
                CpuNormKernels.layerNormBackRowF(g, 2, x, 3, mean1[0], rstd1[0], w, 0, d, rms, dx, 0, aw, ab);
                check(dxRef, dx, 0, "scalar dx d=" + d + " rms=" + rms);
                if (!FastMath.VECTOR) continue;
                float[] yv = new float[d + 1], stats = new float[2];
                float[] bz = rms ? new float[d] : b;
                VectorNormKernels.layerNormRow(x, 3, yv, 1, d, w, 0, bz, 0, 1e-5, rms, stats);
                check(yRef, yv, 1, "vector y d=" + d + " rms=" + rms);
                assertEquals(rstd, stats[1], 1e-6 * rstd);
                float[] dxv = new float[d], awv = new float[d], abv = new float[d];
                VectorNormKernels.layerNormBackRow(g, 2, x, 3, stats[0], stats[1], w, 0, d, rms, dxv, 0, awv, abv);
                check(dxRef, dxv, 0, "vector dx d=" + d + " rms=" + rms);
                check(dwRef, awv, 0, "vector dw d=" + d + " rms=" + rms);
            }
        }
    }

    private static void check(double[] ref, float[] got, int off, String what) {
        double max = 0;
        for (double v : ref) max = Math.max(max, Math.abs(v));
        for (int j = 0; j < ref.length; j++) {
            assertEquals(ref[j], got[off + j], 1e-6 + 2e-5 * (Math.abs(ref[j]) + max), what + " element " + j);
        }
    }

    /** Population standard deviation, in double, of the float values. */
    private static double std(float[] v) {
        double m = 0;
        for (float f : v) m += f;
        m /= v.length;
        double q = 0;
        for (float f : v) q += (f - m) * (f - m);
        return Math.sqrt(q / v.length);
    }

    /**
     * Float32 data with a large offset (1e6 + N(0, 0.1): the mean rounded to float is off by up to 0.03, a third of a
     * standard deviation): layer, group and batch norm centre the variance on the exact mean, so the normalised
     * output has standard deviation 1 (it was 0.967 for layer norm, with the variance centred on the rounded mean).
     */
    @Test
    void largeOffsetFloat32DataIsNormalisedToUnitStd() {
        Random r = new Random(5);
        for (int n : new int[] {37, 100, 1000}) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float) (1e6 + 0.1 * r.nextGaussian());
            double s = std(x);
            org.sparkgrad.tensor.Tensor t = org.sparkgrad.tensor.Tensor.fromArray(x, 1, n);
            float[] ln = org.sparkgrad.nn.F.layerNorm(t, new int[] {n}, null, null, 0).toFloatArray();
            float[] gn = org.sparkgrad.nn.F.groupNorm(t.reshape(1, 1, n), 1, null, null, 0).toFloatArray();
            float[] bn = org.sparkgrad.nn.F.batchNorm(t.reshape(1, 1, n), null, null, null, null, true, 0.1, 0).toFloatArray();
            assertEquals(1.0, std(ln), 2e-3, "layer norm n=" + n + " (data std " + s + ")");
            assertEquals(1.0, std(gn), 2e-3, "group norm n=" + n);
            assertEquals(1.0, std(bn), 2e-3, "batch norm n=" + n);
        }
    }
}
