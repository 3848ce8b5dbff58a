package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.Tensor;

class ReductionsTest {
    private static Tensor leaf(double[] v, int... shape) { return Tensor.fromArray(v, shape).requiresGrad_(); }

    @Test
    void prodGradientIsTheProductOfTheOtherElementsEvenWithZeros() {
        Tensor x = leaf(new double[] {0, 2, 3}, 3);
        x.prod().backward();
        assertArrayEquals(new double[] {6, 0, 0}, x.grad().toDoubleArray(), 0);

        Tensor y = leaf(new double[] {0, 0, 3}, 3);
        y.prod().backward();
        assertArrayEquals(new double[] {0, 0, 0}, y.grad().toDoubleArray(), 0);

        // per row along dim 1: no zero, one zero, two zeros
        Tensor z = leaf(new double[] {2, 3, 4, 2, 0, 5, 0, 7, 0}, 3, 3);
        z.prod(1, false).sum().backward();
        assertArrayEquals(new double[] {12, 8, 6, 0, 10, 0, 0, 0, 0}, z.grad().toDoubleArray(), 0);
    }

    @Test
    void stdGradientOfConstantInputIsZeroNotNaN() {
        // PyTorch's std_backward: grad / (2 std), masked to 0 where std == 0
        for (org.sparkgrad.tensor.DType dt : new org.sparkgrad.tensor.DType[] {org.sparkgrad.tensor.DType.FLOAT32, org.sparkgrad.tensor.DType.FLOAT64}) {
            Tensor x = Tensor.fromArray(new double[] {3, 3, 3}, 3).to(dt).requiresGrad_();
            x.std(true).backward();
            assertArrayEquals(new double[] {0, 0, 0}, x.grad().toDoubleArray(), 0);

            // a constant row next to a varying one, along a dim
            Tensor y = Tensor.fromArray(new double[] {3, 3, 1, 2}, 2, 2).to(dt).requiresGrad_();
            Tensor s = y.std(new int[] {1}, true, false);
            assertArrayEquals(new double[] {0, Math.sqrt(0.5)}, s.toDoubleArray(), 1e-6);
            s.sum().backward();
            assertArrayEquals(new double[] {0, 0, -Math.sqrt(0.5), Math.sqrt(0.5)}, y.grad().toDoubleArray(), 1e-6);
        }
    }

    @Test
    void fractionalNormGradientIsZeroAtZeroElements() {
        // p = 0.5, x = (0, 4): ||x|| = 4; d/dx_i = sign(x_i) |x_i|^(p-1) ||x||^(1-p), 0 at x_i = 0 (PyTorch masks it)
        Tensor x = leaf(new double[] {0, 4}, 2);
        Tensor n = x.norm(0.5);
        assertArrayEquals(new double[] {4}, n.reshape(1).toDoubleArray(), 1e-12);
        n.backward();
        assertArrayEquals(new double[] {0, 1}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void normGradientAtZeroIsZeroNotNaN() {
        Tensor x = leaf(new double[] {0, 0}, 2);
        x.norm().backward();
        assertArrayEquals(new double[] {0, 0}, x.grad().toDoubleArray(), 0);

        // one all-zero row among non-zero ones, along a dim
        Tensor y = leaf(new double[] {0, 0, 3, 4}, 2, 2);
        y.norm(2, new int[] {1}, false).sum().backward();
        assertArrayEquals(new double[] {0, 0, 0.6, 0.8}, y.grad().toDoubleArray(), 1e-12);

        Tensor z = leaf(new double[] {0, 0, 0}, 3);
        z.norm(3).backward();
        assertArrayEquals(new double[] {0, 0, 0}, z.grad().toDoubleArray(), 0);
    }
}
