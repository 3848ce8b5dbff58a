package org.sparkgrad.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.Tensor;

/**
 * The JSON form of nested state (optimizer state, hyper-parameters) that restores values with their Java types.
 *
 * <p>Plain JSON is used where it is unambiguous: {@code null}, {@link String}, {@link Boolean}, {@link Long} (JSON
 * integer), finite {@link Double} (JSON number with a fraction or exponent), {@link List} (array) and
 * {@code Map<String, ?>} whose keys do not start with {@code $} (object). Everything else is a one-key object
 * whose key is a tag: {@code {"$i32": 5}} for {@link Integer}, {@code {"$f32": "0.9"}} for {@link Float} (its
 * shortest decimal, parsed back exactly), {@code {"$f64": "NaN"}} for non-finite doubles,
 * {@code {"$map": [[key, value], ...]}} for maps with non-string keys or {@code $}-keys, and
 * {@code {"$tensor": "optim.state.0.exp_avg"}} for a tensor stored in the safetensors file under that name.
 * Decoded maps are {@link LinkedHashMap}s (in the order written), lists {@link ArrayList}s.
 */
final class StateJson {
    static final ObjectMapper MAPPER = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int MAX_DEPTH = 200;

    private StateJson() {}

    /** Receives the tensors met while encoding; returns the name each is stored under. */
    interface TensorSink {
        String put(String path, Tensor t);
    }

    /** Supplies the tensors referenced while decoding. */
    interface TensorSource {
        Tensor take(String name);
    }

    static String toJson(Object value, String root, TensorSink sink) {
        try {
            return MAPPER.writeValueAsString(encode(value, root, sink, 0));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write state JSON: " + e.getOriginalMessage(), e);
        }
    }

