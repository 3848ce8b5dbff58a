package org.sparkgrad.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.nn.GPT;
import org.sparkgrad.nn.Module;
import org.sparkgrad.tensor.Tensor;

/** The gpt job's pieces (tokens, the adapter, the bits-per-character scorer, the n-gram baselines) and a tiny end-to-end run. */
class GptJobTest {
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
    void encodingUsesTheSortedTableAndMarksUnknowns() {
        int[] vocab = " ab".codePoints().sorted().toArray();
        assertArrayEquals(new int[] {1, 2, 0, -1, 1}, GptJob.encode("ab z" + "a", vocab));
    }

    @Test
    void ngramBaselinesMatchHandCounts() {
        int[] train = {0, 1, 0, 1, 0}, test = {0, 1};
        double[] b = GptJob.ngramBaselines(train, test, 2);
        // unigram add-one: p(0) = (3+1)/(5+2), p(1) = (2+1)/(5+2)
        double uni = -(Math.log(4.0 / 7) + Math.log(3.0 / 7)) / 2 / Math.log(2);
        // bigram add-one: counts 0->1: 2, 1->0: 2; p(1|0) = (2+1)/(2+2)
        double bi = -Math.log(3.0 / 4) / Math.log(2);
        assertEquals(uni, b[0], 1e-12);
        assertEquals(bi, b[1], 1e-12);
    }

    @Test
    void theAdapterTakesFloatTokensAndFlattensTheLogits() {
        Module net = new CharGptFactory().create(new int[] {8}, 8, 3);
        float[] x = new float[2 * 8];
        for (int i = 0; i < x.length; i++) x[i] = i % 5;
        Tensor out = net.forward(Tensor.fromArray(x, 2, 8));
        assertArrayEquals(new int[] {16, CharGptFactory.VOCAB}, out.shape());
    }

    @Test
    void everyCharacterIsScoredOnceAndAnUntrainedModelIsNearUniform() {
        GPT gpt = ((CharGptFactory.Net) new CharGptFactory().create(new int[] {16}, 16, 1)).gpt;
        int[] tokens = new int[101];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (i * 7) % 30;
        double[] r = GptJob.bitsPerChar(gpt, tokens, 16);
        assertEquals(100, r[1], "each of the 100 next characters once");
        double uniform = Math.log(CharGptFactory.VOCAB) / Math.log(2);
        assertEquals(uniform, r[0], 0.2, "small initial weights give near-uniform predictions");
        tokens[50] = -1; // an unknown character: neither scored as a target nor used as the input of a scored target
        assertEquals(98, GptJob.bitsPerChar(gpt, tokens, 16)[1]);
    }

    @Test
    void aTinyRunWritesModelSampleVocabularyAndTheLine(@TempDir Path tmp) throws IOException {
        String text = "Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse. ";
        List<Row> rows = new ArrayList<>();
        for (int s = 0; s < 4; s++) rows.add(RowFactory.create(s, "chapter_" + s, text.repeat(6)));
        StructType schema = new StructType().add("seq", DataTypes.IntegerType).add("section", DataTypes.StringType).add("text", DataTypes.StringType);
        Path data = tmp.resolve("moby_dick");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(data.toString());
        Path out = tmp.resolve("out");
        JobTestSupport.Run r = JobTestSupport.cli("train", "gpt", "--data", data.toString(), "--out", out.toString(), "--context", "16",
                "--epochs", "1", "--batch-size", "8", "--averaging-frequency", "4", "--sample-chars", "40", "--holdout", "0.25",
                "--progress", "none");
        assertEquals(0, r.exit(), r.err());
        JsonNode line = new ObjectMapper().readTree(r.lastLine());
        assertEquals("gpt", line.get("job").asText());
        double bpc = line.get("test_bpc").asDouble();
        assertTrue(bpc > 0 && bpc < Math.log(CharGptFactory.VOCAB) / Math.log(2), "some learning on a repeated text: " + bpc);
        JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(text.length() * 6, m.at("/data/test_chars").asInt(), "one of four sections held out");
        assertTrue(m.at("/baselines_bpc/bigram_add_one").asDouble() > 0);
        String sample = Files.readString(out.resolve("sample.txt"));
        // the prompt's characters that the table knows ("T" is not in this text), then 40 sampled ones
        assertTrue(sample.startsWith("he whale") && sample.length() == "he whale".length() + 40, sample);
        assertTrue(Files.isDirectory(out.resolve("model/metadata")));
        assertTrue(Files.exists(out.resolve("vocab.json")) && Files.exists(out.resolve("curve.png")));
    }
}
