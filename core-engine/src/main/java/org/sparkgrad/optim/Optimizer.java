package org.sparkgrad.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Base class of the optimizers, modelled on {@code torch.optim.Optimizer} (PyTorch 1.13 and 2.x).
 *
 * <p>An optimizer holds {@link ParamGroup parameter groups} (parameters plus options such as {@code lr}) and
 * per-parameter state (momentum buffers, moment estimates, step counts). {@link #step()} updates every
 * parameter that has a gradient, in place and under {@link GradMode#noGrad()}; parameters whose
 * {@code grad()} is null are skipped. Options are read from the groups at every step, so a learning-rate
 * scheduler (package {@code org.sparkgrad.optim.lr}) or the user may change them between steps.
 *
 * <p>Construction: pass the parameters (any {@code Iterable<Tensor>}, e.g. a model's parameter list) or a
 * list of {@link ParamGroup}s; then set options with the subclass's fluent setters, which change the
 * optimizer's defaults and every group that did not specify that option itself:
 * <pre>{@code
 * Adam opt = new Adam(model.parameters()).lr(1e-3).betas(0.9, 0.999).weightDecay(0);
 * for (Batch b : loader) {
 *     opt.zeroGrad();
 *     Tensor loss = Losses.crossEntropy(model.forward(b.x()), b.y());
 *     loss.backward();
 *     opt.step();
 * }
 * }</pre>
 *
 * <p>{@link #stateDict()} returns plain data ({@code Map}s, {@code List}s, numbers, booleans and tensor
 * copies) laid out like PyTorch's: {@code {"state": {index: {name: value}}, "param_groups": [{option: value,
 * "params": [index, ...]}]}}, parameters numbered in group order from 0. {@link #loadStateDict} restores it
 * into an optimizer built over the same parameter layout; training then continues bit-identically.
 *
 * <p>Subclasses implement {@link #update} (one parameter) and {@link #validate} (one group's options).
 */
public abstract class Optimizer {
    private final Map<String, Object> defaults;
    private final List<ParamGroup> groups = new ArrayList<>();
    private final Map<Tensor, Map<String, Object>> state = new IdentityHashMap<>();

    /**
     * An optimizer over one group holding {@code params}.
     *
     * @param defaults the default option values (copied)
     * @throws IllegalArgumentException for an empty parameter list, a non-float or non-leaf parameter, or a
     *                                  parameter listed twice
     */
    protected Optimizer(Iterable<Tensor> params, Map<String, Object> defaults) {
        this.defaults = new LinkedHashMap<>(defaults);
        addParamGroup(new ParamGroup(params));
    }

    /**
     * An optimizer over the given parameter groups (each takes the defaults for the options it lacks).
     *
     * @throws IllegalArgumentException for an empty list of groups, or any of the parameter errors above
     */
    protected Optimizer(List<ParamGroup> groups, Map<String, Object> defaults) {
        this.defaults = new LinkedHashMap<>(defaults);
        if (groups.isEmpty()) throw new IllegalArgumentException("optimizer got an empty list of parameter groups");
        for (ParamGroup g : groups) addParamGroup(g);
    }

    // ================================================================ groups and options

    /** The parameter groups (unmodifiable list; the groups themselves are live). */
    public List<ParamGroup> paramGroups() { return Collections.unmodifiableList(groups); }

    /** The default options (read-only view). */
    public Map<String, Object> defaults() { return Collections.unmodifiableMap(defaults); }

    /**
     * Adds a parameter group ({@code add_param_group}); options it lacks are taken from the defaults. Useful
     * for unfreezing layers during training.
     *
     * @throws IllegalArgumentException for a non-float or non-leaf parameter, a parameter that is already in
     *                                  a group, or a group that already belongs to an optimizer
     */
    public void addParamGroup(ParamGroup group) {
        IdentityHashMap<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (ParamGroup g : groups) for (Tensor p : g.params()) seen.put(p, Boolean.TRUE);
        for (Tensor p : group.params()) {
            if (!p.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException("optimizer can only optimize floating point tensors, got a parameter of dtype "
                        + p.dtype().torchName() + " and shape " + Shape.str(p.shapeRef()));
            }
            if (!p.isLeaf()) {
                throw new IllegalArgumentException("can't optimize a non-leaf Tensor (shape " + Shape.str(p.shapeRef())
                        + ", produced by " + p.gradFn() + ")");
            }
            if (seen.put(p, Boolean.TRUE) != null) {
                throw new IllegalArgumentException("some parameters appear in more than one parameter group (or twice in one): shape "
                        + Shape.str(p.shapeRef()));
            }
        }
        group.adopt(defaults);
        groups.add(group);
    }

    /**
     * Sets a default option and applies it to every group that did not set that option itself when it was
     * added. Subclasses' typed setters validate the value, then call this.
     */
    protected void setDefault(String key, Object value) {
        defaults.put(key, value);
        for (ParamGroup g : groups) if (!g.isOwn(key)) g.set(key, value);
    }

    /**
     * Checks one group's options before a step.
     *
     * @throws IllegalArgumentException naming the bad option and value
     */
    protected abstract void validate(ParamGroup group);

    /**
     * Updates one parameter in place (grad mode is off).
     *
     * @param param the parameter
     * @param grad  its gradient, already in the parameter's dtype
     * @param state the parameter's state (empty before its first update), to read and fill
     * @param group the parameter's group (options)
     */
    protected abstract void update(Tensor param, Tensor grad, Map<String, Object> state, ParamGroup group);

    /** The state of one parameter (read-only; empty before its first update). */
    public Map<String, Object> state(Tensor param) {
        Map<String, Object> s = state.get(param);
        return s == null ? Collections.emptyMap() : Collections.unmodifiableMap(s);
    }

    // ================================================================ stepping

    /**
     * Performs one optimization step: updates every parameter with a non-null gradient.
     *
     * @throws IllegalArgumentException when a group's options are invalid (checked for all groups before any
     *                                  parameter changes)
     */
    public void step() {
        for (ParamGroup g : groups) validate(g);
        try (GradMode.Guard guard = GradMode.noGrad()) {
            for (ParamGroup g : groups) {
                for (Tensor p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad == null) continue;
                    if (grad.dtype() != p.dtype()) grad = grad.to(p.dtype());
                    update(p, grad, state.computeIfAbsent(p, k -> new LinkedHashMap<>()), g);
                }
            }
        }
    }

    /**
     * Re-evaluates the model with {@code closure} (grad mode on; it should zero the gradients, compute the
     * loss and call backward), then performs {@link #step()}.
     *
     * @return the closure's loss
     */
    public Tensor step(Supplier<Tensor> closure) {
        Tensor loss;
        try (GradMode.Guard guard = GradMode.enableGrad()) {
            loss = closure.get();
        }
        step();
        return loss;
    }

    /** Clears all gradients by setting them to null ({@code zero_grad(set_to_none=True)}, PyTorch 2.x default). */
    public void zeroGrad() { zeroGrad(true); }

    /**
     * Clears all gradients: sets them to null when {@code setToNone}, else fills them with zeros in place.
     * Null gradients make the next {@link #step()} skip parameters that received none.
     */
    public void zeroGrad(boolean setToNone) {
        try (GradMode.Guard guard = GradMode.noGrad()) {
            for (ParamGroup g : groups) {
                for (Tensor p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad == null) continue;
                    if (setToNone) p.setGrad(null);
                    else grad.zero_();
                }
            }
        }
    }

    // ================================================================ state dict

    /**
     * The optimizer state as plain data ({@code state_dict}): {@code "state"} maps a parameter's index (its
     * position across all groups, in order) to its state entries (tensors are detached contiguous copies,
     * counters are {@code Long}); {@code "param_groups"} lists each group's options plus {@code "params"}, the
     * list of its parameter indices. The maps are fresh and owned by the caller.
     */
    public Map<String, Object> stateDict() {
        Map<Integer, Object> packedState = new LinkedHashMap<>();
        List<Object> packedGroups = new ArrayList<>();
        int index = 0;
        for (ParamGroup g : groups) {
            Map<String, Object> pg = new LinkedHashMap<>(g.options());
            List<Integer> ids = new ArrayList<>();
            for (Tensor p : g.params()) {
                Map<String, Object> s = state.get(p);
                if (s != null && !s.isEmpty()) {
                    Map<String, Object> copy = new LinkedHashMap<>();
                    for (Map.Entry<String, Object> e : s.entrySet()) copy.put(e.getKey(), copyValue(e.getValue()));
                    packedState.put(index, copy);
                }
                ids.add(index++);
            }
            pg.put("params", ids);
            packedGroups.add(pg);
        }
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("state", packedState);
        sd.put("param_groups", packedGroups);
        return sd;
    }

    private static Object copyValue(Object v) {
        if (v instanceof Tensor) {
            try (GradMode.Guard guard = GradMode.noGrad()) {
                return ((Tensor) v).contiguousCopy();
            }
        }
        if (v instanceof List) return new ArrayList<>((List<?>) v);
        return v;
    }

    /**
     * Restores a state produced by {@link #stateDict()} (of this optimizer class, over parameters laid out the
     * same way). Group options are replaced by the saved ones (parameters stay); state tensors are copied and
     * cast to their parameter's dtype and device. Nothing changes when validation fails.
     *
     * @throws IllegalArgumentException when the number of groups or of parameters per group differs, a state
     *                                  index is unknown, a state tensor's shape differs from its parameter's
     *                                  (naming both shapes), or the data is malformed
     */
    public void loadStateDict(Map<String, ?> stateDict) {
        Object sg = stateDict.get("param_groups");
        if (!(sg instanceof List)) throw new IllegalArgumentException("state dict has no 'param_groups' list");
        List<?> savedGroups = (List<?>) sg;
        if (savedGroups.size() != groups.size()) {
            throw new IllegalArgumentException("loaded state dict has a different number of parameter groups: "
                    + savedGroups.size() + " saved, " + groups.size() + " in this optimizer");
        }
        Map<Long, Tensor> idMap = new LinkedHashMap<>();
        List<Map<String, Object>> newOptions = new ArrayList<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            if (!(savedGroups.get(gi) instanceof Map)) throw new IllegalArgumentException("param_groups[" + gi + "] is not a map");
            Map<?, ?> saved = (Map<?, ?>) savedGroups.get(gi);
            Object ps = saved.get("params");
            if (!(ps instanceof List)) throw new IllegalArgumentException("param_groups[" + gi + "] has no 'params' list");
            List<?> ids = (List<?>) ps;
            List<Tensor> params = groups.get(gi).params();
            if (ids.size() != params.size()) {
                throw new IllegalArgumentException("loaded state dict contains a parameter group that doesn't match the size of optimizer's group: group "
                        + gi + " has " + ids.size() + " saved parameters and " + params.size() + " here");
            }
            for (int i = 0; i < ids.size(); i++) idMap.put(toIndex(ids.get(i)), params.get(i));
            Map<String, Object> opts = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : saved.entrySet()) {
                if (!"params".equals(e.getKey())) opts.put(String.valueOf(e.getKey()), e.getValue());
            }
            newOptions.add(opts);
        }
        Map<Tensor, Map<String, Object>> newState = new IdentityHashMap<>();
        Object ss = stateDict.get("state");
        if (ss != null) {
            if (!(ss instanceof Map)) throw new IllegalArgumentException("state dict 'state' is not a map");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) ss).entrySet()) {
                long id = toIndex(e.getKey());
                Tensor p = idMap.get(id);
                if (p == null) throw new IllegalArgumentException("state dict has state for parameter index " + id + ", which no parameter group lists");
                if (!(e.getValue() instanceof Map)) throw new IllegalArgumentException("state of parameter " + id + " is not a map");
                Map<String, Object> ps = new LinkedHashMap<>();
                for (Map.Entry<?, ?> se : ((Map<?, ?>) e.getValue()).entrySet()) {
                    String key = String.valueOf(se.getKey());
                    Object v = se.getValue();
                    if (v instanceof Tensor) {
                        Tensor t = (Tensor) v;
                        if (!Arrays.equals(t.shapeRef(), p.shapeRef())) {
                            throw new IllegalArgumentException("state '" + key + "' of parameter " + id + " has shape " + Shape.str(t.shapeRef())
                                    + " but the parameter has shape " + Shape.str(p.shapeRef()));
                        }
                        try (GradMode.Guard guard = GradMode.noGrad()) {
                            Tensor c = t.detach().to(p.device());
                            if (c.dtype() != p.dtype() && c.dtype().isFloatingPoint()) c = c.to(p.dtype());
                            v = c.contiguousCopy();
                        }
                    } else if (v instanceof Number && key.equals("step")) {
                        v = ((Number) v).longValue();
                    } else {
                        v = copyValue(v);
                    }
                    ps.put(key, v);
                }
                newState.put(p, ps);
            }
        }
        // everything validated: apply
        state.clear();
        state.putAll(newState);
        for (int gi = 0; gi < groups.size(); gi++) groups.get(gi).replaceOptions(newOptions.get(gi));
    }

    private static long toIndex(Object k) {
        if (k instanceof Number) return ((Number) k).longValue();
        try {
            return Long.parseLong(String.valueOf(k));
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("bad parameter index in state dict: " + k);
        }
    }

    // ================================================================ helpers for subclasses

    /** Reads the {@code step} counter of a parameter's state (0 when absent). */
    protected static long stepCount(Map<String, Object> state) {
        Object s = state.get("step");
        return s == null ? 0 : ((Number) s).longValue();
    }

    /** A zero-filled state tensor like {@code param} (stored under {@code key} if absent), returned. */
    protected static Tensor stateTensor(Map<String, Object> state, String key, Tensor param, double fill) {
        Object v = state.get(key);
        if (v instanceof Tensor) return (Tensor) v;
        Tensor t = Tensor.fullLike(param, fill);
        state.put(key, t);
        return t;
    }

    /**
     * Checks {@code value >= 0} (and not NaN).
     *
     * @throws IllegalArgumentException "Invalid {what}: value"
     */
    protected static void checkNonNegative(String what, double value) {
        if (!(value >= 0)) throw new IllegalArgumentException("Invalid " + what + ": " + value);
    }

    @Override public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append(" (");
        for (int i = 0; i < groups.size(); i++) {
            sb.append("\n  group ").append(i).append(": ").append(groups.get(i).options());
        }
        return sb.append("\n)").toString();
    }
}
