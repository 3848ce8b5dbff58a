package org.sparkgrad.spark.ml;

import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;

/**
 * Trains a Sparkgrad network with tensor targets (e.g. 4-D forecasts): features and labels are array (or Vector)
 * columns with declared {@code featuresShape}/{@code labelShape}. Training by parameter averaging on the executors.
 */
public class SparkgradEstimator extends SparkgradEstimatorBase<SparkgradEstimator, SparkgradModel> {
    private static final long serialVersionUID = 1L;

    public SparkgradEstimator() { this(randomUid("sgest")); }

    public SparkgradEstimator(String uid) { super(uid, "mse"); }

    @Override protected TaskKind taskKind() { return TaskKind.TENSOR; }

    @Override protected SparkgradModel newModel(String uid, TrainedNetwork net) { return new SparkgradModel(uid, net); }

    /** Reader for {@code write().save(path)} output (Spark ML persistence). */
    public static MLReader<SparkgradEstimator> read() { return new DefaultParamsReader<>(); }

    public static SparkgradEstimator load(String path) { return read().load(path); }
}
