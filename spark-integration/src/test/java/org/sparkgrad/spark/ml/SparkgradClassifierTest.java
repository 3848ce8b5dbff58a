package org.sparkgrad.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.nn.Module;
import org.sparkgrad.nn.spec.NetworkSpec;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;
import org.sparkgrad.train.LocalTrainer;
import org.sparkgrad.train.Optimizers;

class SparkgradClassifierTest {
    static SparkSession spark;
    static Dataset<Row> train, test;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSupport.session("SparkgradClassifierTest");
        Dataset<Row> digits = spark.read().parquet(SparkTestSupport.resource("data/digits.parquet"))
                .withColumn("pixels", org.apache.spark.ml.functions.array_to_vector(functions.col("features")))
                .drop("features");
        Dataset<Row>[] split = digits.randomSplit(new double[] {0.8, 0.2}, 7);
        train = split[0].cache();
        test = split[1].cache();
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    private static SparkgradClassifier classifier() {
        return new SparkgradClassifier().setNetwork(SparkTestSupport.DIGITS_MLP).setFeaturesCol("features")
                .setLabelCol("label").setMaxEpochs(25).setBatchSize(32).setAveragingFrequency(4).setLearningRate(3e-3)
                .setNumWorkers(2).setSeed(11);
    }

    private static Pipeline pipeline(SparkgradClassifier clf) {
        return new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(new String[] {"pixels"}).setOutputCol("raw"),
            new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true),
            clf});
    }

    @Test
    void pipelineFitsScoresSavesAndLoads(@TempDir Path dir) throws java.io.IOException {
        PipelineModel model = pipeline(classifier()).fit(train);
        Dataset<Row> scored = model.transform(test);
        double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
        assertTrue(acc >= 0.95, "digits accuracy " + acc);
        SparkgradClassificationModel clfModel = (SparkgradClassificationModel) model.stages()[2];
        assertTrue(clfModel.summary().totalRounds() > 0);
        double[] loss = clfModel.summary().lossHistory();
        assertTrue(loss[loss.length - 1] < loss[0] / 4, "loss should fall: " + loss[0] + " -> " + loss[loss.length - 1]);
        assertEquals(10, clfModel.numOutputs());

        String path = dir.resolve("pipeline").toString();
        model.write().overwrite().save(path);
        assertTrue(Files.exists(dir.resolve("pipeline/stages/2_" + clfModel.uid() + "/data/weights.safetensors")));
        PipelineModel loaded = PipelineModel.load(path);
        List<Row> a = scored.select("prediction", "probability").collectAsList();
        List<Row> b = loaded.transform(test).select("prediction", "probability").collectAsList();
        assertEquals(a, b);
    }

    @Test
    void mixedPrecisionFitsAndThePrecisionParamPersists(@TempDir Path dir) throws java.io.IOException {
        SparkgradClassifier clf = classifier().setMaxEpochs(10).setPrecision("bfloat16").setDevice("cpu");
        PipelineModel model = pipeline(clf).fit(train);
        double acc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
        assertTrue(acc >= 0.9, "digits accuracy with bfloat16 autocast " + acc);
        SparkgradClassificationModel m = (SparkgradClassificationModel) model.stages()[2];
        assertEquals("bfloat16", m.getPrecision());
        String path = dir.resolve("clf").toString();
        clf.write().overwrite().save(path);
        assertEquals("bfloat16", SparkgradClassifier.load(path).getPrecision());
        assertEquals("float32", classifier().getPrecision(), "the default");
        assertThrows(IllegalArgumentException.class, () -> classifier().setPrecision("int8"));
        TrainConfig conf = TrainConfig.from(clf, TaskKind.CLASSIFICATION);
        assertEquals(org.sparkgrad.tensor.DType.BFLOAT16, conf.autocastDType(org.sparkgrad.tensor.Device.CPU));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> conf.autocastDType(org.sparkgrad.tensor.Device.cuda(0)));
        assertTrue(e.getMessage().contains("precision=bfloat16 needs the CPU"), e.getMessage());
        // float16 with its loss scaler, carried from round to round by the driver
        SparkgradClassificationModel f16 = (SparkgradClassificationModel) pipeline(classifier().setMaxEpochs(3).setPrecision("float16")
                .setDevice("cpu")).fit(train).stages()[2];
        double[] loss = f16.summary().lossHistory();
        assertTrue(loss[loss.length - 1] < loss[0] / 2, "float16 loss " + loss[0] + " -> " + loss[loss.length - 1]);
    }

    @Test
    void crossValidatorOverLearningRateRuns() {
        SparkgradClassifier clf = classifier().setMaxEpochs(3);
        Pipeline p = pipeline(clf);
        ParamMap[] grid = new ParamGridBuilder().addGrid(clf.learningRate(), new double[] {1e-3, 5e-3}).build();
        CrossValidatorModel cv = new CrossValidator().setEstimator(p).setEstimatorParamMaps(grid)
                .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(3)
                .fit(train);
        assertEquals(2, cv.avgMetrics().length);
        for (double m : cv.avgMetrics()) assertTrue(m > 0.5, "cv metric " + m);
        assertNotNull(cv.bestModel());
    }

    private static Dataset<Row> tiny(SparkSession s, int n, long seed) {
        Generator g = new Generator(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] f = new float[4];
            for (int k = 0; k < 4; k++) f[k] = (float) g.nextGaussian();
            int label = f[0] + f[1] > 0 ? 1 : 0;
            rows.add(RowFactory.create(toList(f), label));
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType)).add("label", DataTypes.IntegerType);
        return s.createDataFrame(rows, schema).coalesce(1);
    }

    private static List<Float> toList(float[] f) {
        List<Float> l = new ArrayList<>();
        for (float v : f) l.add(v);
        return l;
    }

    @Test
    void oneWorkerAveragingEveryStepEqualsLocalTraining() {
        String spec = "[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":8},{\"type\":\"Tanh\"},{\"type\":\"Linear\",\"in_features\":8,\"out_features\":2}]";
        Dataset<Row> df = tiny(spark, 50, 5);
        int epochs = 3, batch = 8;
        SparkgradClassificationModel m = new SparkgradClassifier().setNetwork(spec).setNumWorkers(1).setAveragingFrequency(1)
                .setBatchSize(batch).setMaxEpochs(epochs).setOptimizer("sgd").setOptimizerOptions("{\"momentum\": 0.9}")
                .setLearningRate(0.05).setSeed(9).setShuffle(false).fit(df);

        // the same computation with the engine alone: same initial weights, same batch order
        List<Row> rows = df.collectAsList();
        Module net = NetworkSpec.parse(spec).build(9);
        Optimizer opt = Optimizers.create("sgd", net.parameters(), 0.05, Map.of("momentum", 0.9));
        LocalTrainer t = new LocalTrainer(net, opt, "cross_entropy");
        int chunks = (rows.size() + batch - 1) / batch;
        for (int e = 0; e < epochs; e++) {
            int[] order = RoundTask.permutation(chunks, new Generator(RoundTask.chunkSeed(9, e, 0, -1)));
            for (int r = 0; r < chunks; r++) {
                int c = order[r];
                int n = Math.min(batch, rows.size() - c * batch);
                int[] perm = RoundTask.permutation(n, new Generator(RoundTask.chunkSeed(9, e, 0, c)));
                float[] x = new float[n * 4];
                long[] y = new long[n];
                for (int i = 0; i < n; i++) {
                    Row row = rows.get(c * batch + perm[i]);
                    List<Object> f = row.getList(0);
                    for (int k = 0; k < 4; k++) x[i * 4 + k] = ((Number) f.get(k)).floatValue();
                    y[i] = row.getInt(1);
                }
                t.step(Tensor.fromArray(x, n, 4), Tensor.fromArray(y, n), 0.05);
            }
        }
        Map<String, Tensor> spark = m.stateDict(), local = net.stateDict();
        assertEquals(local.keySet(), spark.keySet());
        for (String k : local.keySet()) assertArrayEquals(local.get(k).toFloatArray(), spark.get(k).toFloatArray(), 1e-5f, k);
    }

    @Test
    void sameSeedSameModel() {
        Dataset<Row> df = tiny(spark, 64, 3).repartition(3);
        SparkgradClassifier c = new SparkgradClassifier().setNetwork("[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":2}]")
                .setNumWorkers(2).setMaxEpochs(2).setBatchSize(8).setSeed(4);
        Map<String, Tensor> a = c.fit(df).stateDict(), b = c.fit(df).stateDict();
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
    }

    @Test
    void checkpointsAndResumesToTheSameModel(@TempDir Path dir) {
        Dataset<Row> df = tiny(spark, 80, 8);
        String ck = dir.resolve("ck").toString();
        SparkgradClassifier base = new SparkgradClassifier().setNetwork("[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":2}]")
                .setNumWorkers(2).setBatchSize(8).setAveragingFrequency(2).setSeed(2).setOptimizer("adam").setLearningRate(0.01);
        Map<String, Tensor> full = base.copy(new ParamMap()).setMaxEpochs(2).fit(df).stateDict();
        base.copy(new ParamMap()).setMaxEpochs(1).setCheckpointDir(ck).setCheckpointInterval(1).fit(df);
        assertTrue(Files.isDirectory(Path.of(ck)));
        Map<String, Tensor> resumed = base.copy(new ParamMap()).setMaxEpochs(2).setCheckpointDir(ck).setCheckpointInterval(1)
                .setResumeFromCheckpoint(true).fit(df).stateDict();
        for (String k : full.keySet()) assertArrayEquals(full.get(k).toFloatArray(), resumed.get(k).toFloatArray(), 1e-6f, k);
    }

    @Test
    void badInputGivesClearErrorsAndWritesNothing(@TempDir Path dir) {
        Dataset<Row> df = tiny(spark, 20, 1);
        SparkgradClassifier c = new SparkgradClassifier().setNetwork("[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":2}]")
                .setMaxEpochs(1).setNumWorkers(2);
        SparkgradDataException e = assertThrows(SparkgradDataException.class, () -> c.copy(new ParamMap()).setFeaturesCol("nope").fit(df));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        e = assertThrows(SparkgradDataException.class, () -> c.fit(df.withColumn("features", functions.lit("x"))));
        assertTrue(e.getMessage().contains("'features'") && e.getMessage().contains("string"), e.getMessage());
        e = assertThrows(SparkgradDataException.class, () -> c.copy(new ParamMap()).setFeaturesShape(5).fit(df));
        assertTrue(e.getMessage().contains("'features'") && e.getMessage().contains("row") && e.getMessage().contains("5"), e.getMessage());
        Dataset<Row> withNull = df.withColumn("features", functions.when(functions.rand(1).lt(0.3), functions.lit(null))
                .otherwise(functions.col("features")));
        e = assertThrows(SparkgradDataException.class, () -> c.fit(withNull));
        assertTrue(e.getMessage().contains("null") && e.getMessage().contains("row"), e.getMessage());
        e = assertThrows(SparkgradDataException.class, () -> c.copy(new ParamMap()).setNumClasses(1).fit(df));
        assertTrue(e.getMessage().contains("'label'") && e.getMessage().contains("[0, 1)"), e.getMessage());
        Dataset<Row> nan = df.withColumn("features", functions.array(functions.lit(Float.NaN), functions.lit(1f), functions.lit(1f), functions.lit(1f)));
        e = assertThrows(SparkgradDataException.class, () -> c.fit(nan));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        Path out = dir.resolve("never");
        assertThrows(RuntimeException.class, () -> c.copy(new ParamMap()).setFeaturesShape(5).fit(df).write().save(out.toString()));
        assertFalse(Files.exists(out));
    }
}
