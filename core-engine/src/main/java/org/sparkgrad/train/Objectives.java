package org.sparkgrad.train;

import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * Training objectives by name, for configurations that are data (Spark Params, job options):
 * {@code cross_entropy}, {@code nll}, {@code mse}, {@code l1}, {@code smooth_l1}, {@code huber},
 * {@code bce_with_logits}. All use mean reduction.
 */
public final class Objectives {
    private Objectives() {}

    /** Whether the named loss takes class indices (int64) as targets. */
    public static boolean takesClassIndices(String name) {
        return name.equals("cross_entropy") || name.equals("nll");
    }

    /**
     * The mean loss of {@code output} against {@code target}. For class-index losses a float target is
     * converted to int64; for the others the target is reshaped to the output's shape when the element
     * counts agree.
     *
     * @throws IllegalArgumentException for an unknown name or incompatible shapes
     */
    public static Tensor loss(String name, Tensor output, Tensor target) {
        if (takesClassIndices(name)) {
            Tensor t = target.dtype() == DType.INT64 ? target : target.to(DType.INT64);
            if (t.dim() > 1) t = t.reshape(-1);
            return name.equals("nll") ? Losses.nllLoss(output, t) : Losses.crossEntropy(output, t);
        }
        // inside an autocast region the loss computes in float32 (autocast's float32 list): a 16-bit output's float
        // target goes to float32, not to 16 bits, which would only lose precision
        DType want = output.dtype().isReducedPrecision() && target.dtype().isFloatingPoint()
                && org.sparkgrad.amp.Autocast.isEnabled(output.device().type()) ? DType.FLOAT32 : output.dtype();
        Tensor t = target.dtype() == want ? target : target.to(want);
        if (!java.util.Arrays.equals(t.shape(), output.shape()) && t.numel() == output.numel()) t = t.reshape(output.shape());
        switch (name) {
            case "mse": return Losses.mseLoss(output, t);
            case "l1": return Losses.l1Loss(output, t);
            case "smooth_l1": return Losses.smoothL1Loss(output, t);
            case "huber": return Losses.huberLoss(output, t);
            case "bce_with_logits": return Losses.binaryCrossEntropyWithLogits(output, t);
            default: throw new IllegalArgumentException("unknown loss '" + name + "'; expected cross_entropy, nll, mse, l1, smooth_l1, huber or bce_with_logits");
        }
    }
}
