package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** Hyperbolic tangent. Elementwise on any shape (PyTorch {@code nn.Tanh}). */
public class Tanh extends Activation {
    public Tanh() {
        super("Tanh", "", Tensor::tanh);
    }
}
