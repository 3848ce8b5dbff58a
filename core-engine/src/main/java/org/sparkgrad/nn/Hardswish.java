package org.sparkgrad.nn;

/** {@code x * min(max(x + 3, 0), 6) / 6} (Howard et al. 2019). Elementwise on any shape (PyTorch {@code nn.Hardswish}). */
public class Hardswish extends Activation {
    /** {@code Hardswish()}: {@code x * relu6(x + 3) / 6}. */
    public Hardswish() {
        super("Hardswish", "", F::hardswish);
    }
}
