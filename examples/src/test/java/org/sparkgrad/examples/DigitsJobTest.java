package org.sparkgrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The digits job end to end, in process, on a tiny epoch budget: outputs, the final JSON line, the saved model. */
class DigitsJobTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = JobTestSupport.session();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void trainsEvaluatesAndWritesEveryOutput(@TempDir Path tmp) throws IOException {
        Path data = JobTestSupport.digitsFolder(tmp.resolve("digits"));
        Path out = tmp.resolve("out");
        JobTestSupport.Run r = JobTestSupport.cli("train", "digits", "--data", data.toString(), "--out", out.toString(),
                "--epochs", "3", "--progress", "lines", "--seed", "7");
        assertEquals(0, r.exit(), r.err());

        // the final JSON line: job, train_seconds, test_accuracy, and nothing else on stdout
        assertEquals(1, r.out().strip().lines().count(), r.out());
        JsonNode line = JSON.readTree(r.lastLine());
        assertEquals("digits", line.get("job").asText());
        assertTrue(line.get("train_seconds").asDouble() > 0);
        double acc = line.get("test_accuracy").asDouble();
        assertTrue(acc > 0.75 && acc <= 1, "3 epochs should reach well above chance: " + acc);

        // progress: one line per round on stderr, numbered up to the total
        long rounds = r.err().lines().filter(l -> l.matches("\\[digits] round \\d+/\\d+, epoch \\d+/3: loss .*")).count();
        assertTrue(rounds >= 3, r.err());

        // metrics.json agrees with the line and records the run
        JsonNode m = JSON.readTree(out.resolve("metrics.json").toFile());
        assertEquals(acc, m.get("test_accuracy").asDouble());
        assertEquals(rounds, m.get("rounds").asLong());
        assertEquals(rounds, m.get("loss_history").size());
        assertEquals(m.at("/data/train_rows").asLong() + m.at("/data/test_rows").asLong(), 1438);
        assertEquals(288, m.at("/data/test_rows").asLong(), 3, "a 20% stratified hold-out of 1438 rows");
        long confusionTotal = 0;
        for (JsonNode row : m.get("confusion_matrix")) for (JsonNode v : row) confusionTotal += v.asLong();
        assertEquals(m.at("/data/test_rows").asLong(), confusionTotal);
        assertEquals("local[2]", m.at("/run/master").asText());

        // the curve is a PNG
        byte[] png = Files.readAllBytes(out.resolve("curve.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));

        // nothing staged is left behind
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(java.util.Set.of("metrics.json", "curve.png", "model"),
                    s.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }

        // the saved PipelineModel scores the raw Parquet layout and reproduces the reported accuracy on the same split
        PipelineModel model = PipelineModel.load(out.resolve("model").toString());
        Dataset<Row> raw = spark.read().parquet(data.resolve("digits.parquet").toString());
        Dataset<Row> test = Splits.stratified(raw, "label", 0.2, 7)[1];
        double again = Evaluation.classification(model.transform(test), "label", 10).accuracy();
        assertEquals(acc, again, 1e-5);

        // the session the job found running is left running
        assertFalse(spark.sparkContext().isStopped());
    }

    @Test
    void demoRunsOnTheBundledDataAndReplacesAnEarlierRun(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("demo");
        JobTestSupport.Run first = JobTestSupport.cli("demo", "--out", out.toString(), "--epochs", "1", "--progress", "none");
        assertEquals(0, first.exit(), first.err());
        long firstTime = Files.getLastModifiedTime(out.resolve("metrics.json")).toMillis();
        JobTestSupport.Run second = JobTestSupport.cli("demo", "--out", out.toString(), "--epochs", "1", "--batch-size", "64",
                "--precision", "bfloat16", "--progress", "none");
        assertEquals(0, second.exit(), second.err());
        JsonNode m = JSON.readTree(out.resolve("metrics.json").toFile());
        assertEquals(64, m.at("/hyperparameters/batchSize").asInt());
        assertEquals("bfloat16", m.at("/hyperparameters/precision").asText(), "the second run trained in mixed precision");
        assertEquals("bundled:" + DigitsJob.BUNDLED, m.at("/data/path").asText());
        assertTrue(Files.getLastModifiedTime(out.resolve("metrics.json")).toMillis() >= firstTime);
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(3, s.count(), "model, metrics.json, curve.png and no leftovers of the first run");
        }
        assertTrue(JSON.readTree(second.lastLine()).get("test_accuracy").asDouble() > 0.3, "one epoch is above chance (0.1)");
    }
}
