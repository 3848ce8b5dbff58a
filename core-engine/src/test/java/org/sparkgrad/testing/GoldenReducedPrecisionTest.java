package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;

/**
 * The shared PyTorch fixtures run in bfloat16 and float16: inputs rounded to the 16-bit dtype, every op through the
 * 16-bit path (float32 compute, one rounding per op), compared with PyTorch's float64 references at
 * {@link GoldenRunner#BF16_RTOL} / {@link GoldenRunner#F16_RTOL}.
 *
 * <p>The cases allowed to miss are ill-conditioned in 16 bits by construction, so rounding the inputs alone moves the
 * true answer past the tolerance (PyTorch in the same dtype misses them the same way): logits of magnitude 10..1000,
 * where bfloat16's step (up to 8) or float16's changes the probabilities themselves; variances of values with a
 * large common offset, where the rounding of the inputs exceeds their spread; and Adam in float16 with a gradient
 * whose square times {@code 1 - beta2} underflows float16 (the second moment becomes 0 and {@code eps = 1e-6}
 * alone divides), the hazard PyTorch's AMP docs warn about for float16 parameters.
 */
class GoldenReducedPrecisionTest {
    private static final Map<DType, Set<String>> ILL_CONDITIONED = Map.of(
            DType.BFLOAT16, Set.of("softmax_large_logits", "softmax_extreme_1000", "log_softmax_large_logits",
                    "log_softmax_extreme_1000", "cross_entropy_extreme_logits", "logsumexp_large_values",
                    "var_offset_mean_dim1", "std_offset_mean_dim1"),
            DType.FLOAT16, Set.of("softmax_large_logits", "log_softmax_large_logits", "logsumexp_large_values",
                    "var_offset_mean_dim1", "std_offset_mean_dim1", "Adam_betas_eps"));

    @Test
    void everyWellConditionedFixtureCasePassesInSixteenBits() throws Exception {
        Path dir = Paths.get(GoldenReducedPrecisionTest.class.getResource("/golden/").toURI());
        for (DType dt : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            GoldenRunner r = new GoldenRunner().floatTypes(dt).runPath(dir);
            Set<String> failed = new TreeSet<>();
            for (String f : r.failures()) failed.add(f.substring(f.indexOf(':') + 1, f.indexOf(' ', f.indexOf(':'))));
            Set<String> unexpected = new TreeSet<>(failed);
            unexpected.removeAll(ILL_CONDITIONED.get(dt));
            assertTrue(unexpected.isEmpty(), () -> dt + ":\n" + String.join("\n", r.failures()));
            assertEquals(0, r.skipped(), r.summary());
            assertEquals(431, r.passed() + r.failed(), r.summary());
            assertTrue(r.passed() >= 431 - ILL_CONDITIONED.get(dt).size(), r.summary());
        }
    }
}
