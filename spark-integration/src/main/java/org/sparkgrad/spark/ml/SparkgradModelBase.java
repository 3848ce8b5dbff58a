package org.sparkgrad.spark.ml;

import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Common base of the fitted Sparkgrad models: batched scoring in {@code transform}, the training summary,
 * and Spark ML persistence ({@code write().save(path)}; load through the concrete class's {@code read()}).
 *
 * @param <M> the concrete model
 */
public abstract class SparkgradModelBase<M extends SparkgradModelBase<M>> extends Model<M> implements SparkgradParams, MLWritable {
    private static final long serialVersionUID = 1L;
    private final String uid;
    private final SparkgradParamDefs defs;
    TrainedNetwork network;

    protected SparkgradModelBase(String uid, TrainedNetwork network, String defaultLoss) {
        this.uid = uid;
        this.defs = new SparkgradParamDefs(uid, this);
        this.network = network;
        SparkgradParams.setSharedDefaults(this, defaultLoss);
    }

    @Override public String uid() { return uid; }

    @Override public SparkgradParamDefs defs() { return defs; }

    /** The kind of model. */
    protected abstract TaskKind taskKind();

    @SuppressWarnings("unchecked")
    private M self() { return (M) this; }

    public M setFeaturesCol(String v) { set(featuresCol(), v); return self(); }

    public M setPredictionCol(String v) { set(predictionCol(), v); return self(); }

    public M setProbabilityCol(String v) { set(probabilityCol(), v); return self(); }

    public M setRawPredictionCol(String v) { set(rawPredictionCol(), v); return self(); }

    public M setOutputCol(String v) { set(outputCol(), v); return self(); }

    public M setDevice(String v) { set(device(), v); return self(); }

    /** What {@code fit} recorded (loss per round, validation metric per epoch). */
    public TrainingSummary summary() { return network.summary; }

    /** Number of network outputs (classes for a classifier). */
    public int numOutputs() { return network.conf.outputs; }

    /** Per-sample input shape. */
    public int[] inputShape() { return network.conf.featuresShape.clone(); }

    /** The network's weights by PyTorch-style name (copies). */
    public java.util.Map<String, org.sparkgrad.tensor.Tensor> stateDict() { return network.stateDict(); }

    /** A fresh engine module with the trained weights (eval mode), for use outside Spark. */
    public org.sparkgrad.nn.Module toModule() { return network.buildModule(); }

    @Override public StructType transformSchema(StructType schema) {
        return SchemaChecks.appendOutputs(this, schema, taskKind());
    }

    @Override public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        TrainConfig conf = network.conf;
        conf.device = getDevice();
        String key = uid + ":" + java.util.Arrays.hashCode(network.stateBytes()) + ":" + conf.device;
        return Scoring.transform(dataset.toDF(), network, this, taskKind(), key);
    }

    @Override public M copy(ParamMap extra) {
        M m = newInstance(uid, network);
        copyValues(m, extra);
        m.setParent(parent());
        return m;
    }

    /** A model of the concrete class (same uid) around {@code net}. */
    protected abstract M newInstance(String uid, TrainedNetwork net);

    @Override public MLWriter write() { return new ModelPersistence.Writer(this); }
}
