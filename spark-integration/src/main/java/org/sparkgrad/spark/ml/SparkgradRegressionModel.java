package org.sparkgrad.spark.ml;

import org.apache.spark.ml.util.MLReader;

/**
 * A fitted Sparkgrad regressor: {@code transform} adds {@code prediction} (double).
 */
public class SparkgradRegressionModel extends SparkgradModelBase<SparkgradRegressionModel> {
    private static final long serialVersionUID = 1L;

    public SparkgradRegressionModel(String uid, TrainedNetwork network) { super(uid, network, "mse"); }

    @Override protected TaskKind taskKind() { return TaskKind.REGRESSION; }

    @Override protected SparkgradRegressionModel newInstance(String uid, TrainedNetwork net) { return new SparkgradRegressionModel(uid, net); }

    /** Reader for {@code write().save(path)} output (Spark ML persistence). */
    public static MLReader<SparkgradRegressionModel> read() { return new ModelPersistence.Reader<>(SparkgradRegressionModel.class); }

    public static SparkgradRegressionModel load(String path) { return read().load(path); }
}
