package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** log(1 + exp(beta x)) / beta, linear above threshold. Elementwise on any shape (PyTorch {@code nn.Softplus}). */
public class Softplus extends Activation {
    public Softplus() { this(1, 20); }

    public Softplus(double beta, double threshold) {
        super("Softplus", "beta=" + beta + ", threshold=" + threshold, x -> x.softplus(beta, threshold));
    }
}
