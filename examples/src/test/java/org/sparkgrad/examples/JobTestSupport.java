package org.sparkgrad.examples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** A shared local[2] session and an in-process runner of the CLI that captures stdout and stderr. */
final class JobTestSupport {
    private JobTestSupport() {}

    /** The outcome of one CLI run. */
    record Run(int exit, String out, String err) {
        /** The last non-empty line of stdout. */
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("examples-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = SparkgradCli.run(args, o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Copies the bundled digits.parquet into {@code dir} (a dataset folder laid out like shared/data/digits/). */
    static Path digitsFolder(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (InputStream in = JobTestSupport.class.getResourceAsStream(DigitsJob.BUNDLED)) {
            Files.copy(in, dir.resolve("digits.parquet"));
        }
        return dir;
    }
}
