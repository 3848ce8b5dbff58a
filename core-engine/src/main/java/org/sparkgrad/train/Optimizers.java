package org.sparkgrad.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.optim.Adagrad;
import org.sparkgrad.optim.Adam;
import org.sparkgrad.optim.AdamW;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;
import org.sparkgrad.optim.RMSprop;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.tensor.Tensor;

/** Optimizers by name with options as data (PyTorch option names), for configurations such as Spark Params. */
public final class Optimizers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Optimizers() {}

    /**
     * Parses a JSON object of options ({@code {"momentum": 0.9, "betas": [0.9, 0.999]}}); arrays become
     * {@code double[]}, booleans and numbers stay as they are.
     *
     * @throws IllegalArgumentException for invalid JSON or a value of another kind
     */
    public static Map<String, Object> parseOptions(String json) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (json == null || json.isBlank()) return out;
        JsonNode n;
        try {
            n = JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("optimizer options are not valid JSON: " + json, e);
        }
        if (!n.isObject()) throw new IllegalArgumentException("optimizer options must be a JSON object, got " + json);
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isBoolean()) out.put(e.getKey(), v.asBoolean());
            else if (v.isNumber()) out.put(e.getKey(), v.asDouble());
            else if (v.isArray()) {
                double[] d = new double[v.size()];
                for (int i = 0; i < d.length; i++) d[i] = v.get(i).asDouble();
                out.put(e.getKey(), d);
            } else {
                throw new IllegalArgumentException("optimizer option '" + e.getKey() + "' must be a number, boolean or array, got " + v);
            }
        }
        return out;
    }

    /**
     * A new optimizer over {@code params}: {@code sgd}, {@code adam}, {@code adamw}, {@code rmsprop} or
     * {@code adagrad}, with learning rate {@code lr} and further PyTorch-named options.
     *
     * @throws IllegalArgumentException for an unknown name or invalid options
     */
    public static Optimizer create(String name, List<Tensor> params, double lr, Map<String, Object> options) {
        Map<String, Object> opts = new LinkedHashMap<>(options);
        opts.put("lr", lr);
        List<ParamGroup> groups = List.of(new ParamGroup(params, opts));
        switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "sgd": return new SGD(groups, lr);
            case "adam": return new Adam(groups);
            case "adamw": return new AdamW(groups);
            case "rmsprop": return new RMSprop(groups);
            case "adagrad": return new Adagrad(groups);
            default: throw new IllegalArgumentException("unknown optimizer '" + name + "'; expected sgd, adam, adamw, rmsprop or adagrad");
        }
    }
}
