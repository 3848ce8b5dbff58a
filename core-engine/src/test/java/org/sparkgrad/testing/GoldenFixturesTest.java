package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * All shared PyTorch fixtures ({@code shared/golden/*.json}, copied to test resources) in one run, float32 and float64,
 * and every op is registered; every case passes and every keyword argument and input is read by its handler.
 */
class GoldenFixturesTest {
    @Test
    void everySharedFixtureCasePasses() throws Exception {
        Path dir = Paths.get(GoldenFixturesTest.class.getResource("/golden/").toURI());
        GoldenRunner r = new GoldenRunner().runPath(dir);
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        assertEquals(431, r.passed(), r.summary());
        assertEquals(0, r.warnings().size(), () -> "handlers left keywords unread:\n" + String.join("\n", r.warnings()));
    }
}
