package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.sparkgrad.nn.F;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * The unary functions added for PyTorch 1.13 parity (torch.tan ... torch.frac, F.softmin): values against plain-double
 * {@link Math} or the closed forms of the PyTorch documentation, float32 and float64, int64 promotion, NaN propagation,
 * the domain edges and the gradients there (PyTorch's derivatives.yaml formulas: asin'(+-1) = inf, atanh'(+-1) = inf,
 * zeros for the rounding functions).
 */
class EltwiseMathUnaryTest {
    private static final double[] X = {-2.5, -1.3, -0.7, -0.2, 0.0, 0.3, 0.9, 1.6, 2.2};
    private static final double[] UNIT = {-0.95, -0.5, -0.1, 0.0, 0.25, 0.6, 0.99};
    private static final double[] POS = {1e-3, 0.4, 1.0, 2.0, 7.5, 1e5};

    private static Tensor t(double... v) { return Tensor.fromArray(v, v.length); }

    private static void same(double want, double got, double rel, String what) {
        if (Double.isNaN(want)) {
            assertTrue(Double.isNaN(got), what + ": expected NaN, got " + got);
            return;
        }
        if (Double.isInfinite(want)) {
            assertEquals(want, got, what);
            return;
        }
        assertTrue(Math.abs(got - want) <= rel * Math.max(Math.abs(want), 1e-300), what + ": " + got + " != " + want);
    }

    /** f64 to ~1 ulp of the double formula, f32 to float rounding, the same values from an int64 input in float32. */
    private static void check(String name, UnaryOperator<Tensor> op, DoubleUnaryOperator f, double relF64, double... xs) {
        Tensor y = op.apply(t(xs));
        assertEquals(DType.FLOAT64, y.dtype(), name);
        double[] got = y.toDoubleArray();
        for (int i = 0; i < xs.length; i++) same(f.applyAsDouble(xs[i]), got[i], relF64, name + "(" + xs[i] + ") f64");
        Tensor y32 = op.apply(t(xs).to(DType.FLOAT32));
        assertEquals(DType.FLOAT32, y32.dtype(), name + " f32 dtype");
        float[] g32 = y32.toFloatArray();
        for (int i = 0; i < xs.length; i++) {
            double x32 = (float) xs[i];
            same(f.applyAsDouble(x32), g32[i], 2e-7, name + "(" + xs[i] + ") f32");
        }
        assertTrue(Double.isNaN(op.apply(t(Double.NaN)).item()), name + "(NaN) is NaN");
    }

    @Test
    void trigonometricAndHyperbolicMatchMath() {
        check("tan", Tensor::tan, Math::tan, 0, X);
        check("asin", Tensor::asin, Math::asin, 0, UNIT);
        check("acos", Tensor::acos, Math::acos, 0, UNIT);
        check("atan", Tensor::atan, Math::atan, 0, X);
        check("sinh", Tensor::sinh, Math::sinh, 0, X);
        check("cosh", Tensor::cosh, Math::cosh, 0, X);
        // closed forms of the documentation: asinh = ln(x + sqrt(x^2 + 1)), acosh = ln(x + sqrt(x^2 - 1)),
        // atanh = ln((1 + x) / (1 - x)) / 2 (tolerance for their own rounding near 0)
        check("asinh", Tensor::asinh, v -> v < 0 ? -Math.log(-v + Math.sqrt(v * v + 1)) : Math.log(v + Math.sqrt(v * v + 1)), 1e-13, X);
        check("acosh", Tensor::acosh, v -> Math.log(v + Math.sqrt(v * v - 1)), 1e-13, 1.0, 1.001, 1.5, 3, 40, 1e6);
        check("atanh", Tensor::atanh, v -> 0.5 * Math.log((1 + v) / (1 - v)), 1e-13, UNIT);
    }

    @Test
    void logarithmsAndExp2() {
        check("log2", Tensor::log2, v -> Math.log(v) / Math.log(2), 4e-16, POS);
        check("log10", Tensor::log10, Math::log10, 0, POS);
        check("exp2", Tensor::exp2, v -> Math.pow(2, v), 0, X);
        // exact at powers of the base, in both float dtypes, as C's log2/log10/exp2
        assertArrayEquals(new double[] {-3, 0, 1, 10, 60}, t(0.125, 1, 2, 1024, Math.pow(2, 60)).log2().toDoubleArray());
        assertArrayEquals(new float[] {-3, 0, 1, 10}, t(0.125, 1, 2, 1024).to(DType.FLOAT32).log2().toFloatArray());
        assertArrayEquals(new double[] {-2, 0, 3, 9}, t(0.01, 1, 1000, 1e9).log10().toDoubleArray());
        assertArrayEquals(new double[] {0.125, 1, 1024}, t(-3, 0, 10).exp2().toDoubleArray());
    }

