package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** Modules applied in order (PyTorch {@code nn.Sequential}); children are named {@code 0, 1, ...}. */
public class Sequential extends Module {
    private int count;

    public Sequential(Module... modules) {
        for (Module m : modules) add(m);
    }

    /** Appends a module (named by its position). */
    public Sequential add(Module m) {
        registerModule(Integer.toString(count++), m);
        return this;
    }

    /** The i-th module (negative counts from the end). */
    public Module get(int i) {
        int k = i < 0 ? i + count : i;
        if (k < 0 || k >= count) throw new IndexOutOfBoundsException("index " + i + " is out of range for Sequential of length " + count);
        return child(Integer.toString(k));
    }

    public int size() { return count; }

    @Override public Tensor forward(Tensor x) {
        for (Module m : children()) x = m.forward(x);
        return x;
    }
}
