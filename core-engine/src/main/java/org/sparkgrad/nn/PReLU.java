package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/**
 * Parametric ReLU (He et al. 2015), PyTorch's {@code nn.PReLU}: {@code x > 0 ? x : weight * x} with a learnable
 * {@code weight} of shape {@code (numParameters)} initialised to {@code init} (0.25), either one slope shared by all
 * channels or one per channel ({@code numParameters = C}), broadcast over dim 1 of the input {@code (N, C, *)}.
 * The weight receives {@code sum of x * grad} over the non-positive inputs.
 */
public class PReLU extends Module {
    /** 1 (one slope shared by all channels) or C (one per channel). */
    public final int numParameters;
    /** The learned negative slopes {@code (numParameters)}. */
    public final Tensor weight;

    /** {@code PReLU()}: one slope, 0.25. */
    public PReLU() { this(1, 0.25); }

    /**
     * @param numParameters 1 or the channel count C
     * @param init          initial value of every slope
     * @throws IllegalArgumentException for a non-positive count
     */
    public PReLU(int numParameters, double init) {
        if (numParameters <= 0) throw new IllegalArgumentException("num_parameters must be positive, got " + numParameters);
        this.numParameters = numParameters;
        this.weight = registerParameter("weight", Tensor.full(init, numParameters));
    }

    /** @throws IllegalArgumentException when the input's channel count is neither 1 nor numParameters (naming the shapes) */
    @Override public Tensor forward(Tensor x) { return F.prelu(x, weight); }

    @Override public String extraRepr() { return "num_parameters=" + numParameters; }
}
