package org.sparkgrad.nn;

/** {@code min(max(x + 3, 0), 6) / 6}. Elementwise on any shape (PyTorch {@code nn.Hardsigmoid}). */
public class Hardsigmoid extends Activation {
    public Hardsigmoid() {
        super("Hardsigmoid", "", F::hardsigmoid);
    }
}
