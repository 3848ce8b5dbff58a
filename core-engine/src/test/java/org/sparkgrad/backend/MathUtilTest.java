package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The special functions against reference values (30-digit mpmath evaluations at the exact double arguments; erf as
 * tabulated in Abramowitz and Stegun table 7.1) and against identities with {@link Math}, plus the IEEE edge values
 * of C's {@code <math.h>}, which PyTorch's CPU kernels return.
 */
class MathUtilTest {
    private static void close(double want, double got, double rel, String what) {
        assertTrue(Math.abs(got - want) <= rel * Math.abs(want), what + ": " + got + " != " + want);
    }

    @Test
    void erfAndErfcKnownValues() {
        double[][] t = { // x, erf(x), erfc(x)
                {0.5, 0.52049987781304653768, 0.47950012218695346232},
                {1, 0.84270079294971486934, 0.15729920705028513066},
                {2, 0.99532226501895273416, 0.0046777349810472658379},
                {-0.3, -0.32862675945912741619, 1.3286267594591274162},
                {5, 0.99999999999846254021, 1.5374597944280348502e-12},
                {10, 1.0, 2.088487583762544757e-45},
                {-4, -0.99999998458274209972, 1.9999999845827420997}};
        for (double[] r : t) {
            close(r[1], MathUtil.erf(r[0]), 1e-15, "erf(" + r[0] + ")");
            close(r[2], MathUtil.erfc(r[0]), 4e-15, "erfc(" + r[0] + ")");
        }
    }

    @Test
    void erfcEdges() {
        assertEquals(1.0, MathUtil.erfc(0.0));
        assertEquals(0.0, MathUtil.erfc(Double.POSITIVE_INFINITY));
        assertEquals(2.0, MathUtil.erfc(Double.NEGATIVE_INFINITY));
        assertEquals(0.0, MathUtil.erfc(30));       // underflows, as C's erfc
        assertTrue(Double.isNaN(MathUtil.erfc(Double.NaN)));
        // erfc(x) + erfc(-x) = 2 and erfc = 1 - erf where no cancellation occurs
        Random r = new Random(7);
        for (int i = 0; i < 200; i++) {
            double x = r.nextDouble() * 8 - 4;
            close(2, MathUtil.erfc(x) + MathUtil.erfc(-x), 1e-15, "erfc reflection at " + x);
            if (x < 0.3) close(1 - MathUtil.erf(x), MathUtil.erfc(x), 1e-15, "erfc = 1 - erf at " + x);
        }
    }

    @Test
    void erfinvKnownValuesAndInverse() {
        double[][] t = {{0.5, 0.47693627620446987338}, {0.9, 1.1630871536766741628}, {-0.25, -0.22531205501217810473},
                {0.999999, 3.4589107372754987775}, {1e-10, 8.8622692545275804594e-11}, {0.1, 0.088855990494257691974}};
        for (double[] r : t) close(r[1], MathUtil.erfinv(r[0]), 4e-15, "erfinv(" + r[0] + ")");
        Random rnd = new Random(11);
        for (int i = 0; i < 500; i++) {
            double y = rnd.nextDouble() * 2 - 1;
            close(y, MathUtil.erf(MathUtil.erfinv(y)), 1e-14, "erf(erfinv(" + y + "))");
        }
        for (int k = 1; k <= 15; k++) {
            double y = 1 - Math.pow(10, -k);
            close(1 - y, MathUtil.erfc(MathUtil.erfinv(y)), 1e-13, "erfc(erfinv(1 - 1e-" + k + "))");
        }
        assertEquals(Double.POSITIVE_INFINITY, MathUtil.erfinv(1));
        assertEquals(Double.NEGATIVE_INFINITY, MathUtil.erfinv(-1));
        assertEquals(0.0, MathUtil.erfinv(0));
        assertTrue(Double.isNaN(MathUtil.erfinv(1.5)));
        assertTrue(Double.isNaN(MathUtil.erfinv(-1.0000001)));
        assertTrue(Double.isNaN(MathUtil.erfinv(Double.NaN)));
    }

