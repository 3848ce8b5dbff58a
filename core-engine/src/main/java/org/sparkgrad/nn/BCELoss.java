package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/**
 * Binary cross entropy of probabilities (PyTorch's {@code nn.BCELoss(weight=None, reduction='mean')}); see
 * {@link Losses#binaryCrossEntropy(Tensor, Tensor, Tensor, Losses.Reduction)}. The rescaling weight (broadcastable to
 * the input) is the buffer {@code weight}.
 */
public class BCELoss extends Loss {
    /** {@code BCELoss()}: no weight, reduction "mean". */
    public BCELoss() { this(null, "mean"); }

    /**
     * @param weight    rescaling weight broadcastable to the input, or null
     * @param reduction none, mean or sum
     */
    public BCELoss(Tensor weight, String reduction) {
        super(reduction);
        registerBuffer("weight", weight);
    }

    /** The weight buffer, or null. */
    public Tensor weight() { return buffer("weight"); }

    @Override public Tensor forward(Tensor input, Tensor target) {
        return Losses.binaryCrossEntropy(input, target, weight(), reductionMode());
    }
}
