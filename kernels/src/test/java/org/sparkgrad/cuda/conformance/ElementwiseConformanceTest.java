package org.sparkgrad.cuda.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertClose;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertOn;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assume;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.tensor;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.tol;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.values;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.backend.BinaryOp;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/** Elementwise family: unary and scalar ops, broadcasting binary ops, comparisons, where, casts, in-place ops. */
class ElementwiseConformanceTest {
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double erf(double x) {
        // Abramowitz-Stegun 7.1.26 is too coarse; integrate with Simpson's rule instead (plenty for 1e-10)
        int n = 2000;
        double h = x / n, s = 1 + Math.exp(-x * x);
        for (int i = 1; i < n; i++) s += (i % 2 == 1 ? 4 : 2) * Math.exp(-(i * h) * (i * h));
        return 2 / Math.sqrt(Math.PI) * s * h / 3;
    }

    private static void unaryCase(Device d, DType dt, String name, UnaryOperator<Tensor> op, DoubleUnaryOperator f,
                                  double[] x) {
        double[] want = new double[x.length];
        for (int i = 0; i < x.length; i++) want[i] = f.applyAsDouble(dt == DType.FLOAT32 ? (float) x[i] : x[i]);
        Tensor out = op.apply(tensor(dt, x, x.length).to(d));
        assertOn(d, out);
        assertClose(name + " " + dt + " on " + d, want, out, dt == DType.FLOAT32 ? 1e-5 : 1e-9);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void unaryOpsMatchTheirFormulas(Device d) {
        assume(d);
        double[] x = values(257, 1);
        double[] pos = new double[x.length];
        for (int i = 0; i < x.length; i++) pos[i] = Math.abs(x[i]) + 0.1;
        for (DType dt : FLOATS) {
            unaryCase(d, dt, "neg", Tensor::neg, v -> -v, x);
            unaryCase(d, dt, "exp", Tensor::exp, Math::exp, x);
            unaryCase(d, dt, "log", Tensor::log, Math::log, pos);
            unaryCase(d, dt, "sqrt", Tensor::sqrt, Math::sqrt, pos);
            unaryCase(d, dt, "rsqrt", Tensor::rsqrt, v -> 1 / Math.sqrt(v), pos);
            unaryCase(d, dt, "abs", Tensor::abs, Math::abs, x);
            unaryCase(d, dt, "square", Tensor::square, v -> v * v, x);
            unaryCase(d, dt, "reciprocal", Tensor::reciprocal, v -> 1 / v, pos);
            unaryCase(d, dt, "sin", Tensor::sin, Math::sin, x);
            unaryCase(d, dt, "cos", Tensor::cos, Math::cos, x);
            unaryCase(d, dt, "tanh", Tensor::tanh, Math::tanh, x);
            unaryCase(d, dt, "sigmoid", Tensor::sigmoid, ElementwiseConformanceTest::sigmoid, x);
            unaryCase(d, dt, "relu", Tensor::relu, v -> Math.max(v, 0), x);
            unaryCase(d, dt, "leaky_relu", t -> t.leakyRelu(0.1), v -> v > 0 ? v : 0.1 * v, x);
            unaryCase(d, dt, "elu", t -> t.elu(1.5), v -> v > 0 ? v : 1.5 * Math.expm1(v), x);
            unaryCase(d, dt, "gelu", Tensor::gelu, v -> 0.5 * v * (1 + erf(v / Math.sqrt(2))), x);
            unaryCase(d, dt, "gelu_tanh", t -> t.gelu(true),
                    v -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))), x);
            unaryCase(d, dt, "silu", Tensor::silu, v -> v * sigmoid(v), x);
            unaryCase(d, dt, "softplus", t -> t.softplus(2, 3), v -> 2 * v > 3 ? v : Math.log1p(Math.exp(2 * v)) / 2, x);
            unaryCase(d, dt, "mish", Tensor::mish, v -> v * Math.tanh(Math.log1p(Math.exp(v))), x);
            unaryCase(d, dt, "logsigmoid", Tensor::logsigmoid, v -> Math.log(sigmoid(v)), x);
            unaryCase(d, dt, "hardtanh", t -> t.hardtanh(-0.5, 0.7), v -> Math.min(Math.max(v, -0.5), 0.7), x);
            unaryCase(d, dt, "clamp_min", t -> t.clampMin(0.3), v -> Math.max(v, 0.3), x);
            unaryCase(d, dt, "pow", t -> t.pow(2.5), v -> Math.pow(v, 2.5), pos);
            unaryCase(d, dt, "rpow", t -> t.rpow(3), v -> Math.pow(3, v), x);
            unaryCase(d, dt, "add_scalar", t -> t.add(1.25), v -> v + 1.25, x);
            unaryCase(d, dt, "mul_scalar", t -> t.mul(-3), v -> v * -3, x);
            unaryCase(d, dt, "rsub", t -> t.rsub(2), v -> 2 - v, x);
            unaryCase(d, dt, "rdiv", t -> t.rdiv(2), v -> 2 / v, pos);
            unaryCase(d, dt, "log1p", Tensor::log1p, Math::log1p, pos);
            unaryCase(d, dt, "expm1", Tensor::expm1, Math::expm1, x);
        }
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void binaryOpsBroadcastOverViews(Device d) {
        assume(d);
        for (DType dt : FLOATS) {
            double[] a = values(12, 2), b = values(4, 3);
            for (int i = 0; i < b.length; i++) b[i] = Math.abs(b[i]) + 0.5;
            // a: (4, 3) transposed view of a (3, 4) buffer; b: (4, 1) column broadcast over columns
            Tensor ta = tensor(dt, a, 3, 4).to(d).t();
            Tensor tb = tensor(dt, b, 4, 1).to(d);
            double[][] want = new double[6][12];
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 3; c++) {
                    double x = a[c * 4 + r], y = b[r];
                    if (dt == DType.FLOAT32) {
                        x = (float) x;
                        y = (float) y;
                    }
                    int k = r * 3 + c;
                    want[0][k] = x + y;
                    want[1][k] = x - y;
                    want[2][k] = x * y;
                    want[3][k] = x / y;
                    want[4][k] = Math.max(x, y);
                    want[5][k] = Math.pow(Math.abs(x), y);
                }
            }
            double t = tol(dt);
            assertClose("add", want[0], ta.add(tb), t);
            assertClose("sub", want[1], ta.sub(tb), t);
            assertClose("mul", want[2], ta.mul(tb), t);
            assertClose("div", want[3], ta.div(tb), t);
            assertClose("maximum", want[4], ta.maximum(tb), t);
            assertClose("pow", want[5], ta.abs().pow(tb), 1e-4);
            assertArrayEquals(new int[] {4, 3}, ta.add(tb).shape());
        }
        // int64: Tensor.div is true division (float); the backend's int64 DIV floors, as the CPU backend's
        Tensor n = Tensor.fromArray(new long[] {-7, 7, -8, 9}, 4).to(d);
        Tensor m = Tensor.fromArray(new long[] {2, -2, 3, 3}, 4).to(d);
        assertClose("int64 true division", new double[] {-3.5, -3.5, -8.0 / 3, 3}, n.div(m), 1e-6);
        Tensor q = org.sparkgrad.backend.Backends.forDevice(d).binary(BinaryOp.DIV, n, m);
        assertEquals(DType.INT64, q.dtype());
        assertArrayEquals(new long[] {-4, -4, -3, 3}, q.to(Device.CPU).toLongArray());
        // mixed dtypes promote
        Tensor mixed = Tensor.fromArray(new long[] {1, 2}, 2).to(d).add(Tensor.fromArray(new float[] {0.5f, 0.25f}, 2).to(d));
        assertEquals(DType.FLOAT32, mixed.dtype());
        assertClose("int64 + float32", new double[] {1.5, 2.25}, mixed, 0);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void comparisonsLogicalAndWhere(Device d) {
        assume(d);
        Tensor x = Tensor.fromArray(new double[] {1, 2, 3, Double.NaN}, 4).to(d);
        Tensor y = Tensor.fromArray(new double[] {3, 2, 1, 0}, 4).to(d);
        assertArrayEquals(new boolean[] {true, false, false, false}, x.lt(y).to(Device.CPU).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, false, false}, x.eq(y).to(Device.CPU).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false, true, true}, x.ne(y).to(Device.CPU).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true, true, false}, x.ge(2).to(Device.CPU).toBooleanArray());
        Tensor c = x.gt(y);
        assertEquals(DType.BOOL, c.dtype());
        assertArrayEquals(new boolean[] {true, true, false, true}, c.logicalNot().to(Device.CPU).toBooleanArray());
        assertArrayEquals(new boolean[] {false, false, false, true}, x.isNonFinite().to(Device.CPU).toBooleanArray());
        Tensor w = Tensor.where(x.lt(y), x, y);
        assertClose("where", new double[] {1, 2, 1, 0}, w, 0);
        // a number operand is a 0-d tensor on the tensor's own device (it was a CPU tensor, refused on cuda)
        assertClose("where with a number", new double[] {1, 0.5, 0.5, 0.5}, Tensor.where(x.lt(y), x, 0.5), 0);
        Tensor base = Tensor.fromArray(new double[] {0, 2}, 2).to(d).requiresGrad_();
        base.pow(Tensor.fromArray(new double[] {2, 3}, 2).to(d)).sum().backward(); // pow's backward compares with numbers
        assertClose("pow grad", new double[] {0, 12}, base.grad(), 1e-12);
        Tensor mf = y.maskedFill(y.gt(1.5), -1);
        assertClose("masked_fill", new double[] {-1, -1, 1, 0}, mf, 0);
        // where broadcasts its condition
        Tensor cond = Tensor.fromArray(new boolean[] {true, false}, 2, 1).to(d);
        Tensor wb = Tensor.where(cond, Tensor.ones(2, 3).to(d), Tensor.zeros(2, 3).to(d));
        assertClose("where broadcast", new double[] {1, 1, 1, 0, 0, 0}, wb, 0);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void castsFollowTorchSemantics(Device d) {
        assume(d);
        Tensor f = Tensor.fromArray(new double[] {-1.7, -0.2, 0, 0.9, 2.5}, 5).to(d);
        assertArrayEquals(new long[] {-1, 0, 0, 0, 2}, f.to(DType.INT64).to(Device.CPU).toLongArray(), "truncation");
        assertArrayEquals(new boolean[] {true, true, false, true, true}, f.to(DType.BOOL).to(Device.CPU).toBooleanArray());
        assertClose("f64 -> f32", new double[] {(float) -1.7, (float) -0.2, 0, (float) 0.9, 2.5}, f.to(DType.FLOAT32), 0);
        Tensor b = Tensor.fromArray(new boolean[] {true, false}, 2).to(d);
        assertClose("bool -> f64", new double[] {1, 0}, b.to(DType.FLOAT64), 0);
        assertArrayEquals(new long[] {1, 0}, b.to(DType.INT64).to(Device.CPU).toLongArray());
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void inPlaceOpsWriteThroughViews(Device d) {
        assume(d);
        Tensor base = Tensor.zeros(3, 4).to(d);
        Tensor col = base.narrow(1, 1, 2);                      // (3, 2) view with stride 4
        col.add_(Tensor.fromArray(new float[] {1, 2}, 2).to(d)); // broadcast over rows
        col.mul_(3);
        assertClose("add_/mul_ through a view", new double[] {0, 3, 6, 0, 0, 3, 6, 0, 0, 3, 6, 0}, base, 0);
        base.fill_(1.5);
        assertClose("fill_", new double[] {1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5}, base, 0);
        base.narrow(0, 1, 1).zero_();
        assertClose("zero_ of a row", new double[] {1.5, 1.5, 1.5, 1.5, 0, 0, 0, 0, 1.5, 1.5, 1.5, 1.5}, base, 0);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void gradientsFlowThroughElementwiseOps(Device d) {
        assume(d);
        double[] v = values(6, 4);
        Tensor x = tensor(DType.FLOAT64, v, 2, 3).to(d).detach().requiresGrad_();
        Tensor y = x.tanh().mul(x).add(x.sigmoid()).sum();
        y.backward();
        double[] want = new double[6];
        for (int i = 0; i < 6; i++) {
            double t = Math.tanh(v[i]), s = sigmoid(v[i]);
            want[i] = (1 - t * t) * v[i] + t + s * (1 - s);
        }
        assertOn(d, x.grad());
        assertClose("d/dx (tanh(x) x + sigmoid(x))", want, x.grad(), 1e-10);
    }

    private static double[] map(double[] x, DoubleUnaryOperator f) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) r[i] = f.applyAsDouble(x[i]);
        return r;
    }

    /** d/dx sum(op(x)) on the device against the derivative formula (float64). */
    private static void gradCase(Device d, String name, UnaryOperator<Tensor> op, DoubleUnaryOperator df, double[] x) {
        Tensor t = tensor(DType.FLOAT64, x, x.length).to(d).detach().requiresGrad_();
        op.apply(t).sum().backward();
        assertOn(d, t.grad());
        assertClose(name + "' on " + d, map(x, df), t.grad(), 1e-10);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void torch113MathFunctionsAndTheirGradients(Device d) {
        assume(d);
        double[] x = values(257, 5);
        double[] unit = map(x, v -> v * 0.49);           // (-0.98, 0.98)
        double[] pos = map(x, v -> Math.abs(v) + 0.1);
        double[] above1 = map(x, v -> Math.abs(v) + 1.05);
        double[] halves = {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.2, 2.7};
        for (DType dt : FLOATS) {
            unaryCase(d, dt, "tan", Tensor::tan, Math::tan, unit);
            unaryCase(d, dt, "asin", Tensor::asin, Math::asin, unit);
            unaryCase(d, dt, "acos", Tensor::acos, Math::acos, unit);
            unaryCase(d, dt, "atan", Tensor::atan, Math::atan, x);
            unaryCase(d, dt, "sinh", Tensor::sinh, Math::sinh, x);
            unaryCase(d, dt, "cosh", Tensor::cosh, Math::cosh, x);
            unaryCase(d, dt, "asinh", Tensor::asinh, v -> Math.copySign(Math.log(Math.abs(v) + Math.sqrt(v * v + 1)), v), x);
            unaryCase(d, dt, "acosh", Tensor::acosh, v -> Math.log(v + Math.sqrt(v * v - 1)), above1);
            unaryCase(d, dt, "atanh", Tensor::atanh, v -> 0.5 * Math.log((1 + v) / (1 - v)), unit);
            unaryCase(d, dt, "erf", Tensor::erf, ElementwiseConformanceTest::erf, x);
            unaryCase(d, dt, "erfc", Tensor::erfc, v -> 1 - erf(v), x);
            unaryCase(d, dt, "erfinv", t -> t.erfinv().erf(), v -> v, unit);
            unaryCase(d, dt, "log2", Tensor::log2, v -> Math.log(v) / Math.log(2), pos);
            unaryCase(d, dt, "log10", Tensor::log10, Math::log10, pos);
            unaryCase(d, dt, "exp2", Tensor::exp2, v -> Math.pow(2, v), x);
            unaryCase(d, dt, "floor", Tensor::floor, Math::floor, halves);
            unaryCase(d, dt, "ceil", Tensor::ceil, Math::ceil, halves);
            unaryCase(d, dt, "round", Tensor::round, Math::rint, halves);
            unaryCase(d, dt, "trunc", Tensor::trunc, v -> v < 0 ? Math.ceil(v) : Math.floor(v), halves);
            unaryCase(d, dt, "frac", Tensor::frac, v -> v - (v < 0 ? Math.ceil(v) : Math.floor(v)), halves);
        }
        gradCase(d, "tan", Tensor::tan, v -> 1 + Math.tan(v) * Math.tan(v), unit);
        gradCase(d, "asin", Tensor::asin, v -> 1 / Math.sqrt(1 - v * v), unit);
        gradCase(d, "acos", Tensor::acos, v -> -1 / Math.sqrt(1 - v * v), unit);
        gradCase(d, "atan", Tensor::atan, v -> 1 / (1 + v * v), x);
        gradCase(d, "sinh", Tensor::sinh, Math::cosh, x);
        gradCase(d, "cosh", Tensor::cosh, Math::sinh, x);
        gradCase(d, "asinh", Tensor::asinh, v -> 1 / Math.sqrt(v * v + 1), x);
        gradCase(d, "acosh", Tensor::acosh, v -> 1 / Math.sqrt(v * v - 1), above1);
        gradCase(d, "atanh", Tensor::atanh, v -> 1 / (1 - v * v), unit);
        gradCase(d, "erf", Tensor::erf, v -> 2 / Math.sqrt(Math.PI) * Math.exp(-v * v), x);
        gradCase(d, "erfc", Tensor::erfc, v -> -2 / Math.sqrt(Math.PI) * Math.exp(-v * v), x);
        gradCase(d, "erfinv", Tensor::erfinv, v -> {
            double y = org.sparkgrad.backend.MathUtil.erfinv(v);
            return Math.sqrt(Math.PI) / 2 * Math.exp(y * y);
        }, unit);
        gradCase(d, "log2", Tensor::log2, v -> 1 / (v * Math.log(2)), pos);
        gradCase(d, "log10", Tensor::log10, v -> 1 / (v * Math.log(10)), pos);
        gradCase(d, "round", Tensor::round, v -> 0, halves);
        // domain edges as torch: asin'(+-1) = inf, atanh(+-1) = +-inf
        Tensor e = tensor(DType.FLOAT64, new double[] {-1, 1}, 2).to(d).detach().requiresGrad_();
        e.asin().sum().backward();
        assertClose("asin'(+-1)", new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY}, e.grad(), 0);
        assertClose("atanh(+-1)", new double[] {Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY}, e.detach().atanh(), 0);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void torch113BinaryFunctionsBroadcastOverViews(Device d) {
        assume(d);
        for (DType dt : FLOATS) {
            double[] a = values(12, 6), b = values(4, 7);
            for (int i = 0; i < b.length; i++) b[i] = (b[i] < 0 ? -1 : 1) * (Math.abs(b[i]) + 0.3);
            Tensor ta = tensor(dt, a, 3, 4).to(d).t();   // (4, 3) view
            Tensor tb = tensor(dt, b, 4, 1).to(d);       // (4, 1) column
            double[][] want = new double[5][12];
            for (int r = 0; r < 4; r++) {
                for (int c = 0; c < 3; c++) {
                    double x = a[c * 4 + r], y = b[r];
                    if (dt == DType.FLOAT32) {
                        x = (float) x;
                        y = (float) y;
                    }
                    int k = r * 3 + c;
                    want[0][k] = Math.atan2(x, y);
                    want[1][k] = x % y;
                    want[2][k] = x - y * Math.floor(x / y);
                    want[3][k] = Math.hypot(x, y);
                    want[4][k] = Math.copySign(x, y);
                }
            }
            double t = tol(dt);
            assertClose("atan2", want[0], ta.atan2(tb), t);
            assertClose("fmod", want[1], ta.fmod(tb), t);
            assertClose("remainder", want[2], ta.remainder(tb), t);
            assertClose("hypot", want[3], ta.hypot(tb), t);
            assertClose("copysign", want[4], ta.copysign(tb), t);
            assertClose("lerp", new double[] {2, 1.5}, tensor(dt, new double[] {1, -2}, 2).to(d)
                    .lerp(tensor(dt, new double[] {3, 5}, 2).to(d), 0.5), t);
            assertClose("addcdiv", new double[] {1.25, 1.5}, tensor(dt, new double[] {1, 2}, 2).to(d)
                    .addcdiv(tensor(dt, new double[] {1, -2}, 2).to(d), tensor(dt, new double[] {2, 2}, 2).to(d), 0.5), t);
        }
        Tensor n = Tensor.fromArray(new long[] {-7, 7, -7, 7}, 4).to(d);
        Tensor m = Tensor.fromArray(new long[] {3, 3, -3, -3}, 4).to(d);
        assertArrayEquals(new long[] {-1, 1, -1, 1}, n.fmod(m).to(Device.CPU).toLongArray());
        assertArrayEquals(new long[] {2, 1, -1, -2}, n.remainder(m).to(Device.CPU).toLongArray());
        assertEquals(DType.FLOAT32, n.atan2(m).dtype());
        // gradients: atan2 (y/(x^2+y^2), -x/(x^2+y^2)), remainder (1, -floor(x/y))
        Tensor x = tensor(DType.FLOAT64, new double[] {-7.5, 3.2}, 2).to(d).detach().requiresGrad_();
        Tensor y = tensor(DType.FLOAT64, new double[] {2, -1.5}, 2).to(d).detach().requiresGrad_();
        x.atan2(y).add(x.remainder(y)).sum().backward();
        assertClose("d atan2 + remainder / dx", new double[] {2 / (56.25 + 4) + 1, -1.5 / (10.24 + 2.25) + 1}, x.grad(), 1e-12);
        assertClose("d atan2 + remainder / dy", new double[] {7.5 / (56.25 + 4) + 4, -3.2 / (10.24 + 2.25) + 3}, y.grad(), 1e-12);
    }
}
