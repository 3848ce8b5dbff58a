package org.sparkgrad.autograd;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.sparkgrad.tensor.Tensor;

/**
 * One recorded differentiable op in the autograd graph: its name, the edges to its inputs, the tensors
 * it saved for backward (with their version at save time), and its backward rule. Ops create it through
 * {@link #record}; the backward rule maps the gradient of the op's single output to one gradient per input
 * (null where an input gets none). Modelled on PyTorch's {@code torch.autograd.Function} context.
 */
public final class Function {
    /** A backward rule: gradients w.r.t. each input, given the context and the output's gradient. */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Function ctx, Tensor grad);
    }

    final String name;
    final Function[] inputFns;
    final Tensor[] inputLeaves;
    final boolean[] needsGrad;
    final int[][] inputShapes;
    private Backward backward;
    private Tensor[] saved;
    private int[] savedVersions;
    private boolean released;
    List<UnaryOperator<Tensor>> hooks;
    Tensor retained;
    final Throwable forwardTrace;

    private Function(String name, Tensor[] inputs, Backward backward, Tensor[] saved) {
        this.name = name;
        int n = inputs.length;
        inputFns = new Function[n];
        inputLeaves = new Tensor[n];
        needsGrad = new boolean[n];
        inputShapes = new int[n][];
        for (int i = 0; i < n; i++) {
            Tensor t = inputs[i];
            if (t == null) continue;
            inputShapes[i] = t.shape();
            if (!t.requiresGrad()) continue;
            needsGrad[i] = true;
            if (t.gradFn() != null) inputFns[i] = t.gradFn();
            else inputLeaves[i] = t;
        }
        this.backward = backward;
        this.saved = saved;
        savedVersions = new int[saved.length];
        for (int i = 0; i < saved.length; i++) savedVersions[i] = saved[i] == null ? 0 : saved[i].version();
        forwardTrace = Autograd.isAnomalyEnabled() ? new Throwable("forward of " + name) : null;
    }

    /**
     * Attaches a backward rule to {@code out} when grad mode is on and an input requires grad; otherwise
     * returns {@code out} untouched.
     *
     * @param name   op name shown in errors and {@code toString} (e.g. {@code "mul"})
     * @param out    the op's result (fresh tensor or view)
     * @param inputs the op's tensor inputs in the order the backward rule returns gradients (nulls allowed)
     * @param bw     the backward rule
     * @param saved  tensors the backward rule reads through {@link #saved(int)}
     */
    public static Tensor record(String name, Tensor out, Tensor[] inputs, Backward bw, Tensor... saved) {
        if (!GradMode.isEnabled()) return out;
        boolean any = false;
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                any = true;
                break;
            }
        }
        if (!any) return out;
        out.attachGradFn(new Function(name, inputs, bw, saved));
        return out;
    }

    /** Shorthand for a one-input op. */
    public static Tensor record(String name, Tensor out, Tensor input, Backward bw, Tensor... saved) {
        return record(name, out, new Tensor[] {input}, bw, saved);
    }

    /**
     * The i-th saved tensor.
     *
     * @throws IllegalStateException when it was modified in place after being saved, or the graph was freed
     */
    public Tensor saved(int i) {
        if (released) throw freedError();
        Tensor t = saved[i];
        if (t != null && t.version() != savedVersions[i]) {
            throw new IllegalStateException("one of the tensors needed for gradient computation has been modified by "
                    + "an inplace operation: saved tensor " + i + " of " + name + " of shape "
                    + java.util.Arrays.toString(t.shape()) + " is at version " + t.version() + "; expected version "
                    + savedVersions[i] + " instead");
        }
        return t;
    }

    /** Whether input {@code i} needs a gradient (lets a backward rule skip work). */
    public boolean needsInputGrad(int i) { return needsGrad[i]; }

    /** Shape of input {@code i} at forward time. */
    public int[] inputShape(int i) { return inputShapes[i]; }

    /** The op name. */
    public String name() { return name; }

    Tensor[] runBackward(Tensor grad) {
        if (released) throw freedError();
        return backward.apply(this, grad);
    }

    boolean isReleased() { return released; }

    void release() {
        released = true;
        saved = null;
        backward = null;
    }

    private IllegalStateException freedError() {
        return new IllegalStateException("Trying to backward through the graph a second time (or directly access saved "
                + "tensors after they have already been freed): the saved tensors of " + name + " were freed by the "
                + "first backward. Pass retainGraph=true to the first backward if you need to backward twice.");
    }

    /** Registers a hook run on this node's output gradient (used by {@code Tensor.registerHook}). */
    public void addHook(UnaryOperator<Tensor> hook) {
        if (hooks == null) hooks = new ArrayList<>();
        hooks.add(hook);
    }

    /** Makes backward store this node's output gradient in {@code t.grad()} ({@code Tensor.retainGrad}). */
    public void retainGradInto(Tensor t) { retained = t; }

    @Override public String toString() { return "<" + name + "Backward>"; }
}
