package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * The hand-built cases of {@code golden-args/eltwise_math.json} (values from the PyTorch 1.13 formulas in numpy/scipy
 * and gradients from derivatives.yaml, by {@code make_eltwise_math_cases.py}, without PyTorch or the engine): one or
 * more per elementwise op added for parity (tan ... erfinv, log2/log10/exp2, the rounding functions with
 * {@code decimals}, softmin, atan2, fmod, remainder, hypot, copysign, lerp, addcmul, addcdiv) and the torch aliases
 * (arcsin, arctanh, arctan2, fix), in float32 and float64.
 */
class GoldenEltwiseMathTest {
    static Path cases() throws Exception {
        return Paths.get(GoldenEltwiseMathTest.class.getResource("/golden-args/eltwise_math.json").toURI());
    }

    @Test
    void handBuiltElementwiseMathCasesPass() throws Exception {
        GoldenRunner r = new GoldenRunner().runFile(cases());
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        int n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cases().toFile()).path("cases").size();
        assertTrue(n >= 50, "cases in the file: " + n);
        assertEquals(n, r.passed(), r.summary());
    }
}
