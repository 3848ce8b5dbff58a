package org.sparkgrad.nn.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.sparkgrad.nn.*;
import org.sparkgrad.nn.Module;
import org.sparkgrad.tensor.Generator;

/**
 * A network architecture as data: a JSON layer spec that builds a {@link Module}, so an architecture can be
 * stored, shipped to Spark executors and saved with a model. Format:
 *
 * <pre>{"type": "Sequential", "layers": [
 *    {"type": "Linear", "in_features": 64, "out_features": 128},
 *    {"type": "ReLU"},
 *    {"type": "Dropout", "p": 0.1},
 *    {"type": "Linear", "in_features": 128, "out_features": 10}]}</pre>
 *
 * A bare JSON array is a Sequential. Layer types are PyTorch's class names and their arguments PyTorch's
 * keyword names. Further layer types are added with {@link #register}. Building is deterministic: the same
 * spec and seed give the same initial weights.
 */
public final class NetworkSpec {
    /** Creates one layer from its JSON config (the object with {@code type}). */
    @FunctionalInterface
    public interface LayerFactory {
        Module create(JsonNode config, Generator g);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, LayerFactory> FACTORIES = new ConcurrentHashMap<>();
    /** Specs already parsed and validated (specs are immutable), so executors parse each once. */
    private static final Map<String, NetworkSpec> PARSED = new ConcurrentHashMap<>();

