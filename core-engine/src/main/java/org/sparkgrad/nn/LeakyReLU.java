package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** x for x > 0, else negative_slope * x. Elementwise on any shape (PyTorch {@code nn.LeakyReLU}). */
public class LeakyReLU extends Activation {
    public LeakyReLU() { this(0.01); }

    public LeakyReLU(double negativeSlope) {
        super("LeakyReLU", "negative_slope=" + negativeSlope, x -> x.leakyRelu(negativeSlope));
    }
}
