package org.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DTypePromotionTest {
    private static final Tensor INTS = Tensor.fromArray(new long[] {2, 3});
    private static final Tensor BOOLS = Tensor.fromArray(new boolean[] {true, false});

    @Test
    void comparingAnIntegerTensorWithAFractionDoesNotTruncateTheNumber() {
        assertArrayEquals(new boolean[] {false, false}, INTS.eq(2.5).toBooleanArray());
        assertArrayEquals(new boolean[] {true, true}, INTS.ne(2.5).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true}, INTS.ge(2.5).toBooleanArray());
        assertArrayEquals(new boolean[] {false, true}, INTS.gt(2.5).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false}, INTS.lt(2.5).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false}, INTS.le(2.5).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false}, INTS.eq(2).toBooleanArray());
        assertArrayEquals(new boolean[] {false, false}, BOOLS.eq(2).toBooleanArray());
        assertArrayEquals(new boolean[] {true, false}, Tensor.fromArray(new float[] {0.1f, 1}).eq(0.1).toBooleanArray());
    }

    @Test
    void whereWithANumberPromotesLikeAPythonScalar() {
        Tensor r = Tensor.where(BOOLS, INTS, 0.5);
        assertEquals(DType.FLOAT32, r.dtype());
        assertArrayEquals(new double[] {2, 0.5}, r.toDoubleArray(), 0);
        Tensor b = Tensor.where(BOOLS, BOOLS, 5);
        assertEquals(DType.INT64, b.dtype());
        assertArrayEquals(new long[] {1, 5}, b.toLongArray());
    }

    @Test
    void boolCombinedWithAnIntegerIsInt64() {
        Tensor s = BOOLS.add(Tensor.scalar(5, DType.INT64));
        assertEquals(DType.INT64, s.dtype());
        assertArrayEquals(new long[] {6, 5}, s.toLongArray());
        assertArrayEquals(new long[] {6, 5}, BOOLS.add(5).toLongArray());
        assertArrayEquals(new long[] {3, 0}, BOOLS.mul(3).toLongArray());
        assertThrows(IllegalArgumentException.class, BOOLS::neg);
    }

    @Test
    void divisionByANumberIsTrueDivisionForIntegerTensors() {
        Tensor r = INTS.div(1);
        assertEquals(DType.FLOAT32, r.dtype());
        assertArrayEquals(new double[] {2, 3}, r.toDoubleArray(), 0);
    }

    @Test
    void inPlaceOpsRefuseAResultTypeTheTensorCannotHold() {
        Tensor x = Tensor.fromArray(new long[] {7, -7});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.add_(0.5));
        assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("int64"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.mul_(Tensor.fromArray(new float[] {0.5f, 0.5f})));
        assertThrows(IllegalArgumentException.class, () -> x.div_(2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new boolean[] {true}).add_(1));
        assertArrayEquals(new long[] {7, -7}, x.toLongArray());
        x.add_(1).mul_(2); // integral numbers stay allowed
        assertArrayEquals(new long[] {16, -12}, x.toLongArray());
        Tensor f = Tensor.ones(2);
        f.add_(Tensor.fromArray(new long[] {1, 2})).add_(Tensor.ones(DType.FLOAT64, 2)); // float32 can hold both
        assertArrayEquals(new float[] {3, 4}, f.toFloatArray(), 0);
    }

    /** torch.cat promotes mixed dtypes to a common one; gradients come back in each input's own dtype. */
    @Test
    void catPromotesMixedDtypesAndKeepsEachGradientsDtype() {
        Tensor a = Tensor.fromArray(new float[] {1.5f, 2f}).requiresGrad_();
        Tensor b = Tensor.fromArray(new double[] {0.1, 0.2, 0.3}).requiresGrad_();
        Tensor c = Tensor.cat(0, a, b);
        assertEquals(DType.FLOAT64, c.dtype());
        assertArrayEquals(new double[] {1.5, 2, 0.1, 0.2, 0.3}, c.toDoubleArray(), 0);
        c.mul(Tensor.fromArray(new double[] {1, 2, 3, 4, 5})).sum().backward();
        assertEquals(DType.FLOAT32, a.grad().dtype());
        assertArrayEquals(new float[] {1, 2}, a.grad().toFloatArray(), 0f);
        assertArrayEquals(new double[] {3, 4, 5}, b.grad().toDoubleArray(), 0);
        assertEquals(DType.FLOAT32, Tensor.cat(0, INTS, Tensor.fromArray(new float[] {0.5f, 1f})).dtype());
        assertEquals(DType.INT64, Tensor.cat(0, INTS, BOOLS).dtype());
    }
}
