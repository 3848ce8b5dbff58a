package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * All shared PyTorch fixtures ({@code shared/golden/*.json}, copied to test resources) in one run, float32 and float64,
 * under the runner's unread-argument check: every case passes and every op is registered.
 */
class GoldenFixturesTest {
    @Test
    void everySharedFixtureCasePasses() throws Exception {
        Path dir = Paths.get(GoldenFixturesTest.class.getResource("/golden/").toURI());
        GoldenRunner r = new GoldenRunner().runPath(dir);
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        assertEquals(431, r.passed(), r.summary());
    }
}
