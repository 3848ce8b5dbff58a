package org.sparkgrad.ops;

import java.util.Arrays;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.Backend;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Normalisation layers as single differentiable ops, each one {@link Function} whose forward saves the per-row
 * (or per-channel, per-group) mean and reciprocal standard deviation and whose backward is one fused kernel
 * ({@link Backend#layerNorm}, {@link Backend#batchNorm}, {@link Backend#groupNorm} and their backwards), instead
 * of a chain of elementwise ops. Semantics are PyTorch's {@code torch.nn.functional} functions of the same name;
 * float32 and float64. The variance is always the biased one ({@code / n}) for normalising, computed in two passes.
 *
 * <p>Sources: layer norm, Ba, Kiros and Hinton 2016 ("Layer Normalization"); RMS norm, Zhang and Sennrich 2019
 * ("Root Mean Square Layer Normalization"); batch norm, Ioffe and Szegedy 2015 ("Batch Normalization"); group norm,
 * Wu and He 2018 ("Group Normalization").
 */
public final class NormOps {
    private NormOps() {}

    private static void checkFloat(Tensor x, String op) {
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected a floating point input, got dtype " + x.dtype().torchName());
        }
    }

    private static void checkParam(Tensor p, String what, Tensor x, int[] expectShape, String op) {
        if (p == null) return;
        if (!Arrays.equals(p.shapeRef(), expectShape)) {
            throw new IllegalArgumentException(op + ": expected " + what + " of shape " + Shape.str(expectShape) + ", but got "
                    + what + " of shape " + Shape.str(p.shapeRef()) + " for input of shape " + Shape.str(x.shapeRef()));
        }
        // PyTorch's mixed type: a float16/bfloat16 input with float32 parameters (autocast leaves the norms alone)
        boolean mixed = x.dtype().isReducedPrecision() && p.dtype() == DType.FLOAT32;
        if (p.dtype() != x.dtype() && !mixed) {
            throw new IllegalArgumentException(op + ": expected " + what + " of dtype " + x.dtype().torchName() + " (the input's"
                    + (x.dtype().isReducedPrecision() ? ", or float32" : "") + "), got " + p.dtype().torchName());
        }
        Arithmetic.sameDevice(x, p, op);
    }

    /** Number of elements of the trailing {@code normalizedShape} dims, after checking that x ends with them. */
    private static int trailing(Tensor x, int[] normalizedShape, String op) {
        if (normalizedShape == null || normalizedShape.length == 0) {
            throw new IllegalArgumentException(op + ": expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got "
                    + Arrays.toString(normalizedShape));
        }
        int[] xs = x.shapeRef();
        int k = normalizedShape.length;
        boolean ok = xs.length >= k;
        for (int i = 0; ok && i < k; i++) ok = xs[xs.length - k + i] == normalizedShape[i];
        if (!ok) {
            throw new IllegalArgumentException(op + ": given normalized_shape=" + Shape.str(normalizedShape) + ", expected input with shape [*, "
                    + Shape.str(normalizedShape).substring(1) + ", but got input of size " + Shape.str(xs));
        }
        int d = 1;
        for (int s : normalizedShape) d *= s;
        return d;
    }

    private static Tensor reshaped(Tensor t, Tensor like) {
        return t == null || like == null ? t : t.reshape(like.shape());
    }

    /**
     * Layer normalisation ({@code F.layer_norm}): over the trailing {@code normalizedShape} dims of x,
     * {@code y = (x - mean) / sqrt(var + eps) * weight + bias} with the biased variance.
     *
     * @param x               input {@code (*, normalizedShape...)}, float32 or float64
     * @param normalizedShape the trailing dims normalised over (at least one)
     * @param weight          null or of shape {@code normalizedShape} (same dtype as x)
     * @param bias            null or of shape {@code normalizedShape}
     * @param eps             added to the variance (PyTorch's default 1e-5)
     * @return a tensor of x's shape and dtype
     * @throws IllegalArgumentException when x does not end with {@code normalizedShape}, or weight/bias have another
     *                                  shape or dtype (naming both shapes)
     */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        checkFloat(x, "layer_norm");
        int d = trailing(x, normalizedShape, "layer_norm");
        checkParam(weight, "weight", x, normalizedShape, "layer_norm");
        checkParam(bias, "bias", x, normalizedShape, "layer_norm");
        Backend be = x.backend();
        Tensor[] r = be.layerNorm(x, d, weight, bias, eps, false);
        Tensor mean = r[1], rstd = r[2];
        return Function.record("layer_norm", r[0], new Tensor[] {x, weight, bias}, (ctx, g) -> {
            Tensor xs = ctx.saved(0), w = ctx.saved(1);
            boolean[] need = {ctx.needsInputGrad(0), ctx.needsInputGrad(1), ctx.needsInputGrad(2)};
            Tensor[] gr = g.backend().layerNormBackward(g, xs, mean, rstd, w, d, false, need);
            return new Tensor[] {gr[0], reshaped(gr[1], w), bias == null ? null : reshaped(gr[2], bias)};
        }, x, weight);
    }

    /**
     * RMS normalisation ({@code F.rms_norm} of PyTorch 2.4+): over the trailing {@code normalizedShape} dims,
     * {@code y = x / sqrt(mean(x^2) + eps) * weight}.
     *
     * @param x               input {@code (*, normalizedShape...)}, float32 or float64
     * @param normalizedShape the trailing dims normalised over
     * @param weight          null or of shape {@code normalizedShape}
     * @param eps             added to the mean square; null means {@code torch.finfo(x.dtype).eps} as in PyTorch
     * @return a tensor of x's shape and dtype
     * @throws IllegalArgumentException on shape or dtype mismatches (naming both shapes)
     */
    public static Tensor rmsNorm(Tensor x, int[] normalizedShape, Tensor weight, Double eps) {
        checkFloat(x, "rms_norm");
        int d = trailing(x, normalizedShape, "rms_norm");
        checkParam(weight, "weight", x, normalizedShape, "rms_norm");
        double e = eps == null ? x.dtype().finfoEps() : eps;
        Tensor[] r = x.backend().layerNorm(x, d, weight, null, e, true);
        Tensor rstd = r[2];
        return Function.record("rms_norm", r[0], new Tensor[] {x, weight}, (ctx, g) -> {
            Tensor xs = ctx.saved(0), w = ctx.saved(1);
            boolean[] need = {ctx.needsInputGrad(0), ctx.needsInputGrad(1), false};
            Tensor[] gr = g.backend().layerNormBackward(g, xs, null, rstd, w, d, true, need);
            return new Tensor[] {gr[0], reshaped(gr[1], w)};
        }, x, weight);
    }

    private static void checkChannelParam(Tensor p, String what, Tensor x, int c, String op) {
        if (p == null) return;
        if (p.dim() != 1 || p.size(0) != c) {
            throw new IllegalArgumentException(op + ": expected " + what + " of shape [" + c + "] (one per channel of input of shape "
                    + Shape.str(x.shapeRef()) + "), got shape " + Shape.str(p.shapeRef()));
        }
        Arithmetic.sameDevice(x, p, op);
    }

    /**
     * Batch normalisation ({@code F.batch_norm}) of {@code x (N, C, *)} over every dim but 1.
     *
     * <p>Training: normalises with the batch mean and the biased batch variance, and updates the running statistics
     * in place (when given): {@code running_mean = (1 - momentum) * running_mean + momentum * mean},
     * {@code running_var = (1 - momentum) * running_var + momentum * unbiased_var}. Evaluation: normalises with the
     * running statistics and leaves them unchanged. Then {@code y = xhat * weight + bias}. The running statistics get
     * no gradient.
     *
     * @param x           input {@code (N, C, *)} (at least 2-D), float32 or float64
     * @param runningMean null or {@code (C)}, updated in place in training
     * @param runningVar  null or {@code (C)}, updated in place in training
     * @param weight      null or {@code (C)}
     * @param bias        null or {@code (C)}
     * @param training    use batch statistics (and update the running ones)
     * @param momentum    the running-average factor (PyTorch's default 0.1)
     * @param eps         added to the variance (default 1e-5)
     * @return a tensor of x's shape and dtype
     * @throws IllegalArgumentException for a 0-d/1-d input, per-channel tensors of the wrong shape, missing running
     *                                  statistics in evaluation, or a single value per channel in training
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                   double momentum, double eps) {
        checkFloat(x, "batch_norm");
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batch_norm: expected an input of at least 2 dims (N, C, *), got shape " + Shape.str(x.shapeRef()));
        }
        int c = x.size(1);
        checkChannelParam(runningMean, "running_mean", x, c, "batch_norm");
        checkChannelParam(runningVar, "running_var", x, c, "batch_norm");
        checkChannelParam(weight, "weight", x, c, "batch_norm");
        checkChannelParam(bias, "bias", x, c, "batch_norm");
        if ((runningMean == null) != (runningVar == null)) {
            throw new IllegalArgumentException("batch_norm: running_mean and running_var must be given together");
        }
        if (!training && runningMean == null) {
            throw new IllegalArgumentException("batch_norm: running_mean and running_var must be defined in evaluation mode");
        }
        if (training && c > 0 && x.numel() / c == 1) {
            throw new IllegalArgumentException("Expected more than 1 value per channel when training, got input size " + Shape.str(x.shapeRef()));
        }
        if (x.numel() == 0) {
            // PyTorch (_batch_norm_impl_index): an empty input gives an empty output, input.clone() * weight[0] + bias[0],
            // and leaves the running statistics untouched
            Tensor out = x.clone();
            if (weight != null && weight.numel() > 0) out = out.mul(weight.select(0, 0));
            if (bias != null && bias.numel() > 0) out = out.add(bias.select(0, 0));
            return out;
        }
        Tensor[] r = x.backend().batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps);
        if (training) {
            if (runningMean != null) runningMean.storage().bumpVersion();
            if (runningVar != null) runningVar.storage().bumpVersion();
        }
        Tensor saveMean = r[1], saveInvstd = r[2];
        return Function.record("batch_norm", r[0], new Tensor[] {x, weight, bias}, (ctx, g) -> {
            Tensor xs = ctx.saved(0), w = ctx.saved(1);
            boolean[] need = {ctx.needsInputGrad(0), ctx.needsInputGrad(1), ctx.needsInputGrad(2)};
            return g.backend().batchNormBackward(g, xs, w, saveMean, saveInvstd, training, need);
        }, x, weight);
    }

    /**
     * Group normalisation ({@code F.group_norm}) of {@code x (N, C, *)}: the channels are split into
     * {@code numGroups} groups; each (sample, group) is normalised over its channels and all trailing dims with the
     * biased variance, then {@code y = xhat * weight[c] + bias[c]}.
     *
     * @param x         input {@code (N, C, *)}, float32 or float64
     * @param numGroups number of groups; must divide C
     * @param weight    null or {@code (C)}
     * @param bias      null or {@code (C)}
     * @param eps       added to the variance (default 1e-5)
     * @return a tensor of x's shape and dtype
     * @throws IllegalArgumentException when C is not divisible by numGroups (naming the shape), or on bad parameters
     */
    public static Tensor groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        checkFloat(x, "group_norm");
        if (x.dim() < 2) {
            throw new IllegalArgumentException("group_norm: expected an input of at least 2 dims (N, C, *), got shape " + Shape.str(x.shapeRef()));
        }
        int c = x.size(1);
        if (numGroups <= 0 || c % numGroups != 0) {
            throw new IllegalArgumentException("Expected number of channels in input to be divisible by num_groups, but got input of shape "
                    + Shape.str(x.shapeRef()) + " and num_groups=" + numGroups);
        }
        checkChannelParam(weight, "weight", x, c, "group_norm");
        checkChannelParam(bias, "bias", x, c, "group_norm");
        Tensor[] r = x.backend().groupNorm(x, numGroups, weight, bias, eps);
        Tensor mean = r[1], rstd = r[2];
        return Function.record("group_norm", r[0], new Tensor[] {x, weight, bias}, (ctx, g) -> {
            Tensor xs = ctx.saved(0), w = ctx.saved(1);
            boolean[] need = {ctx.needsInputGrad(0), ctx.needsInputGrad(1), ctx.needsInputGrad(2)};
            return g.backend().groupNormBackward(g, xs, mean, rstd, w, numGroups, need);
        }, x, weight);
    }

    /**
     * Instance normalisation ({@code F.instance_norm}, Ulyanov et al. 2016, "Instance Normalization") of
     * {@code x (N, C, *)}: each (sample, channel) plane is normalised over its trailing dims, then
     * {@code y = xhat * weight[c] + bias[c]}. Computed as PyTorch's {@code at::instance_norm} does: x viewed as
     * {@code (1, N * C, *)} through {@link #batchNorm} with weight, bias and running statistics repeated N times.
     *
     * <p>{@code useInputStats} (training, or no running statistics tracked): the plane's mean and biased variance; the
     * running statistics, when given, are then updated in place with the per-plane update of batch norm averaged over
     * the batch: {@code running_mean = (1 - momentum) * running_mean + momentum * mean_n(mean[n, c])} and
     * {@code running_var = (1 - momentum) * running_var + momentum * mean_n(unbiased_var[n, c])}. Otherwise: the running
     * statistics normalise every plane and are left as they are. The running statistics get no gradient; x, weight and
     * bias do.
     *
     * @param x             input {@code (N, C, *)}, float32 or float64
     * @param runningMean   null or {@code (C)}; given together with runningVar
     * @param runningVar    null or {@code (C)}
     * @param weight        null or {@code (C)}
     * @param bias          null or {@code (C)}
     * @param useInputStats normalise with each plane's own statistics (PyTorch's {@code use_input_stats})
     * @param momentum      running-average factor (PyTorch's default 0.1)
     * @param eps           added to the variance (default 1e-5)
     * @return a tensor of x's shape and dtype
     * @throws IllegalArgumentException for an input of fewer than 2 dims, a single spatial element with
     *                                  {@code useInputStats} ("Expected more than 1 spatial element when training"),
     *                                  missing running statistics without {@code useInputStats}, or per-channel tensors
     *                                  of the wrong shape (naming the shapes)
     */
    public static Tensor instanceNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean useInputStats,
                                      double momentum, double eps) {
        checkFloat(x, "instance_norm");
        int[] xs = x.shape();
        if (xs.length < 2) {
            throw new IllegalArgumentException("instance_norm: expected an input of at least 2 dims (N, C, *), got shape " + Shape.str(xs));
        }
        if (useInputStats) {
            long spatial = 1;
            for (int i = 2; i < xs.length; i++) spatial *= xs[i];
            if (spatial == 1) {
                throw new IllegalArgumentException("Expected more than 1 spatial element when training, got input size " + Shape.str(xs));
            }
        }
        if ((runningMean == null) != (runningVar == null)) {
            throw new IllegalArgumentException("instance_norm: running_mean and running_var must be given together");
        }
        if (!useInputStats && runningMean == null) {
            throw new IllegalArgumentException("Expected running_mean and running_var to be defined when use_input_stats is false");
        }
        int n = xs[0], c = xs[1];
        checkChannelParam(runningMean, "running_mean", x, c, "instance_norm");
        checkChannelParam(runningVar, "running_var", x, c, "instance_norm");
        checkChannelParam(weight, "weight", x, c, "instance_norm");
        checkChannelParam(bias, "bias", x, c, "instance_norm");
        int[] flat = xs.clone();
        flat[0] = 1;
        flat[1] = n * c;
        Tensor rm = null, rv = null;
        if (runningMean != null) {
            try (GradMode.Guard g = GradMode.noGrad()) {
                rm = runningMean.repeat(n);
                rv = runningVar.repeat(n);
            }
        }
        Tensor out = batchNorm(x.reshape(flat), rm, rv, weight == null ? null : weight.repeat(n), bias == null ? null : bias.repeat(n),
                useInputStats, momentum, eps);
        if (useInputStats && runningMean != null && x.numel() > 0) {
            try (GradMode.Guard g = GradMode.noGrad()) {
                runningMean.copy_(rm.view(n, c).mean(0));
                runningVar.copy_(rv.view(n, c).mean(0));
            }
        }
        return out.reshape(xs);
    }
}
