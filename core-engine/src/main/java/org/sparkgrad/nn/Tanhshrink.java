package org.sparkgrad.nn;

/** {@code x - tanh(x)}. Elementwise on any shape (PyTorch {@code nn.Tanhshrink}). */
public class Tanhshrink extends Activation {
    /** {@code Tanhshrink()}: {@code x - tanh(x)}. */
    public Tanhshrink() {
        super("Tanhshrink", "", F::tanhshrink);
    }
}
