package org.sparkgrad.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.nn.GPT;
import org.sparkgrad.spark.ml.SparkgradEstimator;
import org.sparkgrad.spark.ml.SparkgradModel;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A character-level GPT on Moby-Dick ({@code shared/data/moby_dick/moby_dick.parquet}: one row per section,
 * {@code seq: int}, {@code section: string}, {@code text: string}; the sections in {@code seq} order are the book).
 * The text is cut into windows of {@code --context} characters (stride half a window); {@link SparkgradEstimator}
 * trains a {@link CharGptFactory} GPT on them by parameter averaging; the test text is scored on the driver in bits per
 * character (every character predicted with at least half a window of context), next to the unigram and add-one bigram
 * baselines of the same split, and the model writes a sample. Without {@code --test-data}, the last sections holding at
 * least {@code --holdout} of the characters are the test text (the end of the book, like the project's hold-out).
 */
@Command(name = "gpt", mixinStandardHelpOptions = true,
        description = "Moby-Dick: a character-level GPT through SparkgradEstimator; reports test bits per character"
                + " (add-one bigram baseline about 3.49); target <= 2.5 bpc in 15 minutes.")
public final class GptJob implements Job {
    private static final double LN2 = Math.log(2);

    @Mixin JobOptions options = new JobOptions();

    @Option(names = "--context", paramLabel = "T", defaultValue = "128", description = "Context length in characters (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--holdout", paramLabel = "F", defaultValue = "0.1",
            description = "Without --test-data: hold out the last sections with at least this fraction of the characters (default: ${DEFAULT-VALUE}).")
    double holdout;

    @Option(names = "--sample-chars", paramLabel = "N", defaultValue = "400", description = "Length of the printed sample (default: ${DEFAULT-VALUE}).")
    int sampleChars;

    @Option(names = "--temperature", paramLabel = "X", defaultValue = "0.8", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "The whale", description = "Start of the sample (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Override public String name() { return "gpt"; }

    @Override public JobOptions options() { return options; }

    @Override public void checkInputs() {
        options.refuseTestFraction(name(), "--holdout");
        if (context < 8 || context > 1024) throw new JobUsageException("--context must be in 8..1024");
        if (!(holdout > 0 && holdout < 1)) throw new JobUsageException("--holdout must be in (0, 1)");
        if (sampleChars < 0) throw new JobUsageException("--sample-chars must be >= 0");
        if (!(temperature > 0)) throw new JobUsageException("--temperature must be > 0");
        DataPaths.parquet("--data", options.data, "moby_dick");
        if (options.testData != null) DataPaths.parquet("--test-data", options.testData, "moby_dick");
    }

    /** The sections of a text dataset in reading order: {seq, section, text} rows checked and collected. */
    static List<String[]> sections(JobContext ctx, String option, String path) {
        Dataset<Row> df = DataPaths.read(ctx.spark(), option, path);
        String what = option + " " + path;
        String expected = "moby_dick.parquet layout: seq: int, section: string, text: string";
        DataPaths.requireIntegral(df, what, "seq", expected);
        DataPaths.requireString(df, what, "text", expected);
        boolean named = Arrays.asList(df.columns()).contains("section");
        List<Row> rows = df.select(functions.col("seq"), named ? functions.col("section") : functions.lit(""), functions.col("text"))
                .orderBy("seq").collectAsList();
        List<String[]> out = new ArrayList<>();
        long chars = 0;
        for (Row r : rows) {
            if (r.isNullAt(2)) throw new JobInputException(what + ": section seq " + r.get(0) + " has a null text");
            out.add(new String[] {String.valueOf(r.get(1)), r.getString(2)});
            chars += r.getString(2).length();
        }
        if (out.isEmpty() || chars == 0) throw new JobInputException(what + ": the dataset is empty (no text)");
        return out;
    }

    private static String join(List<String[]> sections) {
        StringBuilder b = new StringBuilder();
        for (String[] s : sections) b.append(s[1]);
        return b.toString();
    }

    @Override public JobResult run(JobContext ctx) throws IOException {
        JobOptions o = options;
        String dataPath = DataPaths.parquet("--data", o.data, "moby_dick");
        ctx.progress().message("reading " + dataPath);
        List<String[]> book = sections(ctx, "--data", dataPath);
        String trainText, testText, split;
        if (o.testData != null) {
            trainText = join(book);
            testText = join(sections(ctx, "--test-data", DataPaths.parquet("--test-data", o.testData, "moby_dick")));
            split = "separate test data";
        } else {
            long total = 0;
            for (String[] s : book) total += s[1].length();
            int cut = book.size();
            long held = 0;
            while (cut > 1 && held < holdout * total) held += book.get(--cut)[1].length();
            if (cut == book.size() || cut == 0) throw new JobInputException("--data: needs at least two sections to hold some out");
            trainText = join(book.subList(0, cut));
            testText = join(book.subList(cut, book.size()));
            split = String.format(Locale.ROOT, "sections %s..%s held out (%d of %d sections, %.1f%% of the characters)", book.get(cut)[0],
                    book.get(book.size() - 1)[0], book.size() - cut, book.size(), 100.0 * held / total);
        }
        // character table of the training text, by code point
        TreeSet<Integer> chars = new TreeSet<>();
        trainText.codePoints().forEach(chars::add);
        if (chars.size() > CharGptFactory.VOCAB) {
            throw new JobInputException("--data: the text has " + chars.size() + " distinct characters; this GPT has room for " + CharGptFactory.VOCAB);
        }
        int[] vocab = chars.stream().mapToInt(Integer::intValue).toArray();
        int[] train = encode(trainText, vocab), test = encode(testText, vocab);
        long unknown = Arrays.stream(test).filter(i -> i < 0).count();
        if (train.length < context + 1) throw new JobInputException("--data: " + train.length + " characters, fewer than one window of " + (context + 1));
        if (test.length < 2) throw new JobInputException("the test text is shorter than 2 characters");

        // windows of T inputs and the T next characters, stride T/2
        int stride = Math.max(1, context / 2);
        List<Row> rows = new ArrayList<>();
        for (int s = 0; s + context + 1 <= train.length; s += stride) {
            List<Float> x = new ArrayList<>(context), y = new ArrayList<>(context);
            for (int i = 0; i < context; i++) {
                x.add((float) train[s + i]);
                y.add((float) train[s + i + 1]);
            }
            rows.add(RowFactory.create(x, y));
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        // one worker by default: its kernels use every core, and a single model takes twice the sequential steps of
        // two averaged ones for the same compute (what a small language model needs most); --workers N on a cluster
        int epochs = o.epochsOr(3), batch = o.batchSizeOr(16), avg = o.averagingFrequencyOr(64), workers = o.workersOr(1);
        double lr = o.learningRateOr(3e-3);
        Dataset<Row> windows = Splits.shuffle(ctx.spark().createDataFrame(rows, schema), workers, o.seed)
                .persist(StorageLevel.MEMORY_AND_DISK());
        long nWindows = windows.count();

        SparkgradEstimator est = new SparkgradEstimator().setModuleFactory(CharGptFactory.class.getName()).setFeaturesCol("features")
                .setLabelCol("label").setFeaturesShape(context).setLabelShape(context).setLoss("cross_entropy").setOptimizer("adamw")
                .setOptimizerOptions("{\"weight_decay\": 0.01}").setLearningRate(lr).setLrSchedule("warmup_cosine:50")
                .setBatchSize(batch).setAveragingFrequency(avg).setMaxEpochs(epochs).setNumWorkers(workers).setSeed(o.seed)
                .setDevice(o.device).setPrecision(o.precision);
        ctx.progress().totalEpochs(epochs);
        ctx.progress().message(String.format(Locale.ROOT, "training a GPT (%d layers, %d heads, width %d, context %d, %d symbols) on %d windows of %d training characters: %d epochs, %d workers, batch %d, averaging every %d steps",
                CharGptFactory.LAYERS, CharGptFactory.HEADS, CharGptFactory.WIDTH, context, vocab.length, nWindows, train.length, epochs, workers,
                batch, avg));
        long t0 = System.nanoTime();
        SparkgradModel model = est.fit(windows);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        windows.unpersist();

        ctx.progress().message("scoring " + test.length + " test characters");
        GPT gpt = ((CharGptFactory.Net) model.toModule()).gpt;
        double[] scored = bitsPerChar(gpt, test, context);
        double[] baselines = ngramBaselines(train, test, vocab.length);
        String sample = sampleChars == 0 ? "" : sample(gpt, vocab, prompt, sampleChars, temperature, o.seed);
        if (!sample.isEmpty()) ctx.progress().message("sample:\n" + sample);

        ctx.progress().message("saving the model");
        model.write().save(ctx.sparkPath("model"));
        List<String> table = new ArrayList<>();
        for (int cp : vocab) table.add(new String(Character.toChars(cp)));
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(ctx.file("vocab.json").toFile(), table);
        Files.writeString(ctx.file("sample.txt"), sample, StandardCharsets.UTF_8);

        JobResult r = new JobResult();
        r.headline("job", name()).headline("train_seconds", Evaluation.round(trainSeconds, 2)).headline("test_bpc", Evaluation.round(scored[0], 4));
        r.detail("units", "bits per character of the test text (characters outside the training table excluded)")
                .detail("target", Map.of("test_bpc_max", 2.5, "train_seconds_max", 900))
                .detail("met_target", scored[0] <= 2.5 && trainSeconds <= 900)
                .detail("baselines_bpc", Map.of("unigram", Evaluation.round(baselines[0], 4), "bigram_add_one", Evaluation.round(baselines[1], 4)))
                .detail("test_chars_scored", (long) scored[1]).detail("test_chars_outside_vocab", unknown).detail("sample", sample);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("path", dataPath);
        data.put("test_path", o.testData);
        data.put("split", split);
        data.put("train_chars", train.length);
        data.put("test_chars", test.length);
        data.put("vocab_size", vocab.length);
        data.put("windows", nWindows);
        data.put("window_stride", stride);
        r.detail("data", data);
        r.detail("hyperparameters", Hyper.of(est, "context", context, "layers", CharGptFactory.LAYERS, "heads", CharGptFactory.HEADS,
                "width", CharGptFactory.WIDTH, "dropout", CharGptFactory.DROPOUT, "parameters", gpt.numParameters()));
        double[] loss = model.summary().lossHistory();
        double[] bits = new double[loss.length];
        for (int i = 0; i < loss.length; i++) bits[i] = loss[i] / LN2;
        r.detail("rounds", loss.length).detail("train_bpc_history", Evaluation.round(bits, 4))
                .detail("epoch_end_seconds", Evaluation.round(model.summary().epochEndSeconds(), 2));
        r.curves.add(new Charts.Series("train bits/char (per round)", Charts.count(bits.length), bits, false));
        r.curves.add(new Charts.Series("test bits/char (end)", new double[] {bits.length}, new double[] {scored[0]}, false));
        r.curves.add(new Charts.Series("add-one bigram (test)", new double[] {1, bits.length}, new double[] {baselines[1], baselines[1]}, false));
        r.yLeft = "bits per character";
        r.chartTitle = String.format(Locale.ROOT, "gpt on Moby-Dick: test %.3f bpc (bigram %.2f) after %.0f s", scored[0], baselines[1], trainSeconds);
        return r;
    }

    /** Token ids by the table ({@code -1} for a character outside it). */
    static int[] encode(String text, int[] vocab) {
        return text.codePoints().map(cp -> {
            int i = Arrays.binarySearch(vocab, cp);
            return i >= 0 ? i : -1;
        }).toArray();
    }

    /**
     * Bits per character of {@code tokens}: windows of {@code t} with stride {@code t/2}; each character after the first
     * is predicted once, by the first window that holds it at a position of at least half a window (from the start of
     * the text, with the context available). Characters outside the table ({@code -1}) are neither inputs of a scored
     * target nor scored.
     *
     * @return {bits per character, characters scored}
     */
    static double[] bitsPerChar(GPT gpt, int[] tokens, int t) {
        int half = Math.max(1, t / 2), n = tokens.length;
        double nats = 0;
        long count = 0;
        int batch = 16;
        List<long[]> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (int s = 0; s < n - 1; s += half) {
            int len = Math.min(t, n - 1 - s);
            long[] x = new long[t], y = new long[t];
            Arrays.fill(y, -1);
            for (int i = 0; i < t; i++) x[i] = i < len ? Math.max(0, tokens[s + i]) : 0;
            int from = s == 0 ? 0 : t - half; // positions already scored by the previous window are skipped
            for (int i = from; i < len; i++) {
                if (tokens[s + i] >= 0 && tokens[s + i + 1] >= 0) y[i] = tokens[s + i + 1];
            }
            xs.add(x);
            ys.add(y);
            if (xs.size() == batch || s + half >= n - 1) {
                double[] r = score(gpt, xs, ys, t);
                nats += r[0];
                count += (long) r[1];
                xs.clear();
                ys.clear();
            }
        }
        if (!xs.isEmpty()) {
            double[] r = score(gpt, xs, ys, t);
            nats += r[0];
            count += (long) r[1];
        }
        if (count == 0) throw new IllegalStateException("no test character could be scored");
        return new double[] {nats / count / LN2, count};
    }

    private static double[] score(GPT gpt, List<long[]> xs, List<long[]> ys, int t) {
        int b = xs.size();
        long[] x = new long[b * t], y = new long[b * t];
        long valid = 0;
        for (int i = 0; i < b; i++) {
            System.arraycopy(xs.get(i), 0, x, i * t, t);
            System.arraycopy(ys.get(i), 0, y, i * t, t);
        }
        for (long v : y) if (v >= 0) valid++;
        if (valid == 0) return new double[] {0, 0};
        gpt.eval();
        try (GradMode.Guard g = GradMode.noGrad()) {
            double mean = gpt.loss(Tensor.fromArray(x, b, t), Tensor.fromArray(y, b, t)).item();
            return new double[] {mean * valid, valid};
        }
    }

    /** Unigram and add-one bigram bits per character of {@code test} with counts from {@code train}. */
    static double[] ngramBaselines(int[] train, int[] test, int v) {
        long[] uni = new long[v];
        long[][] bi = new long[v][v];
        for (int i = 0; i < train.length; i++) {
            uni[train[i]]++;
            if (i > 0) bi[train[i - 1]][train[i]]++;
        }
        long[] rowSum = new long[v];
        for (int a = 0; a < v; a++) for (int b = 0; b < v; b++) rowSum[a] += bi[a][b];
        double u = 0, bg = 0;
        long nu = 0, nb = 0;
        for (int i = 0; i < test.length; i++) {
            if (test[i] < 0) continue;
            u -= Math.log((uni[test[i]] + 1.0) / (train.length + v));
            nu++;
            if (i > 0 && test[i - 1] >= 0) {
                bg -= Math.log((bi[test[i - 1]][test[i]] + 1.0) / (rowSum[test[i - 1]] + v));
                nb++;
            }
        }
        return new double[] {u / nu / LN2, bg / nb / LN2};
    }

    /** {@code n} characters sampled after {@code prompt} (characters outside the table are dropped from the prompt). */
    static String sample(GPT gpt, int[] vocab, String prompt, int n, double temperature, long seed) {
        int[] p = Arrays.stream(encode(prompt, vocab)).filter(i -> i >= 0).toArray();
        if (p.length == 0) p = new int[] {0};
        long[] ids = new long[p.length];
        for (int i = 0; i < p.length; i++) ids[i] = p[i];
        Tensor out = gpt.generate(Tensor.fromArray(ids, 1, ids.length), n, temperature, 40, new Generator(seed));
        StringBuilder b = new StringBuilder();
        for (long id : out.toLongArray()) if (id >= 0 && id < vocab.length) b.appendCodePoint(vocab[(int) id]);
        return b.toString();
    }
}
