package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/** The activation modules added for PyTorch parity: reprs, defaults, state and that they apply their F function. */
class ActivationModulesTest {
    private static final Tensor X = Tensor.fromArray(new double[] {-3.5, -3, -0.5, 0, 0.25, 0.5, 3, 4}, 2, 4);

    @Test
    void reprsAreThoseOfPyTorch() {
        assertEquals("SELU()", new SELU().toString());
        assertEquals("CELU(alpha=1.0)", new CELU().toString());
        assertEquals("CELU(alpha=0.5)", new CELU(0.5).toString());
        assertEquals("Hardswish()", new Hardswish().toString());
        assertEquals("Hardsigmoid()", new Hardsigmoid().toString());
        assertEquals("Softsign()", new Softsign().toString());
        assertEquals("Tanhshrink()", new Tanhshrink().toString());
        assertEquals("Softshrink(0.5)", new Softshrink().toString());
        assertEquals("Hardshrink(0.5)", new Hardshrink().toString());
        assertEquals("Threshold(threshold=0.1, value=20.0)", new Threshold(0.1, 20).toString());
        assertEquals("GLU(dim=-1)", new GLU().toString());
        assertEquals("PReLU(num_parameters=1)", new PReLU().toString());
        assertEquals("PReLU(num_parameters=3)", new PReLU(3, 0.25).toString());
    }

    @Test
    void modulesApplyTheirFunctionalForm() {
        assertArrayEquals(F.selu(X).toDoubleArray(), new SELU().forward(X).toDoubleArray(), 0);
        assertArrayEquals(F.celu(X, 0.7).toDoubleArray(), new CELU(0.7).forward(X).toDoubleArray(), 0);
        assertArrayEquals(F.hardswish(X).toDoubleArray(), new Hardswish().forward(X).toDoubleArray(), 0);
        assertArrayEquals(F.hardsigmoid(X).toDoubleArray(), new Hardsigmoid().forward(X).toDoubleArray(), 0);
        assertArrayEquals(F.softsign(X).toDoubleArray(), new Softsign().forward(X).toDoubleArray(), 0);
        assertArrayEquals(F.tanhshrink(X).toDoubleArray(), new Tanhshrink().forward(X).toDoubleArray(), 0);
        assertArrayEquals(new double[] {-3, -2.5, 0, 0, 0, 0, 2.5, 3.5}, new Softshrink().forward(X).toDoubleArray(), 0);
        assertArrayEquals(new double[] {-3.5, -3, 0, 0, 0, 0, 3, 4}, new Hardshrink().forward(X).toDoubleArray(), 0);
        assertArrayEquals(new double[] {-3.5, 0, 0, 0, 0, 0, 0, 4}, new Hardshrink(3).forward(X).toDoubleArray(), 0);
        assertArrayEquals(new double[] {9, 9, 9, 9, 0.25, 0.5, 3, 4}, new Threshold(0, 9).forward(X).toDoubleArray(), 0);
        assertArrayEquals(F.glu(X, 1).toDoubleArray(), new GLU(1).forward(X).toDoubleArray(), 0);
        assertArrayEquals(new int[] {1, 4}, new GLU(0).forward(X).shape());
        assertThrows(IllegalArgumentException.class, () -> new CELU(0));
        assertThrows(IllegalArgumentException.class, () -> new Softshrink(-1));
    }

    @Test
    void preluHasOneLearnableSlopePerChannelInitialisedToInit() {
        PReLU p = new PReLU(4, 0.1);
        assertEquals(List.of("weight"), List.copyOf(p.stateDict().keySet()));
        assertArrayEquals(new int[] {4}, p.weight.shape());
        assertArrayEquals(new double[] {0.1, 0.1, 0.1, 0.1}, p.weight.toDoubleArray(), 1e-7);
        assertEquals(DType.FLOAT32, p.weight.dtype());
        PReLU one = new PReLU();
        assertArrayEquals(new double[] {0.25}, one.weight.toDoubleArray(), 0);
        Tensor x = X.to(DType.FLOAT32);
        Tensor y = p.forward(x);
        assertArrayEquals(new double[] {-0.35, -0.3, -0.05, 0, 0.25, 0.5, 3, 4}, y.toDouble().toDoubleArray(), 1e-6);
        y.sum().backward();
        // dweight[c] = sum over the batch of x where x <= 0
        assertArrayEquals(new double[] {-3.5, -3, -0.5, 0}, p.weight.grad().toDouble().toDoubleArray(), 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PReLU(3, 0.25).forward(x));
        assertEquals(true, e.getMessage().contains("channel size = 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PReLU(0, 0.25));
    }
}
