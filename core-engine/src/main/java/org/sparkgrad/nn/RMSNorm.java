package org.sparkgrad.nn;

import java.util.Arrays;
import org.sparkgrad.tensor.Tensor;

/**
 * Root-mean-square layer normalisation (Zhang and Sennrich 2019), PyTorch's {@code nn.RMSNorm} (2.4+): over the
 * trailing {@code normalizedShape} dims, {@code y = x / sqrt(mean(x^2) + eps) * weight}. Parameter {@code weight}
 * (ones, shape {@code normalizedShape}) when {@code elementwiseAffine}. {@code eps} null means
 * {@code torch.finfo(x.dtype).eps}. One fused op forward and backward ({@link F#rmsNorm}).
 */
public class RMSNorm extends Module {
    public final int[] normalizedShape;
    public final Double eps;
    public final boolean elementwiseAffine;
    public final Tensor weight;

    /** {@code RMSNorm(normalizedShape)}: eps = machine epsilon of the input dtype, affine. */
    public RMSNorm(int... normalizedShape) { this(normalizedShape, null, true); }

    /**
     * @throws IllegalArgumentException for an empty or non-positive shape
     */
    public RMSNorm(int[] normalizedShape, Double eps, boolean elementwiseAffine) {
        if (normalizedShape.length == 0 || Arrays.stream(normalizedShape).anyMatch(s -> s <= 0)) {
            throw new IllegalArgumentException("RMSNorm: normalized_shape must be non-empty with positive sizes, got "
                    + Arrays.toString(normalizedShape));
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.elementwiseAffine = elementwiseAffine;
        this.weight = registerParameter("weight", elementwiseAffine ? Tensor.ones(normalizedShape) : null);
    }

    @Override public Tensor forward(Tensor x) { return F.rmsNorm(x, normalizedShape, weight, eps); }

    @Override public String extraRepr() {
        return ReprUtil.tuple(normalizedShape) + ", eps=" + (eps == null ? "None" : ReprUtil.num(eps)) + ", elementwise_affine="
                + (elementwiseAffine ? "True" : "False");
    }
}
