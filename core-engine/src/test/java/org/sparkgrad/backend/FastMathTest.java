package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Accuracy of the vectorisable float32 exp and exact-GELU loops against double references. */
class FastMathTest {
    private static float[] grid(float lo, float hi, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = lo + (hi - lo) * i / (n - 1);
        return x;
    }

    @FunctionalInterface
    interface ExpFn {
        double run(float[] x, int xo, float shift, float[] y, int yo, int n);
    }

    @FunctionalInterface
    interface UnaryFn {
        void run(float[] in, int off, float[] out, int from, int to);
    }

    @FunctionalInterface
    interface BackwardFn {
        void run(float[] g, int go, float[] x, int xo, float[] r, int from, int to);
    }

    @Test
    void expIsAccurateToAFewUlpsAndFlushesBelowTheNormalRange() {
        checkExp(FastMath::expShiftedScalar);
        if (FastMath.VECTOR) checkExp(VectorMath::expShifted);
        checkExp(FastMath::expShifted);
    }

    @Test
    void geluAndItsDerivativeKeepFloatRelativeAccuracyInBothTails() {
        checkGelu(FastMath::geluScalar, FastMath::geluBackwardScalar);
        if (FastMath.VECTOR) checkGelu(VectorMath::gelu, VectorMath::geluBackward);
        checkGelu(FastMath::gelu, FastMath::geluBackward);
    }

    @Test
    void geluIsFiniteForHugeArguments() {
        checkGeluHuge(FastMath::geluScalar, FastMath::geluBackwardScalar);
        if (FastMath.VECTOR) checkGeluHuge(VectorMath::gelu, VectorMath::geluBackward);
        checkGeluHuge(FastMath::gelu, FastMath::geluBackward);
    }

    /** PyTorch: gelu(x) = x, gelu'(x) = 1 for large x; gelu(x) = -0, gelu'(x) = 0 for very negative x. */
    private static void checkGeluHuge(UnaryFn fwd, BackwardFn bwd) {
        float[] mags = {20f, 100f, 1500f, 1e4f, 1e6f, 1e19f, 1e35f, Float.MAX_VALUE};
        int n = 2 * mags.length * 8; // whole vectors and a scalar tail
        float[] x = new float[n + 3];
        for (int i = 0; i < x.length; i++) x[i] = (i % 2 == 0 ? 1 : -1) * mags[(i / 2) % mags.length];
        float[] y = new float[x.length], g = new float[x.length], r = new float[x.length];
        java.util.Arrays.fill(g, 1f);
        fwd.run(x, 0, y, 0, x.length);
        bwd.run(g, 0, x, 0, r, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            float want = x[i] > 0 ? x[i] : 0f, wantD = x[i] > 0 ? 1f : 0f;
            assertEquals(want, y[i], 0f, "gelu(" + x[i] + ")");
            assertEquals(wantD, r[i], 0f, "gelu'(" + x[i] + ")");
        }
    }

    @Test
    void theVectorApiIsUsedWhenTheModuleIsPresent() {
        assertEquals(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !"false".equalsIgnoreCase(System.getProperty("sparkgrad.vector")), FastMath.VECTOR);
    }

    private static void checkExp(ExpFn fn) {
        float[] x = grid(-87f, 0f, 100_003);
        float[] y = new float[x.length];
        double sum = fn.run(x, 0, 0f, y, 0, x.length);
        double worst = 0, ref = 0;
        for (int i = 0; i < x.length; i++) {
            double e = Math.exp(x[i]);
            ref += e;
            worst = Math.max(worst, Math.abs(y[i] - e) / e);
        }
        assertTrue(worst < 2.5e-7, "max relative error " + worst);
        assertEquals(ref, sum, 1e-6 * ref);
        float[] tiny = {Float.NEGATIVE_INFINITY, -100f, -88f, 3f, 20f};
        float[] out = new float[5];
        fn.run(tiny, 0, 1f, out, 0, 5);
        assertEquals(0f, out[0], 0);
        assertEquals(0f, out[1], 1e-38f);
        assertEquals(0f, out[2], 1e-38f);
        assertEquals(Math.exp(2), out[3], 3e-7 * Math.exp(2));
        assertEquals(Math.exp(19), out[4], 3e-7 * Math.exp(19));
    }

    /** erfc(z), z >= 0, to double accuracy: 1 - erf below 2, the continued fraction above (no cancellation). */
    private static double erfc(double z) {
        if (z < 2) return 1 - MathUtil.erf(z);
        double f = z;
        for (int n = 300; n >= 1; n--) f = z + (n / 2.0) / f;
        return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
    }

    /** Phi(x) without cancellation in the lower tail. */
    private static double phi(double x) {
        double half = 0.5 * erfc(Math.abs(x) / Math.sqrt(2));
        return x >= 0 ? 1 - half : half;
    }

    private static void checkGelu(UnaryFn fwd, BackwardFn bwd) {
        float[] x = grid(-12f, 12f, 240_001);
        float[] y = new float[x.length], g = new float[x.length], ones = new float[x.length];
        java.util.Arrays.fill(ones, 1f);
        fwd.run(x, 0, y, 0, x.length);
        bwd.run(ones, 0, x, 0, g, 0, x.length);
        double worstY = 0, worstG = 0;
        for (int i = 0; i < x.length; i++) {
            double ey = x[i] * phi(x[i]);
            double eg = phi(x[i]) + x[i] * Math.exp(-0.5 * x[i] * x[i]) / Math.sqrt(2 * Math.PI);
            if (Math.abs(ey) > 1e-30) worstY = Math.max(worstY, Math.abs(y[i] - ey) / Math.abs(ey));
            worstG = Math.max(worstG, Math.abs(g[i] - eg) / (2e-7 + 1e-6 * Math.abs(eg)));
        }
        assertTrue(worstY < 1e-6, "gelu max relative error " + worstY);
        assertTrue(worstG <= 1, "gelu' error above 2e-7 + 1e-6 |g'|: " + worstG + "x the bound");
        float[] extreme = {-200f, -20f, 0f, 20f, 200f};
        float[] out = new float[5];
        fwd.run(extreme, 0, out, 0, 5);
        assertEquals(0f, out[0], 1e-30f);
        assertEquals(0f, out[1], 1e-30f);
        assertEquals(0f, out[2], 0);
        assertEquals(20f, out[3], 0);
        assertEquals(200f, out[4], 0);
    }
}
