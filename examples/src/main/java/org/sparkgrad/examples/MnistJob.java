package org.sparkgrad.examples;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.sparkgrad.nn.spec.NetworkSpec;
import org.sparkgrad.spark.ml.SparkgradClassificationModel;
import org.sparkgrad.spark.ml.SparkgradClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * MNIST (28x28 grey digits, 10 classes) with a LeNet-style CNN — two {@code Conv2d}/{@code ReLU}/{@code MaxPool2d}
 * stages, {@code Flatten}, two {@code Linear} layers — through a Spark ML {@code Pipeline}: a {@code SQLTransformer}
 * normalises the pixels ({@code (x - 0.1307) / 0.3081}, the usual MNIST mean and std), then
 * {@link SparkgradClassifier} trains with {@code featuresShape = [1, 28, 28]} by parameter averaging. Data layout
 * ({@code shared/data/mnist/mnist.parquet}): {@code image: array<float>} of 784 values in [0, 1] (row-major),
 * {@code label: int} 0..9. Without {@code --test-data}, the last {@code --test-rows} rows in file order are held out
 * (meta.json's suggested dev split: rows 0..49999 train, 50000..59999 validation).
 */
@Command(name = "mnist", mixinStandardHelpOptions = true,
        description = "MNIST 28x28: a LeNet-style CNN (Conv2d/MaxPool2d) through SparkgradClassifier; target >= 99.0%% test accuracy.")
public final class MnistJob implements Job {
    @Mixin JobOptions options = new JobOptions();

    @Option(names = "--channels", paramLabel = "C1,C2", split = ",", defaultValue = "32,64",
            description = "Output channels of the two 5x5 convolutions (default: ${DEFAULT-VALUE}).")
    int[] channels;

    @Option(names = "--kernel", paramLabel = "K", defaultValue = "3",
            description = "Kernel size of both convolutions, 3 or 5, padded to keep 28x28 and 14x14 (default: ${DEFAULT-VALUE}).")
    int kernel;

    @Option(names = "--hidden", paramLabel = "N", defaultValue = "256", description = "Width of the hidden Linear layer (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0.25", description = "Dropout before the last layer (default: ${DEFAULT-VALUE}).")
    double dropout;

    @Option(names = "--test-rows", paramLabel = "N", defaultValue = "10000",
            description = "Without --test-data: hold out the last N rows in file order (default: ${DEFAULT-VALUE}).")
    int testRows;

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N rows of --data (quick runs).")
    Integer limit;

    @Override public String name() { return "mnist"; }

    @Override public JobOptions options() { return options; }

    @Override public void checkInputs() {
        options.refuseTestFraction(name(), "--test-rows");
        if (channels.length != 2 || channels[0] <= 0 || channels[1] <= 0) throw new JobUsageException("--channels takes two positive widths, e.g. 32,64");
        if (hidden <= 0) throw new JobUsageException("--hidden must be > 0");
        if (kernel != 3 && kernel != 5) throw new JobUsageException("--kernel must be 3 or 5");
        if (!(dropout >= 0 && dropout < 1)) throw new JobUsageException("--dropout must be in [0, 1)");
        if (testRows <= 0) throw new JobUsageException("--test-rows must be > 0");
        if (limit != null && limit <= 0) throw new JobUsageException("--limit must be > 0");
        DataPaths.parquet("--data", options.data, "mnist");
        if (options.testData != null) DataPaths.parquet("--test-data", options.testData, "mnist");
    }

    /** The CNN: conv(1→c1) ReLU pool2, conv(c1→c2) ReLU pool2, Flatten, Linear(c2·7·7→hidden) ReLU Dropout, Linear(hidden→10). */
    String network() {
        int c1 = channels[0], c2 = channels[1];
        String json = String.format(Locale.ROOT, "{\"type\":\"Sequential\",\"layers\":["
                + "{\"type\":\"Conv2d\",\"in_channels\":1,\"out_channels\":%d,\"kernel_size\":%d,\"padding\":%d},{\"type\":\"ReLU\"},"
                + "{\"type\":\"MaxPool2d\",\"kernel_size\":2},"
                + "{\"type\":\"Conv2d\",\"in_channels\":%d,\"out_channels\":%d,\"kernel_size\":%d,\"padding\":%d},{\"type\":\"ReLU\"},"
                + "{\"type\":\"MaxPool2d\",\"kernel_size\":2},"
                + "{\"type\":\"Flatten\"},"
                + "{\"type\":\"Linear\",\"in_features\":%d,\"out_features\":%d},{\"type\":\"ReLU\"},{\"type\":\"Dropout\",\"p\":%s},"
                + "{\"type\":\"Linear\",\"in_features\":%d,\"out_features\":10}]}", c1, kernel, kernel / 2, c1, c2, kernel, kernel / 2,
                c2 * 7 * 7, hidden, dropout, hidden);
        try {
            return NetworkSpec.parse(json).toJson();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the mnist CNN needs the Conv2d/MaxPool2d layers in NetworkSpec: " + e.getMessage(), e);
        }
    }

    @Override public JobResult run(JobContext ctx) throws java.io.IOException {
        JobOptions o = options;
        String net = network();
        String dataPath = DataPaths.parquet("--data", o.data, "mnist");
        ctx.progress().message("reading " + dataPath);
        Dataset<Row> all = load(ctx, "--data", dataPath);
        Dataset<Row> train, test;
        String split;
        if (limit != null) all = all.limit(limit);
        if (o.testData != null) {
            train = all;
            test = load(ctx, "--test-data", DataPaths.parquet("--test-data", o.testData, "mnist"));
            split = "separate test data";
        } else {
            Dataset<Row>[] sp = lastRows(all, testRows);
            train = sp[0];
            test = sp[1];
            split = String.format(Locale.ROOT, "the last %d rows in file order held out (meta.json's dev split)", testRows);
        }
        int epochs = o.epochsOr(6), batch = o.batchSizeOr(64), avg = o.averagingFrequencyOr(16), workers = o.workersOr(2);
        double lr = o.learningRateOr(1e-3);
        train = Splits.shuffle(train, workers, o.seed).persist(StorageLevel.MEMORY_AND_DISK());
        test = test.persist(StorageLevel.MEMORY_AND_DISK());
        long nTrain = train.count(), nTest = test.count();
        if (nTrain == 0 || nTest == 0) throw new JobInputException("--data: no rows left for training or testing (" + nTrain + " train, " + nTest + " test)");

        SparkgradClassifier clf = new SparkgradClassifier().setFeaturesCol("pixels").setLabelCol("label").setFeaturesShape(1, 28, 28)
                .setNetwork(net).setNumClasses(10).setOptimizer("adam").setLearningRate(lr).setLrSchedule("cosine")
                .setBatchSize(batch).setAveragingFrequency(avg).setMaxEpochs(epochs).setNumWorkers(workers).setSeed(o.seed)
                .setDevice(o.device).setPrecision(o.precision);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new SQLTransformer().setStatement("SELECT *, transform(image, v -> CAST((v - 0.1307D) / 0.3081D AS FLOAT)) AS pixels FROM __THIS__"),
            clf});
        ctx.progress().totalEpochs(epochs);
        ctx.progress().message(String.format(Locale.ROOT, "training a CNN (conv%d %d-%d, fc %d) on %d rows: %d epochs, %d workers, batch %d, averaging every %d steps",
                kernel, channels[0], channels[1], hidden, nTrain, epochs, workers, batch, avg));
        long t0 = System.nanoTime();
        PipelineModel model = pipeline.fit(train);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        SparkgradClassificationModel clfModel = (SparkgradClassificationModel) model.stages()[1];

        ctx.progress().message("evaluating on " + nTest + " test rows");
        long e0 = System.nanoTime();
        Evaluation.Classification testEval = Evaluation.classification(model.transform(test), "label", 10);
        double evalSeconds = (System.nanoTime() - e0) / 1e9;
        ctx.progress().message("saving the PipelineModel");
        model.write().save(ctx.sparkPath("model"));
        train.unpersist();
        test.unpersist();

        JobResult r = new JobResult();
        r.headline("job", name()).headline("train_seconds", Evaluation.round(trainSeconds, 2))
                .headline("test_accuracy", Evaluation.round(testEval.accuracy(), 5));
        r.detail("target", Map.of("test_accuracy", 0.99, "train_seconds_max", 900))
                .detail("met_target", testEval.accuracy() >= 0.99 && trainSeconds <= 900)
                .detail("test_macro_f1", Evaluation.round(testEval.macroF1(), 5))
                .detail("eval_seconds", Evaluation.round(evalSeconds, 2))
                .detail("confusion_matrix", testEval.confusion());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("path", dataPath);
        data.put("test_path", o.testData);
        data.put("split", split);
        data.put("train_rows", nTrain);
        data.put("test_rows", nTest);
        r.detail("data", data);
        r.detail("hyperparameters", Hyper.of(clf, "featuresShape", List.of(1, 28, 28),
                "pipeline", "SQLTransformer((x - 0.1307) / 0.3081) -> SparkgradClassifier"));
        double[] loss = clfModel.summary().lossHistory();
        r.detail("rounds", loss.length).detail("loss_history", Evaluation.round(loss, 6))
                .detail("epoch_end_seconds", Evaluation.round(clfModel.summary().epochEndSeconds(), 2));
        r.curves.add(new Charts.Series("train loss (per round)", Charts.count(loss.length), loss, false));
        r.chartTitle = String.format(Locale.ROOT, "mnist CNN: test accuracy %.2f%% after %d epochs (%.0f s)", 100 * testEval.accuracy(),
                epochs, trainSeconds);
        return r;
    }

    /**
     * The last {@code rows} rows of {@code df} in file order, and the others: {@code monotonically_increasing_id} keeps
     * file order (partition index in the high bits, position within the partition in the low bits), so one pass of
     * per-partition counts finds the id where the test block starts.
     *
     * @return {train, test}
     */
    static Dataset<Row>[] lastRows(Dataset<Row> df, long rows) {
        Dataset<Row> withId = df.withColumn("_row", functions.monotonically_increasing_id());
        List<Row> parts = withId.groupBy(functions.spark_partition_id().as("p"))
                .agg(functions.count(functions.lit(1)), functions.min("_row")).orderBy("p").collectAsList();
        long total = 0;
        for (Row r : parts) total += r.getLong(1);
        if (total <= rows) throw new JobInputException("--data has " + total + " rows: too few to hold out the last " + rows + " (--test-rows)");
        long skip = total - rows, threshold = Long.MAX_VALUE;
        for (Row r : parts) {
            long n = r.getLong(1);
            if (skip < n) {
                threshold = r.getLong(2) + skip;
                break;
            }
            skip -= n;
        }
        Dataset<Row>[] s = Splits.byRange(withId, "_row", threshold, Long.MAX_VALUE);
        s[0] = s[0].drop("_row");
        s[1] = s[1].drop("_row");
        return s;
    }

    private static Dataset<Row> load(JobContext ctx, String option, String path) {
        Dataset<Row> df = DataPaths.read(ctx.spark(), option, path);
        String what = option + " " + path;
        DataPaths.requireNumericArray(df, what, "image", "image: array<float> of 784 pixel values in [0, 1] (mnist.parquet layout)");
        DataPaths.requireIntegral(df, what, "label", "label: int digit 0..9");
        df = df.select("image", "label");
        DataPaths.checkRows(df, what, "image", 784, "label", 10);
        return df;
    }

}
