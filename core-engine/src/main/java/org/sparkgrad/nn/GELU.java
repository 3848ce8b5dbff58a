package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** x * Phi(x) (Hendrycks and Gimpel 2016), exact or with the tanh approximation. Elementwise on any shape (PyTorch {@code nn.GELU}). */
public class GELU extends Activation {
    public GELU() { this(false); }

    public GELU(boolean tanhApproximation) {
        super("GELU", tanhApproximation ? "approximate='tanh'" : "approximate='none'", x -> x.gelu(tanhApproximation));
    }
}
