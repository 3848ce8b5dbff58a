package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sparkgrad.backend.UnaryOp;

/** Every engine UnaryOp has a GPU forward and backward, and each gradient kernel gets the tensor it expects. */
class UnaryKernelsTest {
    @Test
    void everyEngineUnaryOpRunsOnTheGpu() {
        for (UnaryOp op : UnaryOp.values()) {
            boolean special = op == UnaryOp.LOGICAL_NOT || op == UnaryOp.IS_NONFINITE;
            assertTrue(special || UnaryKernels.FORWARD.containsKey(op), op + " has no forward kernel mapping");
            assertNotNull(UnaryKernels.BACKWARD.get(op), op + " has no backward rule");
        }
    }

    @Test
    void gradientKernelsGetTheSavedTensorTheyDocument() throws IOException {
        String h = Files.readString(PtxFiles.cudaSourceDir().resolve("sg_ops.h"), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("(?m)^#define SG_G_(\\w+) \\d+\\s*/\\*\\s*s = ([xy])").matcher(h);
        Map<String, Boolean> wantsY = new HashMap<>();
        while (m.find()) wantsY.put(m.group(1), m.group(2).equals("y"));
        for (Map.Entry<UnaryOp, UnaryKernels.GradRule> e : UnaryKernels.BACKWARD.entrySet()) {
            UnaryKernels.GradRule r = e.getValue();
            if (r.kernel() == null) continue;
            Boolean y = wantsY.get(r.kernel().name());
            assertNotNull(y, "sg_ops.h documents no saved tensor for SG_G_" + r.kernel().name());
            assertEquals(y, r.needsOutput(), e.getKey() + ": the kernel SG_G_" + r.kernel().name() + " takes s = "
                    + (y ? "y" : "x"));
        }
    }
}
