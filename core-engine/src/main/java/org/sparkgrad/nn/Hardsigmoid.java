package org.sparkgrad.nn;

/** {@code min(max(x + 3, 0), 6) / 6}. Elementwise on any shape (PyTorch {@code nn.Hardsigmoid}). */
public class Hardsigmoid extends Activation {
    /** {@code Hardsigmoid()}: {@code relu6(x + 3) / 6}. */
    public Hardsigmoid() {
        super("Hardsigmoid", "", F::hardsigmoid);
    }
}
