package org.sparkgrad.autograd;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.sparkgrad.tensor.Storage;
import org.sparkgrad.tensor.Tensor;

/**
 * The reverse-mode engine: {@code backward} (accumulating into leaf {@code .grad}) and {@link #grad}
 * (returning gradients without touching {@code .grad}), anomaly detection. Nodes run in a topological
 * order computed by dependency counting, as PyTorch's engine does; gradients arriving at a node from
 * several consumers are summed before its backward rule runs.
 */
public final class Autograd {
    private static volatile boolean anomaly;

    private Autograd() {}

    /**
     * Anomaly mode ({@code torch.autograd.set_detect_anomaly}): every backward result is checked for NaN,
     * and the error names the forward op whose backward produced it (with its forward stack trace as cause).
     */
    public static void setDetectAnomaly(boolean on) { anomaly = on; }

    public static boolean isAnomalyEnabled() { return anomaly; }

    /**
     * Computes gradients of {@code roots} (seeded with {@code rootGrads}) and accumulates them into the
     * {@code .grad} of every leaf that requires grad.
     *
     * @throws IllegalArgumentException when a root does not require grad or a seed's shape differs
     * @throws IllegalStateException    when the graph was already freed by an earlier backward
     */
    public static void backward(Tensor[] roots, Tensor[] rootGrads, boolean retainGraph) {
        run(roots, rootGrads, retainGraph, null, false);
    }

    /**
     * {@code torch.autograd.grad}: the gradients of {@code outputs} w.r.t. {@code inputs}, without touching
     * any {@code .grad}.
     *
     * @param gradOutputs seeds (null = ones for scalar outputs)
     * @param allowUnused when false, an input that the outputs do not depend on is an error; when true its
     *                    gradient is null
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean retainGraph,
                                boolean allowUnused) {
        Tensor[] res = run(outputs, gradOutputs, retainGraph, inputs, true);
        for (int i = 0; i < inputs.length; i++) {
            if (res[i] == null && !allowUnused) {
                throw new IllegalArgumentException("One of the differentiated tensors (input " + i
                        + ") appears to not have been used in the graph. Set allowUnused=true if this is the desired behavior.");
            }
        }
        return res;
    }

    /** Shorthand: gradient of a scalar output w.r.t. inputs. */
    public static Tensor[] grad(Tensor output, Tensor... inputs) {
        return grad(new Tensor[] {output}, inputs, null, false, false);
    }

    private static Tensor[] run(Tensor[] roots, Tensor[] rootGrads, boolean retain, Tensor[] capture, boolean captureMode) {
        Map<Storage, Boolean> claimed = new IdentityHashMap<>();
        // each leaf's gradient, summed over all its uses, handed over once when the whole graph has run (as PyTorch's
        // AccumulateGrad node runs once, on the sum): its hooks see the total, and no gradient is still pending then
        Map<Tensor, Tensor> leafGrads = new java.util.LinkedHashMap<>();
        Map<Function, Tensor> pending = new IdentityHashMap<>();
        Map<Function, Integer> deps = new IdentityHashMap<>();
        Tensor[] captured = capture == null ? null : new Tensor[capture.length];
        Map<Tensor, Integer> captureLeaf = new IdentityHashMap<>();
        Map<Function, Integer> captureFn = new IdentityHashMap<>();
        if (capture != null) {
            for (int i = 0; i < capture.length; i++) {
                Tensor t = capture[i];
                if (!t.requiresGrad()) {
                    throw new IllegalArgumentException("input " + i + " of grad() does not require grad");
                }
                if (t.gradFn() == null) captureLeaf.put(t, i);
                else captureFn.put(t.gradFn(), i);
            }
        }
        try (GradMode.Guard g = GradMode.noGrad()) {
            ArrayDeque<Function> stack = new ArrayDeque<>();
            for (int r = 0; r < roots.length; r++) {
                Tensor root = roots[r];
                if (!root.requiresGrad()) {
                    throw new IllegalArgumentException("element " + r + " of tensors does not require grad and does not have a grad_fn");
                }
                Tensor seed = rootGrads == null ? null : rootGrads[r];
                if (seed == null) {
                    if (root.numel() != 1) {
                        throw new IllegalArgumentException("grad can be implicitly created only for scalar outputs; output "
                                + r + " has shape " + Arrays.toString(root.shape()));
                    }
                    seed = Tensor.onesLike(root);
                } else {
                    if (!Arrays.equals(seed.shape(), root.shape())) {
                        throw new IllegalArgumentException("Mismatch in shape: grad_output[" + r + "] has a shape of "
                                + Arrays.toString(seed.shape()) + " and output[" + r + "] has a shape of "
                                + Arrays.toString(root.shape()));
                    }
                    claimed.put(seed.storage(), Boolean.TRUE); // the caller still holds it: never alias it
                    if (seed.dtype() != root.dtype()) seed = seed.to(root.dtype());
                }
                if (root.gradFn() == null) {
                    collectLeaf(leafGrads, root, seed, captureLeaf, captureMode);
                } else {
                    pending.merge(root.gradFn(), seed, Tensor::add);
                    stack.push(root.gradFn());
                }
            }
            // count dependencies: number of edges pointing to each node within the reachable graph
            ArrayDeque<Function> walk = new ArrayDeque<>(stack);
            Map<Function, Boolean> seen = new IdentityHashMap<>();
            for (Function f : walk) seen.put(f, Boolean.TRUE);
            while (!walk.isEmpty()) {
                Function f = walk.pop();
                for (Function in : f.inputFns) {
                    if (in == null) continue;
                    deps.merge(in, 1, Integer::sum);
                    if (seen.put(in, Boolean.TRUE) == null) walk.push(in);
                }
            }
            ArrayDeque<Function> ready = new ArrayDeque<>();
            for (Function f : stack) if (!deps.containsKey(f) && !ready.contains(f)) ready.push(f);
            while (!ready.isEmpty()) {
                Function f = ready.pop();
                Tensor grad = pending.remove(f);
                Tensor[] inGrads = null;
                if (grad != null) {
                    if (f.isReleased()) f.runBackward(grad); // throws the "second time" error
                    if (f.hooks != null) {
                        for (UnaryOperator<Tensor> h : f.hooks) {
                            Tensor r = h.apply(grad);
                            if (r != null) grad = checkHookResult(r, grad.shape(), f.name + " output");
                        }
                    }
                    if (f.retained != null) {
                        Tensor rt = f.retained;
                        claimed.put(grad.storage(), Boolean.TRUE);
                        rt.setGradInternal(rt.grad() == null ? grad : rt.grad().add(grad));
                    }
                    Integer ci = captureFn.get(f);
                    if (ci != null) captured[ci] = captured[ci] == null ? grad : captured[ci].add(grad);
                    inGrads = f.runBackward(grad);
                    if (inGrads.length != f.inputFns.length) {
                        throw new IllegalStateException("backward of " + f.name + " returned " + inGrads.length
                                + " gradients for " + f.inputFns.length + " inputs");
                    }
                    if (anomaly) checkAnomaly(f, inGrads);
                }
                for (int i = 0; i < f.inputFns.length; i++) {
                    if (!f.needsGrad[i]) continue;
                    Tensor gi = inGrads == null ? null : inGrads[i];
                    if (gi != null && !Arrays.equals(gi.shape(), f.inputShapes[i])) {
                        throw new IllegalStateException("backward of " + f.name + " returned a gradient of shape "
                                + Arrays.toString(gi.shape()) + " for input " + i + " of shape "
                                + Arrays.toString(f.inputShapes[i]));
                    }
                    Function in = f.inputFns[i];
                    if (in != null) {
                        if (gi != null) pending.merge(in, gi, Tensor::add);
                        int left = deps.merge(in, -1, Integer::sum);
                        if (left == 0) {
                            deps.remove(in);
                            ready.push(in);
                        }
                    } else if (gi != null) {
                        collectLeaf(leafGrads, f.inputLeaves[i], gi, captureLeaf, captureMode);
                    }
                }
                if (!retain) f.release();
            }
            for (Map.Entry<Tensor, Tensor> e : leafGrads.entrySet()) {
                deliverToLeaf(e.getKey(), e.getValue(), claimed, captureLeaf, captured, captureMode);
            }
        }
        return captured;
    }

