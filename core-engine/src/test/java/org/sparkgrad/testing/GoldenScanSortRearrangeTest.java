package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hand-built cases of {@code golden-args/scan_sort_rearrange.json} (expected values from PyTorch 1.13's definitions,
 * computed with numpy and plain loops by {@code make_scan_sort_cases.py}, gradients by central differences, without
 * PyTorch or the engine) for the scan, sorting, rearranging, var_mean/std_mean and einsum ops registered by their
 * PyTorch names; values+indices results compare the indices as the {@code indices} extra, as max/min(dim) do.
 */
class GoldenScanSortRearrangeTest {
    static Path cases() throws Exception {
        return Paths.get(GoldenScanSortRearrangeTest.class.getResource("/golden-args/scan_sort_rearrange.json").toURI());
    }

    @Test
    void everyCasePassesInFloat32AndFloat64() throws Exception {
        GoldenRunner r = new GoldenRunner().runFile(cases());
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        int n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(cases().toFile()).path("cases").size();
        assertTrue(n >= 50, "cases in the file: " + n);
        assertEquals(n, r.passed(), r.summary());
    }

    @Test
    void everyNewOpIsRegisteredByItsPyTorchName() {
        Map<String, GoldenOp> ops = GoldenOps.all();
        for (String op : new String[] {"cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "sort", "argsort", "msort", "topk",
            "kthvalue", "median", "flip", "roll", "rot90", "tril", "triu", "diag", "diagonal", "trace", "repeat_interleave", "tile",
            "movedim", "moveaxis", "take_along_dim", "var_mean", "std_mean", "einsum"}) {
            assertTrue(ops.containsKey(op), op + " is not registered");
        }
    }
}