    @Test
    void errorFunctionFamily() {
        // reference values: mpmath erf/erfc/erfinv at 30 digits (Abramowitz and Stegun table 7.1 for erf)
        double[] x = {-4, -0.3, 0.5, 1, 2, 5};
        double[] erf = {-0.99999998458274209972, -0.32862675945912741619, 0.52049987781304653768, 0.84270079294971486934,
                0.99532226501895273416, 0.99999999999846254021};
        double[] erfc = {1.9999999845827420997, 1.3286267594591274162, 0.47950012218695346232, 0.15729920705028513066,
                0.0046777349810472658379, 1.5374597944280348502e-12};
        double[] ge = t(x).erf().toDoubleArray(), gc = t(x).erfc().toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            same(erf[i], ge[i], 1e-15, "erf(" + x[i] + ")");
            same(erfc[i], gc[i], 4e-15, "erfc(" + x[i] + ")");
        }
        double[] y = {-0.25, 0.1, 0.5, 0.9, 0.999999};
        double[] inv = {-0.22531205501217810473, 0.088855990494257691974, 0.47693627620446987338, 1.1630871536766741628,
                3.4589107372754987775};
        double[] gi = t(y).erfinv().toDoubleArray();
        for (int i = 0; i < y.length; i++) same(inv[i], gi[i], 4e-15, "erfinv(" + y[i] + ")");
        // erf(erfinv(y)) = y, in float64 and float32
        double[] ys = {-0.999, -0.7, -0.05, 0, 0.3, 0.8, 0.9999};
        double[] back = t(ys).erfinv().erf().toDoubleArray();
        for (int i = 0; i < ys.length; i++) same(ys[i], back[i], 1e-14, "erf(erfinv(" + ys[i] + "))");
        float[] back32 = t(ys).to(DType.FLOAT32).erfinv().erf().toFloatArray();
        for (int i = 0; i < ys.length; i++) assertEquals((float) ys[i], back32[i], 2e-6, "f32 erf(erfinv(" + ys[i] + "))");
        // edges: erfinv(+-1) = +-inf, NaN outside [-1, 1]; erfc(+-inf) = 0, 2
        double[] e = t(-1, 1, 1.5, -2).erfinv().toDoubleArray();
        assertEquals(Double.NEGATIVE_INFINITY, e[0]);
        assertEquals(Double.POSITIVE_INFINITY, e[1]);
        assertTrue(Double.isNaN(e[2]) && Double.isNaN(e[3]));
        assertArrayEquals(new double[] {0, 2, 1}, t(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0).erfc().toDoubleArray());
        assertTrue(Double.isNaN(t(Double.NaN).erf().item()) && Double.isNaN(t(Double.NaN).erfc().item())
                && Double.isNaN(t(Double.NaN).erfinv().item()));
    }

    @Test
    void domainEdgesGiveTorchsValues() {
        double inf = Double.POSITIVE_INFINITY;
        assertArrayEquals(new double[] {-Math.PI / 2, Math.PI / 2}, t(-1, 1).asin().toDoubleArray());
        assertTrue(Double.isNaN(t(1.5).asin().item()) && Double.isNaN(t(-1.01).acos().item()));
        assertEquals(0.0, t(1).acosh().item());
        assertTrue(Double.isNaN(t(0.5).acosh().item()));
        assertArrayEquals(new double[] {-inf, inf}, t(-1, 1).atanh().toDoubleArray());
        assertTrue(Double.isNaN(t(1.5).atanh().item()));
        assertArrayEquals(new double[] {-inf, -inf, inf}, t(0, -0.0, inf).log2().toDoubleArray());
        assertTrue(Double.isNaN(t(-1).log2().item()) && Double.isNaN(t(-1).log10().item()));
        assertEquals(-inf, t(0).log10().item());
        assertArrayEquals(new float[] {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY},
                t(-1, 1).to(DType.FLOAT32).atanh().toFloatArray());
    }

    /** Gradient of sum(op(x) * g) w.r.t. x at float64 points. */
    private static double[] grad(UnaryOperator<Tensor> op, double[] xs, double[] g) {
        Tensor x = t(xs).requiresGrad_();
        op.apply(x).backward(t(g));
        return x.grad().toDoubleArray();
    }

    private static double[] ones(int n) {
        double[] o = new double[n];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    @Test
    void gradientsAtTheDomainEdgesAreTorchs() {
        double inf = Double.POSITIVE_INFINITY;
        // asin: rsqrt(1 - x^2) -> +inf at +-1; acos: -inf; acosh: rsqrt(x^2 - 1) -> +inf at 1; atanh: 1/(1 - x^2) -> +inf
        assertArrayEquals(new double[] {inf, inf}, grad(Tensor::asin, new double[] {-1, 1}, ones(2)));
        assertArrayEquals(new double[] {-inf, -inf}, grad(Tensor::acos, new double[] {-1, 1}, ones(2)));
        assertArrayEquals(new double[] {inf}, grad(Tensor::acosh, new double[] {1}, ones(1)));
        assertArrayEquals(new double[] {inf, inf}, grad(Tensor::atanh, new double[] {-1, 1}, ones(2)));
        assertArrayEquals(new double[] {inf, inf}, grad(Tensor::erfinv, new double[] {-1, 1}, ones(2)));
        assertArrayEquals(new double[] {inf}, grad(Tensor::log2, new double[] {0}, ones(1)));
        double[] nan = grad(Tensor::asin, new double[] {2}, ones(1));
        assertTrue(Double.isNaN(nan[0]), "asin'(2) is NaN");
        // interior values: the formulas themselves
        double x = 0.37;
        assertEquals(1 / Math.sqrt(1 - x * x), grad(Tensor::asin, new double[] {x}, ones(1))[0], 1e-15);
        assertEquals(1 + Math.tan(x) * Math.tan(x), grad(Tensor::tan, new double[] {x}, ones(1))[0], 1e-15);
        assertEquals(Math.cosh(x), grad(Tensor::sinh, new double[] {x}, ones(1))[0], 1e-15);
        assertEquals(Math.sinh(x), grad(Tensor::cosh, new double[] {x}, ones(1))[0], 1e-15);
        assertEquals(1 / (x * Math.log(10)), grad(Tensor::log10, new double[] {x}, ones(1))[0], 1e-15);
        assertEquals(Math.pow(2, x) * Math.log(2), grad(Tensor::exp2, new double[] {x}, ones(1))[0], 1e-15);
        assertEquals(-2 / Math.sqrt(Math.PI) * Math.exp(-x * x), grad(Tensor::erfc, new double[] {x}, ones(1))[0], 1e-15);
    }

    @Test
    void roundingFunctions() {
        double[] v = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -2.7, 2.7, -0.2, 3.0};
        // torch.round: half to even
        double[] r = t(v).round().toDoubleArray();
        assertArrayEquals(new double[] {-2, -2, -0.0, 0, 2, 2, -3, 3, -0.0, 3}, r);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(r[2]), "round(-0.5) is -0.0");
        assertArrayEquals(new float[] {-2, -2, -0.0f, 0, 2, 2, -3, 3, -0.0f, 3}, t(v).to(DType.FLOAT32).round().toFloatArray());
        assertArrayEquals(new double[] {-3, -2, -1, 0, 1, 2, -3, 2, -1, 3}, t(v).floor().toDoubleArray());
        assertArrayEquals(new double[] {-2, -1, -0.0, 1, 2, 3, -2, 3, -0.0, 3}, t(v).ceil().toDoubleArray());
        assertArrayEquals(new double[] {-2, -1, -0.0, 0, 1, 2, -2, 2, -0.0, 3}, t(v).trunc().toDoubleArray());
        assertArrayEquals(new double[] {-0.5, -0.5, -0.5, 0.5, 0.5, 0.5, -0.7, 0.7, -0.2, 0}, t(v).frac().toDoubleArray(), 1e-15);
        double[] special = t(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY).floor().toDoubleArray();
        assertTrue(Double.isNaN(special[0]));
        assertEquals(Double.POSITIVE_INFINITY, special[1]);
        assertEquals(Double.NEGATIVE_INFINITY, special[2]);
        double[] fi = t(Double.POSITIVE_INFINITY, Double.NaN).frac().toDoubleArray();
        assertTrue(Double.isNaN(fi[0]) && Double.isNaN(fi[1]), "frac(inf) = inf - inf = NaN, as C");
        // round(decimals): nearbyint(x * 10^d) / 10^d, negative d: nearbyint(x / 10^-d) * 10^-d
        assertArrayEquals(new double[] {1.23, -0.12, 2.5}, t(1.2345, -0.125, 2.4999).round(2).toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {1200, -200, 0, 200}, t(1234.5, -150, 49, 250).round(-2).toDoubleArray(), "-1.5 and 2.5 hundreds: half to even");
    }

    @Test
    void integerInputs() {
        Tensor l = Tensor.fromArray(new long[] {-3, 0, 2, 7}, 4);
        // float functions promote integer tensors to float32 (torch.sin(int64) -> float32)
        Tensor s = l.tan();
        assertEquals(DType.FLOAT32, s.dtype());
        float[] sv = s.toFloatArray();
        double[] lv = {-3, 0, 2, 7};
        for (int i = 0; i < 4; i++) assertEquals((float) Math.tan(lv[i]), sv[i], 1e-6);
        for (UnaryOperator<Tensor> op : java.util.List.<UnaryOperator<Tensor>>of(Tensor::asin, Tensor::acos, Tensor::atan,
                Tensor::sinh, Tensor::cosh, Tensor::asinh, Tensor::acosh, Tensor::atanh, Tensor::erf, Tensor::erfc,
                Tensor::erfinv, Tensor::log2, Tensor::log10, Tensor::exp2)) {
            assertEquals(DType.FLOAT32, op.apply(l).dtype());
        }
        assertArrayEquals(new float[] {0.125f, 1, 4, 128}, l.exp2().toFloatArray());
        assertArrayEquals(new float[] {Float.NaN, Float.NEGATIVE_INFINITY, 1, (float) (Math.log(7) / Math.log(2))},
                l.log2().toFloatArray());
        // rounding keeps integers as they are, in int64 (torch.floor(int64) -> int64)
        for (UnaryOperator<Tensor> op : java.util.List.<UnaryOperator<Tensor>>of(Tensor::floor, Tensor::ceil, Tensor::round, Tensor::trunc)) {
            Tensor r = op.apply(l);
            assertEquals(DType.INT64, r.dtype());
            assertArrayEquals(new long[] {-3, 0, 2, 7}, r.toLongArray());
        }
        assertThrows(IllegalArgumentException.class, l::frac, "frac of an int64 tensor, as torch");
    }

    @Test
    void roundingGradientsAreExactlyZero() {
        double[] xs = {-1.5, 0.3, 2.7};
        double[] g = {Double.NaN, Double.POSITIVE_INFINITY, 2};
        for (UnaryOperator<Tensor> op : java.util.List.<UnaryOperator<Tensor>>of(Tensor::floor, Tensor::ceil, Tensor::round,
                Tensor::trunc, Tensor::sign, x -> x.round(1))) {
            assertArrayEquals(new double[] {0, 0, 0}, grad(op, xs, g), "zeros_like(grad), even for NaN/inf grads");
        }
        // frac: the gradient passes through unchanged
        assertArrayEquals(new double[] {1.5, -2, 3}, grad(Tensor::frac, xs, new double[] {1.5, -2, 3}));
    }

    @Test
    void softminIsSoftmaxOfTheNegation() {
        Tensor x = Tensor.fromArray(new double[] {0.5, -1, 2, 0, 3, 3}, 2, 3);
        double[] got = F.softmin(x, 1).toDoubleArray();
        double[][] rows = {{0.5, -1, 2}, {0, 3, 3}};
        for (int r = 0; r < 2; r++) {
            double s = 0;
            for (double v : rows[r]) s += Math.exp(-v);
            for (int c = 0; c < 3; c++) assertEquals(Math.exp(-rows[r][c]) / s, got[r * 3 + c], 1e-15);
        }
        assertArrayEquals(x.neg().softmax(0).toDoubleArray(), F.softmin(x, 0).toDoubleArray());
        Tensor f = F.softmin(x.to(DType.FLOAT32), -1, DType.FLOAT64);
        assertEquals(DType.FLOAT64, f.dtype());
        assertTrue(Double.isNaN(F.softmin(t(1, Double.NaN), 0).toDoubleArray()[0]), "NaN spreads over the row");
    }
}
