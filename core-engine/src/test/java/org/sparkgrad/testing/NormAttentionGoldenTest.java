package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** PyTorch parity of the norm and attention families (float32 and float64), every case implemented. */
class NormAttentionGoldenTest {
    @Test
    void normAndAttentionFamiliesMatchPyTorch() throws Exception {
        GoldenRunner r = new GoldenRunner();
        r.runFile(GoldenRunnerTest.golden("norm.json"));
        r.runFile(GoldenRunnerTest.golden("attention.json"));
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        assertEquals(29, r.passed());
    }
}
