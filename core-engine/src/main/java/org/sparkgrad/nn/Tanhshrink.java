package org.sparkgrad.nn;

/** {@code x - tanh(x)}. Elementwise on any shape (PyTorch {@code nn.Tanhshrink}). */
public class Tanhshrink extends Activation {
    public Tanhshrink() {
        super("Tanhshrink", "", F::tanhshrink);
    }
}
