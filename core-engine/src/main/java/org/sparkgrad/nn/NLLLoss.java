package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/**
 * Negative log likelihood of log-probability input {@code (N, C, *)} or {@code (C)} and int64 class targets (PyTorch's
 * {@code nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')}); see
 * {@link Losses#nllLoss(Tensor, Tensor, Tensor, long, Losses.Reduction)}. The class weight {@code (C)} is the buffer
 * {@code weight}.
 */
public class NLLLoss extends Loss {
    /** Target value whose samples are ignored (default -100). */
    public final long ignoreIndex;

    /** {@code NLLLoss()}: no weight, ignore_index -100, reduction "mean". */
    public NLLLoss() { this(null, Losses.DEFAULT_IGNORE_INDEX, "mean"); }

    /**
     * @param weight      per-class weights {@code (C)}, or null
     * @param ignoreIndex target value that contributes nothing (PyTorch's default -100)
     * @param reduction   none, mean or sum
     */
    public NLLLoss(Tensor weight, long ignoreIndex, String reduction) {
        super(reduction);
        this.ignoreIndex = ignoreIndex;
        registerBuffer("weight", weight);
    }

    /** The class weight buffer, or null. */
    public Tensor weight() { return buffer("weight"); }

    @Override public Tensor forward(Tensor input, Tensor target) {
        return Losses.nllLoss(input, target, weight(), ignoreIndex, reductionMode());
    }
}
