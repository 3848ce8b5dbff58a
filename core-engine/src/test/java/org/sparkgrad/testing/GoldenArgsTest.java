package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hand-built cases of {@code golden-args/} (expected values computed from PyTorch 1.13's formulas and definitions
 * with numpy/scipy and plain loops by the {@code make_*.py} scripts beside them, gradients by central differences or
 * derivatives.yaml, without PyTorch or the engine), in float32 and float64, with every keyword read by its handler:
 * <ul>
 *   <li>{@code args_and_ops.json}: one or more per keyword argument the handlers honour beyond the shared fixtures and
 *       per op name they add, plus engine paths under argument combinations the shared fixtures lack (weighted label
 *       smoothing, ceil-mode pools with partial windows, grouped dilated transposed conv, bool attention masks,
 *       rectangular causal SDPA, OneCycleLR by epochs, ...);</li>
 *   <li>{@code eltwise_math.json}: the elementwise ops added for parity (tan ... erfinv, log2/log10/exp2, rounding with
 *       {@code decimals}, softmin, atan2, fmod, remainder, hypot, copysign, lerp, addcmul, addcdiv) and torch's aliases
 *       (arcsin, arctanh, arctan2, fix);</li>
 *   <li>{@code scan_sort_rearrange.json}: scans, sorting, rearranging, var_mean/std_mean and einsum; values+indices
 *       results compare the indices as the {@code indices} extra, as max/min(dim) do.</li>
 * </ul>
 */
class GoldenArgsTest {
    static Path casesFile(String name) throws Exception {
        return Paths.get(GoldenArgsTest.class.getResource("/golden-args/" + name).toURI());
    }

    static Path argsCases() throws Exception {
        return casesFile("args_and_ops.json");
    }

    @ParameterizedTest
    @CsvSource({"args_and_ops.json, 130", "eltwise_math.json, 50", "scan_sort_rearrange.json, 60"})
    void everyHandBuiltCasePasses(String file, int atLeast) throws Exception {
        Path f = casesFile(file);
        GoldenRunner r = new GoldenRunner().runFile(f);
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        int cases = new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile()).path("cases").size();
        assertTrue(cases >= atLeast, "cases in " + file + ": " + cases);
        assertEquals(cases, r.passed(), r.summary());
        assertEquals(0, r.warnings().size(), () -> String.join("\n", r.warnings()));
    }

    @Test
    void everyScanSortRearrangeOpIsRegisteredByItsPyTorchName() {
        Map<String, GoldenOp> ops = GoldenOps.all();
        for (String op : new String[] {"cumsum", "cumprod", "logcumsumexp", "cummax", "cummin", "sort", "argsort", "msort", "topk",
            "kthvalue", "median", "flip", "roll", "rot90", "tril", "triu", "diag", "diagonal", "trace", "repeat_interleave", "tile",
            "movedim", "moveaxis", "take_along_dim", "var_mean", "std_mean", "einsum"}) {
            assertTrue(ops.containsKey(op), op + " is not registered");
        }
    }
}
