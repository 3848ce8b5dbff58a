package org.sparkgrad.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * One case of a golden fixture file (format: {@code shared/golden/README.md}): its inputs materialised as
 * tensors of the dtype under test, and typed access to its {@code args}.
 *
 * <p>Every accessor records which {@code args} keys and which inputs the op handler read ({@link #has},
 * {@link #arg}, {@code arg*}, {@link #in}, {@link #inOpt}, {@link #numbered}, {@link #ignore}); after the handler
 * returns, {@link GoldenRunner} fails the case when an arg or an input was never read
 * ({@link #unreadArgs()}, {@link #unreadInputs()}), so an argument a handler does not know cannot be dropped
 * silently. A {@code null} arg (Python {@code None}) must be read as well, because only the handler knows whether
 * None is that parameter's default (e.g. {@code softmax(dim=None)} is the implicit dim, not -1); the exception is
 * {@link #NONE_IS_ALWAYS_DEFAULT}: keyword names whose default is None in every PyTorch signature that has them.
 * {@link #json()} and {@link #inputs()} are raw access and record nothing.
 */
public final class GoldenCase {
    private final String file;
    private final JsonNode node;
    private final DType floatType;
    private final Map<String, Tensor> inputs = new LinkedHashMap<>();
    private final Set<String> readArgs = new HashSet<>();
    private final Set<String> readInputs = new HashSet<>();

    /**
     * Keyword names whose PyTorch default is None wherever they exist (a signature without them would have made the
     * generator fail), so a null value unread by the handler means the default: {@code out}, {@code dtype},
     * {@code size_average}/{@code reduce} (losses' legacy options), {@code foreach}, {@code fused} (optimizers),
     * {@code generator}, {@code layout}, {@code device}, {@code memory_format}.
     */
    public static final Set<String> NONE_IS_ALWAYS_DEFAULT = Set.of("out", "dtype", "size_average", "reduce", "foreach", "fused",
            "generator", "layout", "device", "memory_format");

    GoldenCase(String file, JsonNode node, DType floatType) {
        this.file = file;
        this.node = node;
        this.floatType = floatType;
        JsonNode grads = node.path("grads");
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("inputs").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Tensor t = toTensor(e.getValue(), floatType);
            if (grads.has(e.getKey()) && t.dtype().isFloatingPoint()) t.requiresGrad_(true);
            inputs.put(e.getKey(), t);
        }
    }

    /** Converts a fixture tensor; float data becomes {@code floatType}. */
    public static Tensor toTensor(JsonNode t, DType floatType) {
        JsonNode sh = t.path("shape");
        int[] shape = new int[sh.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = sh.get(i).asInt();
        JsonNode data = t.path("data");
        String dt = t.path("dtype").asText("float64");
        int n = data.size();
        switch (dt) {
            case "int64": {
                long[] d = new long[n];
                for (int i = 0; i < n; i++) d[i] = data.get(i).asLong();
                return Tensor.fromArray(d, shape);
            }
            case "bool": {
                boolean[] d = new boolean[n];
                for (int i = 0; i < n; i++) d[i] = data.get(i).asDouble() != 0 || data.get(i).asBoolean();
                return Tensor.fromArray(d, shape);
            }
            default: {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) d[i] = parseDouble(data.get(i));
                Tensor r = Tensor.fromArray(d, shape);
                return floatType == DType.FLOAT64 ? r : r.to(floatType);
            }
        }
    }

    private static double parseDouble(JsonNode v) {
        if (v.isNumber()) return v.asDouble();
        String s = v.asText();
        switch (s) {
            case "inf": case "Infinity": return Double.POSITIVE_INFINITY;
            case "-inf": case "-Infinity": return Double.NEGATIVE_INFINITY;
            case "nan": case "NaN": return Double.NaN;
            default: return Double.parseDouble(s);
        }
    }

    public String file() { return file; }

    public String name() { return node.path("name").asText(); }

    public String op() { return node.path("op").asText(); }

    /** The float dtype this run uses. */
    public DType floatType() { return floatType; }

    /** The raw case JSON. */
    public JsonNode json() { return node; }

    /**
     * All input tensors by name, in fixture order (raw access for wrappers such as a device mover: records nothing, so
     * the runner still checks that the handler itself read each input).
     */
    public Map<String, Tensor> inputs() { return inputs; }

    /** An input tensor (requires grad when the case has a gradient for it). */
    public Tensor in(String name) {
        readInputs.add(name);
        Tensor t = inputs.get(name);
        if (t == null) throw new IllegalArgumentException("case " + name() + " has no input '" + name + "'");
        return t;
    }

    /** An optional input (null when absent). */
    public Tensor inOpt(String name) {
        readInputs.add(name);
        return inputs.get(name);
    }

    /** The first present input among {@code names} (PyTorch's name and the fixtures' alias), or null; reads all of them. */
    public Tensor inAny(String... names) {
        Tensor r = null;
        for (String n : names) {
            Tensor t = inOpt(n);
            if (r == null) r = t;
            else if (t != null) throw new IllegalArgumentException("case " + name() + " gives both inputs " + String.join(" and ", names));
        }
        return r;
    }

    /** Inputs named {@code prefix0, prefix1, ...} in order. */
    public List<Tensor> numbered(String prefix) {
        List<Tensor> l = new ArrayList<>();
        for (int i = 0; inputs.containsKey(prefix + i); i++) {
            readInputs.add(prefix + i);
            l.add(inputs.get(prefix + i));
        }
        return l;
    }

    /** Whether the arg is present and not null (marks it read). */
    public boolean has(String arg) {
        readArgs.add(arg);
        return node.path("args").has(arg) && !node.path("args").get(arg).isNull();
    }

    /** Whether the arg key is present at all, null included (marks it read). */
    public boolean present(String arg) {
        readArgs.add(arg);
        return node.path("args").has(arg);
    }

    /** The raw arg (a missing node when absent; marks it read). */
    public JsonNode arg(String name) {
        readArgs.add(name);
        return node.path("args").path(name);
    }

    /**
     * Marks args as read without using them: for keyword arguments that do not change the math ({@code inplace},
     * {@code foreach}, {@code capturable}, {@code differentiable}, {@code verbose}, ...).
     */
    public void ignore(String... names) {
        for (String n : names) readArgs.add(n);
    }

    public double argDouble(String name, double dflt) { return has(name) ? arg(name).asDouble() : dflt; }

    public int argInt(String name, int dflt) { return has(name) ? arg(name).asInt() : dflt; }

    public boolean argBool(String name, boolean dflt) { return has(name) ? arg(name).asBoolean() : dflt; }

    public String argString(String name, String dflt) { return has(name) ? arg(name).asText() : dflt; }

    /** A nullable int arg (null when absent or None). */
    public Integer argIntOrNull(String name) { return has(name) ? arg(name).asInt() : null; }

    /** A nullable double arg (null when absent or None). */
    public Double argDoubleOrNull(String name) { return has(name) ? arg(name).asDouble() : null; }

    /**
     * Reads an arg the engine does not support beyond its default: passes when the arg is absent, None (only when
     * {@code dflt} is null) or equal to {@code dflt} (numbers compared as doubles), else throws.
     *
     * @throws UnsupportedOperationException naming the op, the arg and its value
     */
    public void requireDefault(String name, Object dflt) {
        if (!present(name)) return;
        JsonNode v = arg(name);
        boolean ok;
        if (v.isNull()) ok = dflt == null;
        else if (dflt == null) ok = false;
        else if (dflt instanceof Number) ok = v.isNumber() && v.asDouble() == ((Number) dflt).doubleValue();
        else if (dflt instanceof Boolean) ok = v.isBoolean() && v.asBoolean() == (Boolean) dflt;
        else ok = v.isTextual() && v.asText().equals(dflt.toString());
        if (!ok) throw unsupported(name, v.toString() + " (only " + (dflt == null ? "None" : dflt) + " is supported)");
    }

    /** An {@link UnsupportedOperationException} naming this case's op and the argument. */
    public UnsupportedOperationException unsupported(String argName, String why) {
        return new UnsupportedOperationException(op() + ": argument " + argName + "=" + why);
    }

    /** Args present in the case (null ones included, except {@link #NONE_IS_ALWAYS_DEFAULT}) that no accessor read. */
    public Set<String> unreadArgs() {
        Set<String> r = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.path("args").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (readArgs.contains(e.getKey())) continue;
            if (e.getValue().isNull() && NONE_IS_ALWAYS_DEFAULT.contains(e.getKey())) continue;
            r.add(e.getKey());
        }
        return r;
    }

    /** Inputs of the case that the handler never asked for. */
    public Set<String> unreadInputs() {
        Set<String> r = new TreeSet<>();
        for (Iterator<String> it = node.path("inputs").fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!readInputs.contains(k)) r.add(k);
        }
        return r;
    }

    /** An int-or-list argument as an array (an int is repeated {@code n} times); null when absent. */
    public int[] argInts(String name, int n) { return argInts(name, n, null); }

    /**
     * As {@link #argInts(String, int)}, with None entries of a list replaced by {@code nullEntry} (e.g. -1 for
     * adaptive pooling's "keep this size"); a None entry with a null {@code nullEntry} is an error.
     */
    public int[] argInts(String name, int n, Integer nullEntry) {
        if (!has(name)) return null;
        JsonNode a = arg(name);
        if (a.isArray()) {
            int[] r = new int[a.size()];
            for (int i = 0; i < r.length; i++) {
                if (a.get(i).isNull()) {
                    if (nullEntry == null) throw new IllegalArgumentException(op() + ": " + name + " has a None entry");
                    r[i] = nullEntry;
                } else {
                    r[i] = intValue(name, a.get(i));
                }
            }
            return r;
        }
        int[] r = new int[n];
        java.util.Arrays.fill(r, intValue(name, a));
        return r;
    }

    private int intValue(String name, JsonNode v) {
        if (!v.isIntegralNumber()) throw new IllegalArgumentException(op() + ": " + name + " must be an int, got " + v);
        return v.asInt();
    }

    /**
     * A {@code torch.dtype} arg, written {@code "torch.float64"}, {@code "float64"}, {@code "double"}, ...; null when
     * absent or None.
     *
     * @throws UnsupportedOperationException for a dtype the engine does not have (int32, complex64, ...)
     */
    public DType argDType(String name) {
        if (!has(name)) return null;
        String s = arg(name).asText();
        if (s.startsWith("torch.")) s = s.substring(6);
        switch (s) {
            case "float32": case "float": return DType.FLOAT32;
            case "float64": case "double": return DType.FLOAT64;
            case "int64": case "long": return DType.INT64;
            case "bool": return DType.BOOL;
            case "float16": case "half": return DType.FLOAT16;
            case "bfloat16": return DType.BFLOAT16;
            default: throw unsupported(name, arg(name).toString() + " (engine dtypes: float32, float64, float16, bfloat16, int64, bool)");
        }
    }
}
