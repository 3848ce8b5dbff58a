package org.sparkgrad.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkgrad.tensor.Tensor;

/**
 * A parameter group of an {@link Optimizer}: a list of parameter tensors and the options that apply to them,
 * like one {@code dict} of PyTorch's {@code optimizer.param_groups}. Option keys use PyTorch's names
 * ({@code lr}, {@code weight_decay}, {@code momentum}, {@code betas}, {@code eps}, ...); values are plain
 * data: {@link Double}, {@link Boolean}, {@link Integer}/{@link Long}, {@link String} or a {@code List<Double>}
 * (for {@code betas}).
 *
 * <p>Options given here before the group is added to an optimizer override the optimizer's defaults; the
 * missing ones are filled in from the defaults when the group is added. Schedulers and users may change
 * options of a live group with {@link #set} (e.g. the learning rate); the optimizer reads them at every
 * {@link Optimizer#step()}.
 *
 * <pre>{@code
 * ParamGroup backbone = new ParamGroup(backboneParams).set("lr", 1e-4);
 * ParamGroup head = new ParamGroup(headParams);               // uses the optimizer's lr
 * Adam adam = new Adam(List.of(backbone, head)).lr(1e-3);
 * }</pre>
 */
public final class ParamGroup {
    private final List<Tensor> params;
    private final Map<String, Object> options = new LinkedHashMap<>();
    /** Keys the user set before the group joined an optimizer (never overwritten by default setters). */
    private Set<String> ownKeys;

    /**
     * A group over {@code params} with no options of its own.
     *
     * @throws IllegalArgumentException when {@code params} is empty or holds null
     */
    public ParamGroup(Iterable<Tensor> params) {
        List<Tensor> l = new ArrayList<>();
        for (Tensor t : params) {
            if (t == null) throw new IllegalArgumentException("a parameter group cannot hold a null parameter");
            l.add(t);
        }
        if (l.isEmpty()) throw new IllegalArgumentException("optimizer got an empty parameter list");
        this.params = Collections.unmodifiableList(l);
    }

    /** A group over {@code params} with the given options (copied). */
    public ParamGroup(Iterable<Tensor> params, Map<String, ?> options) {
        this(params);
        for (Map.Entry<String, ?> e : options.entrySet()) set(e.getKey(), e.getValue());
    }

    /** The parameters (unmodifiable, in order). */
    public List<Tensor> params() { return params; }

    /** A read-only view of the options. */
    public Map<String, Object> options() { return Collections.unmodifiableMap(options); }

    /**
     * Sets an option (fluent).
     *
     * @throws IllegalArgumentException for the reserved key {@code params} or a null key/value
     */
    public ParamGroup set(String key, Object value) {
        if (key == null || value == null) throw new IllegalArgumentException("option key and value must not be null");
        if (key.equals("params")) throw new IllegalArgumentException("'params' is not an option; pass parameters to the constructor");
        Object v = value;
        if (v instanceof double[]) {
            List<Double> l = new ArrayList<>();
            for (double d : (double[]) v) l.add(d);
            v = Collections.unmodifiableList(l);
        } else if (v instanceof List) {
            v = Collections.unmodifiableList(new ArrayList<>((List<?>) v));
        }
        options.put(key, v);
        return this;
    }

    /** Whether the option is present. */
    public boolean has(String key) { return options.containsKey(key); }

    /** The raw option value, or null. */
    public Object get(String key) { return options.get(key); }

    /**
     * A numeric option as a double.
     *
     * @throws IllegalStateException when absent or not a number
     */
    public double getDouble(String key) {
        Object v = options.get(key);
        if (!(v instanceof Number)) throw new IllegalStateException("parameter group option '" + key + "' is " + (v == null ? "missing" : "not a number: " + v));
        return ((Number) v).doubleValue();
    }

    /**
     * A boolean option.
     *
     * @throws IllegalStateException when absent or not a boolean
     */
    public boolean getBoolean(String key) {
        Object v = options.get(key);
        if (!(v instanceof Boolean)) throw new IllegalStateException("parameter group option '" + key + "' is " + (v == null ? "missing" : "not a boolean: " + v));
        return (Boolean) v;
    }

    /**
     * A list-of-numbers option (such as {@code betas}) as an array.
     *
     * @throws IllegalStateException when absent or not a list of numbers
     */
    public double[] getDoubles(String key) {
        Object v = options.get(key);
        if (!(v instanceof List)) throw new IllegalStateException("parameter group option '" + key + "' is " + (v == null ? "missing" : "not a list: " + v));
        List<?> l = (List<?>) v;
        double[] r = new double[l.size()];
        for (int i = 0; i < r.length; i++) {
            Object o = l.get(i);
            if (!(o instanceof Number)) throw new IllegalStateException("parameter group option '" + key + "' holds a non-number: " + o);
            r[i] = ((Number) o).doubleValue();
        }
        return r;
    }

    /** The learning rate {@code lr}. */
    public double lr() { return getDouble("lr"); }

    /** Sets the learning rate {@code lr} (fluent). */
    public ParamGroup lr(double lr) { return set("lr", lr); }

    // ---- used by Optimizer
    void adopt(Map<String, Object> defaults) {
        if (ownKeys != null) throw new IllegalArgumentException("this parameter group already belongs to an optimizer");
        ownKeys = new LinkedHashSet<>(options.keySet());
        for (Map.Entry<String, Object> e : defaults.entrySet()) options.putIfAbsent(e.getKey(), e.getValue());
    }

    boolean isOwn(String key) { return ownKeys != null && ownKeys.contains(key); }

    void replaceOptions(Map<String, Object> newOptions) {
        options.clear();
        for (Map.Entry<String, Object> e : newOptions.entrySet()) set(e.getKey(), e.getValue());
    }

    @Override public String toString() { return "ParamGroup" + options + " (" + params.size() + " params)"; }
}