    /** Adds {@code g} to the leaf's total for this run (leaves that grad() does not ask for are skipped). */
    private static void collectLeaf(Map<Tensor, Tensor> leafGrads, Tensor leaf, Tensor g, Map<Tensor, Integer> captureLeaf,
                                    boolean captureMode) {
        if (captureMode && !captureLeaf.containsKey(leaf)) return;
        leafGrads.merge(leaf, g, Tensor::add);
    }

    /**
     * Runs the leaf's hooks on its total gradient of this run, then returns it to {@code grad()} (capture mode) or
     * accumulates it into {@code leaf.grad}. A first gradient is stored without a copy when no one else can hold it
     * (not the caller's seed, a retained gradient, another leaf's gradient, or a tensor a hook saw).
     */
    private static void deliverToLeaf(Tensor leaf, Tensor g, Map<Storage, Boolean> claimed, Map<Tensor, Integer> captureLeaf,
                                      Tensor[] captured, boolean captureMode) {
        List<UnaryOperator<Tensor>> hooks = leaf.leafHooks();
        if (hooks != null) {
            claimed.put(g.storage(), Boolean.TRUE); // a hook may keep the tensor it was given
            for (UnaryOperator<Tensor> h : hooks) {
                Tensor r = h.apply(g);
                if (r != null && r != g) {
                    g = checkHookResult(r, leaf.shape(), "leaf");
                    claimed.put(g.storage(), Boolean.TRUE); // the hook's caller may still hold it
                }
            }
        }
        if (captureMode) {
            captured[captureLeaf.get(leaf)] = g;
            return;
        }
        if (g.dtype() != leaf.dtype()) g = g.to(leaf.dtype());
        Tensor cur = leaf.grad();
        if (cur == null) {
            boolean fresh = g.isContiguous() && g.storageOffset() == 0 && g.numel() == g.storage().size()
                    && !claimed.containsKey(g.storage());
            Tensor stored = fresh ? g : g.contiguousCopy();
            claimed.put(stored.storage(), Boolean.TRUE);
            leaf.setGradInternal(stored);
        } else {
            cur.add_(g);
        }
    }

    private static Tensor checkHookResult(Tensor r, int[] shape, String what) {
        if (!Arrays.equals(r.shape(), shape)) {
            throw new IllegalStateException("a hook has changed the size of the gradient of a " + what + ": expected "
                    + Arrays.toString(shape) + " but the hook returned " + Arrays.toString(r.shape()));
        }
        return r;
    }

    private static void checkAnomaly(Function f, Tensor[] grads) {
        for (int i = 0; i < grads.length; i++) {
            Tensor g = grads[i];
            if (g == null || !g.dtype().isFloatingPoint()) continue;
            if (g.hasNaN()) {
                IllegalStateException e = new IllegalStateException("Function '" + f.name
                        + "Backward' returned nan values in its " + i + "th output.");
                if (f.forwardTrace != null) e.initCause(f.forwardTrace);
                throw e;
            }
        }
    }
}
