package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GoldenRunnerTest {
    static Path golden(String file) throws Exception {
        return Paths.get(GoldenRunnerTest.class.getResource("/golden/" + file).toURI());
    }

    @Test
    void engineCoreFamiliesMatchPyTorch() throws Exception {
        GoldenRunner r = new GoldenRunner();
        for (String f : new String[] {"elementwise.json", "reductions.json", "linalg.json", "shape.json", "activations.json"}) {
            r.runFile(golden(f));
        }
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        assertEquals(246, r.passed());
    }

    @Test
    void nnFunctionalFamilyMatchesPyTorch() throws Exception {
        // linear, embedding (incl. padding_idx), dropout: registered in NnGoldenOps but not run by any other test
        GoldenRunner r = new GoldenRunner().runFile(golden("nn_functional.json"));
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        assertEquals(8, r.passed());
    }

    @Test
    void detectsAWrongReferenceValueAndRunsOnAnyFolder(@TempDir Path dir) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = (ObjectNode) m.readTree(golden("elementwise.json").toFile());
        ArrayNode cases = (ArrayNode) root.get("cases");
        ObjectNode first = (ObjectNode) cases.get(0);
        ArrayNode data = (ArrayNode) first.get("output").get("data");
        data.set(0, m.getNodeFactory().numberNode(data.get(0).asDouble() + 1.0));
        ObjectNode unknown = first.deepCopy();
        unknown.put("op", "no_such_op");
        unknown.put("name", "unknown_case");
        cases.add(unknown);
        Files.createDirectories(dir.resolve("sub"));
        m.writeValue(dir.resolve("sub/tampered.json").toFile(), root);
        GoldenRunner r = new GoldenRunner().runPath(dir);
        assertEquals(1, r.failed());
        assertEquals(1, r.skipped());
        assertEquals(Integer.valueOf(1), r.skippedOps().get("no_such_op"));
        assertTrue(r.failures().get(0).contains(first.get("name").asText()), r.failures().get(0));
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        r.report(new PrintStream(bo, true, StandardCharsets.UTF_8));
        String text = bo.toString(StandardCharsets.UTF_8);
        assertTrue(text.trim().endsWith(r.passed() + " passed, 1 failed, 1 skipped"), text);
        assertTrue(text.contains("no_such_op"), text);
    }
}
