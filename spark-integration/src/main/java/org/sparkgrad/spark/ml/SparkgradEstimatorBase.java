package org.sparkgrad.spark.ml;

import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * Common base of the Sparkgrad estimators: the shared Params with fluent setters that return the concrete
 * estimator type, schema validation, and {@code fit} through the parameter-averaging trainer.
 *
 * @param <E> the concrete estimator (for fluent setters)
 * @param <M> the model it fits
 */
public abstract class SparkgradEstimatorBase<E extends SparkgradEstimatorBase<E, M>, M extends SparkgradModelBase<M>>
        extends Estimator<M> implements SparkgradParams, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private final String uid;
    private final SparkgradParamDefs defs;

    protected SparkgradEstimatorBase(String uid, String defaultLoss) {
        this.uid = uid;
        this.defs = new SparkgradParamDefs(uid, this);
        SparkgradParams.setSharedDefaults(this, defaultLoss);
    }

    @Override public String uid() { return uid; }

    @Override public SparkgradParamDefs defs() { return defs; }

    @SuppressWarnings("unchecked")
    private E self() { return (E) this; }

    public E setFeaturesCol(String v) { set(featuresCol(), v); return self(); }

    public E setLabelCol(String v) { set(labelCol(), v); return self(); }

    public E setPredictionCol(String v) { set(predictionCol(), v); return self(); }

    public E setProbabilityCol(String v) { set(probabilityCol(), v); return self(); }

    public E setRawPredictionCol(String v) { set(rawPredictionCol(), v); return self(); }

    public E setOutputCol(String v) { set(outputCol(), v); return self(); }

    public E setFeaturesShape(int... v) { set(featuresShape(), v); return self(); }

    public E setLabelShape(int... v) { set(labelShape(), v); return self(); }

    /** The network as a JSON layer spec ({@link org.sparkgrad.nn.spec.NetworkSpec}); validated here. */
    public E setNetwork(String json) {
        org.sparkgrad.nn.spec.NetworkSpec.parse(json);
        set(network(), json);
        return self();
    }

    public E setModuleFactory(String className) { set(moduleFactory(), className); return self(); }

    public E setLoss(String v) { set(loss(), v); return self(); }

    public E setOptimizer(String v) { set(optimizer(), v); return self(); }

    public E setOptimizerOptions(String json) { set(optimizerOptions(), json); return self(); }

    public E setLearningRate(double v) { set(learningRate(), v); return self(); }

    public E setLrSchedule(String v) { set(lrSchedule(), v); return self(); }

    public E setBatchSize(int v) { set(batchSize(), v); return self(); }

    public E setMaxEpochs(int v) { set(maxEpochs(), v); return self(); }

    public E setAveragingFrequency(int v) { set(averagingFrequency(), v); return self(); }

    public E setNumWorkers(int v) { set(numWorkers(), v); return self(); }

    public E setAverageOptimizerState(boolean v) { set(averageOptimizerState(), v); return self(); }

    public E setSeed(long v) { set(seed(), v); return self(); }

    public E setCheckpointDir(String v) { set(checkpointDir(), v); return self(); }

    public E setCheckpointInterval(int v) { set(checkpointInterval(), v); return self(); }

    public E setResumeFromCheckpoint(boolean v) { set(resumeFromCheckpoint(), v); return self(); }

    /**
     * Whether to shuffle the training rows once, seeded by {@code seed}, before they are cut into per-worker chunks
     * (default false, as PyTorch's {@code DataLoader}): each averaging round trains on one chunk of consecutive rows per
     * worker (chunks are visited in a new random order every epoch and rows within a chunk reshuffled), so data stored
     * sorted by label or time gives each round a narrow sample unless shuffled. Costs one Spark shuffle and sort of the
     * two training columns per fit (the Parquet path instead deals row-group blocks in a seeded order and mixes rows
     * in arrow-io's shuffle buffer).
     */
    public E setShuffle(boolean v) { set(shuffle(), v); return self(); }

    public E setDevice(String v) { set(device(), v); return self(); }

    /**
     * {@code float32} (default), or mixed precision: {@code bfloat16} or {@code float16} autocast around the forward
     * pass and the loss (see {@link org.sparkgrad.amp.Autocast}), float32 parameters and optimizer state, and for
     * float16 a {@link org.sparkgrad.amp.GradScaler} per task. Mixed precision needs the CPU (16-bit tensors are
     * CPU-only): with a GPU task it fails the fit.
     */
    public E setPrecision(String v) { set(precision(), v); return self(); }

    public E setValidationCol(String v) { set(validationCol(), v); return self(); }

    public E setValidationFraction(double v) { set(validationFraction(), v); return self(); }

    public E setNumClasses(int v) { set(numClasses(), v); return self(); }

    /** The kind of task: decides label handling and the model type. */
    protected abstract TaskKind taskKind();

    /** Wraps the trained state into the concrete model. */
    protected abstract M newModel(String uid, TrainedNetwork net);

    @Override public StructType transformSchema(StructType schema) {
        SchemaChecks.validateTraining(this, schema, taskKind());
        return SchemaChecks.appendOutputs(this, schema, taskKind());
    }

    @Override public M fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        TrainedNetwork net;
        try {
            net = new ParameterAveragingTrainer(this, taskKind()).fit(dataset);
        } catch (RuntimeException e) {
            throw unwrap(e);
        } catch (Exception e) { // SparkException is checked in Java's eyes but undeclared by Scala
            throw unwrap(e);
        }
        M model = newModel(uid, net);
        copyValues(model, extractParamMap());
        // a fitted classifier reports the class count it was trained for, also when it was inferred (numClasses 0)
        if (taskKind() == TaskKind.CLASSIFICATION) model.set(model.numClasses(), net.conf.outputs);
        model.setParent(this);
        return model;
    }

    @SuppressWarnings("unchecked")
    @Override public E copy(ParamMap extra) { return (E) defaultCopy(extra); }

    /** Surfaces a data error thrown on an executor as itself, not wrapped in Spark's job failure. */
    static RuntimeException unwrap(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof SparkgradDataException) return (SparkgradDataException) c;
        }
        return e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException("Sparkgrad training failed: " + e.getMessage(), e);
    }

    /** A fresh uid with this estimator's prefix. */
    protected static String randomUid(String prefix) { return Identifiable.randomUID(prefix); }
}
