package org.sparkgrad.nn;

/**
 * {@code scale * (x > 0 ? x : alpha * (exp(x) - 1))} with alpha = 1.6732632423543772848170429916717 and
 * scale = 1.0507009873554804934193349852946 (Klambauer et al. 2017). Elementwise on any shape (PyTorch {@code nn.SELU}).
 */
public class SELU extends Activation {
    /** {@code SELU()}: {@code scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))} with Klambauer et al.'s constants. */
    public SELU() {
        super("SELU", "", F::selu);
    }
}
