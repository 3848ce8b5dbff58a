package org.sparkgrad.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.sparkgrad.nn.spec.NetworkSpec;
import org.sparkgrad.spark.ml.SparkgradClassificationModel;
import org.sparkgrad.spark.ml.SparkgradClassifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * UCI optical digits (8x8, 10 classes) with an MLP through a Spark ML {@code Pipeline}:
 * {@link ArrayToVector} (the Parquet {@code features} array to a Vector) → {@code StandardScaler} →
 * {@link SparkgradClassifier} trained by parameter averaging. Evaluates on a stratified, seeded held-out split of
 * {@code --data} (or on {@code --test-data}) and saves the fitted {@code PipelineModel}, which scores the raw Parquet
 * layout directly. Data layout: {@code features: array<float>} of 64 values, {@code label: int} 0..9
 * ({@code shared/data/digits/digits.parquet}; a copy is bundled, used by {@code demo} and when {@code --data} is not
 * given).
 */
@Command(name = "digits", mixinStandardHelpOptions = true,
        description = "UCI optical digits (8x8): an MLP through SparkgradClassifier; target >= 97%% test accuracy. Without --data: the bundled copy.")
public final class DigitsJob implements Job {
    /** Classpath location of the bundled dataset. */
    static final String BUNDLED = "/data/digits.parquet";

    @Mixin JobOptions options = new JobOptions();

    @Option(names = "--hidden", paramLabel = "N,N", split = ",", defaultValue = "256,128",
            description = "Hidden layer widths of the MLP (default: ${DEFAULT-VALUE}).")
    int[] hidden;

    @Option(names = "--dropout", paramLabel = "P", defaultValue = "0.1", description = "Dropout after each hidden layer (default: ${DEFAULT-VALUE}).")
    double dropout;

    /** The digits job on {@code --data}. */
    public DigitsJob() {}

    /** The demo: the digits job on the bundled copy of the dataset. */
    static DigitsJob demo(JobOptions options) {
        DigitsJob j = new DigitsJob();
        j.options = options;
        j.hidden = new int[] {256, 128};
        j.dropout = 0.1;
        return j;
    }

    @Override public String name() { return "digits"; }

    @Override public JobOptions options() { return options; }

    /** Without {@code --data}, the job runs on the bundled copy of the dataset. */
    private boolean bundled() { return options.data == null; }

    @Override public void checkInputs() {
        for (int h : hidden) if (h <= 0) throw new JobUsageException("--hidden widths must be > 0");
        if (!(dropout >= 0 && dropout < 1)) throw new JobUsageException("--dropout must be in [0, 1)");
        if (!bundled()) DataPaths.parquet("--data", options.data, "digits");
        if (options.testData != null) DataPaths.parquet("--test-data", options.testData, "digits");
    }

    /** The MLP: 64 → hidden... → 10, ReLU and dropout between. */
    String network() {
        StringBuilder b = new StringBuilder("{\"type\":\"Sequential\",\"layers\":[");
        int in = 64;
        for (int h : hidden) {
            b.append(String.format(Locale.ROOT, "{\"type\":\"Linear\",\"in_features\":%d,\"out_features\":%d},{\"type\":\"ReLU\"},", in, h));
            if (dropout > 0) b.append(String.format(Locale.ROOT, "{\"type\":\"Dropout\",\"p\":%s},", dropout));
            in = h;
        }
        b.append(String.format(Locale.ROOT, "{\"type\":\"Linear\",\"in_features\":%d,\"out_features\":10}]}", in));
        return NetworkSpec.parse(b.toString()).toJson();
    }

