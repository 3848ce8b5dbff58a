package org.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InPlaceTest {
    private static Tensor m22() { return Tensor.fromArray(new double[] {1, 2, 3, 4}, 2, 2); }

    @Test
    void inPlaceOpsReadingAnotherViewOfTheirOwnStorageSeeTheOldValues() {
        Tensor x = m22();
        x.add_(x.t());
        assertArrayEquals(new double[] {2, 5, 5, 8}, x.toDoubleArray(), 0);

        Tensor y = m22();
        y.copy_(y.t());
        assertArrayEquals(new double[] {1, 3, 2, 4}, y.toDoubleArray(), 0);

        Tensor z = Tensor.fromArray(new double[] {1, 2, 3, 4});
        z.slice(0, 1, 4).sub_(z.slice(0, 0, 3)); // z[1:] -= z[:3]
        assertArrayEquals(new double[] {1, 1, 1, 1}, z.toDoubleArray(), 0);

        Tensor w = Tensor.fromArray(new double[] {1, 2, 3, 4});
        w.add_(w.slice(0, 0, 1), 2); // w += 2 * w[0]
        assertArrayEquals(new double[] {3, 4, 5, 6}, w.toDoubleArray(), 0);

        Tensor v = m22();
        v.mul_(v); // the same view stays allowed
        assertArrayEquals(new double[] {1, 4, 9, 16}, v.toDoubleArray(), 0);
    }

    @Test
    void writingIntoAnExpandedViewIsRefused() {
        Tensor x = Tensor.fromArray(new double[] {1, 2, 3}, 1, 3);
        Tensor e = x.expand(2, 3);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.add_(1.0));
        assertTrue(ex.getMessage().contains("single memory location") && ex.getMessage().contains("[2, 3]"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> e.copy_(Tensor.zeros(DType.FLOAT64, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> e.add_(Tensor.ones(DType.FLOAT64, 3), 2));
        assertArrayEquals(new double[] {1, 2, 3}, x.toDoubleArray(), 0);
    }
}
