package org.sparkgrad.spark.ml;

import org.apache.spark.ml.util.MLReader;

/**
 * A fitted Sparkgrad classifier: {@code transform} adds {@code rawPrediction} (logits, Vector), {@code probability}
 * (softmax, Vector) and {@code prediction} (class index, double) so Spark's {@code MulticlassClassificationEvaluator}
 * and {@code BinaryClassificationEvaluator} work on its output.
 */
public class SparkgradClassificationModel extends SparkgradModelBase<SparkgradClassificationModel> {
    private static final long serialVersionUID = 1L;

    public SparkgradClassificationModel(String uid, TrainedNetwork network) { super(uid, network, "cross_entropy"); }

    @Override protected TaskKind taskKind() { return TaskKind.CLASSIFICATION; }

    @Override protected SparkgradClassificationModel newInstance(String uid, TrainedNetwork net) { return new SparkgradClassificationModel(uid, net); }

    /** Reader for {@code write().save(path)} output (Spark ML persistence). */
    public static MLReader<SparkgradClassificationModel> read() { return new ModelPersistence.Reader<>(SparkgradClassificationModel.class); }

    public static SparkgradClassificationModel load(String path) { return read().load(path); }
}
