package org.sparkgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job given a bad path, an empty dataset or a dataset of the wrong layout stops with a clear message and a non-zero
 * exit, and leaves no model (and no staging folder) in {@code --out}.
 */
class BadInputTest {
    static SparkSession spark;
    static final StructType DIGITS = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
            .add("label", DataTypes.IntegerType);

    @BeforeAll
    static void start() {
        spark = JobTestSupport.session();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Writes rows as a Spark Parquet folder. */
    static Path parquet(Path dir, StructType schema, List<Row> rows) {
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(dir.toString());
        return dir;
    }

    static List<Row> digitsRows(int n, int width, int label) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Float> f = new ArrayList<>();
            for (int k = 0; k < width; k++) f.add((float) ((i + k) % 17));
            rows.add(RowFactory.create(f, i % 10 == 0 ? label : i % 10));
        }
        return rows;
    }

    /** Runs the digits job; asserts exit 3, the message, and that --out was not created. */
    static void rejected(Path tmp, String expectedMessage, String... dataArgs) {
        Path out = tmp.resolve("out");
        List<String> args = new ArrayList<>(List.of("train", "digits", "--out", out.toString(), "--epochs", "1", "--progress", "none"));
        args.addAll(List.of(dataArgs));
        JobTestSupport.Run r = JobTestSupport.cli(args.toArray(new String[0]));
        assertEquals(SparkgradCli.EXIT_BAD_INPUT, r.exit(), r.err());
        assertTrue(r.err().contains(expectedMessage), "expected '" + expectedMessage + "' in: " + r.err());
        assertTrue(r.err().startsWith("sparkgrad digits: error: ") || r.err().contains("\nsparkgrad digits: error: "), r.err());
        assertEquals("", r.out(), "no JSON line for a failed job");
        assertFalse(Files.exists(out), "--out must not be left behind: " + out);
    }

    @Test
    void missingPath(@TempDir Path tmp) {
        rejected(tmp, "no such file or folder", "--data", tmp.resolve("nope").toString());
    }

    @Test
    void missingDataOption(@TempDir Path tmp) {
        Path out = tmp.resolve("out");
        JobTestSupport.Run r = JobTestSupport.cli("train", "mnist", "--out", out.toString(), "--progress", "none");
        assertEquals(SparkgradCli.EXIT_BAD_INPUT, r.exit(), r.err());
        assertTrue(r.err().contains("--data is required"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void folderWithoutParquet(@TempDir Path tmp) throws IOException {
        Path d = Files.createDirectories(tmp.resolve("empty-folder"));
        Files.writeString(d.resolve("README.md"), "nothing here");
        rejected(tmp, "no Parquet data in this folder", "--data", d.toString());
    }

    @Test
    void notParquet(@TempDir Path tmp) throws IOException {
        Path f = Files.writeString(tmp.resolve("digits.parquet"), "{\"not\": \"parquet\"}");
        rejected(tmp, "not a Parquet file", "--data", f.toString());
    }

    @Test
    void zeroByteFile(@TempDir Path tmp) throws IOException {
        Path f = Files.createFile(tmp.resolve("digits.parquet"));
        rejected(tmp, "the file is empty", "--data", f.toString());
    }

    @Test
    void emptyDataset(@TempDir Path tmp) {
        Path d = parquet(tmp.resolve("empty"), DIGITS, List.of());
        rejected(tmp, "the dataset is empty (0 rows)", "--data", d.toString());
    }

    @Test
    void wrongColumns(@TempDir Path tmp) {
        StructType mnist = new StructType().add("image", DataTypes.createArrayType(DataTypes.FloatType)).add("label", DataTypes.IntegerType);
        List<Row> rows = new ArrayList<>();
        for (Row r : digitsRows(20, 784, 0)) rows.add(RowFactory.create(r.get(0), r.get(1)));
        Path d = parquet(tmp.resolve("mnist-like"), mnist, rows);
        rejected(tmp, "wrong layout: no column 'features'", "--data", d.toString());
    }

    @Test
    void wrongWidth(@TempDir Path tmp) {
        Path d = parquet(tmp.resolve("narrow"), DIGITS, digitsRows(20, 10, 0));
        rejected(tmp, "'features' holds 10 values per row, expected 64", "--data", d.toString());
    }

    @Test
    void wrongLabelType(@TempDir Path tmp) {
        StructType s = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType)).add("label", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (Row r : digitsRows(20, 64, 0)) rows.add(RowFactory.create(r.get(0), String.valueOf(r.get(1))));
        Path d = parquet(tmp.resolve("string-labels"), s, rows);
        rejected(tmp, "column 'label' is string", "--data", d.toString());
    }

    @Test
    void labelsOutOfRange(@TempDir Path tmp) {
        Path d = parquet(tmp.resolve("label12"), DIGITS, digitsRows(30, 64, 12));
        rejected(tmp, "'label' runs 1..12, expected 0..9", "--data", d.toString());
    }

    @Test
    void badTestData(@TempDir Path tmp) throws IOException {
        Path data = JobTestSupport.digitsFolder(tmp.resolve("digits"));
        Path narrow = parquet(tmp.resolve("narrow"), DIGITS, digitsRows(20, 8, 0));
        rejected(tmp, "--test-data", "--data", data.toString(), "--test-data", narrow.toString());
    }

    @Test
    void failedRunKeepsTheEarlierResultsAndLeavesNoStaging(@TempDir Path tmp) throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path model = Files.createDirectories(out.resolve("model"));
        Files.writeString(model.resolve("marker"), "an earlier model");
        Path d = parquet(tmp.resolve("empty"), DIGITS, List.of());
        JobTestSupport.Run r = JobTestSupport.cli("train", "digits", "--data", d.toString(), "--out", out.toString(), "--progress", "none");
        assertEquals(SparkgradCli.EXIT_BAD_INPUT, r.exit());
        assertEquals("an earlier model", Files.readString(model.resolve("marker")));
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of("model"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void badOptionValuesAreUsageErrors(@TempDir Path tmp) {
        JobTestSupport.Run r = JobTestSupport.cli("train", "digits", "--data", tmp.toString(), "--epochs", "0", "--out", tmp.resolve("o").toString());
        assertEquals(SparkgradCli.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("--epochs must be > 0"), r.err());
        r = JobTestSupport.cli("train", "digits", "--no-such-option");
        assertEquals(SparkgradCli.EXIT_USAGE, r.exit());
        assertTrue(r.err().contains("--no-such-option"), r.err());
        r = JobTestSupport.cli("train", "nosuchjob");
        assertEquals(SparkgradCli.EXIT_USAGE, r.exit());
        assertFalse(Files.exists(tmp.resolve("o")));
    }
    @Test
    void jobOptionsOutOfRangeAreUsageErrorsToo(@TempDir Path tmp) throws IOException {
        Path data = JobTestSupport.digitsFolder(tmp.resolve("digits"));
        Path out = tmp.resolve("o");
        String[][] cases = {
            {"train", "digits", "--data", data.toString(), "--dropout", "1.5", "--out", out.toString()},
            {"train", "digits", "--data", data.toString(), "--progress", "sometimes", "--out", out.toString()},
            {"train", "mnist", "--data", tmp.resolve("nope").toString(), "--kernel", "4", "--out", out.toString()},
            {"train", "gpt", "--data", data.toString(), "--context", "2", "--out", out.toString()},
            {"train", "ocean4d", "--data", tmp.toString(), "--patch", "2", "--out", out.toString()},
            {"train", "mnist", "--data", tmp.resolve("nope").toString(), "--test-fraction", "0.3", "--out", out.toString()},
            {"train", "digits", "--data", data.toString(), "--test-fraction", "1", "--out", out.toString()},
            {"train", "digits", "--data", data.toString(), "--precision", "half", "--out", out.toString()},
        };
        String[] messages = {"--dropout must be in [0, 1)", "--progress must be auto, bar, lines or none, got 'sometimes'",
            "--kernel must be 3 or 5", "--context must be in 8..1024", "--patch must be >= 4",
            "--test-fraction does not apply to mnist: its test split is set by --test-rows", "--test-fraction must be in (0, 1)",
            "--precision must be float32, bfloat16 or float16, got 'half'"};
        for (int i = 0; i < cases.length; i++) {
            JobTestSupport.Run r = JobTestSupport.cli(cases[i]);
            assertEquals(SparkgradCli.EXIT_USAGE, r.exit(), String.join(" ", cases[i]) + "\n" + r.err());
            assertTrue(r.err().contains(messages[i]), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace for a bad option value: " + r.err());
            assertEquals("", r.out());
            assertFalse(Files.exists(out));
        }
    }
}
