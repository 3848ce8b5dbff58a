package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/**
 * Binary cross entropy on logits, numerically stable (PyTorch's {@code nn.BCEWithLogitsLoss(weight=None,
 * reduction='mean', pos_weight=None)}); see {@link Losses#binaryCrossEntropyWithLogits(Tensor, Tensor, Tensor, Tensor,
 * Losses.Reduction)}. The weights are the buffers {@code weight} and {@code pos_weight} (in that order, as PyTorch).
 */
public class BCEWithLogitsLoss extends Loss {
    /** {@code BCEWithLogitsLoss()}: no weight, reduction "mean", no pos_weight. */
    public BCEWithLogitsLoss() { this(null, "mean", null); }

    /**
     * @param weight    rescaling weight broadcastable to the input, or null
     * @param reduction none, mean or sum
     * @param posWeight weight of the positive examples broadcastable to the input (usually {@code (C)}), or null
     */
    public BCEWithLogitsLoss(Tensor weight, String reduction, Tensor posWeight) {
        super(reduction);
        registerBuffer("weight", weight);
        registerBuffer("pos_weight", posWeight);
    }

    /** The weight buffer, or null. */
    public Tensor weight() { return buffer("weight"); }

    /** The pos_weight buffer, or null. */
    public Tensor posWeight() { return buffer("pos_weight"); }

    @Override public Tensor forward(Tensor input, Tensor target) {
        return Losses.binaryCrossEntropyWithLogits(input, target, weight(), posWeight(), reductionMode());
    }
}
