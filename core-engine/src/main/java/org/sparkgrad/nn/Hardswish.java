package org.sparkgrad.nn;

/** {@code x * min(max(x + 3, 0), 6) / 6} (Howard et al. 2019). Elementwise on any shape (PyTorch {@code nn.Hardswish}). */
public class Hardswish extends Activation {
    public Hardswish() {
        super("Hardswish", "", F::hardswish);
    }
}
