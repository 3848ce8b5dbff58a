package org.sparkgrad.examples;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options every job takes (a picocli mixin). Numeric training options left unset take the job's own defaults.
 */
public final class JobOptions {
    @Option(names = "--data", paramLabel = "PATH",
            description = "The dataset: its folder as laid out in shared/data/NAME/, a Parquet file or a Parquet folder.")
    String data;

    @Option(names = "--test-data", paramLabel = "PATH",
            description = "Evaluate on this dataset (same layout) instead of a held-out split of --data.")
    String testData;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[*] (default), local[N], spark://HOST:PORT. Under spark-submit its --master wins.")
    String master;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: out/JOB).")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", description = "Passes over the training data (default: the job's).")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Mini-batch size per worker (default: the job's).")
    Integer batchSize;

    @Option(names = "--lr", paramLabel = "X", description = "Base learning rate (default: the job's).")
    Double learningRate;

    @Option(names = "--workers", paramLabel = "N", description = "Parallel workers for parameter averaging (default: 2).")
    Integer workers;

    @Option(names = "--averaging-frequency", paramLabel = "N",
            description = "Local steps per worker between parameter averages (default: the job's).")
    Integer averagingFrequency;

    @Option(names = "--test-fraction", paramLabel = "F",
            description = "Fraction held out for testing when no --test-data is given (digits; default 0.2). The other"
                    + " jobs split by their own option (mnist --test-rows, gpt --holdout, ocean4d --test-lon) and refuse it.")
    Double testFraction;

    /** The --test-fraction given, or {@code dflt}. */
    double testFractionOr(double dflt) { return testFraction != null ? testFraction : dflt; }

    /**
     * For a job that splits by its own option: refuses an explicit --test-fraction rather than ignoring it.
     *
     * @throws JobUsageException when --test-fraction was given
     */
    void refuseTestFraction(String job, String instead) {
        if (testFraction != null) {
            throw new JobUsageException("--test-fraction does not apply to " + job + ": its test split is set by " + instead);
        }
    }

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", paramLabel = "D", defaultValue = "auto", description = "cpu, cuda or auto (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "float32",
            description = "float32, or bfloat16/float16 mixed precision (autocast; CPU only) (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark configuration entry; repeatable.")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto, bar, lines or none (default: a bar on a terminal, lines otherwise).")
    String progress;

    @Option(names = "--spark-ui", description = "Start the Spark web UI (off by default).")
    boolean sparkUi;

    /** The progress mode named by {@code --progress}. */
    Progress.Mode progressMode() {
        try {
            return Progress.Mode.valueOf(progress.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--progress must be auto, bar, lines or none, got '" + progress + "'");
        }
    }

    int epochsOr(int dflt) { return epochs != null ? epochs : dflt; }

    int batchSizeOr(int dflt) { return batchSize != null ? batchSize : dflt; }

    double learningRateOr(double dflt) { return learningRate != null ? learningRate : dflt; }

    int workersOr(int dflt) { return workers != null ? workers : dflt; }

    int averagingFrequencyOr(int dflt) { return averagingFrequency != null ? averagingFrequency : dflt; }

    /**
     * Validates the numeric options.
     *
     * @throws JobUsageException naming the option and its allowed range
     */
    void check() {
        if (epochs != null && epochs <= 0) throw new JobUsageException("--epochs must be > 0, got " + epochs);
        if (batchSize != null && batchSize <= 0) throw new JobUsageException("--batch-size must be > 0, got " + batchSize);
        if (learningRate != null && !(learningRate > 0)) throw new JobUsageException("--lr must be > 0, got " + learningRate);
        if (workers != null && workers <= 0) throw new JobUsageException("--workers must be > 0, got " + workers);
        if (averagingFrequency != null && averagingFrequency <= 0) {
            throw new JobUsageException("--averaging-frequency must be > 0, got " + averagingFrequency);
        }
        if (testFraction != null && !(testFraction > 0 && testFraction < 1)) throw new JobUsageException("--test-fraction must be in (0, 1), got " + testFraction);
        if (!java.util.Set.of("cpu", "cuda", "auto").contains(device)) throw new JobUsageException("--device must be cpu, cuda or auto, got '" + device + "'");
        if (!java.util.Set.of("float32", "bfloat16", "float16").contains(precision)) {
            throw new JobUsageException("--precision must be float32, bfloat16 or float16, got '" + precision + "'");
        }
        try {
            Progress.Mode.valueOf(progress.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new JobUsageException("--progress must be auto, bar, lines or none, got '" + progress + "'");
        }
    }
}
