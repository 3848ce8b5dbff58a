package org.sparkgrad.spark.ml;

import org.apache.spark.ml.util.MLReader;

/**
 * A fitted general Sparkgrad model: {@code transform} adds {@code outputCol}, the flattened network output as
 * {@code array<float>} (shape {@code labelShape}).
 */
public class SparkgradModel extends SparkgradModelBase<SparkgradModel> {
    private static final long serialVersionUID = 1L;

    public SparkgradModel(String uid, TrainedNetwork network) { super(uid, network, "mse"); }

    @Override protected TaskKind taskKind() { return TaskKind.TENSOR; }

    @Override protected SparkgradModel newInstance(String uid, TrainedNetwork net) { return new SparkgradModel(uid, net); }

    /** Reader for {@code write().save(path)} output (Spark ML persistence). */
    public static MLReader<SparkgradModel> read() { return new ModelPersistence.Reader<>(SparkgradModel.class); }

    public static SparkgradModel load(String path) { return read().load(path); }
}
