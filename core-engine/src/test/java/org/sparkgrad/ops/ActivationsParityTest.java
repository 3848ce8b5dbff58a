package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * SELU, CELU, Hardswish, Hardsigmoid, PReLU, Softsign, Tanhshrink, Softshrink, Hardshrink, Threshold and GLU against
 * PyTorch 1.13. The golden fixtures hold none of them, so the expected values are plain double arithmetic from
 * PyTorch's own definitions: the CPU kernels of aten/src/ATen/native/cpu/Activation.cpp (forward and {@code *_backward},
 * which fix the gradient at the kinks), aten/src/ATen/native/Activation.cpp (selu/celu as elu with scale/input_scale,
 * prelu), and torch/nn/functional.py (softsign, tanhshrink). Plus float64 gradchecks, including points 1e-3 next to
 * every kink.
 */
class ActivationsParityTest {
    private static final double A = 1.6732632423543772848170429916717, S = 1.0507009873554804934193349852946;

    /** Points around every kink used below (0, +-0.5, +-3, the threshold 0.2) and some plain values. */
    private static final double[] XS = {-5, -3.001, -3, -2.999, -1.2, -0.5005, -0.5, -0.4995, -0.001, 0, 0.001, 0.2, 0.2001,
            0.4995, 0.5, 0.5005, 1.7, 2.999, 3, 3.001, 6};

    private static Tensor x64(double... v) { return Tensor.fromArray(v.clone(), v.length).requiresGrad_(); }

    /** Checks y = f(x) and dy/dx (backward of sum(y * g) with a non-trivial g) at every point of XS. */
    private static void checkPointwise(String name, UnaryOperator<Tensor> op, DoubleUnaryOperator f, DoubleUnaryOperator df) {
        Tensor x = x64(XS);
        double[] up = new double[XS.length];
        for (int i = 0; i < up.length; i++) up[i] = 0.5 + 0.25 * i;
        Tensor y = op.apply(x);
        y.backward(Tensor.fromArray(up, up.length));
        double[] yv = y.toDoubleArray(), gv = x.grad().toDoubleArray();
        for (int i = 0; i < XS.length; i++) {
            double ey = f.applyAsDouble(XS[i]), eg = up[i] * df.applyAsDouble(XS[i]);
            assertEquals(ey, yv[i], 1e-13 * Math.max(1, Math.abs(ey)), name + "(" + XS[i] + ")");
            assertEquals(eg, gv[i], 1e-13 * Math.max(1, Math.abs(eg)), name + "'(" + XS[i] + ")");
        }
    }

    private static void gradcheck(UnaryOperator<Tensor> op, double... points) {
        GradCheck.Result r = GradCheck.check(t -> op.apply(t[0]), x64(points));
        assertTrue(r.ok, r.message);
    }

    /** Near every kink but not on it: the finite difference at eps 1e-6 stays on one side. */
    private static final double[] NEAR_KINKS = {-4.2, -3.001, -2.999, -1.3, -0.501, -0.499, -0.001, 0.001, 0.199, 0.201, 0.499, 0.501,
            1.1, 2.999, 3.001, 4.4};

    @Test
    void seluIsScaledEluWithPyTorchConstants() {
        // elu_kernel(alpha=SELU_ALPHA, scale=SELU_SCALE, input_scale=1): a <= 0 ? (exp(a) - 1) * alpha * scale : a * scale
        // elu_backward_kernel(is_result=false): b <= 0 ? g * alpha * scale * exp(b) : g * scale
        checkPointwise("selu", Activations::selu, v -> v <= 0 ? (Math.exp(v) - 1) * (A * S) : v * S, v -> v <= 0 ? A * S * Math.exp(v) : S);
        Tensor y = Activations.selu(Tensor.fromArray(new double[] {1, -1}, 2));
        assertEquals(1.0507009873554805, y.get(0), 1e-16);
        assertEquals(-1.1113307378125625, y.get(1), 1e-15);
        Tensor x0 = x64(0);
        Activations.selu(x0).sum().backward();
        assertEquals(1.7580993408473766, x0.grad().get(0), 1e-15, "selu'(0) is scale * alpha (the x <= 0 branch)");
        gradcheck(Activations::selu, NEAR_KINKS);
    }

    @Test
    void celuIsEluWithInputScaleOneOverAlpha() {
        for (double alpha : new double[] {1.0, 2.0, 0.3, -1.5}) {
            // a <= 0 ? (exp(a / alpha) - 1) * alpha : a ; backward b <= 0 ? g * (1/alpha) * alpha * exp(b / alpha) : g
            checkPointwise("celu" + alpha, t -> Activations.celu(t, alpha),
                    v -> v <= 0 ? (Math.exp(v * (1 / alpha)) - 1) * alpha : v, v -> v <= 0 ? (1 / alpha) * alpha * Math.exp(v * (1 / alpha)) : 1);
            if (alpha > 0) gradcheck(t -> Activations.celu(t, alpha), NEAR_KINKS);
        }
        assertEquals(-0.7869386805747332, Activations.celu(Tensor.fromArray(new double[] {-1}, 1), 2).get(0), 1e-15);
        // large x / alpha must not make the gradient NaN (no overflowing unused branch)
        Tensor big = x64(800, -800);
        Activations.celu(big, 1).sum().backward();
        assertArrayEquals(new double[] {1, 0}, big.grad().toDoubleArray(), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activations.celu(x64(1), 0));
        assertTrue(e.getMessage().contains("alpha cannot be 0"), e.getMessage());
    }

