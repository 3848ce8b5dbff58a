package org.sparkgrad.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class AutogradTest {
    @AfterEach
    void resetAnomaly() { Autograd.setDetectAnomaly(false); }

    private static Tensor leaf(double... v) { return Tensor.fromArray(v).requiresGrad_(); }

    @Test
    void backwardAccumulatesIntoLeavesAcrossCalls() {
        Tensor x = leaf(1, 2, 3);
        x.mul(x).sum().backward();
        assertArrayEquals(new double[] {2, 4, 6}, x.grad().toDoubleArray(), 1e-12);
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {5, 7, 9}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void sharedSubgraphGradientsAreSummedBeforePropagating() {
        Tensor x = leaf(2);
        Tensor y = x.mul(x);          // y = x^2, used twice
        Tensor z = y.mul(y).add(y);   // z = x^4 + x^2 ; dz/dx = 4x^3 + 2x = 36
        z.sum().backward();
        assertEquals(36, x.grad().item(), 1e-12);
    }

    @Test
    void secondBackwardWithoutRetainGraphFailsClearly() {
        Tensor x = leaf(1, 2);
        Tensor y = x.exp().sum();
        y.backward();
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time"), e.getMessage());
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = leaf(1, 2);
        Tensor y = x.exp().sum();
        y.backward(null, true);
        y.backward();
        assertArrayEquals(new double[] {2 * Math.E, 2 * Math.exp(2)}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void noGradRecordsNothingAndRestoresTheMode() {
        Tensor x = leaf(1, 2);
        try (GradMode.Guard g = GradMode.noGrad()) {
            Tensor y = x.mul(2);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
            try (GradMode.Guard e = GradMode.enableGrad()) {
                assertTrue(x.mul(2).requiresGrad());
            }
            assertFalse(GradMode.isEnabled());
        }
        assertTrue(GradMode.isEnabled());
        assertTrue(x.mul(2).requiresGrad());
    }

    @Test
    void detachCutsTheGraphButSharesStorage() {
        Tensor x = leaf(1, 2);
        Tensor d = x.mul(2).detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        Tensor y = x.mul(d).sum();
        y.backward();
        assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray(), 1e-12); // d treated as constant
        Tensor v = x.detach();
        assertSame(x.storage(), v.storage());
    }

    @Test
    void requiresGradOnlyForFloats() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new long[] {1, 2}).requiresGrad_());
        assertTrue(e.getMessage().contains("int64"), e.getMessage());
    }

    @Test
    void hooksSeeAndCanReplaceGradients() {
        Tensor x = leaf(1, 2);
        List<double[]> seen = new ArrayList<>();
        Tensor y = x.mul(3);
        y.registerHook(g -> {
            seen.add(g.toDoubleArray());
            return g.mul(2);
        });
        x.registerHook(g -> {
            seen.add(g.toDoubleArray());
            return null;
        });
        y.sum().backward();
        assertArrayEquals(new double[] {1, 1}, seen.get(0), 0);
        assertArrayEquals(new double[] {6, 6}, seen.get(1), 0);
        assertArrayEquals(new double[] {6, 6}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void retainGradKeepsANonLeafGradient() {
        Tensor x = leaf(1, 2);
        Tensor y = x.mul(3);
        y.retainGrad();
        y.square().sum().backward();
        assertArrayEquals(new double[] {6, 12}, y.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void gradReturnsGradientsWithoutTouchingDotGrad() {
        Tensor x = leaf(1, 2), w = leaf(3, 4);
        Tensor h = x.mul(w);
        Tensor loss = h.sum();
        Tensor[] g = Autograd.grad(new Tensor[] {loss}, new Tensor[] {x, h}, null, false, false);
        assertArrayEquals(new double[] {3, 4}, g[0].toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 1}, g[1].toDoubleArray(), 0);
        assertNull(x.grad());
        assertNull(w.grad());
    }

    @Test
    void gradOfUnusedInputIsAnErrorUnlessAllowed() {
        Tensor x = leaf(1), z = leaf(2);
        Tensor y = x.mul(2).sum();
        assertThrows(IllegalArgumentException.class, () -> Autograd.grad(new Tensor[] {y}, new Tensor[] {z}, null, true, false));
        assertNull(Autograd.grad(new Tensor[] {y}, new Tensor[] {z}, null, true, true)[0]);
    }

    @Test
    void backwardOnNonScalarNeedsAGradientOfTheSameShape() {
        Tensor x = leaf(1, 2, 3);
        Tensor y = x.mul(2);
        assertThrows(IllegalArgumentException.class, y::backward);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(DType.FLOAT64, 2)));
        assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
        y.backward(Tensor.fromArray(new double[] {1, 0, -1}));
        assertArrayEquals(new double[] {2, 0, -2}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void backwardOnTensorWithoutGradIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.scalar(1).backward());
    }

    @Test
    void inPlaceChangeOfSavedTensorIsDetectedAtBackward() {
        Tensor x = leaf(1, 2);
        Tensor a = x.mul(1);     // non-leaf
        Tensor b = a.detach();   // shares a's storage
        Tensor y = a.exp().sum(); // exp saves its input a
        b.mul_(2);               // modifies the saved tensor through another view
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("modified by an inplace operation"), e.getMessage());
        assertTrue(e.getMessage().contains("exp"), e.getMessage());
    }

    @Test
    void inPlaceOnALeafThatRequiresGradIsRefused() {
        Tensor x = leaf(1, 2);
        assertThrows(IllegalStateException.class, () -> x.add_(Tensor.fromArray(new double[] {1, 1})));
        try (GradMode.Guard g = GradMode.noGrad()) {
            x.add_(Tensor.fromArray(new double[] {1, 1}));
        }
        assertArrayEquals(new double[] {2, 3}, x.toDoubleArray(), 0);
        assertEquals(1, x.version());
    }

    @Test
    void anomalyModeNamesTheOpWhoseBackwardProducedNaN() {
        Autograd.setDetectAnomaly(true);
        Tensor x = leaf(0, 1);
        Tensor y = x.sqrt().mul(0).sum(); // sqrt'(0) * 0 = inf * 0 = NaN
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("sqrt"), e.getMessage());
        assertTrue(e.getCause() != null && e.getCause().getMessage().contains("forward of sqrt"));
    }

    @Test
    void gradientsOfFloat32LeavesStayFloat32AndCastsAreDifferentiable() {
        Tensor x = Tensor.fromArray(new float[] {1, 2}).requiresGrad_();
        x.to(DType.FLOAT64).mul(3).sum().backward();
        assertEquals(DType.FLOAT32, x.grad().dtype());
        assertArrayEquals(new float[] {3, 3}, x.grad().toFloatArray(), 0);
    }

    @Test
    void leafGradientsNeverAliasEachOther() {
        Tensor x = leaf(1, 2), y = leaf(3, 4);
        x.add(y).sum().backward(); // add's backward hands the same upstream gradient to both
        try (GradMode.Guard g = GradMode.noGrad()) {
            x.grad().mul_(5);
        }
        assertArrayEquals(new double[] {1, 1}, y.grad().toDoubleArray(), 0);
    }

    @Test
    void leafGradientStoredWithoutCopyIsNotOverwrittenWhileStillPending() {
        // out = 3x + (x + exp(x)): the outer add hands one gradient tensor to both branches; the leaf x keeps it as
        // .grad, and exp's contribution must not be accumulated into it before the 3x branch has read it
        Tensor x = leaf(0);
        x.mul(3).add(x.add(x.exp())).sum().backward();
        assertEquals(5, x.grad().item(), 1e-12);
    }

    @Test
    void aTensorReturnedByALeafHookIsNotAccumulatedIntoLater() {
        Tensor x = leaf(1, 2);
        Tensor held = Tensor.fromArray(new double[] {7, 7});
        x.registerHook(g -> held);
        x.mul(2).sum().backward();
        x.mul(3).sum().backward();
        assertArrayEquals(new double[] {7, 7}, held.toDoubleArray(), 0);
        assertArrayEquals(new double[] {14, 14}, x.grad().toDoubleArray(), 0);
    }

    /**
     * A leaf used several times gets its hooks run once, on the summed gradient (PyTorch's AccumulateGrad runs once),
     * so a non-linear hook (here a clamp) acts on the total; grad() runs the leaf's hooks too.
     */
    @Test
    void leafHooksRunOnceOnTheTotalGradientAlsoInGrad() {
        Tensor x = Tensor.fromArray(new double[] {1, 2}).requiresGrad_();
        List<double[]> seen = new ArrayList<>();
        x.registerHook(g -> {
            seen.add(g.toDoubleArray());
            return g.clamp(-10, 4);
        });
        x.mul(3).add(x.mul(2)).sum().backward(); // contributions 3 and 2: total 5, clamped to 4
        assertEquals(1, seen.size());
        assertArrayEquals(new double[] {5, 5}, seen.get(0), 0);
        assertArrayEquals(new double[] {4, 4}, x.grad().toDoubleArray(), 0);
        Tensor[] g = Autograd.grad(x.mul(3).add(x.mul(2)).sum(), x);
        assertEquals(2, seen.size());
        assertArrayEquals(new double[] {4, 4}, g[0].toDoubleArray(), 0);
        assertArrayEquals(new double[] {4, 4}, x.grad().toDoubleArray(), 0); // grad() leaves .grad alone
        x.mul(1).sum().backward(); // a later backward accumulates into .grad (hook: 1 stays 1)
        assertArrayEquals(new double[] {5, 5}, x.grad().toDoubleArray(), 0);
    }
}
