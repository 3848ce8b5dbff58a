package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** Rectified linear unit max(0, x). Elementwise on any shape (PyTorch {@code nn.ReLU}). */
public class ReLU extends Activation {
    public ReLU() {
        super("ReLU", "", Tensor::relu);
    }
}
