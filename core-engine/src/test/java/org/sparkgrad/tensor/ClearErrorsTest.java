package org.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ClearErrorsTest {
    @Test
    void dimQueriesOnA0dTensorSayItHasNoDimensions() {
        Tensor s = Tensor.scalar(1);
        for (Runnable r : new Runnable[] {() -> s.select(0, 0), () -> s.narrow(0, 0, 1), () -> s.slice(0, 0, 1), () -> s.size(0),
                () -> s.stride(-1)}) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, r::run);
            assertTrue(e.getMessage().contains("no dimensions"), e.getMessage());
        }
    }

    @Test
    void setGradRefusesAnotherDtype() {
        Tensor x = Tensor.ones(DType.FLOAT64, 3).requiresGrad_();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.setGrad(Tensor.ones(3)));
        assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("float64"), e.getMessage());
    }

    @Test
    void aHookThatChangesTheGradientShapeIsAnError() {
        Tensor x = Tensor.ones(DType.FLOAT64, 3).requiresGrad_();
        x.registerHook(g -> Tensor.ones(DType.FLOAT64, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> x.mul(2).sum().backward());
        assertTrue(e.getMessage().contains("[3]") && e.getMessage().contains("[2]"), e.getMessage());

        Tensor y = Tensor.ones(DType.FLOAT64, 3).requiresGrad_();
        Tensor h = y.mul(2);
        h.registerHook(g -> g.sum());
        assertThrows(IllegalStateException.class, () -> h.sum().backward());
    }

    @Test
    void matmulShapeErrorsNameTheShapesAsGiven() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(3).matmul(Tensor.ones(4, 2)));
        assertTrue(e.getMessage().contains("[3] and [4, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.ones(2, 3, 4).matmul(Tensor.ones(5)));
        assertTrue(e.getMessage().contains("[2, 3, 4] and [5]"), e.getMessage());
    }
}
