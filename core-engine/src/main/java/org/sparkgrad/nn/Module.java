package org.sparkgrad.nn;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * Base class of all network layers, after PyTorch's {@code torch.nn.Module}: parameters, buffers and
 * sub-modules are registered by name, in order, so that {@link #stateDict()} names fall out as PyTorch
 * writes them ({@code features.0.weight}). Sub-classes register in their constructor and implement
 * {@link #forward(Tensor)} (or a forward with more arguments).
 */
public abstract class Module {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Set<String> nonPersistent = new TreeSet<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /**
     * The module's computation on one input tensor.
     *
     * @throws UnsupportedOperationException for modules whose forward takes other arguments
     */
    public Tensor forward(Tensor input) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " has no single-tensor forward; call its specific forward method");
    }

    // ------------------------------------------------------------------ registration
    private static void checkName(String name, String what) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(what + " name can't be empty or contain \".\", got '" + name + "'");
        }
    }

    /** Registers (or replaces) a parameter; null registers an absent parameter (e.g. no bias). */
    protected Tensor registerParameter(String name, Tensor p) {
        checkName(name, "parameter");
        if (children.containsKey(name) || buffers.containsKey(name)) throw new IllegalArgumentException("attribute '" + name + "' already exists");
        if (p != null && !p.requiresGrad()) p = Parameter.of(p);
        params.put(name, p);
        return p;
    }

    /** Registers a buffer (state that is not trained, e.g. running means); persistent ones are in the state dict. */
    protected Tensor registerBuffer(String name, Tensor b, boolean persistent) {
        checkName(name, "buffer");
        if (children.containsKey(name) || params.containsKey(name)) throw new IllegalArgumentException("attribute '" + name + "' already exists");
        buffers.put(name, b);
        if (!persistent) nonPersistent.add(name);
        return b;
    }

    protected Tensor registerBuffer(String name, Tensor b) { return registerBuffer(name, b, true); }

    /** Registers a sub-module ({@code add_module}). */
    public <M extends Module> M registerModule(String name, M m) {
        checkName(name, "module");
        if (params.containsKey(name) || buffers.containsKey(name)) throw new IllegalArgumentException("attribute '" + name + "' already exists");
        children.put(name, m);
        return m;
    }

    /** Replaces the value of a registered buffer (same name). */
    protected void setBuffer(String name, Tensor b) {
        if (!buffers.containsKey(name)) throw new IllegalArgumentException("no buffer named '" + name + "'");
        buffers.put(name, b);
    }

    /** A registered parameter of this module (not recursive), or null. */
    public Tensor parameter(String name) { return params.get(name); }

    /** A registered buffer of this module (not recursive), or null. */
    public Tensor buffer(String name) { return buffers.get(name); }

    /** A direct child by name, or null. */
    public Module child(String name) { return children.get(name); }

    // ------------------------------------------------------------------ traversal
    /** All parameters, recursively, in registration order, each once. */
    public List<Tensor> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Parameters by dotted name, recursively; a parameter shared by two modules appears once. */
    public Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        java.util.IdentityHashMap<Tensor, Boolean> seen = new java.util.IdentityHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            for (Map.Entry<String, Tensor> p : e.getValue().params.entrySet()) {
                if (p.getValue() != null && seen.put(p.getValue(), Boolean.TRUE) == null) out.put(prefix + p.getKey(), p.getValue());
            }
        }
        return out;
    }

    /** All buffers, recursively. */
    public List<Tensor> buffers() { return new ArrayList<>(namedBuffers().values()); }

    public Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            for (Map.Entry<String, Tensor> b : e.getValue().buffers.entrySet()) {
                if (b.getValue() != null) out.put(prefix + b.getKey(), b.getValue());
            }
        }
        return out;
    }

    /** Direct children in registration order. */
    public List<Module> children() { return new ArrayList<>(children.values()); }

    public Map<String, Module> namedChildren() { return new LinkedHashMap<>(children); }

    /** This module and all descendants, depth first (this first). */
    public List<Module> modules() { return new ArrayList<>(namedModules().values()); }

    /** Modules by dotted name ("" for this one), depth first. */
    public Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collect("", this, out, new java.util.IdentityHashMap<>());
        return out;
    }

    private static void collect(String prefix, Module m, Map<String, Module> out, Map<Module, Boolean> seen) {
        if (seen.put(m, Boolean.TRUE) != null) return;
        out.put(prefix, m);
        for (Map.Entry<String, Module> c : m.children.entrySet()) {
            if (c.getValue() != null) collect(prefix.isEmpty() ? c.getKey() : prefix + "." + c.getKey(), c.getValue(), out, seen);
        }
    }

    /** Applies {@code fn} to every sub-module and then this one (PyTorch order). */
    public Module apply(Consumer<Module> fn) {
        for (Module c : children.values()) if (c != null) c.apply(fn);
        fn.accept(this);
        return this;
    }

    /**
     * Re-seeds the random state of this module and its descendants (dropout masks and other training-time
     * randomness), each from {@code seed} and its position in the tree, so a training step can be replayed
     * exactly. Modules that hold a {@link org.sparkgrad.tensor.Generator} override {@link #reseedSelf}.
     */
    public void manualSeed(long seed) {
        long k = 0;
        for (Module m : modules()) m.reseedSelf(seed * 0x9E3779B97F4A7C15L + (k++));
    }

    /** Re-seeds this module's own random state (none by default). */
    protected void reseedSelf(long seed) {}

    // ------------------------------------------------------------------ modes and devices
    /** Training mode (affects dropout, batch norm). */
    public Module train(boolean on) {
        for (Module m : modules()) m.training = on;
        return this;
    }

    public Module train() { return train(true); }

    /** Evaluation mode. */
    public Module eval() { return train(false); }

    public boolean isTraining() { return training; }

    /** Clears every parameter's gradient (set to null, as PyTorch's default {@code set_to_none=True}). */
    public void zeroGrad() {
        for (Tensor p : parameters()) p.setGrad(null);
    }

    /** Moves all parameters and buffers to {@code device} in place (tensor identities are kept). */
    public Module to(Device device) {
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (Tensor p : parameters()) {
                if (!p.device().equals(device)) {
                    p.setData(p.to(device));
                    if (p.grad() != null) p.setGrad(p.grad().to(device));
                }
            }
            for (Module m : modules()) {
                for (Map.Entry<String, Tensor> b : m.buffers.entrySet()) {
                    if (b.getValue() != null && !b.getValue().device().equals(device)) b.setValue(b.getValue().to(device));
                }
            }
        }
        return this;
    }

    /** Converts floating parameters and buffers to {@code dtype} in place. */
    public Module to(DType dtype) {
        if (!dtype.isFloatingPoint()) throw new IllegalArgumentException("module.to() only accepts floating dtypes, got " + dtype.torchName());
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (Tensor p : parameters()) {
                if (p.dtype() != dtype) {
                    p.setData(p.to(dtype));
                    if (p.grad() != null) p.setGrad(p.grad().to(dtype));
                }
            }
            for (Module m : modules()) {
                for (Map.Entry<String, Tensor> b : m.buffers.entrySet()) {
                    Tensor t = b.getValue();
                    if (t != null && t.dtype().isFloatingPoint() && t.dtype() != dtype) b.setValue(t.to(dtype));
                }
            }
        }
        return this;
    }

    /** {@code nn.Module.half()}: floating parameters and buffers to float16 ({@link #to(DType)}). */
    public Module half() { return to(DType.FLOAT16); }

    /** {@code nn.Module.bfloat16()}: floating parameters and buffers to bfloat16 ({@link #to(DType)}). */
    public Module bfloat16() { return to(DType.BFLOAT16); }

    /** Number of parameter elements (each shared parameter once). */
    public long numParameters() {
        long n = 0;
        for (Tensor p : parameters()) n += p.numel();
        return n;
    }

    // ------------------------------------------------------------------ state dict
    /** Parameters then persistent buffers of each module, recursively, by dotted name (PyTorch's order). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            Module m = e.getValue();
            for (Map.Entry<String, Tensor> p : m.params.entrySet()) if (p.getValue() != null) out.put(prefix + p.getKey(), p.getValue().detach());
            for (Map.Entry<String, Tensor> b : m.buffers.entrySet()) {
                if (b.getValue() != null && !m.nonPersistent.contains(b.getKey())) out.put(prefix + b.getKey(), b.getValue().detach());
            }
        }
        return out;
    }

    /**
     * Copies values from {@code state} into the parameters and buffers (in place, under no-grad).
     *
     * @param strict when true, missing and unexpected keys are an error
     * @return the keys that were missing and unexpected (both empty in strict mode)
     * @throws IllegalArgumentException on a shape mismatch (naming the key and both shapes), or in strict mode
     *                                  on missing/unexpected keys (listing them)
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = new LinkedHashMap<>();
        Map<String, Module> owners = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : namedModules().entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            Module m = e.getValue();
            for (Map.Entry<String, Tensor> p : m.params.entrySet()) if (p.getValue() != null) own.put(prefix + p.getKey(), p.getValue());
            for (Map.Entry<String, Tensor> b : m.buffers.entrySet()) {
                if (b.getValue() != null && !m.nonPersistent.contains(b.getKey())) {
                    own.put(prefix + b.getKey(), b.getValue());
                    owners.put(prefix + b.getKey(), m);
                }
            }
        }
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>();
        for (String k : own.keySet()) if (!state.containsKey(k)) missing.add(k);
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new IllegalArgumentException("Error(s) in loading state_dict for " + getClass().getSimpleName()
                    + ": missing keys " + missing + ", unexpected keys " + unexpected);
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) continue;
            Tensor dst = e.getValue();
            if (!Arrays.equals(src.shape(), dst.shape())) {
                throw new IllegalArgumentException("size mismatch for " + e.getKey() + ": copying a param with shape "
                        + Arrays.toString(src.shape()) + " from checkpoint, the shape in current model is " + Arrays.toString(dst.shape()));
            }
        }
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) e.getValue().copy_(src.to(e.getValue().device()));
            }
        }
        return new LoadResult(missing, unexpected);
    }

    /** Missing and unexpected keys of a non-strict {@link #loadStateDict}. */
    public static final class LoadResult {
        public final List<String> missingKeys, unexpectedKeys;

        LoadResult(List<String> missing, List<String> unexpected) {
            this.missingKeys = missing;
            this.unexpectedKeys = unexpected;
        }
    }

    // ------------------------------------------------------------------ printing
    /** Extra text inside the parentheses of {@link #toString()}, e.g. {@code in_features=4, out_features=2}. */
    public String extraRepr() { return ""; }

    /** The module tree, formatted like PyTorch's {@code repr}. */
    @Override public String toString() {
        String name = getClass().getSimpleName();
        if (children.isEmpty()) return name + "(" + extraRepr() + ")";
        StringBuilder sb = new StringBuilder(name).append('(');
        String extra = extraRepr();
        if (!extra.isEmpty()) sb.append("\n  ").append(extra);
        for (Map.Entry<String, Module> c : children.entrySet()) {
            String child = String.valueOf(c.getValue()).replace("\n", "\n  ");
            sb.append("\n  (").append(c.getKey()).append("): ").append(child);
        }
        return sb.append("\n)").toString();
    }
}
