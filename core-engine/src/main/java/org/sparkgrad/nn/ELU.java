package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** x for x > 0, else alpha * (exp(x) - 1) (Clevert et al. 2016). Elementwise on any shape (PyTorch {@code nn.ELU}). */
public class ELU extends Activation {
    public ELU() { this(1.0); }

    public ELU(double alpha) {
        super("ELU", "alpha=" + alpha, x -> x.elu(alpha));
    }
}
