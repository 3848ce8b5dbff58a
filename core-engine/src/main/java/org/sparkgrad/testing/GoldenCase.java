package org.sparkgrad.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * One case of a golden fixture file (format: {@code shared/golden/README.md}): its inputs materialised as
 * tensors of the dtype under test, and typed access to its {@code args}.
 */
public final class GoldenCase {
    private final String file;
    private final JsonNode node;
    private final DType floatType;
    private final Map<String, Tensor> inputs = new LinkedHashMap<>();

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

    /** All input tensors by name, in fixture order. */
    public Map<String, Tensor> inputs() { return inputs; }

    /** An input tensor (requires grad when the case has a gradient for it). */
    public Tensor in(String name) {
        Tensor t = inputs.get(name);
        if (t == null) throw new IllegalArgumentException("case " + name() + " has no input '" + name + "'");
        return t;
    }

    /** An optional input (null when absent). */
    public Tensor inOpt(String name) { return inputs.get(name); }

    /** Inputs named {@code prefix0, prefix1, ...} in order. */
    public List<Tensor> numbered(String prefix) {
        List<Tensor> l = new ArrayList<>();
        for (int i = 0; inputs.containsKey(prefix + i); i++) l.add(inputs.get(prefix + i));
        return l;
    }

    public boolean has(String arg) { return node.path("args").has(arg) && !node.path("args").get(arg).isNull(); }

    public JsonNode arg(String name) { return node.path("args").path(name); }

    public double argDouble(String name, double dflt) { return has(name) ? arg(name).asDouble() : dflt; }

    public int argInt(String name, int dflt) { return has(name) ? arg(name).asInt() : dflt; }

    public boolean argBool(String name, boolean dflt) { return has(name) ? arg(name).asBoolean() : dflt; }

    public String argString(String name, String dflt) { return has(name) ? arg(name).asText() : dflt; }

    /** An int-or-list argument as an array (an int is repeated {@code n} times); null when absent. */
    public int[] argInts(String name, int n) {
        if (!has(name)) return null;
        JsonNode a = arg(name);
        if (a.isArray()) {
            int[] r = new int[a.size()];
            for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
            return r;
        }
        int[] r = new int[n];
        java.util.Arrays.fill(r, a.asInt());
        return r;
    }
}
