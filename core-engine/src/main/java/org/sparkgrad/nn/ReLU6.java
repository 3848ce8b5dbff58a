package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** min(max(0, x), 6). Elementwise on any shape (PyTorch {@code nn.ReLU6}). */
public class ReLU6 extends Activation {
    public ReLU6() {
        super("ReLU6", "", Tensor::relu6);
    }
}
