package org.sparkgrad.spark.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * Compact byte form of model and optimizer state for broadcasts and task results (never Java
 * serialization of engine objects): a JSON skeleton (nested maps, lists, numbers, booleans, strings, with
 * tensors replaced by {@code {"$tensor": i, "dtype": .., "shape": [..]}}) followed by the tensors' values as
 * little-endian float64. Layout: u32 skeleton length, skeleton UTF-8, u32 value count, values.
 */
final class StateCodec {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StateCodec() {}

    /** A decoded state: its skeleton and the flat values of all its tensors, in skeleton order. */
    static final class Flat {
        final JsonNode skeleton;
        final double[] values;

        Flat(JsonNode skeleton, double[] values) {
            this.skeleton = skeleton;
            this.values = values;
        }
    }

    static Flat flatten(Object state) {
        List<Tensor> tensors = new ArrayList<>();
        JsonNode skel = toSkeleton(state, tensors);
        int n = 0;
        for (Tensor t : tensors) n += t.numel();
        double[] v = new double[n];
        int o = 0;
        for (Tensor t : tensors) {
            double[] d = t.toDoubleArray();
            System.arraycopy(d, 0, v, o, d.length);
            o += d.length;
        }
        return new Flat(skel, v);
    }

    private static JsonNode toSkeleton(Object v, List<Tensor> tensors) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (v == null) return f.nullNode();
        if (v instanceof Tensor) {
            Tensor t = (Tensor) v;
            ObjectNode o = f.objectNode();
            o.put("$tensor", tensors.size());
            o.put("dtype", t.dtype().name());
            ArrayNode sh = o.putArray("shape");
            for (int s : t.shape()) sh.add(s);
            tensors.add(t);
            return o;
        }
        if (v instanceof Map) {
            ObjectNode o = f.objectNode();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                String k = String.valueOf(e.getKey());
                if (e.getKey() instanceof Integer) k = "$int:" + k;
                o.set(k, toSkeleton(e.getValue(), tensors));
            }
            return o;
        }
        if (v instanceof List) {
            ArrayNode a = f.arrayNode();
            for (Object x : (List<?>) v) a.add(toSkeleton(x, tensors));
            return a;
        }
        if (v instanceof double[]) {
            ObjectNode o = f.objectNode();
            ArrayNode a = o.putArray("$doubles");
            for (double d : (double[]) v) a.add(d);
            return o;
        }
        if (v instanceof Boolean) return f.booleanNode((Boolean) v);
        if (v instanceof Integer) return f.objectNode().put("$i", (Integer) v);
        if (v instanceof Long) return f.objectNode().put("$l", (Long) v);
        if (v instanceof Number) return f.numberNode(((Number) v).doubleValue());
        if (v instanceof String) return f.textNode((String) v);
        throw new IllegalArgumentException("cannot encode state value of type " + v.getClass().getName());
    }

    /** Rebuilds nested state from a skeleton and values. */
    static Object unflatten(JsonNode skel, double[] values) {
        return fromSkeleton(skel, values, new int[1]);
    }

    private static Object fromSkeleton(JsonNode n, double[] values, int[] pos) {
        if (n.isNull()) return null;
        if (n.isObject()) {
            if (n.has("$tensor")) {
                JsonNode sh = n.get("shape");
                int[] shape = new int[sh.size()];
                int count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = sh.get(i).asInt();
                    count *= shape[i];
                }
                int start = offsetOf(n, values, pos, count);
                double[] d = java.util.Arrays.copyOfRange(values, start, start + count);
                DType dtype = DType.valueOf(n.get("dtype").asText());
                // an averaged integer buffer (BatchNorm's num_batches_tracked) takes the nearest integer, not the
                // truncation of the cast, which drifts it below the batches really tracked
                if (!dtype.isFloatingPoint() && dtype != DType.BOOL) for (int i = 0; i < d.length; i++) d[i] = Math.rint(d[i]);
                return Tensor.fromArray(d, shape).to(dtype);
            }
            if (n.has("$doubles")) {
                double[] d = new double[n.get("$doubles").size()];
                for (int i = 0; i < d.length; i++) d[i] = n.get("$doubles").get(i).asDouble();
                return d;
            }
            if (n.has("$i")) return n.get("$i").asInt();
            if (n.has("$l")) return n.get("$l").asLong();
            Map<Object, Object> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Object key = e.getKey().startsWith("$int:") ? (Object) Integer.valueOf(e.getKey().substring(5)) : e.getKey();
                m.put(key, fromSkeleton(e.getValue(), values, pos));
            }
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonNode x : n) l.add(fromSkeleton(x, values, pos));
            return l;
        }
        if (n.isBoolean()) return n.asBoolean();
        if (n.isTextual()) return n.asText();
        return n.asDouble();
    }

    private static int offsetOf(JsonNode n, double[] values, int[] pos, int count) {
        int start = pos[0];
        pos[0] += count;
        if (pos[0] > values.length) throw new IllegalStateException("state values are shorter than the skeleton requires");
        return start;
    }

    static byte[] encode(Flat f) {
        byte[] skel = f.skeleton.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + skel.length + 8 * f.values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(skel.length).put(skel).putInt(f.values.length);
        b.asDoubleBuffer().put(f.values);
        return b.array();
    }

    static Flat decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int sl = b.getInt();
        byte[] skel = new byte[sl];
        b.get(skel);
        int n = b.getInt();
        double[] v = new double[n];
        b.asDoubleBuffer().get(v);
        try {
            return new Flat(JSON.readTree(new String(skel, StandardCharsets.UTF_8)), v);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt state bytes", e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Tensor> toStateDict(Flat f) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        ((Map<Object, Object>) unflatten(f.skeleton, f.values)).forEach((k, v) -> out.put(String.valueOf(k), (Tensor) v));
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> toMap(Flat f) {
        Map<String, Object> out = new LinkedHashMap<>();
        ((Map<Object, Object>) unflatten(f.skeleton, f.values)).forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }
}
