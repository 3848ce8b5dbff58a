package org.sparkgrad.examples;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
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
import org.apache.spark.storage.StorageLevel;
import org.sparkgrad.arrow.ArrowDataException;
import org.sparkgrad.arrow.RawDataset;
import org.sparkgrad.arrow.SpacetimeWindows;
import org.sparkgrad.spark.ml.SparkgradEstimator;
import org.sparkgrad.spark.ml.SparkgradModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Next-month ocean temperature forecasting on the NOAA World Ocean Atlas monthly climatology
 * ({@code shared/data/ocean_temp_4d/}: {@code temp} {@code [12, 19, 90, X]} float32 degrees C with land 0, and
 * {@code mask} {@code [19, 90, X]} uint8, 1 = ocean). arrow-io's {@link SpacetimeWindows} cuts cyclic spacetime
 * windows — months {@code t-k..t} of a {@code depth x 16 x 16} patch in, month {@code t+1} out, December followed by
 * January — into Parquet; a {@link OceanForecastNet} (two {@code Conv4d} layers over time, depth, lat, lon) trains on
 * them through {@link SparkgradEstimator}. The test metric is the RMSE in degrees C over the ocean cells of the held-out
 * region (each cell once: predictions of overlapping windows are averaged), next to the persistence baseline ("same as
 * last month") on the same cells. Without {@code --test-data}, the easternmost {@code --test-lon} longitude columns of
 * {@code --data} are held out (a spatial split, like the project's hold-out sector).
 */
@Command(name = "ocean4d", mixinStandardHelpOptions = true,
        description = "Ocean temperature, month x depth x lat x lon: a Conv4d next-month forecast through SparkgradEstimator;"
                + " target RMSE <= 0.7 x persistence on the test region.")
public final class OceanJob implements Job {
    @Mixin JobOptions options = new JobOptions();

    @Option(names = "--history", paramLabel = "K", defaultValue = "2", description = "Input months t-K..t (default: ${DEFAULT-VALUE}).")
    int history;

    @Option(names = "--patch", paramLabel = "N", defaultValue = "16", description = "Patch size in lat and lon cells (default: ${DEFAULT-VALUE}).")
    int patch;

    @Option(names = "--stride", paramLabel = "N", defaultValue = "8", description = "Stride of training patches (default: ${DEFAULT-VALUE}).")
    int stride;

    @Option(names = "--min-ocean", paramLabel = "F", defaultValue = "0.3",
            description = "Drop training patches with less ocean than this fraction (default: ${DEFAULT-VALUE}).")
    double minOcean;

    @Option(names = "--test-lon", paramLabel = "N", defaultValue = "36",
            description = "Without --test-data: hold out the easternmost N longitude columns (default: ${DEFAULT-VALUE}).")
    int testLon;

    @Override public String name() { return "ocean4d"; }

    @Override public JobOptions options() { return options; }

    @Override public void checkInputs() {
        options.refuseTestFraction(name(), "--test-lon");
        if (history < 0 || history > 10) throw new JobUsageException("--history must be in 0..10");
        if (patch < 4) throw new JobUsageException("--patch must be >= 4");
        if (stride <= 0) throw new JobUsageException("--stride must be > 0");
        if (!(minOcean >= 0 && minOcean <= 1)) throw new JobUsageException("--min-ocean must be in [0, 1]");
        if (testLon <= 0) throw new JobUsageException("--test-lon must be > 0");
        checkFolder("--data", options.data);
        if (options.testData != null) checkFolder("--test-data", options.testData);
    }

    private static void checkFolder(String option, String arg) {
        if (arg == null || arg.isBlank()) throw new JobInputException(option + " is required (the ocean_temp_4d dataset folder)");
        Path p = Path.of(arg);
        if (!Files.exists(p)) throw new JobInputException(option + " " + arg + ": no such file or folder");
        if (!Files.isDirectory(p)) {
            throw new JobInputException(option + " " + arg + ": expected the dataset folder (meta.json, temp.f32, ocean_mask.u8), not a file");
        }
        if (!Files.exists(p.resolve("meta.json"))) {
            throw new JobInputException(option + " " + arg + ": no meta.json: expected the folder laid out as shared/data/ocean_temp_4d/");
        }
    }

    /** A month x depth x lat x lon field and its ocean mask, in memory. */
    record Field(float[] temp, float[] mask, float[] latitudes, int months, int depth, int lat, int lon) {
        float t(int m, int z, int y, int x) { return temp[((m * depth + z) * lat + y) * lon + x]; }

        boolean ocean(int z, int y, int x) { return mask[(z * lat + y) * lon + x] != 0f; }

        /** The longitude columns {@code [from, to)}. */
        Field columns(int from, int to) {
            int w = to - from;
            float[] t = new float[months * depth * lat * w], k = new float[depth * lat * w];
            for (int m = 0; m < months; m++) {
                for (int z = 0; z < depth; z++) {
                    for (int y = 0; y < lat; y++) System.arraycopy(temp, ((m * depth + z) * lat + y) * lon + from, t, ((m * depth + z) * lat + y) * w, w);
                }
            }
            for (int z = 0; z < depth; z++) {
                for (int y = 0; y < lat; y++) System.arraycopy(mask, (z * lat + y) * lon + from, k, (z * lat + y) * w, w);
            }
            return new Field(t, k, latitudes, months, depth, lat, w);
        }

        long oceanCells() {
            long n = 0;
            for (float v : mask) if (v != 0f) n++;
            return n;
        }
    }

    /** Reads and checks a dataset folder: arrays {@code temp [T, D, Y, X]} float32 and {@code mask [D, Y, X]}. */
    static Field read(String option, String dir) {
        RawDataset ds;
        try {
            ds = RawDataset.open(Path.of(dir));
        } catch (ArrowDataException e) {
            throw new JobInputException(option + " " + dir + ": " + e.getMessage(), e);
        }
        String expected = "expected arrays temp [months, depth, lat, lon] float32, mask [depth, lat, lon] and lat [lat]"
                + " (shared/data/ocean_temp_4d layout)";
        RawDataset.Array temp = ds.arrays().get("temp"), mask = ds.arrays().get("mask"), lat = ds.arrays().get("lat");
        if (temp == null || mask == null || lat == null) {
            throw new JobInputException(option + " " + dir + ": wrong layout: meta.json lists " + ds.arrays().keySet() + "; " + expected);
        }
        int[] s = temp.shape();
        if (!"float32".equals(temp.dtype()) || s.length != 4 || !Arrays.equals(mask.shape(), Arrays.copyOfRange(s, 1, 4))
                || !Arrays.equals(lat.shape(), new int[] {s[2]})) {
            throw new JobInputException(option + " " + dir + ": wrong layout: temp is " + temp.dtype() + " " + Arrays.toString(s) + ", mask "
                    + mask.dtype() + " " + Arrays.toString(mask.shape()) + "; " + expected);
        }
        if (temp.numel() == 0) throw new JobInputException(option + " " + dir + ": the dataset is empty (temp has shape " + Arrays.toString(s) + ")");
        if (temp.numel() > Integer.MAX_VALUE) throw new JobInputException(option + " " + dir + ": temp is too large for this job");
        Field f = new Field(temp.readFloats(0, (int) temp.numel()), mask.readFloats(0, (int) mask.numel()), lat.readFloats(0, s[2]), s[0], s[1],
                s[2], s[3]);
        for (int i = 0; i < f.temp.length; i++) {
            if (!Float.isFinite(f.temp[i])) throw new JobInputException(option + " " + dir + ": temp holds a non-finite value at element " + i);
        }
        if (f.oceanCells() == 0) throw new JobInputException(option + " " + dir + ": the ocean mask has no ocean cell");
        if (f.months < 2) throw new JobInputException(option + " " + dir + ": need at least 2 months, temp has " + f.months);
        return f;
    }

    /** Writes {@code f} as raw float32 files (temp, mask) for {@link SpacetimeWindows}. */
    private static RawDataset.Array[] rawArrays(Field f, Path dir, String name) throws IOException {
        Path t = dir.resolve(name + "-temp.f32"), m = dir.resolve(name + "-mask.f32");
        writeFloats(t, f.temp);
        writeFloats(m, f.mask);
        return new RawDataset.Array[] {
            new RawDataset.Array("temp", t, "float32", new int[] {f.months, f.depth, f.lat, f.lon}),
            new RawDataset.Array("mask", m, "float32", new int[] {f.depth, f.lat, f.lon})};
    }

    private static void writeFloats(Path p, float[] v) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (b.hasRemaining()) ch.write(b);
        }
    }

    /**
     * The SQL that turns a window row ({@code input}, {@code mask}, {@code t}, {@code y}) into the network's features:
     * the input months, the mask, and three per-cell channels — sine and cosine of the target month's angle, and the
     * latitude / 90 of each cell's row — each {@code depth x patch x patch} floats (see {@link OceanForecastNet}).
     */
    static String featuresSql(float[] latitudes, int months, int depth, int patch) {
        int p = depth * patch * patch;
        StringBuilder lat = new StringBuilder();
        for (float v : latitudes) {
            if (lat.length() > 0) lat.append(", ");
            lat.append(String.format(Locale.ROOT, "CAST(%.6f AS FLOAT)", v / 90.0));
        }
        String angle = String.format(Locale.ROOT, "2 * pi() * ((t + 1) %% %d) / %d", months, months);
        return String.format(Locale.ROOT, "SELECT *, concat(input, mask, array_repeat(CAST(sin(%s) AS FLOAT), %d), "
                + "array_repeat(CAST(cos(%s) AS FLOAT), %d), "
                + "transform(sequence(0, %d), i -> element_at(array(%s), CAST(y + ((i div %d) %% %d) + 1 AS INT)))) AS features FROM __THIS__",
                angle, p, angle, p, p - 1, lat, patch, patch);
    }

    /** The smallest stride <= patch whose patch origins reach the far edge, so that test windows cover every cell. */
    static int coveringStride(int size, int patch) {
        int span = size - patch;
        if (span == 0) return 1;
        for (int s = patch; s >= 1; s--) if (span % s == 0) return s;
        return 1;
    }

    @Override public JobResult run(JobContext ctx) throws IOException {
        JobOptions o = options;
        ctx.progress().message("reading " + o.data);
        Field all = read("--data", o.data);
        Field train, test;
        String split;
        if (o.testData != null) {
            train = all;
            test = read("--test-data", o.testData);
            if (test.depth != all.depth || test.months != all.months) {
                throw new JobInputException("--test-data: wrong layout: " + test.months + " months x " + test.depth + " depths, --data has "
                        + all.months + " x " + all.depth);
            }
            // the model's latitude channel comes from --data's grid (the saved pipeline holds it): the test cells must
            // lie on the same latitude rows
            if (!Arrays.equals(test.latitudes, all.latitudes)) {
                throw new JobInputException("--test-data " + o.testData + ": wrong layout: its " + test.lat + " latitude rows ("
                        + test.latitudes[0] + ".." + test.latitudes[test.lat - 1] + ") are not those of --data (" + all.lat + " rows, "
                        + all.latitudes[0] + ".." + all.latitudes[all.lat - 1] + "); expected another longitude sector of the same grid");
            }
            split = "separate test data";
        } else {
            if (all.lon - testLon < patch || testLon < patch) {
                throw new JobInputException("--data has " + all.lon + " longitude columns: too few to hold out " + testLon + " (--test-lon) with "
                        + patch + "-wide patches on both sides");
            }
            train = all.columns(0, all.lon - testLon);
            test = all.columns(all.lon - testLon, all.lon);
            split = String.format(Locale.ROOT, "spatial: longitude columns 0..%d train, %d..%d held out", all.lon - testLon - 1,
                    all.lon - testLon, all.lon - 1);
        }
        if (train.lat < patch || train.lon < patch || test.lat < patch || test.lon < patch) {
            throw new JobInputException("the grids (" + train.lat + "x" + train.lon + " train, " + test.lat + "x" + test.lon
                    + " test) must be at least --patch " + patch + " cells in lat and lon");
        }

        Path work = Files.createTempDirectory("sparkgrad-ocean4d");
        try {
            // windows through arrow-io: months t-k..t -> t+1, cyclic (Dec -> Jan)
            RawDataset.Array[] tr = rawArrays(train, work, "train"), te = rawArrays(test, work, "test");
            SpacetimeWindows.Result wTrain = SpacetimeWindows.builder(tr[0]).mask(tr[1]).history(history).patch(patch, patch)
                    .stride(stride, stride).minValidFraction(minOcean).cyclic(true).build().write(work.resolve("train-windows.parquet"));
            int sy = coveringStride(test.lat, patch), sx = coveringStride(test.lon, patch);
            SpacetimeWindows.Result wTest = SpacetimeWindows.builder(te[0]).mask(te[1]).history(history).patch(patch, patch)
                    .stride(sy, sx).minValidFraction(1e-9).cyclic(true).build().write(work.resolve("test-windows.parquet"));
            if (wTrain.windows() == 0) {
                throw new JobInputException("--data: no training window has " + minOcean + " ocean (--min-ocean); nothing to train on");
            }
            ctx.progress().message(String.format(Locale.ROOT, "cut %d training windows (%d dropped for < %.0f%% ocean) and %d test windows (stride %dx%d) through arrow-io",
                    wTrain.windows(), wTrain.skipped(), 100 * minOcean, wTest.windows(), sy, sx));

            int frames = history + 1, d = train.depth;
            Dataset<Row> trainDf = ctx.spark().read().parquet(work.resolve("train-windows.parquet").toString());
            Dataset<Row> testDf = ctx.spark().read().parquet(work.resolve("test-windows.parquet").toString());
            int epochs = o.epochsOr(40), batch = o.batchSizeOr(8), avg = o.averagingFrequencyOr(8), workers = o.workersOr(2);
            double lr = o.learningRateOr(2e-3);
            trainDf = Splits.shuffle(trainDf, workers, o.seed).persist(StorageLevel.MEMORY_AND_DISK());
            long nTrain = trainDf.count();

            SparkgradEstimator est = new SparkgradEstimator().setModuleFactory(OceanForecastNet.class.getName())
                    .setFeaturesCol("features").setLabelCol("target").setFeaturesShape(frames + OceanForecastNet.STATIC, d, patch, patch)
                    .setLabelShape(d * patch * patch).setLoss("mse").setOptimizer("adam").setLearningRate(lr).setLrSchedule("cosine")
                    .setBatchSize(batch).setAveragingFrequency(avg).setMaxEpochs(epochs).setNumWorkers(workers).setSeed(o.seed)
                    .setDevice(o.device).setPrecision(o.precision);
            Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new SQLTransformer().setStatement(featuresSql(all.latitudes, all.months, d, patch)), est});
            ctx.progress().totalEpochs(epochs);
            ctx.progress().message(String.format(Locale.ROOT, "training a Conv4d forecaster on %d windows (%d months x %d depths x %dx%d): %d epochs, %d workers, batch %d, averaging every %d steps",
                    nTrain, frames, d, patch, patch, epochs, workers, batch, avg));
            long t0 = System.nanoTime();
            PipelineModel model = pipeline.fit(trainDf);
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            SparkgradModel estModel = (SparkgradModel) model.stages()[1];
            trainDf.unpersist();

            ctx.progress().message("evaluating on " + wTest.windows() + " test windows");
            double[] rmse = evaluate(model.transform(testDf).select("t", "y", "x", "output"), test, history, patch);
            double modelRmse = rmse[0], persistence = rmse[1];
            ctx.progress().message("saving the PipelineModel");
            model.write().save(ctx.sparkPath("model"));

            JobResult r = new JobResult();
            r.headline("job", name()).headline("train_seconds", Evaluation.round(trainSeconds, 2))
                    .headline("test_rmse", Evaluation.round(modelRmse, 4)).headline("persistence_rmse", Evaluation.round(persistence, 4));
            double ratio = modelRmse / persistence;
            r.detail("units", "degrees C, over ocean cells of the test region, each cell once")
                    .detail("rmse_ratio_to_persistence", Evaluation.round(ratio, 4))
                    .detail("target", Map.of("rmse_ratio_to_persistence_max", 0.7)).detail("met_target", ratio <= 0.7)
                    .detail("test_cells", (long) rmse[2]).detail("test_ocean_cells_covered_fraction", Evaluation.round(rmse[3], 4));
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("path", o.data);
            data.put("test_path", o.testData);
            data.put("split", split);
            data.put("grid", Map.of("months", all.months, "depth", all.depth, "lat", all.lat, "lon", all.lon));
            data.put("train_windows", wTrain.windows());
            data.put("train_windows_dropped_for_land", wTrain.skipped());
            data.put("test_windows", wTest.windows());
            data.put("window", Map.of("history", history, "patch", List.of(patch, patch), "train_stride", List.of(stride, stride),
                    "test_stride", List.of(sy, sx), "cyclic", true, "min_ocean_fraction", minOcean));
            r.detail("data", data);
            r.detail("hyperparameters", Hyper.of(est, "featuresShape", List.of(frames + OceanForecastNet.STATIC, d, patch, patch),
                    "hiddenChannels", OceanForecastNet.CHANNELS,
                    "pipeline", "SQLTransformer(concat(input, mask, sin/cos of the target month, latitude)) -> SparkgradEstimator(OceanForecastNet)"));
            double[] loss = estModel.summary().lossHistory();
            r.detail("rounds", loss.length).detail("loss_history", Evaluation.round(loss, 6))
                    .detail("epoch_end_seconds", Evaluation.round(estModel.summary().epochEndSeconds(), 2));
            r.curves.add(new Charts.Series("train MSE, all cells (per round)", Charts.count(loss.length), loss, false));
            r.yLeft = "MSE (degC^2, land cells count as 0)";
            r.chartTitle = String.format(Locale.ROOT, "ocean4d Conv4d: test RMSE %.3f degC vs persistence %.3f (ratio %.2f)", modelRmse,
                    persistence, ratio);
            return r;
        } finally {
            OutputDir.deleteTree(work);
        }
    }

    /**
     * RMSE over the ocean cells of the test region: the model (predictions of overlapping windows averaged per cell)
     * and persistence (month t for month t+1), over the same cells.
     *
     * @return {model RMSE, persistence RMSE, cells, fraction of the region's ocean cells (all months) covered}
     */
    static double[] evaluate(Dataset<Row> scored, Field test, int history, int patch) {
        int months = test.months, d = test.depth, h = test.lat, w = test.lon;
        double[] sum = new double[months * d * h * w];
        int[] count = new int[sum.length];
        for (Iterator<Row> it = scored.toLocalIterator(); it.hasNext(); ) {
            Row r = it.next();
            int t = (int) r.getLong(0), y0 = (int) r.getLong(1), x0 = (int) r.getLong(2);
            int tNext = Math.floorMod(t + 1, months);
            List<Object> out = r.getList(3);
            int i = 0;
            for (int z = 0; z < d; z++) {
                for (int y = 0; y < patch; y++) {
                    for (int x = 0; x < patch; x++, i++) {
                        int c = ((tNext * d + z) * h + y0 + y) * w + x0 + x;
                        sum[c] += ((Number) out.get(i)).doubleValue();
                        count[c]++;
                    }
                }
            }
        }
        double se = 0, sePersist = 0;
        long cells = 0, oceanCells = 0;
        for (int t = 0; t < months; t++) {
            int prev = Math.floorMod(t - 1, months);
            for (int z = 0; z < d; z++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        if (!test.ocean(z, y, x)) continue;
                        oceanCells++;
                        int c = ((t * d + z) * h + y) * w + x;
                        if (count[c] == 0) continue;
                        double truth = test.t(t, z, y, x);
                        double e = sum[c] / count[c] - truth, p = test.t(prev, z, y, x) - truth;
                        se += e * e;
                        sePersist += p * p;
                        cells++;
                    }
                }
            }
        }
        if (cells == 0) throw new IllegalStateException("no ocean cell of the test region was scored");
        return new double[] {Math.sqrt(se / cells), Math.sqrt(sePersist / cells), cells, (double) cells / oceanCells};
    }
}
