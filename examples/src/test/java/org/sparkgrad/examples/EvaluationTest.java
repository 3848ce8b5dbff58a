package org.sparkgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EvaluationTest {
    @Test
    void accuracyAndMacroF1FromAConfusionMatrix() {
        // 3 classes; class 2 never predicted right
        long[][] m = {{5, 0, 0}, {1, 3, 0}, {0, 2, 0}};
        Evaluation.Classification c = new Evaluation.Classification(m);
        assertEquals(11, c.total());
        assertEquals(8.0 / 11, c.accuracy(), 1e-12);
        double f0 = 2.0 * 5 / (2 * 5 + 0 + 1), f1 = 2.0 * 3 / (2 * 3 + 1 + 2), f2 = 0;
        assertEquals((f0 + f1 + f2) / 3, c.macroF1(), 1e-12);
    }

    @Test
    void rounding() {
        assertEquals(0.97213, Evaluation.round(0.972125436, 5));
        assertEquals(Double.NaN, Evaluation.round(Double.NaN, 3));
    }
}
