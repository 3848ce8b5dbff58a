package org.sparkgrad.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
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
import org.sparkgrad.tensor.Tensor;

/** Which data path a fit takes, and that the paths agree: Parquet (executors read files), Arrow adapter, Row. */
class DataPathTest {
    static SparkSession spark;
    static String digits;

    @BeforeAll
    static void setUp() {
        spark = SparkTestSupport.session("DataPathTest");
        digits = SparkTestSupport.resource("data/digits.parquet");
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    private static SparkgradClassifier clf() {
        return new SparkgradClassifier().setNetwork(SparkTestSupport.DIGITS_MLP).setFeaturesCol("features")
                .setLabelCol("label").setMaxEpochs(8).setBatchSize(32).setAveragingFrequency(4).setLearningRate(3e-3)
                .setNumWorkers(2).setSeed(11);
    }

    private static double accuracy(SparkgradClassificationModel m, Dataset<Row> df) {
        Dataset<Row> s = m.transform(df);
        return s.filter(functions.col("prediction").equalTo(functions.col("label").cast("double"))).count() / (double) s.count();
    }

    private static void assertSameModel(Map<String, Tensor> a, Map<String, Tensor> b) {
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
    }

    @Test
    void plainParquetScanIsReadByExecutorsAndOthersTakeTheAdapterOrRowPath() {
        Dataset<Row> plain = spark.read().parquet(digits);
        assertEquals(DataPaths.PARQUET, DataPaths.choose(plain, "features", "label"));
        assertEquals(DataPaths.PARQUET, DataPaths.choose(plain.select("features", "label"), "features", "label"));
        // anything beyond a column selection: the Arrow adapter
        assertEquals(DataPaths.ARROW, DataPaths.choose(plain.withColumn("label", functions.col("label").plus(0)), "features", "label"));
        assertEquals(DataPaths.ARROW, DataPaths.choose(plain.filter("label >= 0"), "features", "label"));
        assertEquals(DataPaths.ARROW, DataPaths.choose(plain.repartition(3), "features", "label"));
        // ML Vector columns (VectorAssembler): the Row path
        Dataset<Row> vec = new VectorAssembler().setInputCols(new String[] {"v"}).setOutputCol("fv")
                .transform(plain.withColumn("v", org.apache.spark.ml.functions.array_to_vector(functions.col("features"))));
        assertEquals(DataPaths.ROWS, DataPaths.choose(vec, "fv", "label"));

        SparkgradClassificationModel m = clf().fit(plain);
        assertEquals("parquet", m.summary().dataPath());
        assertEquals(DataPaths.PARQUET, ParameterAveragingTrainer.lastDataPath);
        SparkgradClassificationModel m2 = clf().fit(plain.withColumn("features", functions.col("features")).filter("label >= 0"));
        assertEquals("arrow", m2.summary().dataPath());
        SparkgradClassificationModel m3 = clf().setFeaturesCol("fv").fit(vec);
        assertEquals("rows", m3.summary().dataPath());
    }

    @Test
    void everyPathIsDeterministicAndTheyAgreeOnAccuracy() {
        Dataset<Row> plain = spark.read().parquet(digits);
        Dataset<Row> viaArrow = plain.filter("label >= 0"); // same rows, not a plain scan
        Dataset<Row> viaRows = plain.withColumn("features", org.apache.spark.ml.functions.array_to_vector(functions.col("features")));
        double[] acc = new double[3];
        int i = 0;
        for (Dataset<Row> df : List.of(plain, viaArrow, viaRows)) {
            SparkgradClassificationModel a = clf().fit(df), b = clf().fit(df);
            assertSameModel(a.stateDict(), b.stateDict());
            acc[i++] = accuracy(a, viaRows.withColumn("features", functions.col("features")));
        }
        for (double v : acc) assertTrue(v > 0.9, java.util.Arrays.toString(acc));
        assertTrue(Math.abs(acc[0] - acc[1]) < 0.05 && Math.abs(acc[1] - acc[2]) < 0.05, java.util.Arrays.toString(acc));
    }

    @Test
    void arrowAndRowPathsGiveTheSameModelForTheSameRowOrder() {
        // one worker, coalesced partitions in order: the Arrow adapter and the Row path see the same rows in the same
        // order, so the models are equal
        Dataset<Row> plain = spark.read().parquet(digits).filter("label >= 0");
        Dataset<Row> vec = plain.withColumn("features", org.apache.spark.ml.functions.array_to_vector(functions.col("features")));
        SparkgradClassifier c = clf().setNumWorkers(1).setMaxEpochs(2);
        SparkgradClassificationModel a = c.fit(plain), b = c.fit(vec);
        assertEquals("arrow", a.summary().dataPath());
        assertEquals("rows", b.summary().dataPath());
        Map<String, Tensor> x = a.stateDict(), y = b.stateDict();
        for (String k : x.keySet()) assertArrayEquals(x.get(k).toFloatArray(), y.get(k).toFloatArray(), 1e-5f, k);
    }

    @Test
    void shuffledIsASeededPermutationThatMixesSortedRows() {
        Dataset<Row> sorted = spark.read().parquet(digits).orderBy("label").coalesce(1);
        Dataset<Row> a = ParameterAveragingTrainer.shuffled(sorted, 2, 5), b = ParameterAveragingTrainer.shuffled(sorted, 2, 5);
        assertEquals(2, a.javaRDD().getNumPartitions());
        List<Row> ra = a.collectAsList(), rb = b.collectAsList(), rs = sorted.collectAsList();
        assertEquals(ra, rb, "same seed, same order");
        assertEquals(rs.size(), ra.size());
        assertEquals(sorted.agg(functions.sum("label")).head().getLong(0), a.agg(functions.sum("label")).head().getLong(0));
        assertTrue(!ra.equals(ParameterAveragingTrainer.shuffled(sorted, 2, 6).collectAsList()), "another seed, another order");
        // the first 64 rows of each partition hold many labels, not one
        for (List<Row> part : a.javaRDD().glom().collect()) {
            java.util.Set<Integer> labels = new java.util.HashSet<>();
            for (Row r : part.subList(0, Math.min(64, part.size()))) labels.add(r.getInt(r.fieldIndex("label")));
            assertTrue(labels.size() >= 8, "labels in the first rows of a partition: " + labels);
        }
    }

    @Test
    void dataSortedByLabelTrainsWellWhenShuffledOnEveryPath(@TempDir Path dir) {
        Dataset<Row> sorted = spark.read().parquet(digits).orderBy("label");
        Dataset<Row> test = spark.read().parquet(digits);
        SparkgradClassificationModel shuffled = clf().setShuffle(true).fit(sorted);
        assertEquals("arrow", shuffled.summary().dataPath());
        double accShuffled = accuracy(shuffled, test);
        assertTrue(accShuffled > 0.9, "shuffled: " + accShuffled);
        // the shuffle changes what the rounds see: a different model than the rows in order
        assertTrue(!java.util.Arrays.equals(clf().fit(sorted).stateDict().get("0.weight").toFloatArray(),
                shuffled.stateDict().get("0.weight").toFloatArray()));
        // the Parquet path (files read by the executors) shuffles with arrow-io's loader
        String p = dir.resolve("sorted.parquet").toString();
        sorted.coalesce(1).write().parquet(p);
        Dataset<Row> plain = spark.read().parquet(p);
        SparkgradClassificationModel viaFiles = clf().setShuffle(true).fit(plain);
        assertEquals("parquet", viaFiles.summary().dataPath());
        assertTrue(accuracy(viaFiles, test) > 0.9, "Parquet path, shuffled: " + accuracy(viaFiles, test));
        assertSameModel(viaFiles.stateDict(), clf().setShuffle(true).fit(plain).stateDict());
    }

    private static Dataset<Row> tiny(int n, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float a = (i % 7) / 7f, b = (i % 5) / 5f;
            rows.add(RowFactory.create(java.util.Arrays.asList(a, b, 1 - a, 1 - b), (a + b > 0.8) ? 1 : 0));
        }
        StructType s = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType)).add("label", DataTypes.IntegerType);
        return spark.createDataFrame(rows, s).repartition(partitions);
    }

    @Test
    void badRowsThroughTheArrowPathGiveClearErrors(@TempDir Path dir) {
        Dataset<Row> df = tiny(20, 1);
        SparkgradClassifier c = new SparkgradClassifier().setNetwork("[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":2}]")
                .setMaxEpochs(1).setNumWorkers(2);
        assertEquals(DataPaths.ARROW, DataPaths.choose(df, "features", "label"));
        SparkgradDataException e = assertThrows(SparkgradDataException.class, () -> c.copy(new ParamMap()).setFeaturesShape(5).fit(df));
        assertTrue(e.getMessage().contains("'features'") && e.getMessage().contains("partition") && e.getMessage().contains("row")
                && e.getMessage().contains("5"), e.getMessage());
        Dataset<Row> withNull = df.withColumn("features", functions.when(functions.col("label").equalTo(1), functions.lit(null))
                .otherwise(functions.col("features")));
        e = assertThrows(SparkgradDataException.class, () -> c.fit(withNull));
        assertTrue(e.getMessage().contains("'features'") && e.getMessage().contains("null") && e.getMessage().contains("row"), e.getMessage());
        e = assertThrows(SparkgradDataException.class, () -> c.copy(new ParamMap()).setNumClasses(1).fit(df));
        assertTrue(e.getMessage().contains("'label'") && e.getMessage().contains("[0, 1)") && e.getMessage().contains("row"), e.getMessage());
        Dataset<Row> nan = df.withColumn("features", functions.array(functions.lit(1f), functions.lit(Float.NaN), functions.lit(1f), functions.lit(1f)));
        e = assertThrows(SparkgradDataException.class, () -> c.fit(nan));
        assertTrue(e.getMessage().contains("'features'") && e.getMessage().contains("NaN") && e.getMessage().contains("index 1"), e.getMessage());
        Dataset<Row> nullElem = df.withColumn("features", functions.array(functions.lit(1f), functions.lit(null).cast("float"), functions.lit(1f), functions.lit(1f)));
        e = assertThrows(SparkgradDataException.class, () -> c.fit(nullElem));
        assertTrue(e.getMessage().contains("null element"), e.getMessage());
        Dataset<Row> nullLabel = df.withColumn("label", functions.when(functions.col("label").equalTo(1), functions.lit(null)).otherwise(functions.col("label")));
        e = assertThrows(SparkgradDataException.class, () -> c.fit(nullLabel));
        assertTrue(e.getMessage().contains("'label'") && e.getMessage().contains("null"), e.getMessage());

        // a bad row in a Parquet file read by the executors names the file and the row
        String bad = dir.resolve("bad.parquet").toString();
        nan.coalesce(1).write().parquet(bad);
        assertEquals(DataPaths.PARQUET, DataPaths.choose(spark.read().parquet(bad), "features", "label"));
        e = assertThrows(SparkgradDataException.class, () -> c.fit(spark.read().parquet(bad)));
        assertTrue(e.getMessage().contains("'features'") && e.getMessage().contains("file") && e.getMessage().contains("NaN"), e.getMessage());
    }

    @Test
    void emptyAndUnevenPartitionsAndAnyPartitionCount(@TempDir Path dir) {
        // 5 rows with a 1-row label range: 7 partitions, some empty; uneven sizes; more workers than rows
        Dataset<Row> df = tiny(53, 1);
        Dataset<Row> uneven = df.filter("label = 1 or features[0] < 0.3").repartition(7);
        SparkgradClassifier c = new SparkgradClassifier().setNetwork("[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":2}]")
                .setMaxEpochs(2).setBatchSize(4).setNumClasses(2).setSeed(3);
        long n = uneven.count();
        for (int w : new int[] {1, 3, 7, 60}) {
            SparkgradClassificationModel m = c.copy(new ParamMap()).setNumWorkers(w).fit(uneven);
            assertEquals("arrow", m.summary().dataPath());
            assertTrue(m.summary().totalRounds() > 0);
        }
        // empty partitions from a filter, with the Row path and the Arrow path
        Dataset<Row> someEmpty = df.repartition(6).filter(functions.spark_partition_id().lt(2));
        assertEquals("arrow", c.copy(new ParamMap()).setNumWorkers(4).fit(someEmpty).summary().dataPath());
        assertEquals("rows", c.copy(new ParamMap()).setNumWorkers(4)
                .fit(someEmpty.withColumn("features", org.apache.spark.ml.functions.array_to_vector(functions.col("features")))).summary().dataPath());
        // Parquet files of uneven sizes (one empty), more workers than row groups
        String p = dir.resolve("uneven.parquet").toString();
        df.repartition(4).filter(functions.spark_partition_id().notEqual(2)).write().parquet(p);
        for (int w : new int[] {1, 2, 5, 40}) {
            SparkgradClassificationModel m = c.copy(new ParamMap()).setNumWorkers(w).fit(spark.read().parquet(p));
            assertEquals("parquet", m.summary().dataPath());
        }
        assertTrue(n > 0);
    }

    @Test
    void parquetPathUsesEveryRowExactlyOncePerEpoch(@TempDir Path dir) {
        // exact epochs: the chunks of all workers together hold every row once
        Dataset<Row> df = tiny(101, 3);
        String p = dir.resolve("t.parquet").toString();
        df.write().parquet(p);
        Dataset<Row> in = spark.read().parquet(p);
        List<String> files = DataPaths.parquetFiles(in, "features", "label");
        ArrowChunks ac = new ArrowChunks("features", new int[] {4}, "label", new int[0], TaskKind.CLASSIFICATION, 2);
        for (int workers : new int[] {1, 2, 3, 8}) {
          for (boolean shuffle : new boolean[] {false, true}) {
            long rows = 0;
            double labelSum = 0;
            for (int w = 0; w < workers; w++) {
                long expect = ac.parquetShardRows(files, w, workers, 8, shuffle, 7);
                long got = 0;
                for (java.util.Iterator<Chunk> it = ac.packParquetShard(files, w, workers, 8, 1000, shuffle, 7); it.hasNext(); ) {
                    Chunk ch = it.next();
                    assertTrue(ch.rows <= 8);
                    got += ch.rows;
                    for (int i = 0; i < ch.rows; i++) labelSum += ch.y[i];
                }
                assertEquals(expect, got);
                rows += got;
            }
            assertEquals(101, rows);
            assertEquals(df.agg(functions.sum("label")).head().getLong(0), (long) labelSum);
          }
        }
    }
}