    static {
        register("Sequential", (c, g) -> {
            Sequential s = new Sequential();
            JsonNode layers = c.path("layers");
            if (!layers.isArray()) throw new IllegalArgumentException("Sequential spec needs a 'layers' array: " + c);
            for (JsonNode l : layers) s.add(buildLayer(l, g));
            return s;
        });
        register("Linear", (c, g) -> new Linear(req(c, "in_features"), req(c, "out_features"), c.path("bias").asBoolean(true), g));
        register("Embedding", (c, g) -> new Embedding(req(c, "num_embeddings"), req(c, "embedding_dim"),
                c.hasNonNull("padding_idx") ? c.get("padding_idx").asInt() : null, g));
        register("Dropout", (c, g) -> new Dropout(c.path("p").asDouble(0.5), new Generator(g.nextLong())));
        register("Identity", (c, g) -> new Identity());
        register("Flatten", (c, g) -> new Flatten(c.path("start_dim").asInt(1), c.path("end_dim").asInt(-1)));
        register("Unflatten", (c, g) -> new Unflatten(req(c, "dim"), ints(c, "unflattened_size")));
        register("ReLU", (c, g) -> new ReLU());
        register("LeakyReLU", (c, g) -> new LeakyReLU(c.path("negative_slope").asDouble(0.01)));
        register("ELU", (c, g) -> new ELU(c.path("alpha").asDouble(1.0)));
        register("GELU", (c, g) -> new GELU("tanh".equals(c.path("approximate").asText("none"))));
        register("SiLU", (c, g) -> new SiLU());
        register("Softplus", (c, g) -> new Softplus(c.path("beta").asDouble(1), c.path("threshold").asDouble(20)));
        register("Mish", (c, g) -> new Mish());
        register("Hardtanh", (c, g) -> new Hardtanh(c.path("min_val").asDouble(-1), c.path("max_val").asDouble(1)));
        register("ReLU6", (c, g) -> new ReLU6());
        register("LogSigmoid", (c, g) -> new LogSigmoid());
        register("Sigmoid", (c, g) -> new Sigmoid());
        register("Tanh", (c, g) -> new Tanh());
        register("Softmax", (c, g) -> new Softmax(c.path("dim").asInt(-1)));
        register("LogSoftmax", (c, g) -> new LogSoftmax(c.path("dim").asInt(-1)));
        register("SELU", (c, g) -> new SELU());
        register("CELU", (c, g) -> new CELU(c.path("alpha").asDouble(1.0)));
        register("Hardswish", (c, g) -> new Hardswish());
        register("Hardsigmoid", (c, g) -> new Hardsigmoid());
        register("PReLU", (c, g) -> new PReLU(c.path("num_parameters").asInt(1), c.path("init").asDouble(0.25)));
        register("Softsign", (c, g) -> new Softsign());
        register("Tanhshrink", (c, g) -> new Tanhshrink());
        register("Softshrink", (c, g) -> new Softshrink(c.path("lambd").asDouble(0.5)));
        register("Hardshrink", (c, g) -> new Hardshrink(c.path("lambd").asDouble(0.5)));
        register("Threshold", (c, g) -> new Threshold(reqDouble(c, "threshold"), reqDouble(c, "value")));
        register("GLU", (c, g) -> new GLU(c.path("dim").asInt(-1)));
        register("InstanceNorm1d", (c, g) -> new InstanceNorm1d(req(c, "num_features"), c.path("eps").asDouble(1e-5),
                c.path("momentum").asDouble(0.1), c.path("affine").asBoolean(false), c.path("track_running_stats").asBoolean(false)));
        register("InstanceNorm2d", (c, g) -> new InstanceNorm2d(req(c, "num_features"), c.path("eps").asDouble(1e-5),
                c.path("momentum").asDouble(0.1), c.path("affine").asBoolean(false), c.path("track_running_stats").asBoolean(false)));
        register("InstanceNorm3d", (c, g) -> new InstanceNorm3d(req(c, "num_features"), c.path("eps").asDouble(1e-5),
                c.path("momentum").asDouble(0.1), c.path("affine").asBoolean(false), c.path("track_running_stats").asBoolean(false)));
        register("Upsample", (c, g) -> new Upsample(ints(c, "size"), doubles(c, "scale_factor"), c.path("mode").asText("nearest"),
                c.hasNonNull("align_corners") ? c.get("align_corners").asBoolean() : null,
                c.hasNonNull("recompute_scale_factor") ? c.get("recompute_scale_factor").asBoolean() : null));
        register("UpsamplingNearest2d", (c, g) -> new UpsamplingNearest2d(ints(c, "size"), doubles(c, "scale_factor")));
        register("UpsamplingBilinear2d", (c, g) -> new UpsamplingBilinear2d(ints(c, "size"), doubles(c, "scale_factor")));
        ConvLayerSpecs.registerAll();
        register("BatchNorm1d", (c, g) -> new BatchNorm1d(req(c, "num_features"), c.path("eps").asDouble(1e-5), momentum(c),
                c.path("affine").asBoolean(true), c.path("track_running_stats").asBoolean(true)));
        register("BatchNorm2d", (c, g) -> new BatchNorm2d(req(c, "num_features"), c.path("eps").asDouble(1e-5), momentum(c),
                c.path("affine").asBoolean(true), c.path("track_running_stats").asBoolean(true)));
        register("BatchNorm3d", (c, g) -> new BatchNorm3d(req(c, "num_features"), c.path("eps").asDouble(1e-5), momentum(c),
                c.path("affine").asBoolean(true), c.path("track_running_stats").asBoolean(true)));
        register("LayerNorm", (c, g) -> new LayerNorm(ints(c, "normalized_shape"), c.path("eps").asDouble(1e-5),
                c.path("elementwise_affine").asBoolean(true), c.path("bias").asBoolean(true)));
        register("RMSNorm", (c, g) -> new RMSNorm(ints(c, "normalized_shape"), c.hasNonNull("eps") ? c.get("eps").asDouble() : null,
                c.path("elementwise_affine").asBoolean(true)));
        register("GroupNorm", (c, g) -> new GroupNorm(req(c, "num_groups"), req(c, "num_channels"), c.path("eps").asDouble(1e-5),
                c.path("affine").asBoolean(true)));
        register("TransformerEncoderLayer", (c, g) -> new TransformerEncoderLayer(req(c, "d_model"), req(c, "nhead"),
                c.path("dim_feedforward").asInt(2048), c.path("dropout").asDouble(0.1),
                "gelu".equals(c.path("activation").asText("relu")) ? TransformerEncoderLayer.Activation.GELU
                        : TransformerEncoderLayer.Activation.RELU, c.path("layer_norm_eps").asDouble(1e-5),
                c.path("batch_first").asBoolean(true), c.path("norm_first").asBoolean(false), c.path("bias").asBoolean(true), g));
        register("TransformerEncoder", (c, g) -> {
            JsonNode layer = c.get("encoder_layer");
            if (layer == null || !layer.isObject()) {
                throw new IllegalArgumentException("needs an 'encoder_layer' object (a TransformerEncoderLayer spec)");
            }
            Module l = buildLayer(layer, g);
            if (!(l instanceof TransformerEncoderLayer tl)) {
                throw new IllegalArgumentException("'encoder_layer' must be a TransformerEncoderLayer, got " + layer.path("type").asText());
            }
            Module norm = c.hasNonNull("norm") ? buildLayer(c.get("norm"), g) : null;
            if (norm != null && !(norm instanceof LayerNorm)) {
                throw new IllegalArgumentException("'norm' must be a LayerNorm, got " + c.get("norm").path("type").asText());
            }
            return new TransformerEncoder(tl, req(c, "num_layers"), (LayerNorm) norm);
        });
        register("GPT", (c, g) -> new GPT(new GPT.Config(req(c, "vocab_size"), req(c, "block_size"), req(c, "n_layer"), req(c, "n_head"),
                req(c, "n_embd"), c.path("dropout").asDouble(0.0), c.path("bias").asBoolean(true)), g));
    }

