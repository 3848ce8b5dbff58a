package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/** Squared error {@code (input - target)^2}, reduced (PyTorch's {@code nn.MSELoss}); see {@link Losses#mseLoss(Tensor, Tensor, Losses.Reduction)}. */
public class MSELoss extends Loss {
    /** {@code MSELoss()}: reduction "mean". */
    public MSELoss() { this("mean"); }

    /** @param reduction none, mean or sum */
    public MSELoss(String reduction) { super(reduction); }

    @Override public Tensor forward(Tensor input, Tensor target) { return Losses.mseLoss(input, target, reductionMode()); }
}
