package org.sparkgrad.spark.ml;

import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;

/**
 * Trains a Sparkgrad network as a classifier on a DataFrame: features from an ML Vector or array column, integer class labels
 * in [0, numClasses). The network must output one logit per class; the default loss is cross entropy. Training runs on
 * the executors by parameter averaging ({@link ParameterAveragingTrainer}). Spark ML conventions throughout:
 * <pre>{@code
 * SparkgradClassifier clf = new SparkgradClassifier()
 *     .setNetwork("[{\"type\":\"Linear\",\"in_features\":64,\"out_features\":10}]")
 *     .setMaxEpochs(20).setBatchSize(32).setLearningRate(1e-3);
 * SparkgradClassificationModel model = clf.fit(train);
 * Dataset<Row> scored = model.transform(test); // rawPrediction, probability, prediction
 * }</pre>
 */
public class SparkgradClassifier extends SparkgradEstimatorBase<SparkgradClassifier, SparkgradClassificationModel> {
    private static final long serialVersionUID = 1L;

    public SparkgradClassifier() { this(randomUid("sgclf")); }

    public SparkgradClassifier(String uid) { super(uid, "cross_entropy"); }

    @Override protected TaskKind taskKind() { return TaskKind.CLASSIFICATION; }

    @Override protected SparkgradClassificationModel newModel(String uid, TrainedNetwork net) { return new SparkgradClassificationModel(uid, net); }

    /** Reader for {@code write().save(path)} output (Spark ML persistence). */
    public static MLReader<SparkgradClassifier> read() { return new DefaultParamsReader<>(); }

    public static SparkgradClassifier load(String path) { return read().load(path); }
}
