package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/** Absolute error {@code |input - target|}, reduced (PyTorch's {@code nn.L1Loss}); see {@link Losses#l1Loss(Tensor, Tensor, Losses.Reduction)}. */
public class L1Loss extends Loss {
    /** {@code L1Loss()}: reduction "mean". */
    public L1Loss() { this("mean"); }

    /** @param reduction none, mean or sum */
    public L1Loss(String reduction) { super(reduction); }

    @Override public Tensor forward(Tensor input, Tensor target) { return Losses.l1Loss(input, target, reductionMode()); }
}