    @Override public JobResult run(JobContext ctx) throws IOException {
        JobOptions o = options;
        Path tmp = null;
        try {
            String dataPath;
            if (bundled()) {
                tmp = Files.createTempDirectory("sparkgrad-digits");
                Path f = tmp.resolve("digits.parquet");
                try (InputStream in = DigitsJob.class.getResourceAsStream(BUNDLED)) {
                    if (in == null) throw new IllegalStateException("the bundled dataset " + BUNDLED + " is missing from the class path");
                    Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
                }
                dataPath = f.toString();
            } else {
                dataPath = DataPaths.parquet("--data", o.data, "digits");
            }
            ctx.progress().message("reading " + (bundled() ? "the bundled digits.parquet" : dataPath));
            Dataset<Row> all = load(ctx, "--data", dataPath);
            Dataset<Row> train, test;
            String split;
            if (o.testData != null) {
                train = all;
                test = load(ctx, "--test-data", DataPaths.parquet("--test-data", o.testData, "digits"));
                split = "separate test data";
            } else {
                Dataset<Row>[] s = Splits.stratified(all, "label", o.testFractionOr(0.2), o.seed);
                train = s[0];
                test = s[1];
                split = String.format(Locale.ROOT, "stratified %.0f%% held out (seed %d)", 100 * o.testFractionOr(0.2), o.seed);
            }
            int epochs = o.epochsOr(30), batch = o.batchSizeOr(32), avg = o.averagingFrequencyOr(8), workers = o.workersOr(2);
            train = Splits.shuffle(train, workers, o.seed).persist(StorageLevel.MEMORY_ONLY());
            test = test.persist(StorageLevel.MEMORY_ONLY());
            long nTrain = train.count(), nTest = test.count();
            if (nTrain == 0 || nTest == 0) throw new JobInputException("--data: too few rows to hold out a test split (" + nTrain + " train, " + nTest + " test)");

            double lr = o.learningRateOr(1e-3);
            String net = network();
            SparkgradClassifier clf = new SparkgradClassifier().setFeaturesCol("scaled").setLabelCol("label").setNetwork(net)
                    .setNumClasses(10).setOptimizer("adam").setLearningRate(lr).setLrSchedule("cosine").setBatchSize(batch)
                    .setAveragingFrequency(avg).setMaxEpochs(epochs).setNumWorkers(workers).setSeed(o.seed).setDevice(o.device).setPrecision(o.precision);
            Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new ArrayToVector().setInputCol("features").setOutputCol("pixels"),
                new StandardScaler().setInputCol("pixels").setOutputCol("scaled").setWithMean(true).setWithStd(true),
                clf});
            ctx.progress().totalEpochs(epochs);
            ctx.progress().message(String.format(Locale.ROOT, "training an MLP %s on %d rows: %d epochs, %d workers, batch %d, averaging every %d steps",
                    widths(), nTrain, epochs, workers, batch, avg));
            long t0 = System.nanoTime();
            PipelineModel model = pipeline.fit(train);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            SparkgradClassificationModel clfModel = (SparkgradClassificationModel) model.stages()[2];

            ctx.progress().message("evaluating on " + nTest + " test rows");
            Evaluation.Classification testEval = Evaluation.classification(model.transform(test), "label", 10);
            Evaluation.Classification trainEval = Evaluation.classification(model.transform(train), "label", 10);
            ctx.progress().message("saving the PipelineModel");
            model.write().save(ctx.sparkPath("model"));

            JobResult r = new JobResult();
            r.headline("job", name()).headline("train_seconds", Evaluation.round(trainSeconds, 2))
                    .headline("test_accuracy", Evaluation.round(testEval.accuracy(), 5));
            r.detail("target", Map.of("test_accuracy", 0.97)).detail("met_target", testEval.accuracy() >= 0.97)
                    .detail("train_accuracy", Evaluation.round(trainEval.accuracy(), 5))
                    .detail("test_macro_f1", Evaluation.round(testEval.macroF1(), 5))
                    .detail("confusion_matrix", testEval.confusion());
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("path", bundled() ? "bundled:" + BUNDLED : dataPath);
            data.put("test_path", o.testData);
            data.put("split", split);
            data.put("train_rows", nTrain);
            data.put("test_rows", nTest);
            r.detail("data", data);
            r.detail("hyperparameters", Hyper.of(clf, "pipeline", "ArrayToVector -> StandardScaler(withMean) -> SparkgradClassifier"));
            double[] loss = clfModel.summary().lossHistory();
            r.detail("rounds", loss.length).detail("loss_history", Evaluation.round(loss, 6));
            r.curves.add(new Charts.Series("train loss (per round)", Charts.count(loss.length), loss, false));
            r.chartTitle = String.format(Locale.ROOT, "digits MLP %s: test accuracy %.2f%%", widths(), 100 * testEval.accuracy());
            return r;
        } finally {
            if (tmp != null) OutputDir.deleteTree(tmp);
        }
    }

    private String widths() {
        StringBuilder b = new StringBuilder("64");
        for (int h : hidden) b.append('-').append(h);
        return b.append("-10").toString();
    }

    private static Dataset<Row> load(JobContext ctx, String option, String path) {
        Dataset<Row> df = DataPaths.read(ctx.spark(), option, path);
        String what = option + " " + path;
        DataPaths.requireNumericArray(df, what, "features", "features: array<float> of 64 pixel values (digits.parquet layout)");
        DataPaths.requireIntegral(df, what, "label", "label: int digit 0..9");
        df = df.select("features", "label");
        DataPaths.checkRows(df, what, "features", 64, "label", 10);
        return df;
    }
}
