package org.sparkgrad.nn;

/** {@code x / (1 + |x|)}. Elementwise on any shape (PyTorch {@code nn.Softsign}). */
public class Softsign extends Activation {
    /** {@code Softsign()}: {@code x / (1 + |x|)}. */
    public Softsign() {
        super("Softsign", "", F::softsign);
    }
}
