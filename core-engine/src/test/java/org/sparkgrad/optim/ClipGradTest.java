package org.sparkgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class ClipGradTest {

    private static List<Tensor> withGrads(double[] g1, double[] g2) {
        Tensor a = Tensor.zeros(DType.FLOAT64, g1.length).requiresGrad_(true);
        Tensor b = Tensor.zeros(DType.FLOAT64, g2.length).requiresGrad_(true);
        a.setGrad(Tensor.fromArray(g1.clone(), g1.length));
        b.setGrad(Tensor.fromArray(g2.clone(), g2.length));
        return List.of(a, b);
    }

    @Test
    void twoNormScalesAllGradientsTogether() {
        List<Tensor> ps = withGrads(new double[] {3, 4}, new double[] {-12});
        double total = ClipGrad.clipGradNorm(ps, 6.5);
        assertEquals(13.0, total, 1e-12);
        double coef = 6.5 / (13.0 + 1e-6);
        assertArrayEquals(new double[] {3 * coef, 4 * coef}, ps.get(0).grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {-12 * coef}, ps.get(1).grad().toDoubleArray(), 1e-15);
    }

    @Test
    void smallNormLeavesGradientsUnchanged() {
        List<Tensor> ps = withGrads(new double[] {0.3, 0.4}, new double[] {0});
        assertEquals(0.5, ClipGrad.clipGradNorm(ps, 1.0), 1e-15);
        assertArrayEquals(new double[] {0.3, 0.4}, ps.get(0).grad().toDoubleArray(), 0.0);
    }

    @Test
    void infinityAndOneNorms() {
        List<Tensor> ps = withGrads(new double[] {3, -4}, new double[] {-12});
        double total = ClipGrad.clipGradNorm(ps, 6.0, Double.POSITIVE_INFINITY);
        assertEquals(12.0, total, 0.0);
        assertArrayEquals(new double[] {-12 * 6.0 / (12 + 1e-6)}, ps.get(1).grad().toDoubleArray(), 1e-12);
        List<Tensor> qs = withGrads(new double[] {3, -4}, new double[] {-12});
        assertEquals(19.0, ClipGrad.clipGradNorm(qs, 100.0, 1.0), 1e-12);
        List<Tensor> rs = withGrads(new double[] {1, 1}, new double[] {2});
        assertEquals(Math.pow(1 + 1 + 8, 1 / 3.0), ClipGrad.clipGradNorm(rs, 100.0, 3.0), 1e-12);
    }

    @Test
    void parametersWithoutGradientAreIgnored() {
        Tensor a = Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true);
        assertEquals(0.0, ClipGrad.clipGradNorm(List.of(a), 1.0));
    }

    @Test
    void nonFiniteNormCanBeAnError() {
        List<Tensor> ps = withGrads(new double[] {Double.NaN, 1}, new double[] {1});
        assertThrows(ArithmeticException.class, () -> ClipGrad.clipGradNorm(ps, 1.0, 2.0, true));
        assertEquals(1.0, ps.get(0).grad().toDoubleArray()[1]);
        assertThrows(IllegalArgumentException.class, () -> ClipGrad.clipGradNorm(ps, 1.0, 0.0));
    }

    @Test
    void clipGradValueClampsElementwise() {
        List<Tensor> ps = withGrads(new double[] {3, -0.2}, new double[] {-12});
        ClipGrad.clipGradValue(ps, 1.0);
        assertArrayEquals(new double[] {1, -0.2}, ps.get(0).grad().toDoubleArray(), 0.0);
        assertArrayEquals(new double[] {-1}, ps.get(1).grad().toDoubleArray(), 0.0);
        assertThrows(IllegalArgumentException.class, () -> ClipGrad.clipGradValue(ps, -1));
    }
}