    @Test
    void hardswishGradientAtTheKinksIsThatOfHardswishBackward() {
        // forward: x * min(max(x + 3, 0), 6) / 6; backward: x < -3 ? 0 : x <= 3 ? g * (x / 3 + 0.5) : g
        checkPointwise("hardswish", Activations::hardswish, v -> v * Math.min(Math.max(v + 3, 0), 6) / 6,
                v -> v < -3 ? 0 : v <= 3 ? v / 3 + 0.5 : 1);
        Tensor k = x64(-3, 3);
        Activations.hardswish(k).sum().backward();
        assertArrayEquals(new double[] {-0.5, 1.5}, k.grad().toDoubleArray(), 0, "hardswish'(-3) = -0.5, hardswish'(3) = 1.5 in PyTorch");
        assertEquals(1.0 * 4 / 6, Activations.hardswish(Tensor.fromArray(new double[] {1}, 1)).get(0), 0);
        gradcheck(Activations::hardswish, NEAR_KINKS);
    }

    @Test
    void hardsigmoidGradientIsZeroAtTheKinks() {
        // forward: min(max(x + 3, 0), 6) / 6; backward: (x > -3 && x < 3) ? g / 6 : 0
        checkPointwise("hardsigmoid", Activations::hardsigmoid, v -> Math.min(Math.max(v + 3, 0), 6) / 6, v -> v > -3 && v < 3 ? 1.0 / 6 : 0);
        gradcheck(Activations::hardsigmoid, NEAR_KINKS);
    }

    @Test
    void softsignAndTanhshrinkAreThePythonCompositions() {
        checkPointwise("softsign", Activations::softsign, v -> v / (Math.abs(v) + 1), v -> 1 / ((1 + Math.abs(v)) * (1 + Math.abs(v))));
        checkPointwise("tanhshrink", Activations::tanhshrink, v -> v - Math.tanh(v), v -> Math.tanh(v) * Math.tanh(v));
        assertEquals(-0.75, Activations.softsign(Tensor.fromArray(new double[] {-3}, 1)).get(0), 0);
        assertEquals(0.23840584404423515, Activations.tanhshrink(Tensor.fromArray(new double[] {1}, 1)).get(0), 1e-16);
        gradcheck(Activations::softsign, NEAR_KINKS);
        gradcheck(Activations::tanhshrink, NEAR_KINKS);
    }

    @Test
    void shrinkGradientsAreZeroOnTheClosedInterval() {
        for (double l : new double[] {0.5, 3.0, 0.0}) {
            // softshrink_kernel: a > l ? a - l : (a < -l ? a + l : 0); shrink_backward: (x >= -l && x <= l) ? 0 : g
            checkPointwise("softshrink" + l, t -> Activations.softshrink(t, l), v -> v > l ? v - l : v < -l ? v + l : 0,
                    v -> v >= -l && v <= l ? 0 : 1);
            // hardshrink_kernel: (x >= -l && x <= l) ? 0 : x; same backward
            checkPointwise("hardshrink" + l, t -> Activations.hardshrink(t, l), v -> v >= -l && v <= l ? 0 : v, v -> v >= -l && v <= l ? 0 : 1);
            gradcheck(t -> Activations.softshrink(t, l), NEAR_KINKS);
            gradcheck(t -> Activations.hardshrink(t, l), NEAR_KINKS);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activations.softshrink(x64(1), -0.1));
        assertTrue(e.getMessage().contains("lambda must be greater or equal to 0"), e.getMessage());
    }

    @Test
    void thresholdReplacesValuesAtOrBelowTheThreshold() {
        // threshold_kernel: x <= threshold ? value : x; threshold_backward: x <= threshold ? 0 : g
        checkPointwise("threshold", t -> Activations.threshold(t, 0.2, -7), v -> v <= 0.2 ? -7 : v, v -> v <= 0.2 ? 0 : 1);
        gradcheck(t -> Activations.threshold(t, 0.2, -7), NEAR_KINKS);
        Tensor ints = Activations.threshold(Tensor.fromArray(new long[] {-1, 2, 5}, 3), 2, 9);
        assertEquals(DType.INT64, ints.dtype());
        assertArrayEquals(new long[] {9, 9, 5}, ints.toLongArray());
    }

