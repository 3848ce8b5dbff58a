package org.sparkgrad.nn;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.Tensor;

/**
 * Base of the loss modules (PyTorch's {@code _Loss}): a {@code reduction} of {@code "none"}, {@code "mean"} (the
 * default) or {@code "sum"} ({@code "batchmean"} for {@link KLDivLoss} only) and a two-tensor
 * {@link #forward(Tensor, Tensor)}. The math is that of {@link Losses}; optional per-class or per-element weights are
 * registered as buffers ({@code weight}, {@code pos_weight}) so they are in the state dict and follow
 * {@code to(device)}/{@code to(dtype)}, as in PyTorch.
 */
public abstract class Loss extends Module {
    /** PyTorch's reduction string, lower case. */
    public final String reduction;
    private final Losses.Reduction parsed;

    /**
     * @throws IllegalArgumentException for a reduction other than none, mean or sum (PyTorch raises the same
     *                                  ValueError, at the first call)
     */
    protected Loss(String reduction) {
        Losses.Reduction r = Losses.Reduction.of(reduction == null ? "mean" : reduction);
        if (r == Losses.Reduction.BATCHMEAN && !allowsBatchmean()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": reduction 'batchmean' is only valid for KLDivLoss; use none, mean or sum");
        }
        this.parsed = r;
        this.reduction = r.torchName();
    }

    /** The parsed reduction. */
    public Losses.Reduction reductionMode() { return parsed; }

    boolean allowsBatchmean() { return false; }

    /**
     * The loss of {@code input} against {@code target}; shapes, dtypes and errors as the {@link Losses} method of the
     * same name.
     */
    public abstract Tensor forward(Tensor input, Tensor target);
}
