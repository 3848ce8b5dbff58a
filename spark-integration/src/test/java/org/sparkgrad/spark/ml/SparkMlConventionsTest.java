package org.sparkgrad.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.feature.StringIndexer;
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

/** Spark ML conventions: optional output columns, class counts, network/data mismatches, corrupt saved models. */
class SparkMlConventionsTest {
    static SparkSession spark;
    static Dataset<Row> df;
    static final String NET2 = "[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":2}]";
    static final String NET3 = "[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":3}]";

    @BeforeAll
    static void setUp() {
        spark = SparkTestSupport.session("SparkMlConventionsTest");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            float a = (i % 7) / 7f, b = (i % 5) / 5f;
            rows.add(RowFactory.create(Arrays.asList(a, b, 1 - a, 1 - b), i % 2, i % 3 == 0 ? "a" : i % 3 == 1 ? "b" : "c"));
        }
        StructType s = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.IntegerType).add("cls", DataTypes.StringType);
        df = spark.createDataFrame(rows, s).coalesce(1).cache();
    }

    @AfterAll
    static void tearDown() {
        spark.stop();
    }

    private static SparkgradClassifier clf(String net) {
        return new SparkgradClassifier().setNetwork(net).setMaxEpochs(1).setNumWorkers(1).setBatchSize(8);
    }

    @Test
    void anEmptyOutputColumnNameDropsThatColumn() {
        SparkgradClassificationModel m = clf(NET2).fit(df);
        List<Row> full = m.transform(df).select("probability", "prediction").collectAsList();
        Dataset<Row> noRaw = m.copy(new ParamMap()).setRawPredictionCol("").transform(df);
        assertEquals(Arrays.asList("features", "label", "cls", "probability", "prediction"), Arrays.asList(noRaw.columns()));
        assertEquals(full, noRaw.select("probability", "prediction").collectAsList());
        Dataset<Row> onlyPred = m.copy(new ParamMap()).setRawPredictionCol("").setProbabilityCol("").transform(df);
        assertEquals(Arrays.asList("features", "label", "cls", "prediction"), Arrays.asList(onlyPred.columns()));
        assertEquals(m.transform(df).select("prediction").collectAsList(), onlyPred.select("prediction").collectAsList());
        SparkgradClassificationModel v = clf(NET2).setPredictionCol("").setValidationFraction(0.3).fit(df);
        assertEquals(1, v.summary().validationHistory().length); // validation still finds its predictions
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.copy(new ParamMap()).setProbabilityCol("rawPrediction").transformSchema(df.schema()));
        assertTrue(e.getMessage().contains("'rawPrediction'") && e.getMessage().contains("another output"), e.getMessage());
    }

    @Test
    void aNetworkThatDoesNotFitTheDataFailsBeforeTrainingNamingBothSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> clf(NET2).setNumClasses(3).fit(df));
        assertTrue(e.getMessage().contains("gives 2 outputs") && e.getMessage().contains("numClasses 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> clf(NET2).fit(df.withColumn("label", functions.col("label").plus(2))));
        assertTrue(e.getMessage().contains("gives 2 outputs") && e.getMessage().contains("numClasses 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SparkgradRegressor().setNetwork(NET2).setMaxEpochs(1).fit(df));
        assertTrue(e.getMessage().contains("gives 2 outputs") && e.getMessage().contains("expected 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> clf(NET2).fit(df.withColumn("features", functions.slice(functions.col("features"), 1, 3))));
        assertTrue(e.getMessage().contains("'features'") && e.getMessage().contains("[3]"), e.getMessage());
    }

    /**
     * With a cross-entropy loss and a label of several class indices (a sequence model), the network gives one row of
     * class scores per label element, {@code (N * labelSize, classes)}: such a network trains; one whose output has
     * the right number of values in the wrong shape fails before training, naming the shapes.
     */
    @Test
    void crossEntropyOverALabelSequenceNeedsAMultipleOfTheLabelSize() {
        Dataset<Row> seq = df.withColumn("labels", functions.array(functions.col("label").cast("float"),
                functions.pmod(functions.col("label").plus(1), functions.lit(3)).cast("float")));
        java.util.function.Function<String, SparkgradEstimator> est = net -> new SparkgradEstimator().setNetwork(net)
                .setLabelCol("labels").setLabelShape(2).setLoss("cross_entropy").setMaxEpochs(1).setNumWorkers(1).setBatchSize(8);
        String rows = "[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":6},"
                + "{\"type\":\"Unflatten\",\"dim\":1,\"unflattened_size\":[2,3]},{\"type\":\"Flatten\",\"start_dim\":0,\"end_dim\":1}]";
        SparkgradModel m = est.apply(rows).fit(seq);
        assertEquals(30, m.transform(seq).count());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> est.apply("[{\"type\":\"Linear\",\"in_features\":4,\"out_features\":6}]").fit(seq));
        assertTrue(e.getMessage().contains("output shape [1, 6]") && e.getMessage().contains("[2, classes]"), e.getMessage());
    }

    @Test
    void theClassCountComesFromStringIndexerMetadataWhenPresent() {
        Dataset<Row> indexed = new StringIndexer().setInputCol("cls").setOutputCol("idx").fit(df).transform(df);
        Dataset<Row> twoSeen = indexed.filter("idx < 2"); // the third class is absent from these rows
        SparkgradClassificationModel m = clf(NET3).setLabelCol("idx").fit(twoSeen);
        assertEquals(3, m.numOutputs());
        assertEquals(3, m.getNumClasses());
        assertEquals(2, clf(NET2).fit(df).getNumClasses()); // inferred from the largest label
        assertEquals(3, ((org.apache.spark.ml.linalg.Vector) m.transform(indexed).first().getAs("probability")).size());
        // the outputs carry Spark ML's attributes, as ClassificationModel.transformSchema writes them
        StructType out = m.transform(indexed).schema();
        org.apache.spark.ml.attribute.Attribute pred = org.apache.spark.ml.attribute.Attribute.fromStructField(out.apply("prediction"));
        assertTrue(pred instanceof org.apache.spark.ml.attribute.NominalAttribute, pred.toString());
        assertEquals(3, (Integer) ((org.apache.spark.ml.attribute.NominalAttribute) pred).getNumValues().get());
        assertEquals(3, org.apache.spark.ml.attribute.AttributeGroup.fromStructField(out.apply("rawPrediction")).size());
        assertEquals(3, org.apache.spark.ml.attribute.AttributeGroup.fromStructField(out.apply("probability")).size());
        assertEquals(m.transformSchema(indexed.schema()), out);
        assertEquals(indexed.schema().apply("idx").metadata(), out.apply("idx").metadata()); // input metadata kept
    }

    private static void dropChecksums(Path dir) throws java.io.IOException {
        try (var files = Files.walk(dir)) {
            files.filter(f -> f.getFileName().toString().endsWith(".crc")).forEach(f -> f.toFile().delete());
        }
    }

    @Test
    void loadingACorruptModelSaysWhatIsWrong(@TempDir Path dir) throws Exception {
        SparkgradClassificationModel m = clf(NET2).fit(df);
        Path a = dir.resolve("a");
        m.write().save(a.toString());
        dropChecksums(a);
        Files.writeString(a.resolve("data/network.json"), "{}");
        RuntimeException e = assertThrows(IllegalArgumentException.class, () -> SparkgradClassificationModel.load(a.toString()));
        assertTrue(e.getMessage().contains("network.json") && e.getMessage().contains("'kind'"), e.getMessage());

        Path b = dir.resolve("b"), other = dir.resolve("other");
        m.write().save(b.toString());
        clf(NET3).setNumClasses(3).fit(df).write().save(other.toString());
        dropChecksums(b);
        Files.copy(other.resolve("data/weights.safetensors"), b.resolve("data/weights.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        e = assertThrows(IllegalArgumentException.class, () -> SparkgradClassificationModel.load(b.toString()));
        assertTrue(e.getMessage().contains("weights.safetensors") && e.getMessage().contains("[3, 4]"), e.getMessage());

        Path c = dir.resolve("c");
        m.write().save(c.toString());
        dropChecksums(c);
        Files.delete(c.resolve("data/weights.safetensors"));
        e = assertThrows(RuntimeException.class, () -> SparkgradClassificationModel.load(c.toString()));
        assertTrue(e.getMessage().contains("weights.safetensors"), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }
}
