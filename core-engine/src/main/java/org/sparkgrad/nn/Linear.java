package org.sparkgrad.nn;

import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * {@code y = x W^T + b} (PyTorch {@code nn.Linear}). Input {@code (*, in_features)}, output
 * {@code (*, out_features)}; weight {@code (out_features, in_features)}, bias {@code (out_features)};
 * initialised as PyTorch does (U(-1/sqrt(in), 1/sqrt(in)) for both).
 */
public class Linear extends Module {
    public final int inFeatures, outFeatures;
    public final Tensor weight, bias;

    public Linear(int inFeatures, int outFeatures) { this(inFeatures, outFeatures, true, Generator.defaultGenerator()); }

    public Linear(int inFeatures, int outFeatures, boolean bias) { this(inFeatures, outFeatures, bias, Generator.defaultGenerator()); }

    public Linear(int inFeatures, int outFeatures, boolean bias, Generator g) {
        if (inFeatures < 0 || outFeatures < 0) {
            throw new IllegalArgumentException("Linear features must be non-negative, got " + inFeatures + " and " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outFeatures) : null);
        Init.defaultLayerInit(this.weight, this.bias, g);
    }

    @Override public Tensor forward(Tensor x) { return F.linear(x, weight, bias); }

    @Override public String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null ? "True" : "False");
    }
}
