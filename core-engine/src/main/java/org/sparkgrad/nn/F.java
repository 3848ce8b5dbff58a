package org.sparkgrad.nn;

import org.sparkgrad.autograd.Function;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * The functional API ({@code torch.nn.functional}): stateless versions of the layers. Activations are on
 * {@link Tensor} directly; this class adds the ops that take weights or options.
 */
public final class F {
    private F() {}

    /**
     * {@code y = x W^T + b}: x {@code (*, in)}, weight {@code (out, in)}, bias {@code (out)} or null; one fused op
     * (bias accumulated by the GEMM, see {@link org.sparkgrad.ops.LinearOps}).
     *
     * @throws IllegalArgumentException when x's last dim differs from in, naming both shapes
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return org.sparkgrad.ops.LinearOps.linear(x, weight, bias);
    }

    /**
     * Embedding lookup: int64 indices {@code (*)} into weight {@code (V, D)} giving {@code (*, D)}; the row
     * {@code paddingIdx} (may be null; negative counts from the end, as PyTorch) receives no gradient.
     *
     * @throws IndexOutOfBoundsException for an index outside [0, V)
     * @throws IllegalArgumentException  for a {@code paddingIdx} outside [-V, V)
     */
    public static Tensor embedding(Tensor indices, Tensor weight, Integer paddingIdx0) {
        Integer paddingIdx = paddingIdx0;
        if (paddingIdx != null && weight.dim() == 2) {
            // F.embedding: padding_idx must be within [-num_embeddings, num_embeddings); a negative one counts from the end
            int v = weight.size(0);
            if (paddingIdx >= v || paddingIdx < -v) {
                throw new IllegalArgumentException("embedding: padding_idx " + paddingIdx + " must be within num_embeddings " + v);
            }
            if (paddingIdx < 0) paddingIdx += v;
        }
        if (indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException("embedding: expected indices of dtype int64, got " + indices.dtype().torchName());
        }
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("embedding: expected a 2-D weight (num_embeddings, embedding_dim), got shape "
                    + java.util.Arrays.toString(weight.shape()));
        }
        Tensor flat = indices.reshape(-1);
        // PyTorch rejects negative indices ("index out of range in self"); the backend's index_select would wrap them
        int v = weight.size(0);
        for (long i : flat.toLongArray()) {
            if (i < 0 || i >= v) {
                throw new IndexOutOfBoundsException("embedding: index " + i + " is out of range for num_embeddings " + v
                        + " (valid: 0.." + (v - 1) + ")");
            }
        }
        Tensor rows = weight.backend().indexSelect(weight, 0, flat);
        int[] outShape = java.util.Arrays.copyOf(indices.shape(), indices.dim() + 1);
        outShape[indices.dim()] = weight.size(1);
        Tensor out = new Tensor(rows.storage(), outShape);
        int[] ws = weight.shape();
        final Integer pad = paddingIdx;
        return Function.record("embedding", out, weight, (ctx, g) -> {
            Tensor gw = Tensor.zeros(g.dtype(), g.device(), ws);
            gw.backend().indexAdd(gw, 0, ctx.saved(0), g.reshape(-1, ws[1]));
            if (pad != null) gw.backend().fill(gw.select(0, pad), 0);
            return new Tensor[] {gw};
        }, flat);
    }

    /**
     * Inverted dropout: in training, zeroes elements with probability p (mask from {@code g}) and scales the
     * rest by 1/(1-p); identity when not training or p == 0.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator g) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        if (!training || p == 0) return x;
        if (p == 1) return x.mul(0.0);
        Tensor keep = Tensor.rand(g, x.shape()).ge(p).to(x.dtype()).mul(1 / (1 - p)).to(x.device());
        return x.mul(keep);
    }

    // ------------------------------------------------------------------ activations with options (ops.Activations)
    // Formulas and gradients (kinks included) are those of PyTorch 1.13; see each ops.Activations method.

    /** {@code F.selu}: {@code scale * elu(x, alpha)} with PyTorch's SELU constants (see {@link org.sparkgrad.ops.Activations#selu}). */
    public static Tensor selu(Tensor x) { return org.sparkgrad.ops.Activations.selu(x); }

    /** {@code F.celu(x, alpha=1.0)}. */
    public static Tensor celu(Tensor x) { return celu(x, 1.0); }

    /**
     * {@code F.celu}: {@code x > 0 ? x : alpha * (exp(x / alpha) - 1)}.
     *
     * @throws IllegalArgumentException for alpha 0
     * @see org.sparkgrad.ops.Activations#celu
     */
    public static Tensor celu(Tensor x, double alpha) { return org.sparkgrad.ops.Activations.celu(x, alpha); }

    /** {@code F.hardswish}: {@code x * relu6(x + 3) / 6} (see {@link org.sparkgrad.ops.Activations#hardswish}). */
    public static Tensor hardswish(Tensor x) { return org.sparkgrad.ops.Activations.hardswish(x); }

    /** {@code F.hardsigmoid}: {@code relu6(x + 3) / 6} (see {@link org.sparkgrad.ops.Activations#hardsigmoid}). */
    public static Tensor hardsigmoid(Tensor x) { return org.sparkgrad.ops.Activations.hardsigmoid(x); }

    /**
     * {@code F.prelu}: {@code x > 0 ? x : weight * x}, weight (1 or C elements) broadcast over dim 1.
     *
     * @throws IllegalArgumentException when the weight count is neither 1 nor {@code x.size(1)} (naming both shapes)
     * @see org.sparkgrad.ops.Activations#prelu
     */
    public static Tensor prelu(Tensor x, Tensor weight) { return org.sparkgrad.ops.Activations.prelu(x, weight); }

    /** {@code F.softsign}: {@code x / (1 + |x|)}. */
    public static Tensor softsign(Tensor x) { return org.sparkgrad.ops.Activations.softsign(x); }

    /**
     * {@code F.softmin(input, dim)}: {@code softmax(-input, dim)}, {@code exp(-x_i) / sum_j exp(-x_j)} along dim, exactly
     * as PyTorch composes it (so values and gradients are those of softmax of the negation).
     *
     * @throws IndexOutOfBoundsException when dim is out of range
     */
    public static Tensor softmin(Tensor x, int dim) { return x.neg().softmax(dim); }

    /** {@code F.softmin(input, dim, dtype=dtype)}: the input is cast to dtype first, as {@code softmax(dtype=)} does. */
    public static Tensor softmin(Tensor x, int dim, DType dtype) { return softmin(x.to(dtype), dim); }

    /** {@code F.tanhshrink}: {@code x - tanh(x)}. */
    public static Tensor tanhshrink(Tensor x) { return org.sparkgrad.ops.Activations.tanhshrink(x); }

    /** {@code F.softshrink(x, lambd=0.5)}. */
    public static Tensor softshrink(Tensor x) { return softshrink(x, 0.5); }

    /**
     * {@code F.softshrink}: shrinks x towards 0 by lambd, 0 on {@code [-lambd, lambd]}.
     *
     * @throws IllegalArgumentException for a negative lambd
     * @see org.sparkgrad.ops.Activations#softshrink
     */
    public static Tensor softshrink(Tensor x, double lambd) { return org.sparkgrad.ops.Activations.softshrink(x, lambd); }

    /** {@code F.hardshrink(x, lambd=0.5)}. */
    public static Tensor hardshrink(Tensor x) { return hardshrink(x, 0.5); }

    /** {@code F.hardshrink}: 0 on {@code [-lambd, lambd]}, x elsewhere (see {@link org.sparkgrad.ops.Activations#hardshrink}). */
    public static Tensor hardshrink(Tensor x, double lambd) { return org.sparkgrad.ops.Activations.hardshrink(x, lambd); }

    /** {@code F.threshold}: {@code x <= threshold ? value : x} (see {@link org.sparkgrad.ops.Activations#threshold}). */
    public static Tensor threshold(Tensor x, double threshold, double value) {
        return org.sparkgrad.ops.Activations.threshold(x, threshold, value);
    }

    /** {@code F.glu(x, dim=-1)}. */
    public static Tensor glu(Tensor x) { return glu(x, -1); }

    /**
     * {@code F.glu}: first half of x along dim times the sigmoid of the second half; the size along dim halves.
     *
     * @throws IllegalArgumentException for an odd size along dim or a 0-d input
     * @see org.sparkgrad.ops.Activations#glu
     */
    public static Tensor glu(Tensor x, int dim) { return org.sparkgrad.ops.Activations.glu(x, dim); }

    // ------------------------------------------------------------------ normalisation and attention
    /**
     * {@code F.layer_norm}: normalises over the trailing {@code normalizedShape} dims (Ba et al. 2016).
     *
     * @see org.sparkgrad.ops.NormOps#layerNorm
     */
    public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        return org.sparkgrad.ops.NormOps.layerNorm(x, normalizedShape, weight, bias, eps);
    }

    /**
     * {@code F.rms_norm} (PyTorch 2.4+): {@code x / sqrt(mean(x^2) + eps) * weight} over the trailing dims (Zhang and
     * Sennrich 2019); eps null = {@code finfo(dtype).eps}.
     *
     * @see org.sparkgrad.ops.NormOps#rmsNorm
     */
    public static Tensor rmsNorm(Tensor x, int[] normalizedShape, Tensor weight, Double eps) {
        return org.sparkgrad.ops.NormOps.rmsNorm(x, normalizedShape, weight, eps);
    }

    /**
     * {@code F.batch_norm} over every dim of {@code (N, C, *)} but 1 (Ioffe and Szegedy 2015); running statistics are
     * updated in place in training, with the unbiased variance.
     *
     * @see org.sparkgrad.ops.NormOps#batchNorm
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean training,
                                   double momentum, double eps) {
        return org.sparkgrad.ops.NormOps.batchNorm(x, runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /**
     * {@code F.instance_norm} of {@code (N, C, *)} (Ulyanov et al. 2016): every (sample, channel) plane normalised over
     * its trailing dims; with {@code useInputStats} the running statistics (if given) are updated in place, otherwise
     * they are used.
     *
     * @see org.sparkgrad.ops.NormOps#instanceNorm
     */
    public static Tensor instanceNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias, boolean useInputStats,
                                      double momentum, double eps) {
        return org.sparkgrad.ops.NormOps.instanceNorm(x, runningMean, runningVar, weight, bias, useInputStats, momentum, eps);
    }

    /**
     * {@code F.group_norm} of {@code (N, C, *)} with {@code numGroups} groups of channels (Wu and He 2018).
     *
     * @see org.sparkgrad.ops.NormOps#groupNorm
     */
    public static Tensor groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        return org.sparkgrad.ops.NormOps.groupNorm(x, numGroups, weight, bias, eps);
    }

    /**
     * {@code F.scaled_dot_product_attention} (PyTorch 2.x): {@code softmax(q k^T * scale + mask) v} with a bool mask
     * that is true where attention is allowed (Vaswani et al. 2017).
     *
     * @see org.sparkgrad.ops.AttentionOps#scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, double, boolean, Double, Generator)
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor attnMask, double dropoutP, boolean isCausal,
                                                   Double scale, Generator generator) {
        return org.sparkgrad.ops.AttentionOps.scaledDotProductAttention(q, k, v, attnMask, dropoutP, isCausal, scale, generator);
    }

    // ---------------------------------------------------------------- convolution and pooling (ops.ConvOps, ops.PoolOps)

    /** {@code F.conv1d}: input (N, C, L), weight (O, C/groups, k). See {@link org.sparkgrad.ops.ConvOps#convNd}. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return org.sparkgrad.ops.ConvOps.conv1d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** {@code F.conv2d}: input (N, C, H, W), weight (O, C/groups, kH, kW). */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return org.sparkgrad.ops.ConvOps.conv2d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** {@code F.conv3d}: input (N, C, D, H, W), weight (O, C/groups, kD, kH, kW). */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return org.sparkgrad.ops.ConvOps.conv3d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** 4-D convolution: input (N, C, T, D, H, W), weight (O, C/groups, kT, kD, kH, kW) (conv3d with one more dim). */
    public static Tensor conv4d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return org.sparkgrad.ops.ConvOps.conv4d(input, weight, bias, stride, padding, dilation, groups);
    }

    /** Transposed convolution of any number of spatial dims (the adjoint of {@link #conv2d} and friends). */
    public static Tensor convTranspose(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] outputPadding,
                                       int groups, int[] dilation) {
        return org.sparkgrad.ops.ConvOps.convTransposeNd(input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** Max pooling over the last {@code nd} dims ({@code F.max_pool1d..3d}, and 4-D). */
    public static Tensor maxPool(Tensor input, int nd, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return org.sparkgrad.ops.PoolOps.maxPoolNd(input, nd, kernel, stride, padding, dilation, ceilMode);
    }

    /** Average pooling over the last {@code nd} dims ({@code F.avg_pool1d..3d}, and 4-D). */
    public static Tensor avgPool(Tensor input, int nd, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                 boolean countIncludePad, Integer divisorOverride) {
        return org.sparkgrad.ops.PoolOps.avgPoolNd(input, nd, kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    /** {@code F.adaptive_avg_pool*d} over the last {@code nd} dims. */
    public static Tensor adaptiveAvgPool(Tensor input, int nd, int... outputSize) {
        return org.sparkgrad.ops.PoolOps.adaptiveAvgPoolNd(input, nd, outputSize);
    }

    /** {@code F.adaptive_max_pool*d} over the last {@code nd} dims. */
    public static Tensor adaptiveMaxPool(Tensor input, int nd, int... outputSize) {
        return org.sparkgrad.ops.PoolOps.adaptiveMaxPoolNd(input, nd, outputSize);
    }

    // ---------------------------------------------------------------- resizing (ops.InterpolateOps)

    /**
     * {@code F.interpolate(input, size=..., scale_factor=..., mode=..., align_corners=..., recompute_scale_factor=...)}
     * of {@code (N, C, W)}, {@code (N, C, H, W)} or {@code (N, C, D, H, W)}: modes nearest (PyTorch's legacy
     * nearest), nearest-exact, linear/bilinear/trilinear (align corners or not) and area. Exactly one of size and
     * scaleFactor is non-null; each holds one value per spatial dim, or a single value used for every dim.
     *
     * @throws IllegalArgumentException for both or neither of size and scaleFactor, a wrong count, an input rank the
     *                                  mode does not take, an unknown mode, or alignCorners with a non-linear mode
     * @see org.sparkgrad.ops.InterpolateOps#interpolate
     */
    public static Tensor interpolate(Tensor input, int[] size, double[] scaleFactor, String mode, Boolean alignCorners,
                                     Boolean recomputeScaleFactor) {
        return org.sparkgrad.ops.InterpolateOps.interpolate(input, size, scaleFactor, mode, alignCorners, recomputeScaleFactor);
    }

    /** {@code F.interpolate(input, size=size, mode=mode)} (align_corners unset, i.e. false for the linear modes). */
    public static Tensor interpolate(Tensor input, int[] size, String mode) {
        return interpolate(input, size, null, mode, null, null);
    }

    /** {@code F.interpolate(input, scale_factor=scaleFactor, mode=mode)} (align_corners unset). */
    public static Tensor interpolate(Tensor input, double[] scaleFactor, String mode) {
        return interpolate(input, null, scaleFactor, mode, null, null);
    }

    // ---------------------------------------------------------------- losses (ops.Losses): mean-reduction shorthands, then the full forms

    /** {@code F.cross_entropy} with class-index (int64) or probability targets. */
    public static Tensor crossEntropy(Tensor input, Tensor target) { return org.sparkgrad.ops.Losses.crossEntropy(input, target); }

    public static Tensor nllLoss(Tensor input, Tensor target) { return org.sparkgrad.ops.Losses.nllLoss(input, target); }

    public static Tensor mseLoss(Tensor input, Tensor target) { return org.sparkgrad.ops.Losses.mseLoss(input, target); }

    public static Tensor l1Loss(Tensor input, Tensor target) { return org.sparkgrad.ops.Losses.l1Loss(input, target); }

    public static Tensor smoothL1Loss(Tensor input, Tensor target) { return org.sparkgrad.ops.Losses.smoothL1Loss(input, target); }

    public static Tensor huberLoss(Tensor input, Tensor target) { return org.sparkgrad.ops.Losses.huberLoss(input, target); }

    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return org.sparkgrad.ops.Losses.binaryCrossEntropy(input, target);
    }

    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return org.sparkgrad.ops.Losses.binaryCrossEntropyWithLogits(input, target);
    }

    public static Tensor klDiv(Tensor input, Tensor target) { return org.sparkgrad.ops.Losses.klDiv(input, target); }

    // The full forms, with PyTorch's keyword options (reduction none / mean / sum; batchmean for klDiv only).

    /**
     * {@code F.cross_entropy(input, target, weight, ignore_index=ignoreIndex, reduction, label_smoothing)}; weight may be
     * null.
     *
     * @see org.sparkgrad.ops.Losses#crossEntropy(Tensor, Tensor, Tensor, long, org.sparkgrad.ops.Losses.Reduction, double)
     */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex, org.sparkgrad.ops.Losses.Reduction reduction,
                                      double labelSmoothing) {
        return org.sparkgrad.ops.Losses.crossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
    }

    /** {@code F.nll_loss(input, target, weight, ignore_index=ignoreIndex, reduction)}; weight may be null. */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, org.sparkgrad.ops.Losses.Reduction reduction) {
        return org.sparkgrad.ops.Losses.nllLoss(input, target, weight, ignoreIndex, reduction);
    }

    /** {@code F.mse_loss(input, target, reduction)}. */
    public static Tensor mseLoss(Tensor input, Tensor target, org.sparkgrad.ops.Losses.Reduction reduction) {
        return org.sparkgrad.ops.Losses.mseLoss(input, target, reduction);
    }

    /** {@code F.l1_loss(input, target, reduction)}. */
    public static Tensor l1Loss(Tensor input, Tensor target, org.sparkgrad.ops.Losses.Reduction reduction) {
        return org.sparkgrad.ops.Losses.l1Loss(input, target, reduction);
    }

    /** {@code F.smooth_l1_loss(input, target, reduction, beta)}. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, org.sparkgrad.ops.Losses.Reduction reduction, double beta) {
        return org.sparkgrad.ops.Losses.smoothL1Loss(input, target, reduction, beta);
    }

    /** {@code F.huber_loss(input, target, reduction, delta)}. */
    public static Tensor huberLoss(Tensor input, Tensor target, org.sparkgrad.ops.Losses.Reduction reduction, double delta) {
        return org.sparkgrad.ops.Losses.huberLoss(input, target, reduction, delta);
    }

    /** {@code F.binary_cross_entropy(input, target, weight, reduction)}; weight may be null. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, org.sparkgrad.ops.Losses.Reduction reduction) {
        return org.sparkgrad.ops.Losses.binaryCrossEntropy(input, target, weight, reduction);
    }

    /** {@code F.binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight)}; the weights may be null. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight,
                                                      org.sparkgrad.ops.Losses.Reduction reduction) {
        return org.sparkgrad.ops.Losses.binaryCrossEntropyWithLogits(input, target, weight, posWeight, reduction);
    }

    /** {@code F.kl_div(input, target, reduction, log_target)}. */
    public static Tensor klDiv(Tensor input, Tensor target, org.sparkgrad.ops.Losses.Reduction reduction, boolean logTarget) {
        return org.sparkgrad.ops.Losses.klDiv(input, target, reduction, logTarget);
    }
}
