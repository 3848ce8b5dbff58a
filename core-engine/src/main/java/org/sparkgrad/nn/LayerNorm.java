package org.sparkgrad.nn;

import java.util.Arrays;
import org.sparkgrad.tensor.Tensor;

/**
 * Layer normalisation (Ba, Kiros and Hinton 2016), PyTorch's {@code nn.LayerNorm}: over the trailing
 * {@code normalizedShape} dims of an input {@code (*, normalizedShape...)},
 * {@code y = (x - mean) / sqrt(var + eps) * weight + bias} with the biased variance. Parameters {@code weight} (ones)
 * and {@code bias} (zeros) of shape {@code normalizedShape} when {@code elementwiseAffine} (no bias when
 * {@code bias = false}). One fused op forward and backward ({@link F#layerNorm}).
 */
public class LayerNorm extends Module {
    public final int[] normalizedShape;
    public final double eps;
    public final boolean elementwiseAffine;
    public final Tensor weight, bias;

    /** {@code LayerNorm(normalizedShape)} with eps 1e-5, affine, with bias. */
    public LayerNorm(int... normalizedShape) { this(normalizedShape, 1e-5, true, true); }

    /**
     * @param normalizedShape   trailing dims to normalise over (at least one, all positive)
     * @param eps               added to the variance
     * @param elementwiseAffine learn a per-element weight (and bias)
     * @param bias              learn a bias (only with {@code elementwiseAffine})
     * @throws IllegalArgumentException for an empty or non-positive shape
     */
    public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine, boolean bias) {
        if (normalizedShape.length == 0 || Arrays.stream(normalizedShape).anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException("LayerNorm: normalized_shape must be non-empty with positive sizes, got "
                    + Arrays.toString(normalizedShape));
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        this.weight = registerParameter("weight", elementwiseAffine ? Tensor.ones(normalizedShape) : null);
        this.bias = registerParameter("bias", elementwiseAffine && bias ? Tensor.zeros(normalizedShape) : null);
    }

    @Override public Tensor forward(Tensor x) { return F.layerNorm(x, normalizedShape, weight, bias, eps); }

    @Override public String extraRepr() {
        return ReprUtil.tuple(normalizedShape) + ", eps=" + ReprUtil.num(eps) + ", elementwise_affine=" + (elementwiseAffine ? "True" : "False");
    }
}
