package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** Runs the PyTorch golden fixtures of the losses, optimizers and schedulers through {@link GoldenRunner} (f32 and f64). */
class LossOptimGoldenOpsTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Paths.get(LossOptimGoldenOpsTest.class.getResource("/golden/" + name).toURI());
    }

    private static void runClean(String file, int expectedCases) throws Exception {
        GoldenRunner r = new GoldenRunner().runFile(fixture(file));
        assertEquals(0, r.failed(), () -> file + ": " + String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> file + " skipped ops: " + r.skippedOps());
        assertEquals(expectedCases, r.passed(), file + ": " + r.summary());
    }

    @Test
    void lossesFixturePassesCompletely() throws Exception {
        runClean("losses.json", 56);
    }

    @Test
    void optimFixturePassesCompletely() throws Exception {
        runClean("optim.json", 29);
    }

    @Test
    void providerIsRegisteredThroughServiceLoader() {
        var ops = GoldenOps.all();
        for (String op : new String[] {"cross_entropy", "kl_div", "optim.AdamW", "lr_scheduler.OneCycleLR"}) {
            assertTrue(ops.containsKey(op), op + " is not registered");
        }
    }
}
