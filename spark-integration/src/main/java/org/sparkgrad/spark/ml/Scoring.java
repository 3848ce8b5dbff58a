package org.sparkgrad.spark.ml;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.nn.Module;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * Batched inference per partition: one module per executor JVM and trained network (weights broadcast
 * once per {@code transform}), rows scored in mini-batches, never one forward pass per row.
 */
final class Scoring {
    /** At most a few live models per JVM (least recently used evicted). */
    private static final Map<String, Module> MODELS = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<String, Module>(8, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override protected boolean removeEldestEntry(Map.Entry<String, Module> e) { return size() > 4; }
            });
    private static final int SCORE_BATCH = 256;

    private Scoring() {}

    static Module module(String key, TrainedNetwork net) {
        return MODELS.computeIfAbsent(key, k -> {
            Module m = net.buildModule();
            Device d = net.conf.resolveDevice();
            if (!d.isCpu()) m.to(d);
            return m;
        });
    }

    /** Appends the model's output columns to every row of {@code df}. */
    static Dataset<Row> transform(Dataset<Row> df, TrainedNetwork net, SparkgradParams p, TaskKind kind, String key) {
        StructType outSchema = SchemaChecks.appendOutputs(p, df.schema(), kind);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        Broadcast<TrainedNetwork> b = jsc.broadcast(net);
        int fi = df.schema().fieldIndex(p.getFeaturesCol());
        RowReader reader = new RowReader(p.getFeaturesCol(), net.conf.featureSize, "", 1, kind, net.conf.outputs);
        // which of (rawPrediction, probability, prediction) / (prediction) / (output) to append: empty names are skipped
        boolean[] emit = kind == TaskKind.CLASSIFICATION
                ? new boolean[] {!p.getRawPredictionCol().isEmpty(), !p.getProbabilityCol().isEmpty(), !p.getPredictionCol().isEmpty()}
                : new boolean[] {!(kind == TaskKind.REGRESSION ? p.getPredictionCol() : p.getOutputCol()).isEmpty()};
        MapPartitionsFunction<Row, Row> fn = rows -> new ScoreIterator(rows, b, reader, fi, kind, key, emit);
        Dataset<Row> out = df.mapPartitions(fn, Encoders.row(outSchema));
        // the row encoder keeps types, not column metadata: put the input columns' metadata (e.g. StringIndexer's labels)
        // and the output columns' ML attributes back
        for (int i = 0; i < outSchema.size(); i++) {
            org.apache.spark.sql.types.StructField f = outSchema.fields()[i];
            if (!f.metadata().equals(org.apache.spark.sql.types.Metadata.empty())) out = out.withMetadata(f.name(), f.metadata());
        }
        return out;
    }

    static final class ScoreIterator implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final Broadcast<TrainedNetwork> net;
        private final RowReader reader;
        private final int fi;
        private final TaskKind kind;
        private final String key;
        private final List<Row> out = new ArrayList<>();
        private int pos;
        private long rowIndex;
        private final int partition;
        private final boolean[] emit;

        ScoreIterator(Iterator<Row> rows, Broadcast<TrainedNetwork> net, RowReader reader, int fi, TaskKind kind, String key,
                      boolean[] emit) {
            this.emit = emit;
            this.rows = rows;
            this.net = net;
            this.reader = reader;
            this.fi = fi;
            this.kind = kind;
            this.key = key;
            org.apache.spark.TaskContext tc = org.apache.spark.TaskContext.get();
            this.partition = tc == null ? 0 : tc.partitionId();
        }

        @Override public boolean hasNext() {
            if (pos < out.size()) return true;
            if (!rows.hasNext()) return false;
            scoreNextBatch();
            return pos < out.size();
        }

        @Override public Row next() {
            if (!hasNext()) throw new java.util.NoSuchElementException();
            return out.get(pos++);
        }

        private void scoreNextBatch() {
            out.clear();
            pos = 0;
            TrainedNetwork n = net.value();
            List<Row> in = new ArrayList<>(SCORE_BATCH);
            while (in.size() < SCORE_BATCH && rows.hasNext()) in.add(rows.next());
            int fs = n.conf.featureSize;
            float[] x = new float[in.size() * fs];
            for (int i = 0; i < in.size(); i++) reader.features(in.get(i), fi, x, i * fs, partition, rowIndex++);
            int[] shape = new int[n.conf.featuresShape.length + 1];
            shape[0] = in.size();
            System.arraycopy(n.conf.featuresShape, 0, shape, 1, n.conf.featuresShape.length);
            Module m = module(key, n);
            Tensor xt = Tensor.fromArray(x, shape);
            Tensor y;
            try (GradMode.Guard g = GradMode.noGrad()) {
                Device d = n.conf.resolveDevice();
                if (!d.isCpu()) xt = xt.to(d);
                y = m.forward(xt).to(Device.CPU);
                if (kind == TaskKind.CLASSIFICATION) {
                    Tensor logits = y.reshape(in.size(), -1);
                    float[] raw = logits.toFloatArray();
                    float[] prob = logits.softmax(-1).toFloatArray();
                    int k = logits.size(1);
                    for (int i = 0; i < in.size(); i++) {
                        double[] r = new double[k], pr = new double[k];
                        int best = 0;
                        for (int c = 0; c < k; c++) {
                            r[c] = raw[i * k + c];
                            pr[c] = prob[i * k + c];
                            if (r[c] > r[best]) best = c;
                        }
                        out.add(append(in.get(i), Vectors.dense(r), Vectors.dense(pr), (double) best));
                    }
                } else if (kind == TaskKind.REGRESSION) {
                    float[] v = y.reshape(in.size(), -1).toFloatArray();
                    int k = v.length / Math.max(1, in.size());
                    for (int i = 0; i < in.size(); i++) out.add(append(in.get(i), (double) v[i * k]));
                } else {
                    float[] v = y.reshape(in.size(), -1).toFloatArray();
                    int k = v.length / Math.max(1, in.size());
                    for (int i = 0; i < in.size(); i++) {
                        Float[] arr = new Float[k];
                        for (int c = 0; c < k; c++) arr[c] = v[i * k + c];
                        out.add(append(in.get(i), (Object) arr));
                    }
                }
            }
        }

        /** {@code r} followed by those of {@code extra} whose output column is produced ({@link #emit}). */
        private Row append(Row r, Object... extra) {
            int n = 0;
            for (boolean e : emit) if (e) n++;
            Object[] vals = new Object[r.length() + n];
            for (int i = 0; i < r.length(); i++) vals[i] = r.get(i);
            int o = r.length();
            for (int i = 0; i < extra.length; i++) if (emit[i]) vals[o++] = extra[i];
            return RowFactory.create(vals);
        }
    }

    /** Accuracy (classification) or RMSE (otherwise) of {@code net} on {@code df}. */
    static double validationMetric(TrainedNetwork net, Dataset<Row> df, SparkgradParams params, TaskKind kind) {
        // the metric needs the prediction column even when the user switched it off with an empty name
        SparkgradParams p = params.getPredictionCol().isEmpty()
                ? (SparkgradParams) params.copy(new org.apache.spark.ml.param.ParamMap().put(params.predictionCol(), "__sparkgrad_prediction"))
                : params;
        String key = "validation:" + System.identityHashCode(net) + ":" + java.util.Arrays.hashCode(net.stateBytes());
        try {
            Dataset<Row> scored = transform(df, net, p, kind, key);
            if (kind == TaskKind.CLASSIFICATION) {
                Row r = scored.agg(functions.avg(functions.when(functions.col(p.getPredictionCol())
                        .equalTo(functions.col(p.getLabelCol()).cast("double")), 1.0).otherwise(0.0))).head();
                return r.isNullAt(0) ? Double.NaN : r.getDouble(0);
            }
            if (kind == TaskKind.REGRESSION) {
                Row r = scored.agg(functions.sqrt(functions.avg(functions.pow(functions.col(p.getPredictionCol())
                        .minus(functions.col(p.getLabelCol()).cast("double")), 2)))).head();
                return r.isNullAt(0) ? Double.NaN : r.getDouble(0);
            }
            return Double.NaN;
        } finally {
            MODELS.remove(key);
        }
    }
}