    /** PyTorch's batch-norm momentum: absent = 0.1, null = cumulative average. */
    private static Double momentum(JsonNode c) {
        JsonNode m = c.get("momentum");
        if (m == null) return 0.1;
        return m.isNull() ? null : m.asDouble();
    }

    private final JsonNode spec;

    private NetworkSpec(JsonNode spec) {
        this.spec = spec;
    }

    /**
     * Parses a spec.
     *
     * @throws IllegalArgumentException for malformed JSON, an unknown layer type or a missing argument
     */
    public static NetworkSpec parse(String json) {
        NetworkSpec cached = PARSED.get(json);
        if (cached != null) return cached;
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("network spec is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !(n.isArray() || n.isObject())) throw new IllegalArgumentException("network spec must be a JSON object or array");
        NetworkSpec s = new NetworkSpec(n);
        s.build(0); // validate eagerly
        if (PARSED.size() < 64) PARSED.put(json, s);
        return s;
    }

    /** An MLP spec: Linear layers of the given widths with {@code activation} between them. */
    public static NetworkSpec mlp(String activation, int... widths) {
        ArrayNode layers = JSON.createArrayNode();
        for (int i = 0; i + 1 < widths.length; i++) {
            if (i > 0) layers.addObject().put("type", activation);
            layers.addObject().put("type", "Linear").put("in_features", widths[i]).put("out_features", widths[i + 1]);
        }
        ObjectNode root = JSON.createObjectNode().put("type", "Sequential");
        root.set("layers", layers);
        return parse(root.toString());
    }

    /** Builds the module with weights initialised from {@code seed}. */
    public Module build(long seed) {
        return buildLayer(spec, new Generator(seed));
    }

    /** The spec as compact JSON. */
    public String toJson() { return spec.toString(); }

    @Override public String toString() { return toJson(); }

    /** Adds (or replaces) a layer type. */
    public static void register(String type, LayerFactory f) {
        FACTORIES.put(type, f);
        PARSED.clear();
    }

    /** The known layer types. */
    public static java.util.Set<String> layerTypes() { return new java.util.TreeSet<>(FACTORIES.keySet()); }

    static Module buildLayer(JsonNode c, Generator g) {
        if (c.isArray()) {
            ObjectNode seq = JSON.createObjectNode().put("type", "Sequential");
            seq.set("layers", c);
            c = seq;
        }
        String type = c.path("type").asText(null);
        if (type == null) throw new IllegalArgumentException("layer spec without 'type': " + c);
        LayerFactory f = FACTORIES.get(type);
        if (f == null) throw new IllegalArgumentException("unknown layer type '" + type + "'; known: " + layerTypes());
        try {
            return f.create(c, g);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad " + type + " layer " + c + ": " + e.getMessage(), e);
        }
    }

    /** A required int argument. */
    public static int req(JsonNode c, String name) {
        JsonNode v = c.get(name);
        if (v == null || v.isNull() || !v.canConvertToInt()) throw new IllegalArgumentException("missing integer argument '" + name + "'");
        return v.asInt();
    }

    /** An int or int-list argument as an array (null when absent). */
    public static int[] ints(JsonNode c, String name) {
        JsonNode v = c.get(name);
        if (v == null || v.isNull()) return null;
        if (v.isArray()) {
            int[] r = new int[v.size()];
            for (int i = 0; i < r.length; i++) r[i] = v.get(i).asInt();
            return r;
        }
        return new int[] {v.asInt()};
    }

    /** An optional number or array of numbers, as doubles ({@code null} when absent). */
    static double[] doubles(JsonNode c, String name) {
        JsonNode v = c.get(name);
        if (v == null || v.isNull()) return null;
        if (v.isArray()) {
            double[] r = new double[v.size()];
            for (int i = 0; i < r.length; i++) r[i] = v.get(i).asDouble();
            return r;
        }
        return new double[] {v.asDouble()};
    }

    /** A required number argument. */
    static double reqDouble(JsonNode c, String name) {
        JsonNode v = c.get(name);
        if (v == null || !v.isNumber()) throw new IllegalArgumentException("missing number argument '" + name + "' (has " + keys(c) + ")");
        return v.asDouble();
    }

    /** Unknown keys are ignored; this lists a config's keys for error messages. */
    static String keys(JsonNode c) {
        Map<String, Boolean> m = new TreeMap<>();
        for (Iterator<String> it = c.fieldNames(); it.hasNext(); ) m.put(it.next(), Boolean.TRUE);
        return m.keySet().toString();
    }
}