    static JsonNode encode(Object v, String path, TensorSink sink, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException(path + ": nested deeper than " + MAX_DEPTH + " levels (a cycle?)");
        if (v == null) return NODES.nullNode();
        if (v instanceof String) return NODES.textNode((String) v);
        if (v instanceof Boolean) return NODES.booleanNode((Boolean) v);
        if (v instanceof Long) return NODES.numberNode((Long) v);
        if (v instanceof Integer) return tag("$i32", NODES.numberNode((Integer) v));
        if (v instanceof Double) {
            double d = (Double) v;
            return Double.isFinite(d) ? NODES.numberNode(d) : tag("$f64", NODES.textNode(Double.toString(d)));
        }
        if (v instanceof Float) return tag("$f32", NODES.textNode(Float.toString((Float) v)));
        if (v instanceof Tensor) {
            if (sink == null) throw new IllegalArgumentException(path + ": tensors are not allowed here");
            return tag("$tensor", NODES.textNode(sink.put(path, (Tensor) v)));
        }
        if (v instanceof Map) {
            Map<?, ?> m = (Map<?, ?>) v;
            boolean plain = true;
            for (Object k : m.keySet()) {
                if (!(k instanceof String) || ((String) k).startsWith("$")) {
                    plain = false;
                    break;
                }
            }
            if (plain) {
                ObjectNode o = NODES.objectNode();
                for (Map.Entry<?, ?> e : m.entrySet()) o.set((String) e.getKey(), encode(e.getValue(), path + "." + e.getKey(), sink, depth + 1));
                return o;
            }
            ArrayNode pairs = NODES.arrayNode();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (e.getKey() instanceof Tensor) throw new IllegalArgumentException(path + ": a tensor cannot be a map key");
                ArrayNode pair = NODES.arrayNode();
                pair.add(encode(e.getKey(), path + ".<key>", null, depth + 1));
                pair.add(encode(e.getValue(), path + "." + e.getKey(), sink, depth + 1));
                pairs.add(pair);
            }
            return tag("$map", pairs);
        }
        if (v instanceof List) {
            ArrayNode a = NODES.arrayNode();
            int i = 0;
            for (Object x : (List<?>) v) a.add(encode(x, path + "." + i++, sink, depth + 1));
            return a;
        }
        throw new IllegalArgumentException(path + ": unsupported value of type " + v.getClass().getName()
                + " (supported: null, String, Boolean, Integer, Long, Float, Double, Tensor, List and Map of these)");
    }

    private static ObjectNode tag(String tag, JsonNode value) {
        ObjectNode o = NODES.objectNode();
        o.set(tag, value);
        return o;
    }

    /**
     * Parses and decodes; every problem is a {@link SafeTensorsFormatException} naming {@code source} and
     * {@code what} (the metadata key).
     */
    static Object fromJson(String json, String source, String what, TensorSource tensors) {
        JsonNode n;
        try {
            n = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SafeTensorsFormatException(source, what + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null) throw new SafeTensorsFormatException(source, what + " is empty");
        return decode(n, source, what, tensors, 0);
    }

    static Object decode(JsonNode n, String source, String where, TensorSource tensors, int depth) {
        if (depth > MAX_DEPTH) throw new SafeTensorsFormatException(source, where + ": nested deeper than " + MAX_DEPTH + " levels");
        if (n.isNull()) return null;
        if (n.isTextual()) return n.textValue();
        if (n.isBoolean()) return n.booleanValue();
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) throw new SafeTensorsFormatException(source, where + ": integer " + n + " overflows a long");
            return n.longValue();
        }
        if (n.isNumber()) return n.doubleValue();
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            for (int i = 0; i < n.size(); i++) out.add(decode(n.get(i), source, where + "." + i, tensors, depth + 1));
            return out;
        }
        if (!n.isObject()) throw new SafeTensorsFormatException(source, where + ": unexpected JSON " + n.getNodeType());
        if (n.size() == 1) {
            String key = n.fieldNames().next();
            if (key.startsWith("$")) return decodeTag(key, n.get(key), source, where, tensors, depth);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith("$")) {
                throw new SafeTensorsFormatException(source, where + ": key '" + e.getKey() + "' starts with '$' outside a tag");
            }
            out.put(e.getKey(), decode(e.getValue(), source, where + "." + e.getKey(), tensors, depth + 1));
        }
        return out;
    }

    private static Object decodeTag(String tag, JsonNode v, String source, String where, TensorSource tensors, int depth) {
        switch (tag) {
            case "$i32":
                if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new SafeTensorsFormatException(source, where + ": bad $i32 value " + v);
                return v.intValue();
            case "$f32":
            case "$f64":
                if (!v.isTextual()) throw new SafeTensorsFormatException(source, where + ": " + tag + " value must be a string, got " + v);
                try {
                    return tag.equals("$f32") ? (Object) Float.parseFloat(v.textValue()) : (Object) Double.parseDouble(v.textValue());
                } catch (NumberFormatException e) {
                    throw new SafeTensorsFormatException(source, where + ": bad " + tag + " value '" + v.textValue() + "'", e);
                }
            case "$tensor":
                if (tensors == null) throw new SafeTensorsFormatException(source, where + ": tensors are not allowed here");
                if (!v.isTextual()) throw new SafeTensorsFormatException(source, where + ": $tensor value must be a string, got " + v);
                return tensors.take(v.textValue());
            case "$map": {
                if (!v.isArray()) throw new SafeTensorsFormatException(source, where + ": $map value must be an array of pairs");
                Map<Object, Object> out = new LinkedHashMap<>();
                for (JsonNode pair : v) {
                    if (!pair.isArray() || pair.size() != 2) throw new SafeTensorsFormatException(source, where + ": $map entry is not a [key, value] pair: " + pair);
                    Object key = decode(pair.get(0), source, where + ".<key>", null, depth + 1);
                    if (out.containsKey(key)) throw new SafeTensorsFormatException(source, where + ": duplicate map key " + key);
                    out.put(key, decode(pair.get(1), source, where + "." + key, tensors, depth + 1));
                }
                return out;
            }
            default:
                throw new SafeTensorsFormatException(source, where + ": unknown tag '" + tag + "'");
        }
    }
}
