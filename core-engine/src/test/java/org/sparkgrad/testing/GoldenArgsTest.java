package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * The hand-built cases of {@code golden-args/args_and_ops.json} (expected values computed from the PyTorch formulas by
 * {@code make_args_cases.py}, without PyTorch or the engine): one or more per keyword argument the handlers honour
 * beyond the shared fixtures and per op name they add, plus engine paths under argument combinations the shared
 * fixtures lack (weighted label smoothing, ceil-mode pools with partial windows, grouped dilated transposed conv, bool
 * attention masks, rectangular causal SDPA, OneCycleLR by epochs, ...).
 */
class GoldenArgsTest {
    static Path argsCases() throws Exception {
        return Paths.get(GoldenArgsTest.class.getResource("/golden-args/args_and_ops.json").toURI());
    }

    @Test
    void handBuiltArgumentAndOpCasesPass() throws Exception {
        GoldenRunner r = new GoldenRunner().runFile(argsCases());
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        int cases = new com.fasterxml.jackson.databind.ObjectMapper().readTree(argsCases().toFile()).path("cases").size();
        assertTrue(cases >= 130, "cases in the file: " + cases);
        assertEquals(cases, r.passed(), r.summary());
        assertEquals(0, r.warnings().size(), () -> String.join("\n", r.warnings()));
    }
}
