package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** x * tanh(softplus(x)) (Misra 2019). Elementwise on any shape (PyTorch {@code nn.Mish}). */
public class Mish extends Activation {
    public Mish() {
        super("Mish", "", Tensor::mish);
    }
}
