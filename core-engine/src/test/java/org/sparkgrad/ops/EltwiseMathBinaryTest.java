package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * The binary and fused pointwise ops added for PyTorch 1.13 parity: atan2, fmod, remainder, hypot, copysign, lerp,
 * addcmul, addcdiv. Values against plain-double Java ({@link Math#atan2}, {@code %}, Python's floor-mod rule
 * {@code a - b floor(a / b)}, {@link Math#hypot}, {@link Math#copySign}) and the formulas of the PyTorch documentation;
 * signs with negative operands, broadcasting, dtypes and the gradients of derivatives.yaml.
 */
class EltwiseMathBinaryTest {
    private static Tensor t(double... v) { return Tensor.fromArray(v, v.length); }

    private static Tensor l(long... v) { return Tensor.fromArray(v, v.length); }

    @Test
    void atan2MatchesMathWithBroadcasting() {
        Tensor y = Tensor.fromArray(new double[] {1, -1, 0, 2, -0.5, 3}, 2, 3);
        Tensor x = t(-1, 0.5, 2);
        double[] got = y.atan2(x).toDoubleArray();
        double[] yv = y.toDoubleArray(), xv = {-1, 0.5, 2};
        for (int i = 0; i < 6; i++) assertEquals(Math.atan2(yv[i], xv[i % 3]), got[i]);
        assertArrayEquals(new int[] {2, 3}, y.atan2(x).shape());
        // the signed zeros and infinities of C's atan2
        assertArrayEquals(new double[] {Math.PI, -Math.PI, 0, Math.PI / 4},
                t(0, -0.0, 0, Double.POSITIVE_INFINITY).atan2(t(-1, -1, 1, Double.POSITIVE_INFINITY)).toDoubleArray());
        assertTrue(Double.isNaN(t(Double.NaN).atan2(t(1)).item()) && Double.isNaN(t(1).atan2(t(Double.NaN)).item()));
        // int64 operands give float32 (torch's binary float op)
        Tensor i = l(1, -2).atan2(l(1, 0));
        assertEquals(DType.FLOAT32, i.dtype());
        assertArrayEquals(new float[] {(float) (Math.PI / 4), (float) (-Math.PI / 2)}, i.toFloatArray());
        assertEquals(DType.FLOAT32, y.to(DType.FLOAT32).atan2(x.to(DType.FLOAT32)).dtype());
    }

    @Test
    void fmodAndRemainderSigns() {
        double[] a = {-3, 3, -3, 3, 5.5, -5.5, 5.5, -7.5, 0, -0.0};
        double[] b = {2, -2, -2, 2, 2, 2, -2, 2, 3, 3};
        double[] fm = t(a).fmod(t(b)).toDoubleArray(), rm = t(a).remainder(t(b)).toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i] % b[i], fm[i], "fmod(" + a[i] + ", " + b[i] + "): C fmod, sign of the dividend");
            double py = a[i] - b[i] * Math.floor(a[i] / b[i]); // Python's %, sign of the divisor
            assertEquals(py, rm[i], 0, "remainder(" + a[i] + ", " + b[i] + ")");
        }
        assertArrayEquals(new double[] {-1, 1, -1, 1, 1.5, -1.5, 1.5, -1.5, 0, -0.0}, fm);
        assertArrayEquals(new double[] {1, -1, -1, 1, 1.5, 0.5, -0.5, 0.5, 0, -0.0}, rm, "remainder(-0.0, 3) keeps fmod's -0.0, as torch");
        // zero divisor and infinities: NaN, as C's fmod
        double[] z = t(1, Double.POSITIVE_INFINITY, 2, Double.NaN).fmod(t(0, 2, Double.POSITIVE_INFINITY, 1)).toDoubleArray();
        assertTrue(Double.isNaN(z[0]) && Double.isNaN(z[1]) && Double.isNaN(z[3]));
        assertEquals(2.0, z[2]);
        assertTrue(Double.isNaN(t(1).remainder(t(0)).item()));
        // integers stay integers
        Tensor fi = l(-7, 7, -7, 7).fmod(l(3, 3, -3, -3)), ri = l(-7, 7, -7, 7).remainder(l(3, 3, -3, -3));
        assertEquals(DType.INT64, fi.dtype());
        assertArrayEquals(new long[] {-1, 1, -1, 1}, fi.toLongArray());
        assertArrayEquals(new long[] {2, 1, -1, -2}, ri.toLongArray());
        // number overloads and broadcasting; float32
        assertArrayEquals(new double[] {-0.5, 0.5, 1}, t(-3, 3, 6).fmod(2.5).toDoubleArray());
        assertArrayEquals(new double[] {2, 0.5, 1}, t(-3, 3, 6).remainder(2.5).toDoubleArray());
        assertArrayEquals(new long[] {2, 0}, l(-1, 6).remainder(3).toLongArray());
        assertEquals(DType.FLOAT32, l(-1, 6).remainder(2.5).dtype());
        Tensor m = Tensor.fromArray(new double[] {-4, 5, 9, -10}, 2, 2).to(DType.FLOAT32);
        assertArrayEquals(new float[] {-1, 2, 0, -1}, m.fmod(t(3, 3).to(DType.FLOAT32)).toFloatArray());
        assertArrayEquals(new float[] {2, 2, 0, -1}, m.remainder(Tensor.fromArray(new double[] {3, -3}, 2, 1).to(DType.FLOAT32)).toFloatArray());
    }

    @Test
    void fmodAndRemainderGradients() {
        // d/dx = 1; d/dy = -trunc(x / y) (fmod), -floor(x / y) (remainder); y broadcast over x sums
        Tensor x = t(-7.5, 7.5, 3.2).requiresGrad_(), y = t(2).requiresGrad_();
        x.fmod(y).sum().backward();
        assertArrayEquals(new double[] {1, 1, 1}, x.grad().toDoubleArray());
        assertEquals(-(-3.0 + 3.0 + 1.0), y.grad().item());
        Tensor x2 = t(-7.5, 7.5, 3.2).requiresGrad_(), y2 = t(2).requiresGrad_();
        x2.remainder(y2).sum().backward();
        assertArrayEquals(new double[] {1, 1, 1}, x2.grad().toDoubleArray());
        assertEquals(-(-4.0 + 3.0 + 1.0), y2.grad().item(), 0);
        // a number divisor: only the dividend gets a gradient
        Tensor x3 = t(-7.5, 1).requiresGrad_();
        x3.remainder(2.0).backward(t(3, 4));
        assertArrayEquals(new double[] {3, 4}, x3.grad().toDoubleArray());
    }

    @Test
    void hypot() {
        double[] a = {3, -5, 0, 1e200, 1e-200, Double.POSITIVE_INFINITY};
        double[] b = {4, 12, 0, 1e200, 1e-200, Double.NaN};
        double[] got = t(a).hypot(t(b)).toDoubleArray();
        for (int i = 0; i < a.length; i++) assertEquals(Math.hypot(a[i], b[i]), got[i], "hypot(" + a[i] + ", " + b[i] + ")");
        assertEquals(5.0, got[0]);
        assertEquals(Math.sqrt(2) * 1e200, got[3], 1e185, "no overflow");
        assertEquals(Double.POSITIVE_INFINITY, got[5], "hypot(inf, NaN) = inf, as C");
        assertTrue(Double.isNaN(t(1).hypot(t(Double.NaN)).item()));
        assertArrayEquals(new float[] {5, 13}, t(3, 5).to(DType.FLOAT32).hypot(t(4, 12).to(DType.FLOAT32)).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> l(3).hypot(l(4)), "torch.hypot is not implemented for int64");
        assertEquals(DType.FLOAT32, l(3).hypot(t(4).to(DType.FLOAT32)).dtype());
        // gradients x/out, y/out; NaN at the origin as PyTorch
        Tensor x = t(3, 0).requiresGrad_(), y = t(4, 0).requiresGrad_();
        x.hypot(y).sum().backward();
        assertEquals(0.6, x.grad().toDoubleArray()[0], 1e-16);
        assertEquals(0.8, y.grad().toDoubleArray()[0], 1e-16);
        assertTrue(Double.isNaN(x.grad().toDoubleArray()[1]) && Double.isNaN(y.grad().toDoubleArray()[1]));
    }

    @Test
    void copysign() {
        double[] a = {3, -2, 0, 1.5, Double.POSITIVE_INFINITY, 4};
        double[] b = {-0.0, 1, -1, 0.0, -5, Double.NEGATIVE_INFINITY};
        double[] got = t(a).copysign(t(b)).toDoubleArray();
        for (int i = 0; i < a.length; i++) assertEquals(Math.copySign(a[i], b[i]), got[i]);
        assertEquals(-3.0, got[0], "the sign bit of -0.0 counts");
        assertArrayEquals(new double[] {-1, -2}, t(1, 2).copysign(-0.5).toDoubleArray());
        Tensor i = l(3, -2).copysign(l(-1, 1));
        assertEquals(DType.FLOAT32, i.dtype());
        assertArrayEquals(new float[] {-3, 2}, i.toFloatArray());
        // gradient: g * out / x, 0 where x == 0; zeros for the sign source
        Tensor x = t(3, -2, 0).requiresGrad_(), y = t(-1, 1, -1).requiresGrad_();
        x.copysign(y).backward(t(5, 6, 7));
        assertArrayEquals(new double[] {-5, -6, 0}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {0, 0, 0}, y.grad().toDoubleArray());
    }

    /** PyTorch's lerp kernel (ATen Lerp.h): two-sided formula. */
    private static double lerpRef(double s, double e, double w) {
        return Math.abs(w) < 0.5 ? s + w * (e - s) : e - (e - s) * (1 - w);
    }

    @Test
    void lerpValuesAndGradients() {
        double[] s = {1, -2, 0.1, 1e16}, e = {3, 5, 0.7, 1};
        for (double w : new double[] {0, 0.25, 0.5, 0.75, 1, -0.3, 1.7}) {
            double[] got = t(s).lerp(t(e), w).toDoubleArray();
            for (int i = 0; i < s.length; i++) assertEquals(lerpRef(s[i], e[i], w), got[i], "lerp w=" + w + " at " + i);
        }
        // exact at the ends: weight 1 gives end, weight 0 gives start (even with cancellation in end - start)
        assertArrayEquals(e, t(s).lerp(t(e), 1.0).toDoubleArray());
        assertArrayEquals(s, t(s).lerp(t(e), 0.0).toDoubleArray());
        // tensor weight, broadcast (2, 1) against (4,)
        Tensor w = Tensor.fromArray(new double[] {0.2, 0.9}, 2, 1);
        double[] got = t(s).lerp(t(e), w).toDoubleArray();
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < 4; i++) assertEquals(lerpRef(s[i], e[i], r == 0 ? 0.2 : 0.9), got[r * 4 + i]);
        }
        assertArrayEquals(new float[] {2, 1.5f}, t(1, -2).to(DType.FLOAT32).lerp(t(3, 5).to(DType.FLOAT32), 0.5).toFloatArray());
        assertTrue(Double.isNaN(t(Double.NaN).lerp(t(1), 0.3).item()));
        assertThrows(IllegalArgumentException.class, () -> t(1).lerp(t(1).to(DType.FLOAT32), 0.5), "dtypes must match");
        assertThrows(IllegalArgumentException.class, () -> t(1).lerp(t(2), t(0.5).to(DType.FLOAT32)));
        assertThrows(IllegalArgumentException.class, () -> l(1).lerp(l(2), 0.5), "lerp takes floating point");
        // gradients: self g (1 - w), end g w, weight g (end - self), summed over broadcast dims
        Tensor a = t(1, -2).requiresGrad_(), b = t(3, 5).requiresGrad_(), ww = t(0.25).requiresGrad_();
        a.lerp(b, ww).backward(t(2, 3));
        assertArrayEquals(new double[] {1.5, 2.25}, a.grad().toDoubleArray());
        assertArrayEquals(new double[] {0.5, 0.75}, b.grad().toDoubleArray());
        assertEquals(2 * 2 + 3 * 7, ww.grad().item());
        Tensor a2 = t(1, -2).requiresGrad_(), b2 = t(3, 5).requiresGrad_();
        a2.lerp(b2, 0.75).sum().backward();
        assertArrayEquals(new double[] {0.25, 0.25}, a2.grad().toDoubleArray());
        assertArrayEquals(new double[] {0.75, 0.75}, b2.grad().toDoubleArray());
    }

    @Test
    void addcmulAndAddcdiv() {
        Tensor self = Tensor.fromArray(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor t1 = t(0.5, -1, 2), t2 = Tensor.fromArray(new double[] {3, -4}, 2, 1);
        double[] cm = self.addcmul(t1, t2, 0.1).toDoubleArray(), cd = self.addcdiv(t1, t2, 0.1).toDoubleArray();
        double[] sv = self.toDoubleArray(), a = {0.5, -1, 2}, b = {3, -4};
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                // the kernels' evaluation order: self + (value * t1) * t2, self + (value * t1) / t2
                assertEquals(sv[r * 3 + c] + 0.1 * a[c] * b[r], cm[r * 3 + c]);
                assertEquals(sv[r * 3 + c] + 0.1 * a[c] / b[r], cd[r * 3 + c]);
            }
        }
        assertArrayEquals(new double[] {1 + 1.5, 2 - 3}, t(1, 2).addcmul(t(0.5, -1), t(3, 3)).toDoubleArray());
        assertArrayEquals(new double[] {1 + 0.5 / 4, 2 - 1.0 / 4}, t(1, 2).addcdiv(t(0.5, -1), t(4, 4)).toDoubleArray());
        // dtypes: integers stay integers for addcmul with an integral value; addcdiv of integers is refused (torch >= 1.5)
        Tensor ci = l(1, 2).addcmul(l(3, 4), l(5, 6), 2);
        assertEquals(DType.INT64, ci.dtype());
        assertArrayEquals(new long[] {31, 50}, ci.toLongArray());
        assertThrows(IllegalArgumentException.class, () -> l(1).addcmul(l(2), l(3), 0.5));
        assertThrows(IllegalArgumentException.class, () -> t(1).addcdiv(l(2), l(3)));
        assertEquals(DType.FLOAT32, l(1).addcdiv(l(2), t(3).to(DType.FLOAT32)).dtype());
        assertTrue(Double.isNaN(t(1).addcdiv(t(0), t(0)).item()));
        // gradients: self g; t1 g t2 value; t2 g t1 value (addcmul) / t1 g value / t2; t2 -g value t1 / t2^2 (addcdiv)
        Tensor s = t(1, 1).requiresGrad_(), x = t(2, -3).requiresGrad_(), y = t(0.5).requiresGrad_();
        s.addcmul(x, y, 3).backward(t(1, 2));
        assertArrayEquals(new double[] {1, 2}, s.grad().toDoubleArray());
        assertArrayEquals(new double[] {1.5, 3}, x.grad().toDoubleArray());
        assertEquals(3 * (2 - 6), y.grad().item());
        Tensor s2 = t(1, 1).requiresGrad_(), x2 = t(2, -3).requiresGrad_(), y2 = t(0.5).requiresGrad_();
        s2.addcdiv(x2, y2, 3).backward(t(1, 2));
        assertArrayEquals(new double[] {6, 12}, x2.grad().toDoubleArray());
        assertEquals(-(1 * 3 * 2 / 0.25) - (2 * 3 * -3 / 0.25), y2.grad().item());
        // a float64 self with float32 tensors: float64 result, and self's gradient in float64
        Tensor s3 = t(1).requiresGrad_();
        Tensor r = s3.addcmul(t(2).to(DType.FLOAT32), t(3).to(DType.FLOAT32));
        assertEquals(DType.FLOAT64, r.dtype());
        r.backward();
        assertEquals(DType.FLOAT64, s3.grad().dtype());
        Tensor nog = t(1).addcmul(t(2), t(3));
        assertNull(nog.gradFn());
    }

    /**
     * addcmul/addcdiv compute {@code self + (value * t1) op t2} in the common dtype of the three tensors, as PyTorch's
     * TensorIterator does ({@code value.to<scalar_t>()} of that dtype): a float64 self with float32 or int64 factors
     * computes in float64 (not in the factors' float32), and a float self makes a fractional value legal with integer
     * factors.
     */
    @Test
    void addcmulAndAddcdivComputeInTheCommonDtype() {
        Tensor zero64 = Tensor.zeros(DType.FLOAT64, 1);
        // int64 factors, float64 self: 0.1 * 3 * 7 in double (2.1000000000000005), not float32 (2.0999999...)
        Tensor r = zero64.addcmul(l(3), l(7), 0.1);
        assertEquals(DType.FLOAT64, r.dtype());
        assertEquals(0.1 * 3 * 7, r.item());
        // float32 factors, float64 self: (double) (1f/3) * 3, exactly representable in double, rounds to 1 in float32
        float third = 1f / 3;
        Tensor f1 = Tensor.fromArray(new float[] {third}, 1), f3 = Tensor.fromArray(new float[] {3}, 1);
        assertEquals((double) third * 3, zero64.addcmul(f1, f3, 1).item());
        assertEquals(1.0 / 3, zero64.addcdiv(Tensor.fromArray(new float[] {1}, 1), f3, 1).item());
        assertEquals(0.1 / 3, zero64.addcdiv(Tensor.fromArray(new float[] {1}, 1), f3, 0.1).item());
        // a float self with int64 factors takes a fractional value (float32: -3 + 0.5 * -3 * -3 = 1.5)
        Tensor m = l(-3, 2).to(DType.FLOAT32).addcmul(l(-3, 2), l(-3, 2), 0.5);
        assertEquals(DType.FLOAT32, m.dtype());
        assertArrayEquals(new double[] {1.5, 4}, m.toDoubleArray());
        // a 0-d float64 self does not raise float32 factors (PyTorch's 0-d rule): float32 result
        assertEquals(DType.FLOAT32, Tensor.scalar(1, DType.FLOAT64).addcmul(f1, f3, 0.1).dtype());
        // the gradient of a float32 factor stays float32 and is computed from the float64 product
        Tensor g1 = Tensor.fromArray(new float[] {2}, 1).requiresGrad_();
        zero64.addcmul(g1, l(3), 0.1).backward(t(1));
        assertEquals(DType.FLOAT32, g1.grad().dtype());
        assertEquals((float) (3 * 0.1), g1.grad().toFloatArray()[0]);
    }
}
