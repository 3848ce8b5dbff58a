package org.sparkgrad.io;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.sparkgrad.Sparkgrad;
import org.sparkgrad.tensor.Tensor;

/**
 * A training checkpoint in one safetensors file: the model's state dict, the optimizer's state, the step and epoch,
 * and provenance (engine version, hyper-parameters, seed, data description, creation time), after PyTorch's
 * {@code torch.save({"model": ..., "optimizer": ..., "epoch": ...})} recipe but without Java (or pickle)
 * serialization, and after Tribuo's rule that a model carries its provenance.
 *
 * <pre>{@code
 * Checkpoint.builder()
 *     .modelState(model.stateDict())
 *     .optimizerState(optimizer.stateDict())      // nested maps/lists of numbers, strings and tensors
 *     .step(1200).epoch(3).seed(42)
 *     .hyperParameter("lr", 1e-3).hyperParameter("batchSize", 64)
 *     .dataDescription("mnist train split, 54000 rows")
 *     .build()
 *     .save(Path.of("ckpt/epoch3.safetensors"));   // atomic
 * Checkpoint ck = Checkpoint.load(Path.of("ckpt/epoch3.safetensors"));
 * model.loadStateDict(ck.modelState());
 * }</pre>
 *
 * <h2>File layout</h2>
 * Model tensor {@code name} is stored as {@code model.<name>}; a tensor found in the optimizer state at the path
 * {@code state -> 0 -> exp_avg} is stored as {@code optim.state.0.exp_avg} (made unique with a {@code ~n} suffix if
 * two paths collide). The {@code __metadata__} strings are: {@code format} ({@value #FORMAT}),
 * {@code format_version}, {@code step}, {@code epoch}, {@code engine_version}, {@code created_at} (ISO-8601 UTC),
 * {@code seed} and {@code data} when set, {@code hyper_parameters} and {@code optimizer} (JSON; the optimizer's
 * tensors appear there as {@code {"$tensor": "optim..."}} references). Values keep their Java types through the
 * JSON: {@code Integer}, {@code Long}, {@code Float}, {@code Double} (also NaN and infinities), {@code Boolean},
 * {@code String}, {@code null}, {@code List} and {@code Map} (also with non-string keys, e.g. {@code Integer}
 * parameter ids); maps come back as {@code LinkedHashMap}, lists as {@code ArrayList}. Because the file is plain
 * safetensors, {@code safetensors.torch.load_file} reads the weights too. Tensors are restored bit for bit, with
 * their dtypes and shapes, as CPU tensors that do not require grad.
 */
public final class Checkpoint {
    /** The value of the {@code format} metadata key. */
    public static final String FORMAT = "sparkgrad.checkpoint";
    /** The layout version this class writes (and the newest it reads). */
    public static final int FORMAT_VERSION = 1;
    /** Prefix of model tensors in the file. */
    public static final String MODEL_PREFIX = "model.";
    /** Prefix of optimizer tensors in the file. */
    public static final String OPTIMIZER_PREFIX = "optim.";

    static final String K_FORMAT = "format";
    static final String K_FORMAT_VERSION = "format_version";
    static final String K_STEP = "step";
    static final String K_EPOCH = "epoch";
    static final String K_ENGINE = "engine_version";
    static final String K_CREATED = "created_at";
    static final String K_SEED = "seed";
    static final String K_DATA = "data";
    static final String K_HYPER = "hyper_parameters";
    static final String K_OPTIM = "optimizer";

    private final Map<String, Tensor> modelState;
    private final Map<String, Object> optimizerState;
    private final long step;
    private final long epoch;
    private final String engineVersion;
    private final Map<String, Object> hyperParameters;
    private final Long seed;
    private final String dataDescription;
    private final Instant createdAt;

