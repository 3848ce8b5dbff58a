package org.sparkgrad.spark.ml;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.sparkgrad.io.SafeTensors;
import org.sparkgrad.tensor.Tensor;
import scala.Option;

/**
 * Spark ML persistence of Sparkgrad models: Spark's metadata layout ({@code metadata/}, written by
 * {@code DefaultParamsWriter}, holding the Params), plus {@code data/weights.safetensors} (the state dict in
 * the safetensors layout, readable by PyTorch's safetensors) and {@code data/network.json} (architecture,
 * shapes, training summary and provenance). Paths go through Hadoop's FileSystem (local, HDFS, S3A);
 * data files are written to a temporary name and renamed.
 */
final class ModelPersistence {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelPersistence() {}

    static final class Writer extends MLWriter {
        private final SparkgradModelBase<?> model;

        Writer(SparkgradModelBase<?> model) { this.model = model; }

        @Override public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sparkSession(), Option.empty(), Option.empty());
            TrainedNetwork net = model.network;
            org.apache.hadoop.conf.Configuration hconf = sparkSession().sparkContext().hadoopConfiguration();
            try {
                Path data = new Path(path, "data");
                FileSystem fs = data.getFileSystem(hconf);
                fs.mkdirs(data);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("format", "sparkgrad-model");
                meta.put("engine_version", Provenance.engineVersion());
                writeAtomically(fs, new Path(data, "weights.safetensors"), out -> SafeTensors.write(out, net.stateDict(), meta));
                byte[] json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(describe(net, model));
                writeAtomically(fs, new Path(data, "network.json"), out -> out.write(json));
            } catch (IOException e) {
                throw new UncheckedIOException("could not save model to " + path, e);
            }
        }
    }

    interface Body {
        void write(java.io.OutputStream out) throws IOException;
    }

    static void writeAtomically(FileSystem fs, Path dst, Body body) throws IOException {
        Path tmp = new Path(dst.getParent(), "." + dst.getName() + ".tmp");
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            body.write(out);
        } catch (IOException | RuntimeException e) {
            fs.delete(tmp, false);
            throw e;
        }
        if (fs.exists(dst)) fs.delete(dst, false);
        if (!fs.rename(tmp, dst)) throw new IOException("could not rename " + tmp + " to " + dst);
    }

    static Map<String, Object> describe(TrainedNetwork net, SparkgradParams p) {
        TrainConfig c = net.conf;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", c.kind.name());
        m.put("network", c.network);
        m.put("moduleFactory", c.moduleFactory);
        m.put("featuresShape", c.featuresShape);
        m.put("labelShape", c.labelShape);
        m.put("outputs", c.outputs);
        m.put("loss", c.loss);
        m.put("optimizer", c.optimizer);
        m.put("optimizerOptions", c.optimizerOptions);
        m.put("learningRate", c.learningRate);
        m.put("lrSchedule", c.lrSchedule);
        m.put("batchSize", c.batchSize);
        m.put("averagingFrequency", c.averagingFrequency);
        m.put("seed", c.seed);
        m.put("summary", net.summary.toMap());
        m.put("provenance", Provenance.describe());
        return m;
    }

    /** Reads a model of class {@code cls} saved by {@link Writer}. */
    static final class Reader<M extends SparkgradModelBase<M>> extends MLReader<M> {
        private final Class<M> cls;

        Reader(Class<M> cls) { this.cls = cls; }

        @Override public M load(String path) {
            DefaultParamsReader.Metadata md = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(), cls.getName());
            org.apache.hadoop.conf.Configuration hconf = sparkSession().sparkContext().hadoopConfiguration();
            try {
                Path data = new Path(path, "data");
                FileSystem fs = data.getFileSystem(hconf);
                Map<?, ?> desc;
                try (FSDataInputStream in = fs.open(new Path(data, "network.json"))) {
                    desc = JSON.readValue((java.io.InputStream) in, Map.class);
                }
                Path wp = new Path(data, "weights.safetensors");
                long size = fs.getFileStatus(wp).getLen();
                Map<String, Tensor> weights;
                try (FSDataInputStream in = fs.open(wp)) {
                    weights = SafeTensors.read(in, size, wp.toString()).tensors();
                }
                for (String k : new String[] {"kind", "featuresShape", "labelShape", "outputs", "loss", "optimizer", "learningRate",
                        "lrSchedule", "batchSize", "averagingFrequency", "seed", "summary"}) {
                    if (desc.get(k) == null) {
                        throw new IllegalArgumentException("corrupt model at " + path + ": data/network.json has no '" + k + "'");
                    }
                }
                TrainConfig c = new TrainConfig();
                c.kind = TaskKind.valueOf((String) desc.get("kind"));
                c.network = (String) desc.get("network");
                c.moduleFactory = (String) desc.get("moduleFactory");
                c.featuresShape = ints(desc.get("featuresShape"));
                c.labelShape = ints(desc.get("labelShape"));
                c.featureSize = ParameterAveragingTrainer.prod(c.featuresShape);
                c.labelSize = Math.max(1, ParameterAveragingTrainer.prod(c.labelShape));
                c.outputs = ((Number) desc.get("outputs")).intValue();
                c.loss = (String) desc.get("loss");
                c.optimizer = (String) desc.get("optimizer");
                c.optimizerOptions = (String) desc.get("optimizerOptions");
                c.learningRate = ((Number) desc.get("learningRate")).doubleValue();
                c.lrSchedule = (String) desc.get("lrSchedule");
                c.batchSize = ((Number) desc.get("batchSize")).intValue();
                c.averagingFrequency = ((Number) desc.get("averagingFrequency")).intValue();
                c.seed = ((Number) desc.get("seed")).longValue();
                c.device = "auto";
                @SuppressWarnings("unchecked") Map<String, Object> sm = (Map<String, Object>) desc.get("summary");
                TrainedNetwork net = new TrainedNetwork(c, weights, TrainingSummary.fromMap(sm));
                try {
                    net.buildModule(); // weights that do not fit the network fail here, not in the first transform
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("corrupt model at " + path
                            + ": data/weights.safetensors does not fit the network in data/network.json: " + e.getMessage(), e);
                }
                M model = cls.getDeclaredConstructor(String.class, TrainedNetwork.class).newInstance(md.uid(), net);
                md.getAndSetParams(model, Option.empty());
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("could not load model from " + path + ": " + e.getMessage(), e);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot instantiate " + cls.getName(), e);
            }
        }

        private static int[] ints(Object o) {
            java.util.List<?> l = (java.util.List<?>) o;
            int[] r = new int[l.size()];
            for (int i = 0; i < r.length; i++) r[i] = ((Number) l.get(i)).intValue();
            return r;
        }
    }
}
