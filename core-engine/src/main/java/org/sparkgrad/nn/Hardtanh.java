package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** Clamp to [min_val, max_val]. Elementwise on any shape (PyTorch {@code nn.Hardtanh}). */
public class Hardtanh extends Activation {
    public Hardtanh() { this(-1, 1); }

    public Hardtanh(double minVal, double maxVal) {
        super("Hardtanh", "min_val=" + minVal + ", max_val=" + maxVal, x -> x.hardtanh(minVal, maxVal));
    }
}
