package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/**
 * Cross entropy between logits {@code (N, C, *)} or {@code (C)} and int64 class targets or class probabilities (PyTorch's
 * {@code nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)}); see
 * {@link Losses#crossEntropy(Tensor, Tensor, Tensor, long, Losses.Reduction, double)}. The class weight {@code (C)} is
 * the buffer {@code weight}.
 */
public class CrossEntropyLoss extends Loss {
    /** Target value whose samples are ignored (default -100). */
    public final long ignoreIndex;
    /** Label smoothing in [0, 1] (default 0). */
    public final double labelSmoothing;

    /** {@code CrossEntropyLoss()}: no weight, ignore_index -100, reduction "mean", no label smoothing. */
    public CrossEntropyLoss() { this(null, Losses.DEFAULT_IGNORE_INDEX, "mean", 0.0); }

    /**
     * @param weight         per-class weights {@code (C)}, or null
     * @param ignoreIndex    class-index target value that contributes nothing (PyTorch's default -100)
     * @param reduction      none, mean or sum
     * @param labelSmoothing in [0, 1] (checked at the call, as PyTorch)
     */
    public CrossEntropyLoss(Tensor weight, long ignoreIndex, String reduction, double labelSmoothing) {
        super(reduction);
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
        registerBuffer("weight", weight);
    }

    /** The class weight buffer, or null. */
    public Tensor weight() { return buffer("weight"); }

    @Override public Tensor forward(Tensor input, Tensor target) {
        return Losses.crossEntropy(input, target, weight(), ignoreIndex, reductionMode(), labelSmoothing);
    }
}
