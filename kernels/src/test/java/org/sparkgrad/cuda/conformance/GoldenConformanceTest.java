package org.sparkgrad.cuda.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assume;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.testing.DeviceGoldenOps;
import org.sparkgrad.testing.GoldenOps;
import org.sparkgrad.testing.GoldenRunner;
import org.slf4j.LoggerFactory;

/**
 * The PyTorch parity fixtures (shared/golden, float32 and float64, forward values and gradients) through the
 * engine's GoldenRunner on every backend: on cuda:0 each case's inputs are moved to the GPU, the op and its
 * backward run there, and results come back for comparison.
 */
class GoldenConformanceTest {
    /** ../shared/golden beside the repository (as the brief names it), else core-engine's copy. */
    static Path goldenDir() {
        for (String p : new String[] {"../../shared/golden", "../shared/golden", "../core-engine/src/test/resources/golden",
                "core-engine/src/test/resources/golden"}) {
            Path d = Paths.get(p);
            if (Files.isDirectory(d)) return d;
        }
        return null;
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void goldenFixturesPassOnEveryBackend(Device d) throws IOException {
        assume(d);
        Path dir = goldenDir();
        Assumptions.assumeTrue(dir != null, "no golden fixtures found (shared/golden or core-engine's copy)");
        GoldenRunner r = new GoldenRunner(DeviceGoldenOps.on(d, GoldenOps.all()));
        r.runPath(dir);
        LoggerFactory.getLogger(GoldenConformanceTest.class).info("golden fixtures {} on {}: {} (skipped ops: {})", dir, d,
                r.summary(), r.skippedOps());
        assertTrue(r.passed() > 200, "expected the golden suite to run, got " + r.summary());
        assertEquals(0, r.failed(), "on " + d + ": " + r.summary() + "\n" + String.join("\n", r.failures()));
    }
}
