package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** x * sigmoid(x). Elementwise on any shape (PyTorch {@code nn.SiLU}). */
public class SiLU extends Activation {
    public SiLU() {
        super("SiLU", "", Tensor::silu);
    }
}
