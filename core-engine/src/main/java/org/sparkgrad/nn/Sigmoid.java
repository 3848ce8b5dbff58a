package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** 1 / (1 + exp(-x)), computed stably. Elementwise on any shape (PyTorch {@code nn.Sigmoid}). */
public class Sigmoid extends Activation {
    public Sigmoid() {
        super("Sigmoid", "", Tensor::sigmoid);
    }
}