    @Test
    void preluBroadcastsItsWeightOverDimOneAndSumsItsGradient() {
        // prelu_kernel: x > 0 ? x : w[c] * x; prelu_backward: dx = x > 0 ? g : w[c] * g, dw[c] = sum (x > 0 ? 0 : x * g)
        int n = 2, c = 3, l = 2;
        double[] xv = {1.5, -2, 0, -0.5, 3, -1, -4, 0.25, 2, -3, 0, 1};
        double[] wv = {0.25, -0.5, 2};
        double[] gv = new double[xv.length];
        for (int i = 0; i < gv.length; i++) gv[i] = 1 + 0.1 * i;
        Tensor x = Tensor.fromArray(xv.clone(), n, c, l).requiresGrad_();
        Tensor w = Tensor.fromArray(wv.clone(), c).requiresGrad_();
        Tensor y = Activations.prelu(x, w);
        y.backward(Tensor.fromArray(gv, n, c, l));
        double[] ey = new double[xv.length], egx = new double[xv.length], egw = new double[c];
        for (int i = 0; i < xv.length; i++) {
            int ch = (i / l) % c;
            ey[i] = xv[i] > 0 ? xv[i] : wv[ch] * xv[i];
            egx[i] = xv[i] > 0 ? gv[i] : wv[ch] * gv[i];
            egw[ch] += xv[i] > 0 ? 0 : xv[i] * gv[i];
        }
        assertArrayEquals(ey, y.toDoubleArray(), 1e-15);
        assertArrayEquals(egx, x.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(egw, w.grad().toDoubleArray(), 1e-14);
        // one shared slope: the gradient sums over every element
        Tensor w1 = Tensor.fromArray(new double[] {0.25}, 1).requiresGrad_();
        Activations.prelu(Tensor.fromArray(xv.clone(), n, c, l), w1).sum().backward();
        double s = 0;
        for (double v : xv) s += v > 0 ? 0 : v;
        assertEquals(s, w1.grad().get(0), 1e-15);
        GradCheck.Result r = GradCheck.check(t -> Activations.prelu(t[0], t[1]),
                Tensor.fromArray(new double[] {1.5, -2, 0.3, -0.5, 3, -1, -4, 0.25, 2, -3, 0.7, 1}, n, c, l).requiresGrad_(),
                Tensor.fromArray(wv.clone(), c).requiresGrad_());
        assertTrue(r.ok, r.message);
        GradCheck.Result r1 = GradCheck.check(t -> Activations.prelu(t[0], t[1]), x64(-1.2, 0.4, -0.001, 0.001),
                Tensor.fromArray(new double[] {0.25}, 1).requiresGrad_());
        assertTrue(r1.ok, r1.message);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Activations.prelu(Tensor.zeros(DType.FLOAT64, 2, 4), Tensor.zeros(DType.FLOAT64, 3)));
        assertTrue(e.getMessage().contains("parameter numbers = 3 and channel size = 4") && e.getMessage().contains("[2, 4]"), e.getMessage());
    }

    @Test
    void gluHalvesTheDimension() {
        Tensor y = Activations.glu(Tensor.fromArray(new double[] {1, 2, 3, 4}, 4), -1);
        assertArrayEquals(new int[] {2}, y.shape());
        assertArrayEquals(new double[] {0.9525741268224334, 1.964027580075817}, y.toDoubleArray(), 1e-15);
        Tensor x = Tensor.randn(new org.sparkgrad.tensor.Generator(3), 2, 4, 3).to(DType.FLOAT64).requiresGrad_();
        assertArrayEquals(new int[] {2, 2, 3}, Activations.glu(x, 1).shape());
        GradCheck.Result r = GradCheck.check(t -> Activations.glu(t[0], 1), x);
        assertTrue(r.ok, r.message);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activations.glu(Tensor.zeros(2, 3), -1));
        assertTrue(e.getMessage().contains("Halving dimension must be even, but dimension 1 is size 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Activations.glu(Tensor.scalar(1), 0));
    }

    @Test
    void float32GivesTheSameAsFloat64WithinRounding() {
        double[] pts = {-3.5, -3, -1.25, -0.5, 0, 0.5, 1.25, 3, 3.5};
        Tensor d = Tensor.fromArray(pts.clone(), pts.length);
        Tensor f = d.to(DType.FLOAT32);
        for (UnaryOperator<Tensor> op : java.util.List.<UnaryOperator<Tensor>>of(Activations::selu, t -> Activations.celu(t, 2),
                Activations::hardswish, Activations::hardsigmoid, Activations::softsign, Activations::tanhshrink,
                t -> Activations.softshrink(t, 0.5), t -> Activations.hardshrink(t, 0.5), t -> Activations.threshold(t, 0.5, 2))) {
            Tensor yf = op.apply(f);
            assertEquals(DType.FLOAT32, yf.dtype());
            assertArrayEquals(op.apply(d).toDoubleArray(), yf.toDouble().toDoubleArray(), 1e-6);
        }
    }
}
