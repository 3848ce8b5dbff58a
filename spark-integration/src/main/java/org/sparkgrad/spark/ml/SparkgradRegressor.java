package org.sparkgrad.spark.ml;

import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;

/**
 * Trains a Sparkgrad network as a regressor: numeric label (default loss MSE); the network's first output is the
 * prediction. Training by parameter averaging on the executors.
 */
public class SparkgradRegressor extends SparkgradEstimatorBase<SparkgradRegressor, SparkgradRegressionModel> {
    private static final long serialVersionUID = 1L;

    public SparkgradRegressor() { this(randomUid("sgreg")); }

    public SparkgradRegressor(String uid) { super(uid, "mse"); }

    @Override protected TaskKind taskKind() { return TaskKind.REGRESSION; }

    @Override protected SparkgradRegressionModel newModel(String uid, TrainedNetwork net) { return new SparkgradRegressionModel(uid, net); }

    /** Reader for {@code write().save(path)} output (Spark ML persistence). */
    public static MLReader<SparkgradRegressor> read() { return new DefaultParamsReader<>(); }

    public static SparkgradRegressor load(String path) { return read().load(path); }
}
