package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** exp(x) / sum(exp(x)) along dim, max-subtracted. Elementwise on any shape (PyTorch {@code nn.Softmax}). */
public class Softmax extends Activation {
    public Softmax(int dim) {
        super("Softmax", "dim=" + dim, x -> x.softmax(dim));
    }
}