    @Test
    void inverseHyperbolicFunctionsInvertMath() {
        Random r = new Random(3);
        for (int i = 0; i < 500; i++) {
            double x = (r.nextDouble() * 2 - 1) * Math.pow(10, r.nextInt(8) - 4);
            close(x, Math.sinh(MathUtil.asinh(x)), 1e-14, "sinh(asinh(" + x + "))");
            double c = 1 + Math.abs(x) * 10;
            close(c, Math.cosh(MathUtil.acosh(c)), 1e-14, "cosh(acosh(" + c + "))");
            double t = Math.tanh(x);
            if (Math.abs(t) < 0.99) close(x, MathUtil.atanh(t), 1e-13, "atanh(tanh(" + x + "))");
        }
        // closed forms: asinh(x) = log(x + sqrt(x^2 + 1)) and friends, where those do not cancel
        close(Math.log(3 + Math.sqrt(10)), MathUtil.asinh(3), 1e-15, "asinh(3)");
        close(Math.log(3 + Math.sqrt(8)), MathUtil.acosh(3), 1e-15, "acosh(3)");
        close(0.5 * Math.log(1.5 / 0.5), MathUtil.atanh(0.5), 1e-15, "atanh(0.5)");
        close(Math.log(2e300), MathUtil.asinh(1e300), 1e-15, "asinh(1e300) does not overflow");
        assertEquals(1e-300, MathUtil.asinh(1e-300));
        assertEquals(-0.0, MathUtil.asinh(-0.0));
        assertEquals(0.0, MathUtil.acosh(1));
        assertTrue(Double.isNaN(MathUtil.acosh(0.999)));
        assertEquals(Double.POSITIVE_INFINITY, MathUtil.atanh(1));
        assertEquals(Double.NEGATIVE_INFINITY, MathUtil.atanh(-1));
        assertTrue(Double.isNaN(MathUtil.atanh(1.0001)));
        assertEquals(Double.NEGATIVE_INFINITY, MathUtil.asinh(Double.NEGATIVE_INFINITY));
        assertEquals(Double.POSITIVE_INFINITY, MathUtil.acosh(Double.POSITIVE_INFINITY));
    }

    @Test
    void log2IsExactAtPowersOfTwo() {
        for (int e = -1074; e <= 1023; e++) assertEquals(e, MathUtil.log2(Math.scalb(1.0, e)), "log2(2^" + e + ")");
        Random r = new Random(5);
        for (int i = 0; i < 500; i++) {
            double x = Math.exp(r.nextDouble() * 200 - 100);
            close(Math.log(x) / Math.log(2), MathUtil.log2(x), 1e-15, "log2(" + x + ")");
        }
        close(-1.442695160330221093e-10, MathUtil.log2(1 - 1e-10), 1e-15, "log2 near 1 keeps its relative precision");
        assertEquals(Double.NEGATIVE_INFINITY, MathUtil.log2(0.0));
        assertEquals(Double.NEGATIVE_INFINITY, MathUtil.log2(-0.0));
        assertEquals(Double.POSITIVE_INFINITY, MathUtil.log2(Double.POSITIVE_INFINITY));
        assertTrue(Double.isNaN(MathUtil.log2(-1)));
        assertTrue(Double.isNaN(MathUtil.log2(Double.NaN)));
    }

    /**
     * erf is bounded by 1 in magnitude and odd including the sign of zero (C's erf, which PyTorch calls): the
     * series once returned up to 1 + 7 ulp for x in [5.67, 6), so erfinv(erf(x)) was NaN there.
     */
    @Test
    void erfNeverExceedsOneAndKeepsNegativeZero() {
        for (double x = 0; x < 7; x += 1e-3) {
            double v = MathUtil.erf(x);
            assertTrue(v <= 1.0, "erf(" + x + ") = " + v + " > 1");
            assertEquals(-v, MathUtil.erf(-x), "erf is odd at " + x);
        }
        // mpmath: erf(5.8) = 1 - 2.36e-16, erf(5.9) = 1 - 7.2e-17 (the doubles next below 1)
        close(0.9999999999999998, MathUtil.erf(5.8), 2.3e-16, "erf(5.8)");
        close(0.9999999999999999, MathUtil.erf(5.9), 2.3e-16, "erf(5.9)");
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(MathUtil.erf(-0.0)));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(MathUtil.erf(0.0)));
        assertTrue(Double.isFinite(MathUtil.erfinv(MathUtil.erf(5.7))));
        // 1 <= x < 6, where the series accumulated up to 16 ulp: mpmath values at the exact double arguments
        close(0.9999999999998075, MathUtil.erf(5.2), 2.3e-16, "erf(5.2)");
        close(0.9736026274615671, MathUtil.erf(1.57), 2.3e-16, "erf(1.57)");
    }
}
