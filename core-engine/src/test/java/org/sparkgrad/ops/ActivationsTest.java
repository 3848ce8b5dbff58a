package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/** Edge semantics of {@link Activations} that the golden fixtures avoid on purpose (NaN, kinks). */
class ActivationsTest {

    /**
     * PyTorch: {@code relu = clamp_min(x, 0)} propagates NaN, and its backward {@code threshold_backward(grad, x, 0)}
     * is {@code x <= 0 ? 0 : grad}, so relu'(0) = 0 and a NaN input passes the gradient. Same in float32 (vector
     * loop, long enough for full vector blocks) and float64 (the op's double formula).
     */
    @Test
    void reluPropagatesNaNAndItsGradientIsZeroOnlyWhereXIsAtMostZero() {
        for (DType dt : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
            int n = 37;
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = i % 4 == 0 ? Double.NaN : i % 4 == 1 ? 0.0 : i % 4 == 2 ? -1.5 : 2.5;
            Tensor x = Tensor.fromArray(v, n).to(dt).requiresGrad_(true);
            Tensor y = x.relu();
            y.backward(Tensor.full(3.0, dt, n));
            double[] out = y.toDoubleArray(), g = x.grad().toDoubleArray();
            for (int i = 0; i < n; i++) {
                double expectY = i % 4 == 0 ? Double.NaN : i % 4 == 3 ? 2.5 : 0.0;
                double expectG = i % 4 == 0 || i % 4 == 3 ? 3.0 : 0.0;
                assertEquals(expectY, out[i], 0.0, dt + " relu at " + v[i]);
                assertEquals(expectG, g[i], 0.0, dt + " relu' at " + v[i]);
            }
        }
        assertArrayEquals(new double[] {0, 0, 2}, Tensor.fromArray(new double[] {-0.0, 0, 2}, 3).relu().toDoubleArray());
    }

    @Test
    void reluGradcheckAwayFromTheKink() {
        Tensor x = Tensor.fromArray(new double[] {-1.3, -0.2, 0.4, 2.1, -3.0, 0.7}, 2, 3).requiresGrad_(true);
        GradCheck.Result r = GradCheck.check(t -> t[0].relu().mul(t[0]), x);
        assertTrue(r.ok, r.message);
    }

    /**
     * PyTorch's {@code elu_backward} (is_result=false): {@code x <= 0 ? grad * alpha * exp(x) : grad}, so the gradient
     * keeps its relative precision for very negative x (where {@code y + alpha} cancels), and is alpha at 0.
     */
    @Test
    void eluGradientIsAlphaExpXForNonPositiveX() {
        double alpha = 0.7;
        double[] xs = {-40, -20, -1.5, 0, 0.3};
        Tensor x = Tensor.fromArray(xs, xs.length).requiresGrad_(true);
        x.elu(alpha).sum().backward();
        double[] g = x.grad().toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
            double expect = xs[i] > 0 ? 1 : alpha * Math.exp(xs[i]);
            assertEquals(expect, g[i], 1e-12 * expect, "elu' at " + xs[i]);
        }
        Tensor x32 = Tensor.fromArray(new float[] {-30f, -12f}, 2).requiresGrad_(true);
        x32.elu(alpha).sum().backward();
        assertEquals(alpha * Math.exp(-30), x32.grad().toDoubleArray()[0], 1e-6 * alpha * Math.exp(-30));
        assertEquals(alpha * Math.exp(-12), x32.grad().toDoubleArray()[1], 1e-6 * alpha * Math.exp(-12));
        GradCheck.Result r = GradCheck.check(t -> t[0].elu(alpha).square(),
                Tensor.fromArray(new double[] {-3.1, -0.4, 0.6, 1.7, -8.0}, 5).requiresGrad_(true));
        assertTrue(r.ok, r.message);
    }
}
