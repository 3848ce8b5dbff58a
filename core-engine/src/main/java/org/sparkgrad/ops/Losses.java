package org.sparkgrad.ops;

import org.sparkgrad.amp.Autocast;
import java.util.Arrays;
import java.util.Locale;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Loss functions with autograd, with the semantics of PyTorch 1.13 {@code torch.nn.functional} (the function
 * of the snake_case name in each method's Javadoc): regression losses (MSE, L1, smooth L1, Huber),
 * classification losses (cross entropy, negative log likelihood, binary cross entropy with and without
 * logits) and the Kullback-Leibler divergence.
 *
 * <p>Conventions shared by every method:
 * <ul>
 *   <li>{@code input} is a float32 or float64 tensor; float targets must have the input's dtype and (except
 *       where stated) the input's shape. PyTorch only warns and broadcasts for some losses when the shapes
 *       differ; here a shape or dtype mismatch is an {@link IllegalArgumentException} naming both shapes,
 *       because a silently broadcast target is almost always a bug.</li>
 *   <li>The result is 0-d for {@link Reduction#MEAN}, {@link Reduction#SUM} and {@link Reduction#BATCHMEAN},
 *       and has the element-wise loss shape for {@link Reduction#NONE}.</li>
 *   <li>Gradients flow to {@code input} and to float targets; class {@code weight}s and {@code posWeight}s
 *       also receive gradients when they require grad (PyTorch refuses to differentiate them).</li>
 *   <li>Everything is numerically stable for extreme logits (|x| = 1000): cross entropy uses a
 *       max-subtracted log-softmax, BCE-with-logits the form {@code max(x,0) - x t + log1p(exp(-|x|))}.</li>
 * </ul>
 * Composite losses are built from differentiable tensor ops where that is exact; binary cross entropy and
 * binary cross entropy with logits are single autograd nodes with PyTorch's analytic backward.
 */
public final class Losses {
    private Losses() {}

    /** PyTorch's default {@code ignore_index} of {@code cross_entropy}/{@code nll_loss}. */
    public static final long DEFAULT_IGNORE_INDEX = -100;

    /** Clamp PyTorch applies to {@code (1 - x) x} in the BCE backward. */
    private static final double BCE_EPSILON = 1e-12;

    /** How per-element losses are reduced (PyTorch's {@code reduction} argument). */
    public enum Reduction {
        /** No reduction: the element-wise loss. */
        NONE,
        /** Mean over elements (for weighted/ignoring class losses: the weighted mean over counted targets). */
        MEAN,
        /** Sum over elements. */
        SUM,
        /** {@link Losses#klDiv} only: sum divided by the batch size {@code input.size(0)}. */
        BATCHMEAN;

        /**
         * Parses PyTorch's reduction string ({@code "none"}, {@code "mean"}, {@code "sum"}, {@code "batchmean"}).
         *
         * @throws IllegalArgumentException for any other string
         */
        public static Reduction of(String name) {
            switch (name.toLowerCase(Locale.ROOT)) {
                case "none": return NONE;
                case "mean": return MEAN;
                case "sum": return SUM;
                case "batchmean": return BATCHMEAN;
                default: throw new IllegalArgumentException(name + " is not a valid value for reduction (none, mean, sum, batchmean)");
            }
        }

        /** PyTorch's spelling, e.g. {@code "mean"}. */
        public String torchName() { return name().toLowerCase(Locale.ROOT); }
    }

    // =================================================================== regression losses

    /** {@code mse_loss(input, target)} with mean reduction. */
    public static Tensor mseLoss(Tensor input, Tensor target) { return mseLoss(input, target, Reduction.MEAN); }

    /**
     * Mean squared error {@code (input - target)^2}, reduced ({@code F.mse_loss}).
     *
     * @param input     any shape, float32/float64
     * @param target    same shape and dtype as {@code input}
     * @param reduction NONE, MEAN or SUM
     * @throws IllegalArgumentException on a shape/dtype mismatch or {@code BATCHMEAN}
     */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        Tensor[] ac = Autocast.float32(input, target);
        input = ac[0];
        target = ac[1];
        checkPair("mse_loss", input, target);
        return reduce("mse_loss", input.sub(target).square(), reduction);
    }

    /** {@code l1_loss(input, target)} with mean reduction. */
    public static Tensor l1Loss(Tensor input, Tensor target) { return l1Loss(input, target, Reduction.MEAN); }

    /**
     * Mean absolute error {@code |input - target|}, reduced ({@code F.l1_loss}); the gradient at a zero
     * difference is 0, as in PyTorch.
     *
     * @param input     any shape, float32/float64
     * @param target    same shape and dtype as {@code input}
     * @param reduction NONE, MEAN or SUM
     * @throws IllegalArgumentException on a shape/dtype mismatch or {@code BATCHMEAN}
     */
    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        Tensor[] ac = Autocast.float32(input, target);
        input = ac[0];
        target = ac[1];
        checkPair("l1_loss", input, target);
        return reduce("l1_loss", input.sub(target).abs(), reduction);
    }

    /** {@code smooth_l1_loss(input, target)} with mean reduction and {@code beta = 1}. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target) { return smoothL1Loss(input, target, Reduction.MEAN, 1.0); }

    /**
     * Smooth L1 loss ({@code F.smooth_l1_loss}): with {@code z = |input - target|}, {@code 0.5 z^2 / beta} where
     * {@code z < beta}, else {@code z - 0.5 beta}; {@code beta = 0} is the L1 loss.
     *
     * @param beta threshold between the quadratic and linear parts, {@code >= 0}
     * @throws IllegalArgumentException for a negative beta, a shape/dtype mismatch or {@code BATCHMEAN}
     */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction, double beta) {
        Tensor[] ac = Autocast.float32(input, target);
        input = ac[0];
        target = ac[1];
        checkPair("smooth_l1_loss", input, target);
        if (beta < 0) throw new IllegalArgumentException("smooth_l1_loss does not support negative values for beta, got " + beta);
        if (beta == 0) return l1Loss(input, target, reduction);
        Tensor d = input.sub(target);
        Tensor z = d.abs();
        Tensor loss = Tensor.where(z.lt(beta), d.square().mul(0.5 / beta), z.sub(0.5 * beta));
        return reduce("smooth_l1_loss", loss, reduction);
    }

    /** {@code huber_loss(input, target)} with mean reduction and {@code delta = 1}. */
    public static Tensor huberLoss(Tensor input, Tensor target) { return huberLoss(input, target, Reduction.MEAN, 1.0); }

    /**
     * Huber loss ({@code F.huber_loss}): with {@code z = |input - target|}, {@code 0.5 z^2} where
     * {@code z < delta}, else {@code delta (z - 0.5 delta)} (Huber 1964).
     *
     * @param delta threshold between the quadratic and linear parts, {@code > 0}
     * @throws IllegalArgumentException for a non-positive delta, a shape/dtype mismatch or {@code BATCHMEAN}
     */
    public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction, double delta) {
        Tensor[] ac = Autocast.float32(input, target);
        input = ac[0];
        target = ac[1];
        checkPair("huber_loss", input, target);
        if (!(delta > 0)) throw new IllegalArgumentException("huber_loss does not support non-positive values for delta, got " + delta);
        Tensor d = input.sub(target);
        Tensor z = d.abs();
        Tensor loss = Tensor.where(z.lt(delta), d.square().mul(0.5), z.sub(0.5 * delta).mul(delta));
        return reduce("huber_loss", loss, reduction);
    }

    // =================================================================== classification losses

    /** {@code cross_entropy(input, target)}: mean reduction, no weights, ignore index -100, no smoothing. */
    public static Tensor crossEntropy(Tensor input, Tensor target) {
        return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN, 0.0);
    }

    /** {@code cross_entropy(input, target, reduction=...)}. */
    public static Tensor crossEntropy(Tensor input, Tensor target, Reduction reduction) {
        return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, reduction, 0.0);
    }

    /**
     * Cross entropy between logits and targets ({@code F.cross_entropy}), computed as
     * {@code nll_loss(log_softmax(input, classDim))} with a max-subtracted (stable) log-softmax.
     *
     * <p>Shapes: {@code input} is {@code (C)}, {@code (N, C)} or {@code (N, C, d1, ..., dk)}; the class dim
     * is 0 for 1-D input, else 1. Two kinds of target:
     * <ul>
     *   <li><b>class indices</b> (int64): shape {@code ()}, {@code (N)} or {@code (N, d1, ..., dk)}, values in
     *       {@code [0, C)} or equal to {@code ignoreIndex} (those contribute 0 and are not counted). Per target
     *       {@code l_i = -w[t_i] log p[i, t_i]}; MEAN is {@code sum_i l_i / sum_i w[t_i]} over non-ignored
     *       targets (NaN when all are ignored, as in PyTorch). With label smoothing {@code ls}:
     *       {@code (1 - ls) * nll + ls / C * smooth}, {@code smooth_i = -sum_c w[c] log p[i, c]}, reduced with
     *       the same denominator.</li>
     *   <li><b>class probabilities</b> (float, same shape and dtype as {@code input}):
     *       {@code l_i = -sum_c w[c] q[i, c] log p[i, c]} with {@code q = (1 - ls) target + ls / C}; MEAN
     *       divides the sum by {@code numel / C}. {@code ignoreIndex} must be negative here.</li>
     * </ul>
     *
     * @param weight         optional per-class weights, 1-D of size C (float); null for none
     * @param ignoreIndex    class index to ignore ({@link #DEFAULT_IGNORE_INDEX} for none in practice)
     * @param reduction      NONE (shape of the target / of input without the class dim), MEAN or SUM
     * @param labelSmoothing in {@code [0, 1]}
     * @throws IllegalArgumentException  for a target of the wrong shape or dtype (naming both shapes), a weight
     *                                   of the wrong size, a label smoothing outside [0, 1] or {@code BATCHMEAN}
     * @throws IndexOutOfBoundsException for a class index outside {@code [0, C)} that is not {@code ignoreIndex}
     *                                   (naming the index and the class count)
     */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction,
                                      double labelSmoothing) {
        Tensor[] ac = Autocast.float32(input, target, weight);
        input = ac[0];
        target = ac[1];
        weight = ac[2];
        String op = "cross_entropy";
        checkInput(op, input);
        checkReduction(op, reduction);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("label_smoothing must be between 0.0 and 1.0. Got: " + labelSmoothing);
        }
        int cd = input.dim() == 1 ? 0 : 1;
        int numClasses = input.size(cd);
        Tensor w = classWeight(op, weight, input, numClasses);
        if (target.dtype().isFloatingPoint()) {
            return crossEntropyProbs(input, target, w, ignoreIndex, reduction, labelSmoothing, cd, numClasses);
        }
        ClassTargets ct = classTargets(op, input, target, ignoreIndex);
        Tensor logp = input.logSoftmax(cd);
        Tensor picked = pick(logp, ct);
        Tensor wi = perTargetWeight(w, ct);
        Tensor nll = negate(wi == null ? picked : picked.mul(wi));
        Tensor denom = reduction == Reduction.MEAN ? (wi == null ? null : wi.sum()) : null;
        Tensor nllReduced = reduceClassLoss(nll, reduction, denom, ct.validCount);
        if (labelSmoothing == 0) return nllReduced;
        Tensor smooth = w == null ? logp.sum(cd).neg() : logp.mul(w.reshape(classBroadcastShape(input.dim(), cd, numClasses))).sum(cd).neg();
        if (ct.ignored != null) smooth = smooth.maskedFill(ct.ignored, 0);
        Tensor smoothReduced = reduceClassLoss(smooth, reduction, denom, ct.validCount);
        return nllReduced.mul(1 - labelSmoothing).add(smoothReduced.mul(labelSmoothing / numClasses));
    }

    private static Tensor crossEntropyProbs(Tensor input, Tensor target, Tensor w, long ignoreIndex, Reduction reduction,
                                            double ls, int cd, int numClasses) {
        String op = "cross_entropy";
        if (!Arrays.equals(input.shapeRef(), target.shapeRef())) {
            throw new IllegalArgumentException(op + ": a float target holds class probabilities and must have the input's shape "
                    + Shape.str(input.shapeRef()) + ", got target shape " + Shape.str(target.shapeRef())
                    + " (class-index targets must be int64)");
        }
        checkDtype(op, input, target);
        if (ignoreIndex >= 0) {
            throw new IllegalArgumentException(op + ": ignore_index (" + ignoreIndex + ") is not supported for floating point (probability) targets");
        }
        Tensor logp = input.logSoftmax(cd);
        Tensor q = ls > 0 ? target.mul(1 - ls).add(ls / numClasses) : target;
        Tensor prod = logp.mul(q);
        if (w != null) prod = prod.mul(w.reshape(classBroadcastShape(input.dim(), cd, numClasses)));
        switch (reduction) {
            case NONE: return prod.sum(cd).neg();
            case SUM: return prod.sum().neg();
            default: return divScalar(prod.sum().neg(), (double) input.numel() / numClasses);
        }
    }

    /** {@code nll_loss(input, target)}: mean reduction, no weights, ignore index -100. */
    public static Tensor nllLoss(Tensor input, Tensor target) {
        return nllLoss(input, target, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
    }

    /** {@code nll_loss(input, target, reduction=...)}. */
    public static Tensor nllLoss(Tensor input, Tensor target, Reduction reduction) {
        return nllLoss(input, target, null, DEFAULT_IGNORE_INDEX, reduction);
    }

    /**
     * Negative log likelihood ({@code F.nll_loss}): {@code l_i = -w[t_i] input[i, t_i]} for log-probability
     * input. Shapes, targets, weights, {@code ignoreIndex} and reductions exactly as the class-index case of
     * {@link #crossEntropy(Tensor, Tensor, Tensor, long, Reduction, double)}.
     *
     * @throws IllegalArgumentException  for a target of the wrong shape or dtype (naming both shapes), a weight
     *                                   of the wrong size or {@code BATCHMEAN}
     * @throws IndexOutOfBoundsException for a class index outside {@code [0, C)} that is not {@code ignoreIndex}
     *                                   (naming the index and the class count)
     */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction) {
        Tensor[] ac = Autocast.float32(input, weight);
        input = ac[0];
        weight = ac[1];
        String op = "nll_loss";
        checkInput(op, input);
        checkReduction(op, reduction);
        int cd = input.dim() == 1 ? 0 : 1;
        Tensor w = classWeight(op, weight, input, input.size(cd));
        if (target.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected an int64 class-index target, got " + target.dtype().torchName()
                    + " (input shape " + Shape.str(input.shapeRef()) + ", target shape " + Shape.str(target.shapeRef()) + ")");
        }
        ClassTargets ct = classTargets(op, input, target, ignoreIndex);
        Tensor wi = perTargetWeight(w, ct);
        Tensor picked = pick(input, ct);
        Tensor nll = negate(wi == null ? picked : picked.mul(wi));
        return reduceClassLoss(nll, reduction, reduction == Reduction.MEAN && wi != null ? wi.sum() : null, ct.validCount);
    }

    /** {@code binary_cross_entropy(input, target)} with mean reduction and no weight. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
        return binaryCrossEntropy(input, target, null, Reduction.MEAN);
    }

    /** {@code binary_cross_entropy(input, target, reduction=...)}. */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Reduction reduction) {
        return binaryCrossEntropy(input, target, null, reduction);
    }

    /**
     * Binary cross entropy between probabilities and targets ({@code F.binary_cross_entropy}):
     * {@code l = -w (t log(x) + (1 - t) log(1 - x))}, each log clamped to {@code >= -100} as PyTorch does, so
     * {@code x = 0} or {@code 1} gives a finite loss. Backward as PyTorch:
     * {@code dl/dx = w (x - t) / max((1 - x) x, 1e-12)}, {@code dl/dt = -w logit(x)}.
     *
     * @param input  probabilities in {@code [0, 1]}, any shape, float32/float64
     * @param target same shape and dtype (values usually in [0, 1])
     * @param weight optional rescaling weight broadcastable to the input's shape; null for none
     * @throws IllegalArgumentException on a shape/dtype mismatch, an input element outside [0, 1] (or NaN),
     *                                  a weight that does not broadcast, or {@code BATCHMEAN}
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        Tensor[] ac = Autocast.float32(input, target, weight);
        input = ac[0];
        target = ac[1];
        weight = ac[2];
        String op = "binary_cross_entropy";
        checkPair(op, input, target);
        checkReduction(op, reduction);
        Tensor w = elementWeight(op, "weight", weight, input);
        long outside = input.ge(0.0).logicalAnd(input.le(1.0)).logicalNot().sum().toLongArray()[0];
        if (outside > 0) {
            throw new IllegalArgumentException(op + ": all elements of input should be between 0 and 1 (" + outside
                    + " of " + input.numel() + " are not)");
        }
        Tensor raw, out;
        try (GradMode.Guard g = GradMode.noGrad()) {
            Tensor logx = input.log().clampMin(-100);
            Tensor log1mx = input.neg().log1p().clampMin(-100);
            raw = target.sub(1.0).mul(log1mx).sub(target.mul(logx));
            out = w == null ? raw : raw.mul(w);
        }
        int[] wShape = w == null ? null : w.shape();
        out = Function.record(op, out, new Tensor[] {input, target, w}, (ctx, g) -> {
            Tensor x = ctx.saved(0), t = ctx.saved(1), ww = ctx.saved(2);
            Tensor gw = ww == null ? g : g.mul(ww);
            Tensor gx = null, gt = null, gww = null;
            if (ctx.needsInputGrad(0)) gx = gw.mul(x.sub(t)).div(x.rsub(1.0).mul(x).clampMin(BCE_EPSILON));
            if (ctx.needsInputGrad(1)) gt = gw.mul(x.log().sub(x.neg().log1p())).neg();
            if (ctx.needsInputGrad(2)) gww = Arithmetic.sumToShape(g.mul(ctx.saved(3)), wShape);
            return new Tensor[] {gx, gt, gww};
        }, input, target, w, raw);
        return reduce(op, out, reduction);
    }

    /** {@code binary_cross_entropy_with_logits(input, target)} with mean reduction. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
        return binaryCrossEntropyWithLogits(input, target, null, null, Reduction.MEAN);
    }

    /** {@code binary_cross_entropy_with_logits(input, target, reduction=...)}. */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Reduction reduction) {
        return binaryCrossEntropyWithLogits(input, target, null, null, reduction);
    }

    /**
     * Binary cross entropy on logits ({@code F.binary_cross_entropy_with_logits}):
     * {@code l = -w (pw t log sigmoid(x) + (1 - t) log(1 - sigmoid(x)))}, computed in the stable form
     * {@code (1 - t) x + lw softplus(-x)} with {@code lw = 1 + (pw - 1) t} and
     * {@code softplus(-x) = max(-x, 0) + log1p(exp(-|x|))}; without {@code posWeight} this is
     * {@code max(x, 0) - x t + log1p(exp(-|x|))}. Finite for |x| = 1000. One autograd node; backward as
     * PyTorch: {@code dl/dx = w ((pw t + 1 - t) sigmoid(x) - pw t)}, {@code dl/dt = w (log sigmoid(-x) - pw log sigmoid(x))}
     * ({@code -w x} without pos weight).
     *
     * @param input     logits, any shape, float32/float64
     * @param target    same shape and dtype as input
     * @param weight    optional rescaling weight broadcastable to the input's shape (e.g. {@code (N, 1)}); null for none
     * @param posWeight optional weight of positive examples broadcastable to the input's shape, usually
     *                  {@code (C)} for input {@code (N, C)}; null for none
     * @throws IllegalArgumentException on a shape/dtype mismatch, a weight that does not broadcast, or {@code BATCHMEAN}
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight,
                                                      Reduction reduction) {
        Tensor[] ac = Autocast.float32(input, target, weight, posWeight);
        input = ac[0];
        target = ac[1];
        weight = ac[2];
        posWeight = ac[3];
        String op = "binary_cross_entropy_with_logits";
        checkPair(op, input, target);
        checkReduction(op, reduction);
        Tensor w = elementWeight(op, "weight", weight, input);
        Tensor pw = elementWeight(op, "pos_weight", posWeight, input);
        Tensor raw, out;
        try (GradMode.Guard g = GradMode.noGrad()) {
            Tensor softplusNeg = input.logsigmoid().neg();
            Tensor linear = input.mul(target.rsub(1.0));
            raw = pw == null ? linear.add(softplusNeg) : linear.add(softplusNeg.mul(pw.sub(1.0).mul(target).add(1.0)));
            out = w == null ? raw : raw.mul(w);
        }
        int[] wShape = w == null ? null : w.shape();
        int[] pwShape = pw == null ? null : pw.shape();
        out = Function.record(op, out, new Tensor[] {input, target, w, pw}, (ctx, g) -> {
            Tensor x = ctx.saved(0), t = ctx.saved(1), ww = ctx.saved(2), pp = ctx.saved(3);
            Tensor gw = ww == null ? g : g.mul(ww);
            Tensor gx = null, gt = null, gww = null, gpw = null;
            if (ctx.needsInputGrad(0)) {
                Tensor sig = x.sigmoid();
                if (pp == null) {
                    gx = sig.sub(t);
                } else {
                    Tensor ptt = pp.mul(t);
                    gx = ptt.add(1.0).sub(t).mul(sig).sub(ptt);
                }
                gx = gx.mul(gw);
            }
            if (ctx.needsInputGrad(1)) {
                gt = pp == null ? x.neg() : x.neg().logsigmoid().sub(x.logsigmoid().mul(pp));
                gt = gt.mul(gw);
            }
            if (ctx.needsInputGrad(2)) gww = Arithmetic.sumToShape(g.mul(ctx.saved(4)), wShape);
            if (ctx.needsInputGrad(3)) gpw = Arithmetic.sumToShape(gw.mul(t).mul(x.logsigmoid()).neg(), pwShape);
            return new Tensor[] {gx, gt, gww, gpw};
        }, input, target, w, pw, raw);
        return reduce(op, out, reduction);
    }

    // =================================================================== divergences

    /** {@code kl_div(input, target)}: mean reduction (PyTorch's default; see {@link Reduction#BATCHMEAN}), probability target. */
    public static Tensor klDiv(Tensor input, Tensor target) { return klDiv(input, target, Reduction.MEAN, false); }

    /**
     * Kullback-Leibler divergence ({@code F.kl_div}) with {@code input} holding log-probabilities:
     * point-wise {@code target (log(target) - input)}, with {@code 0 log 0 = 0} (PyTorch's {@code xlogy}); with
     * {@code logTarget}, {@code exp(target) (target - input)}. {@link Reduction#BATCHMEAN} divides the sum by
     * {@code input.size(0)} (the mathematically correct KL for a batch); {@link Reduction#MEAN} divides by the
     * number of elements, as PyTorch does. Where {@code target = 0} (not log-target) the target gradient is
     * {@code -input}: the derivative of the {@code 0 log 0} term is taken as 0 (PyTorch's {@code xlogy} gives NaN
     * there).
     *
     * @param input  log-probabilities, any shape, float32/float64
     * @param target probabilities (or log-probabilities with {@code logTarget}), same shape and dtype
     * @throws IllegalArgumentException on a shape/dtype mismatch
     */
    public static Tensor klDiv(Tensor input, Tensor target, Reduction reduction, boolean logTarget) {
        Tensor[] ac = Autocast.float32(input, target);
        input = ac[0];
        target = ac[1];
        String op = "kl_div";
        checkPair(op, input, target);
        Tensor loss;
        if (logTarget) {
            loss = target.exp().mul(target.sub(input));
        } else {
            Tensor safe = Tensor.where(target.ne(0.0), target, 1.0);
            loss = target.mul(safe.log()).sub(target.mul(input));
        }
        if (reduction == Reduction.BATCHMEAN) {
            return input.dim() == 0 ? loss.sum() : divScalar(loss.sum(), input.size(0));
        }
        return reduce(op, loss, reduction);
    }

    // =================================================================== helpers

    private static void checkInput(String op, Tensor input) {
        if (!input.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": input must be float32 or float64, got " + input.dtype().torchName()
                    + " (shape " + Shape.str(input.shapeRef()) + ")");
        }
        if (input.dim() == 0) throw new IllegalArgumentException(op + ": input must have at least 1 dimension, got a 0-d tensor");
    }

    private static void checkDtype(String op, Tensor input, Tensor target) {
        if (input.dtype() != target.dtype()) {
            throw new IllegalArgumentException(op + ": target dtype " + target.dtype().torchName() + " differs from input dtype "
                    + input.dtype().torchName() + " (input shape " + Shape.str(input.shapeRef()) + ", target shape "
                    + Shape.str(target.shapeRef()) + ")");
        }
    }

    /** Same shape and dtype, float. */
    private static void checkPair(String op, Tensor input, Tensor target) {
        if (!input.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": input must be float32 or float64, got " + input.dtype().torchName()
                    + " (shape " + Shape.str(input.shapeRef()) + ")");
        }
        if (!Arrays.equals(input.shapeRef(), target.shapeRef())) {
            throw new IllegalArgumentException(op + ": target shape " + Shape.str(target.shapeRef())
                    + " must be the same as input shape " + Shape.str(input.shapeRef()));
        }
        checkDtype(op, input, target);
    }

    private static void checkReduction(String op, Reduction r) {
        if (r == null) throw new IllegalArgumentException(op + ": reduction must not be null");
        if (r == Reduction.BATCHMEAN) {
            throw new IllegalArgumentException(op + ": reduction batchmean is only valid for kl_div; use none, mean or sum");
        }
    }

    private static Tensor reduce(String op, Tensor loss, Reduction r) {
        checkReduction(op, r);
        switch (r) {
            case NONE: return loss;
            case SUM: return loss.sum();
            default: return loss.mean();
        }
    }

    /** A weight broadcastable to the input's shape, in the input's dtype (null stays null). */
    private static Tensor elementWeight(String op, String name, Tensor weight, Tensor input) {
        if (weight == null) return null;
        if (!weight.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": " + name + " must be a float tensor, got " + weight.dtype().torchName());
        }
        int[] bs;
        try {
            bs = Shape.broadcast(weight.shapeRef(), input.shapeRef());
        } catch (IllegalArgumentException e) {
            bs = null;
        }
        if (bs == null || !Arrays.equals(bs, input.shapeRef())) {
            throw new IllegalArgumentException(op + ": " + name + " of shape " + Shape.str(weight.shapeRef())
                    + " does not broadcast to the input shape " + Shape.str(input.shapeRef()));
        }
        return weight.to(input.dtype());
    }

    /** Per-class weight: 1-D of C elements, in the input's dtype (null stays null). */
    private static Tensor classWeight(String op, Tensor weight, Tensor input, int numClasses) {
        if (weight == null) return null;
        if (!weight.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": weight must be a float tensor, got " + weight.dtype().torchName());
        }
        if (weight.dim() != 1 || weight.size(0) != numClasses) {
            throw new IllegalArgumentException(op + ": weight tensor should be defined either for all " + numClasses
                    + " classes or no classes but got weight tensor of shape " + Shape.str(weight.shapeRef())
                    + " (input shape " + Shape.str(input.shapeRef()) + ")");
        }
        return weight.to(input.dtype());
    }

    private static int[] classBroadcastShape(int rank, int cd, int numClasses) {
        int[] s = new int[rank];
        Arrays.fill(s, 1);
        s[cd] = numClasses;
        return s;
    }

    /** Validated class-index targets: safe indices (ignored replaced by 0), the ignore mask, the counted targets. */
    private static final class ClassTargets {
        final Tensor index;      // int64, target shape, on the input's device
        final Tensor ignored;    // bool, target shape, null when nothing is ignored
        final long validCount;
        final int classDim;

        ClassTargets(Tensor index, Tensor ignored, long validCount, int classDim) {
            this.index = index;
            this.ignored = ignored;
            this.validCount = validCount;
            this.classDim = classDim;
        }
    }

    private static ClassTargets classTargets(String op, Tensor input, Tensor target, long ignoreIndex) {
        int[] is = input.shapeRef();
        int cd = is.length == 1 ? 0 : 1;
        int[] expected = new int[is.length - 1];
        for (int i = 0, k = 0; i < is.length; i++) if (i != cd) expected[k++] = is[i];
        if (target.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + ": expected an int64 class-index target (or float class probabilities of the input's shape), got "
                    + target.dtype().torchName() + " (input shape " + Shape.str(is) + ", target shape " + Shape.str(target.shapeRef()) + ")");
        }
        if (!Arrays.equals(expected, target.shapeRef())) {
            throw new IllegalArgumentException(op + ": input of shape " + Shape.str(is) + " expects a class-index target of shape "
                    + Shape.str(expected) + ", got target shape " + Shape.str(target.shapeRef()));
        }
        int numClasses = is[cd];
        long[] t = target.toLongArray();
        long[] safe = new long[t.length];
        boolean[] ign = new boolean[t.length];
        long valid = 0;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == ignoreIndex) {
                ign[i] = true;
                continue;
            }
            if (t[i] < 0 || t[i] >= numClasses) {
                throw new IndexOutOfBoundsException(op + ": target class index " + t[i] + " is out of range for " + numClasses
                        + " classes (valid: 0.." + (numClasses - 1) + ", or ignore_index " + ignoreIndex + ")");
            }
            safe[i] = t[i];
            valid++;
        }
        int[] ts = target.shape();
        Tensor index = Tensor.fromArray(safe, ts).to(input.device());
        Tensor ignored = valid == t.length ? null : Tensor.fromArray(ign, ts).to(input.device());
        return new ClassTargets(index, ignored, valid, cd);
    }

    /** {@code x[i, t_i, ...]} along the class dim (0 at ignored targets), shape of the target. */
    private static Tensor pick(Tensor x, ClassTargets ct) {
        Tensor picked = ct.classDim == 0
                ? x.gather(0, ct.index.reshape(1)).reshape()
                : x.gather(1, ct.index.unsqueeze(1)).squeeze(1);
        return ct.ignored == null ? picked : picked.maskedFill(ct.ignored, 0);
    }

    /** {@code w[t_i]} (0 at ignored targets), or the 0/1 validity as weights, or null when all are 1. */
    private static Tensor perTargetWeight(Tensor w, ClassTargets ct) {
        if (w == null) return null;
        Tensor wi = w.indexSelect(0, ct.index.reshape(-1)).reshape(ct.index.shape());
        return ct.ignored == null ? wi : wi.maskedFill(ct.ignored, 0);
    }

    /** {@code 0 - t}: like {@code neg()} but ignored (zeroed) targets give +0, as PyTorch, not -0. */
    private static Tensor negate(Tensor t) { return t.rsub(0.0); }

    /** {@code t / v} as a true division (not a multiplication by {@code 1/v}). */
    private static Tensor divScalar(Tensor t, double v) {
        return t.div(Tensor.scalar(v, t.dtype()).to(t.device()));
    }

    private static Tensor reduceClassLoss(Tensor loss, Reduction r, Tensor weightSum, long validCount) {
        switch (r) {
            case NONE: return loss;
            case SUM: return loss.sum();
            default: return weightSum != null ? loss.sum().div(weightSum) : divScalar(loss.sum(), validCount);
        }
    }
}