    private Checkpoint(Map<String, Tensor> modelState, Map<String, Object> optimizerState, long step, long epoch,
                       String engineVersion, Map<String, Object> hyperParameters, Long seed, String dataDescription,
                       Instant createdAt) {
        this.modelState = Collections.unmodifiableMap(new LinkedHashMap<>(modelState));
        this.optimizerState = Collections.unmodifiableMap(new LinkedHashMap<>(optimizerState));
        this.step = step;
        this.epoch = epoch;
        this.engineVersion = engineVersion;
        this.hyperParameters = Collections.unmodifiableMap(new LinkedHashMap<>(hyperParameters));
        this.seed = seed;
        this.dataDescription = dataDescription;
        this.createdAt = createdAt;
    }

    /** A builder with an empty state, step and epoch 0, this engine's version and the creation time set at build. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The model's state dict by parameter/buffer name (unmodifiable; in the order given, or after {@link #load} in
     * the file's order: by dtype, then name).
     */
    public Map<String, Tensor> modelState() { return modelState; }

    /** The optimizer's state: nested maps/lists of numbers, strings, booleans, nulls and tensors (unmodifiable top level). */
    public Map<String, Object> optimizerState() { return optimizerState; }

    /** Optimizer steps taken when the checkpoint was made. */
    public long step() { return step; }

    /** Epochs completed (or the current epoch, by the caller's convention) when the checkpoint was made. */
    public long epoch() { return epoch; }

    /** The engine version that made the checkpoint ({@link Sparkgrad#version()} by default). */
    public String engineVersion() { return engineVersion; }

    /** The hyper-parameters (unmodifiable; values as for the optimizer state, without tensors). */
    public Map<String, Object> hyperParameters() { return hyperParameters; }

    /** The random seed of the run, or null when not recorded. */
    public Long seed() { return seed; }

    /** A description of the training data (source, split, size), or null when not recorded. */
    public String dataDescription() { return dataDescription; }

    /** When the checkpoint was made (UTC instant, millisecond or finer precision as given). */
    public Instant createdAt() { return createdAt; }

