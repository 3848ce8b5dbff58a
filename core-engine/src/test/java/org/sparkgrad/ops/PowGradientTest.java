package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/** Gradients of pow at a zero base, as PyTorch's pow_backward_self / pow_backward_exponent. */
class PowGradientTest {
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

    @Test
    void tensorPowBaseGradientIsZeroWhereTheExponentIsZero() {
        for (DType dt : FLOATS) {
            // 0^0 = 1 with d/dx = 0 (was 0 * 0^-1 = 0 * inf = NaN)
            Tensor x = Tensor.fromArray(new double[] {0, 2, 0, 3}, 4).to(dt).requiresGrad_();
            Tensor e = Tensor.fromArray(new double[] {0, 0, 2, 1}, 4).to(dt);
            Tensor y = x.pow(e);
            assertArrayEquals(new double[] {1, 1, 0, 3}, y.toDoubleArray(), 0);
            y.sum().backward();
            assertArrayEquals(new double[] {0, 0, 0, 1}, x.grad().toDoubleArray(), 0);

            // broadcast exponent 0
            Tensor x2 = Tensor.fromArray(new double[] {0, 5}, 2).to(dt).requiresGrad_();
            x2.pow(Tensor.scalar(0, dt)).sum().backward();
            assertArrayEquals(new double[] {0, 0}, x2.grad().toDoubleArray(), 0);
        }
    }

    @Test
    void scalarBaseZeroPowGradientIsZeroForNonNegativeExponents() {
        for (DType dt : FLOATS) {
            // 0^x: d/dx = 0^x * log 0, taken as 0 for x >= 0 (was -inf at x = 0 and 0 * -inf = NaN for x > 0)
            Tensor x = Tensor.fromArray(new double[] {0, 1, 2.5}, 3).to(dt).requiresGrad_();
            Tensor y = x.rpow(0);
            assertArrayEquals(new double[] {1, 0, 0}, y.toDoubleArray(), 0);
            y.sum().backward();
            assertArrayEquals(new double[] {0, 0, 0}, x.grad().toDoubleArray(), 0);

            // other bases unchanged: d/dx 2^x = 2^x ln 2
            Tensor z = Tensor.fromArray(new double[] {0, 1}, 2).to(dt).requiresGrad_();
            z.rpow(2).sum().backward();
            assertArrayEquals(new double[] {Math.log(2), 2 * Math.log(2)}, z.grad().toDoubleArray(), 1e-6);
        }
    }
}
