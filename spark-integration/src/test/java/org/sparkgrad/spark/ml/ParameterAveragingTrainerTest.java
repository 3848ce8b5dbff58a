package org.sparkgrad.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** Edge cases of the parameter-averaging trainer: class inference, resume, schedule length. */
class ParameterAveragingTrainerTest {
    static SparkSession spark;

    @BeforeAll static void setUp() { spark = SparkTestSupport.session("ParameterAveragingTrainerTest"); }

    @AfterAll static void tearDown() { spark.stop(); }

    /** {@code n} rows of 4 Gaussian features, label {@code i % classes}, every fifth row flagged {@code isVal}. */
    static Dataset<Row> tiny(int n, long seed, int classes) {
        Generator g = new Generator(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Float> f = new ArrayList<>();
            for (int k = 0; k < 4; k++) f.add((float) g.nextGaussian());
            rows.add(RowFactory.create(f, i % classes, i % 5 == 0));
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.IntegerType).add("isVal", DataTypes.BooleanType);
        return spark.createDataFrame(rows, schema).coalesce(1);
    }

    static SparkgradClassifier clf(int classes) {
        return new SparkgradClassifier().setNetwork("[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":" + classes + "}]")
                .setBatchSize(4).setAveragingFrequency(2).setSeed(3).setMaxEpochs(2).setOptimizer("adam").setLearningRate(0.01);
    }

    @Test
    void classesOnlyInTheValidationRowsCountForTheInferredClassCount() {
        // label 2 occurs only in the validation rows: the model still has three classes
        Dataset<Row> df = tiny(30, 4, 2).withColumn("label", functions.when(functions.col("isVal"), 2).otherwise(functions.col("label")));
        SparkgradClassificationModel m = clf(3).setNumWorkers(2).setValidationCol("isVal").fit(df);
        assertEquals(3, m.numOutputs());
        assertEquals(2, m.summary().validationHistory().length);
    }

    @Test
    void resumingAfterAnEpochEndKeepsThatEpochsValidation(@TempDir Path dir) {
        Dataset<Row> df = tiny(30, 4, 2);
        String ck = dir.resolve("ck").toString();
        SparkgradClassifier base = clf(2).setNumWorkers(2).setValidationCol("isVal");
        SparkgradClassificationModel full = base.copy(new ParamMap()).setMaxEpochs(2).fit(df);
        base.copy(new ParamMap()).setMaxEpochs(1).setCheckpointDir(ck).setCheckpointInterval(1).fit(df);
        SparkgradClassificationModel resumed = base.copy(new ParamMap()).setMaxEpochs(2).setCheckpointDir(ck)
                .setCheckpointInterval(1).setResumeFromCheckpoint(true).fit(df);
        assertArrayEquals(full.summary().validationHistory(), resumed.summary().validationHistory(), 0.0);
        assertEquals(2, resumed.summary().epochEndSeconds().length);
        Map<String, Tensor> a = full.stateDict(), b = resumed.stateDict();
        for (String k : a.keySet()) assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
    }

    @Test
    void theScheduleLastsAsManyStepsAsTrainingTakes(@TempDir Path dir) throws java.io.IOException {
        // 50 rows on 2 workers, chunks of 4 x 2 = 8 rows: short last chunks take fewer local steps than
        // averagingFrequency, so the schedule length must count the steps really taken
        for (int epochs : new int[] {1, 3}) {
            Path ck = dir.resolve("ck" + epochs);
            clf(2).setNumWorkers(2).setMaxEpochs(epochs).setLrSchedule("cosine").setCheckpointDir(ck.toString())
                    .setCheckpointInterval(1).fit(tiny(50, 6, 2).repartition(2));
            long scheduled = ParameterAveragingTrainer.lastTotalSteps;
            ParameterAveragingTrainer.Checkpoints.State last =
                    new ParameterAveragingTrainer.Checkpoints(ck.toString(), spark.sparkContext().hadoopConfiguration()).latest();
            assertEquals(last.globalStep, scheduled, "epochs " + epochs);
        }
    }

    @Test
    void batchNormsBatchCounterIsAveragedToTheNearestIntegerNotTruncated() {
        // 10 rows per worker in chunks of 8: a round where one worker trains 8 rows (2 batches) and the other 2 rows
        // (1 batch) averages the counters to base + 1.8, which must count as base + 2, not be truncated to base + 1;
        // then the counter advances like the global step
        String net = "[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":4},"
                + "{\"type\":\"BatchNorm1d\",\"num_features\":4},{\"type\":\"Linear\",\"in_features\":4,\"out_features\":2}]";
        SparkgradClassificationModel m = clf(2).setNetwork(net).setNumWorkers(2).setMaxEpochs(3).fit(tiny(20, 2, 2).repartition(2));
        assertEquals(ParameterAveragingTrainer.lastTotalSteps, m.stateDict().get("1.num_batches_tracked").toLongArray()[0]);
    }
}