    /**
     * Writes the checkpoint atomically to {@code path} (see {@link SafeTensors#save(Path, Map, Map)}): after a crash
     * the file holds either the previous checkpoint or this one.
     *
     * @throws UncheckedIOException when the file cannot be written
     */
    public void save(Path path) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta = layout(tensors);
        SafeTensors.save(path, tensors, meta);
    }

    /**
     * Writes the checkpoint's safetensors bytes to {@code out} (not atomic, not closed), for storage reached through
     * streams such as Hadoop's {@code FileSystem}; the caller makes the write atomic (temporary name, then rename).
     *
     * @throws UncheckedIOException when the stream fails
     */
    public void write(OutputStream out) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta = layout(tensors);
        SafeTensors.write(out, tensors, meta);
    }

    /** Fills {@code tensors} with the file's tensors and returns the file's metadata. */
    private Map<String, String> layout(Map<String, Tensor> tensors) {
        for (Map.Entry<String, Tensor> e : modelState.entrySet()) tensors.put(MODEL_PREFIX + e.getKey(), e.getValue());
        Set<String> used = new HashSet<>(tensors.keySet());
        String optimJson = StateJson.toJson(optimizerState, "optim", (p, t) -> {
            String unique = p;
            for (int i = 1; !used.add(unique); i++) unique = p + "~" + i;
            tensors.put(unique, t);
            return unique;
        });
        return metadata(optimJson);
    }

    private Map<String, String> metadata(String optimJson) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(K_FORMAT, FORMAT);
        m.put(K_FORMAT_VERSION, Integer.toString(FORMAT_VERSION));
        m.put(K_STEP, Long.toString(step));
        m.put(K_EPOCH, Long.toString(epoch));
        m.put(K_ENGINE, engineVersion);
        m.put(K_CREATED, createdAt.toString());
        if (seed != null) m.put(K_SEED, Long.toString(seed));
        if (dataDescription != null) m.put(K_DATA, dataDescription);
        m.put(K_HYPER, StateJson.toJson(hyperParameters, "hyper_parameters", null));
        m.put(K_OPTIM, optimJson);
        return m;
    }

    /**
     * Reads a checkpoint written by {@link #save}, restoring every tensor bit for bit and every value with its type.
     *
     * @throws SafeTensorsFormatException when the file is not valid safetensors, not a Sparkgrad checkpoint, of a
     *     newer layout version, or inconsistent (a missing or unreferenced optimizer tensor, bad JSON, a bad number)
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Checkpoint load(Path path) {
        return fromContents(SafeTensors.load(path), path.toString());
    }

    /**
     * Reads a checkpoint from a stream of known length (see {@link SafeTensors#read(InputStream, long, String)}),
     * with the checks of {@link #load(Path)}.
     *
     * @param size the number of bytes the stream holds
     * @param source the name used in error messages
     */
    public static Checkpoint read(InputStream in, long size, String source) {
        return fromContents(SafeTensors.read(in, size, source), source);
    }

    private static Checkpoint fromContents(SafeTensors.Contents c, String source) {
        Map<String, String> meta = c.metadata();
        if (!FORMAT.equals(meta.get(K_FORMAT))) {
            throw new SafeTensorsFormatException(source, "not a Sparkgrad checkpoint: metadata 'format' is " + meta.get(K_FORMAT)
                    + ", expected " + FORMAT);
        }
        long version = number(meta, K_FORMAT_VERSION, source, true);
        if (version < 1 || version > FORMAT_VERSION) {
            throw new SafeTensorsFormatException(source, "checkpoint format_version " + version + " is not supported (this engine reads 1.."
                    + FORMAT_VERSION + ")");
        }
        Map<String, Tensor> model = new LinkedHashMap<>();
        Map<String, Tensor> optim = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
            if (e.getKey().startsWith(MODEL_PREFIX)) model.put(e.getKey().substring(MODEL_PREFIX.length()), e.getValue());
            else if (e.getKey().startsWith(OPTIMIZER_PREFIX)) optim.put(e.getKey(), e.getValue());
            else throw new SafeTensorsFormatException(source, "tensor '" + e.getKey() + "' has neither the model. nor the optim. prefix");
        }
        Set<String> referenced = new HashSet<>();
        Object optimizer = StateJson.fromJson(required(meta, K_OPTIM, source), source, "metadata 'optimizer'", name -> {
            Tensor t = optim.get(name);
            if (t == null) {
                throw new SafeTensorsFormatException(source, "metadata 'optimizer' refers to tensor '" + name + "', which is not an optimizer tensor of the file");
            }
            if (!referenced.add(name)) {
                throw new SafeTensorsFormatException(source, "metadata 'optimizer' refers to tensor '" + name + "' twice");
            }
            return t;
        });
        Set<String> unreferenced = new TreeSet<>(optim.keySet());
        unreferenced.removeAll(referenced);
        if (!unreferenced.isEmpty()) {
            throw new SafeTensorsFormatException(source, "optimizer tensors " + unreferenced + " are not referenced by metadata 'optimizer'");
        }
        Object hyper = StateJson.fromJson(required(meta, K_HYPER, source), source, "metadata 'hyper_parameters'", null);
        Instant created;
        try {
            created = Instant.parse(required(meta, K_CREATED, source));
        } catch (DateTimeParseException e) {
            throw new SafeTensorsFormatException(source, "metadata 'created_at' is not an ISO-8601 instant: " + meta.get(K_CREATED), e);
        }
        return new Checkpoint(model, asStringMap(optimizer, "optimizer", source), number(meta, K_STEP, source, true),
                number(meta, K_EPOCH, source, true), required(meta, K_ENGINE, source), asStringMap(hyper, "hyper_parameters", source),
                meta.containsKey(K_SEED) ? number(meta, K_SEED, source, false) : null, meta.get(K_DATA), created);
    }

    private static String required(Map<String, String> meta, String key, String source) {
        String v = meta.get(key);
        if (v == null) throw new SafeTensorsFormatException(source, "checkpoint metadata '" + key + "' is missing");
        return v;
    }

    private static long number(Map<String, String> meta, String key, String source, boolean nonNegative) {
        String v = required(meta, key, source);
        try {
            long n = Long.parseLong(v);
            if (nonNegative && n < 0) throw new SafeTensorsFormatException(source, "checkpoint metadata '" + key + "' is negative: " + v);
            return n;
        } catch (NumberFormatException e) {
            throw new SafeTensorsFormatException(source, "checkpoint metadata '" + key + "' is not an integer: '" + v + "'", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asStringMap(Object o, String what, String source) {
        if (!(o instanceof Map)) throw new SafeTensorsFormatException(source, "metadata '" + what + "' is not a JSON object");
        for (Object k : ((Map<?, ?>) o).keySet()) {
            if (!(k instanceof String)) throw new SafeTensorsFormatException(source, "metadata '" + what + "' has a non-string top-level key " + k);
        }
        return (Map<String, Object>) o;
    }

    /** Configures a {@link Checkpoint}; the structure of the state is validated at {@link #build()}. */
    public static final class Builder {
        private Map<String, Tensor> modelState = Map.of();
        private Map<String, Object> optimizerState = Map.of();
        private long step;
        private long epoch;
        private String engineVersion = Sparkgrad.version();
        private final Map<String, Object> hyperParameters = new LinkedHashMap<>();
        private Long seed;
        private String dataDescription;
        private Instant createdAt;

        private Builder() {}

        /** The model's state dict (name to tensor; any dtype, device, strides). The map is copied at build. */
        public Builder modelState(Map<String, Tensor> state) {
            if (state == null) throw new IllegalArgumentException("modelState is null");
            this.modelState = state;
            return this;
        }

        /**
         * The optimizer's state: a map whose values are null, String, Boolean, Integer, Long, Float, Double, Tensor,
         * List or Map (any keys except tensors) of these, e.g. PyTorch's
         * {@code {"state": {0: {"step": 10, "exp_avg": T}}, "param_groups": [{"lr": 0.001, "params": [0]}]}}.
         * The top-level map is copied at build; nested values are not.
         */
        public Builder optimizerState(Map<String, Object> state) {
            if (state == null) throw new IllegalArgumentException("optimizerState is null");
            this.optimizerState = state;
            return this;
        }

        /** Optimizer steps taken (non-negative). */
        public Builder step(long step) {
            if (step < 0) throw new IllegalArgumentException("step must be >= 0, got " + step);
            this.step = step;
            return this;
        }

        /** The epoch (non-negative). */
        public Builder epoch(long epoch) {
            if (epoch < 0) throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
            this.epoch = epoch;
            return this;
        }

        /** Overrides the recorded engine version (default {@link Sparkgrad#version()}). */
        public Builder engineVersion(String version) {
            if (version == null) throw new IllegalArgumentException("engineVersion is null");
            this.engineVersion = version;
            return this;
        }

        /** Adds all hyper-parameters of {@code params} (values as for the optimizer state, without tensors). */
        public Builder hyperParameters(Map<String, ?> params) {
            for (Map.Entry<String, ?> e : params.entrySet()) hyperParameter(e.getKey(), e.getValue());
            return this;
        }

        /** Records one hyper-parameter, e.g. {@code ("lr", 1e-3)}. */
        public Builder hyperParameter(String name, Object value) {
            if (name == null) throw new IllegalArgumentException("hyper-parameter name is null");
            hyperParameters.put(name, value);
            return this;
        }

        /** The random seed of the run. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** A free-text description of the training data (source, split, size, version). */
        public Builder dataDescription(String description) {
            this.dataDescription = description;
            return this;
        }

        /** The creation time (default: the time of {@link #build()}). */
        public Builder createdAt(Instant createdAt) {
            this.createdAt = createdAt;
            return this;
        }

        /**
         * The checkpoint.
         *
         * @throws IllegalArgumentException when the optimizer state or hyper-parameters hold an unsupported value
         *     (the message names its path), a model tensor is null, or a hyper-parameter is a tensor
         */
        public Checkpoint build() {
            for (Map.Entry<String, Tensor> e : modelState.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) throw new IllegalArgumentException("model state entry " + e.getKey() + " is null");
            }
            StateJson.encode(optimizerState, "optim", (p, t) -> p, 0);
            StateJson.encode(hyperParameters, "hyper_parameters", null, 0);
            return new Checkpoint(modelState, optimizerState, step, epoch, engineVersion, hyperParameters, seed, dataDescription,
                    createdAt != null ? createdAt : Instant.now());
        }
    }
}
