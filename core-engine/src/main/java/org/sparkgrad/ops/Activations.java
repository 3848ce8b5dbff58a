package org.sparkgrad.ops;

import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.UnaryOp;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Activation functions (formulas as in the PyTorch {@code torch.nn.functional} documentation); all are
 * numerically stable for large |x| (sigmoid, softplus, logsigmoid, softmax and log-softmax subtract the
 * maximum or branch on the sign).
 */
public final class Activations {
    private Activations() {}

    public static Tensor relu(Tensor x) { return Arithmetic.unary(UnaryOp.RELU, x, 0, 0); }

    public static Tensor leakyRelu(Tensor x, double slope) { return Arithmetic.unary(UnaryOp.LEAKY_RELU, x, slope, 0); }

    public static Tensor elu(Tensor x, double alpha) { return Arithmetic.unary(UnaryOp.ELU, x, alpha, 0); }

    public static Tensor gelu(Tensor x, boolean tanh) { return Arithmetic.unary(tanh ? UnaryOp.GELU_TANH : UnaryOp.GELU, x, 0, 0); }

    public static Tensor silu(Tensor x) { return Arithmetic.unary(UnaryOp.SILU, x, 0, 0); }

    public static Tensor softplus(Tensor x, double beta, double threshold) { return Arithmetic.unary(UnaryOp.SOFTPLUS, x, beta, threshold); }

    public static Tensor mish(Tensor x) { return Arithmetic.unary(UnaryOp.MISH, x, 0, 0); }

    public static Tensor hardtanh(Tensor x, double min, double max) {
        if (min > max) throw new IllegalArgumentException("hardtanh: min_val (" + min + ") cannot be greater than max_val (" + max + ")");
        return Arithmetic.unary(UnaryOp.HARDTANH, x, min, max);
    }

    public static Tensor relu6(Tensor x) { return hardtanh(x, 0, 6); }

    public static Tensor logsigmoid(Tensor x) { return Arithmetic.unary(UnaryOp.LOGSIGMOID, x, 0, 0); }

    public static Tensor sigmoid(Tensor x) { return Arithmetic.unary(UnaryOp.SIGMOID, x, 0, 0); }

    public static Tensor tanh(Tensor x) { return Arithmetic.unary(UnaryOp.TANH, x, 0, 0); }

    /** Softmax ({@code log=false}) or log-softmax along {@code dim}, stable (max subtracted). */
    public static Tensor softmax(Tensor x, int dim, boolean log) {
        int d = Shape.wrapDim(dim, x.dim());
        if (!x.dtype().isFloatingPoint()) x = x.toFloat();
        Tensor out = x.backend().softmax(x, d, log);
        return Function.record(log ? "log_softmax" : "softmax", out, x,
                (ctx, g) -> new Tensor[] {g.backend().softmaxBackward(g, ctx.saved(0), d, log)}, out);
    }

    // ------------------------------------------------------------------ PyTorch 1.13 activations built on the ops above
    // Each is a composition of differentiable ops where that reproduces PyTorch's forward and its backward kernel
    // (derivatives.yaml) exactly, including the value at the kinks; otherwise one Function whose forward and backward
    // are written with tensor ops (so every backend runs them). Sources: aten/src/ATen/native/Activation.cpp and
    // native/cpu/Activation.cpp (kernels), torch/nn/functional.py (the Python-level compositions).

    /** SELU's alpha (Klambauer et al. 2017, "Self-Normalizing Neural Networks"), as PyTorch's {@code SELU_ALPHA}. */
    public static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    /** SELU's scale, as PyTorch's {@code SELU_SCALE}. */
    public static final double SELU_SCALE = 1.0507009873554804934193349852946;

    private static Tensor floating(Tensor x) { return x.dtype().isFloatingPoint() ? x : x.to(DType.FLOAT32); }

    /** A 0-d tensor of x's dtype and device. */
    private static Tensor scalarLike(Tensor x, double v) { return Tensor.scalar(v, x.dtype()).to(x.device()); }

    /**
     * {@code selu(x) = scale * (x > 0 ? x : alpha * (exp(x) - 1))}: PyTorch's {@code elu(x, alpha=SELU_ALPHA,
     * scale=SELU_SCALE)}, so the gradient is {@code scale} for {@code x > 0} and {@code scale * alpha * exp(x)} for
     * {@code x <= 0} (at 0 too). Composed as {@code elu(x, alpha) * scale}, which has that gradient.
     */
    public static Tensor selu(Tensor x) { return elu(x, SELU_ALPHA).mul(SELU_SCALE); }

    /**
     * {@code celu(x) = x > 0 ? x : alpha * (exp(x / alpha) - 1)} (Barron 2017), PyTorch's
     * {@code elu(x, alpha, scale=1, input_scale=1/alpha)}; gradient (elu_backward) {@code x <= 0 ? (1/alpha) * alpha *
     * exp(x / alpha) : 1}, i.e. 1 at 0 from both sides. One autograd node (the branches of a composed {@code where}
     * would overflow in the unused branch for large {@code x / alpha}).
     *
     * @throws IllegalArgumentException for {@code alpha == 0}, as PyTorch ("alpha cannot be 0 for CELU")
     */
    public static Tensor celu(Tensor x0, double alpha) {
        if (alpha == 0) throw new IllegalArgumentException("ZeroDivisionError: alpha cannot be 0 for CELU");
        Tensor x = floating(x0);
        double inv = 1.0 / alpha;
        Tensor out;
        try (GradMode.Guard g = GradMode.noGrad()) {
            // elu_kernel: a <= 0 ? (exp(a * negiptcoef) - 1) * negcoef : a * poscoef
            out = Arithmetic.where(x.le(0.0), x.mul(inv).exp().sub(1.0).mul(alpha), x);
        }
        return Function.record("celu", out, x, (ctx, g) -> {
            Tensor xs = ctx.saved(0);
            // elu_backward_kernel (is_result=false): b <= 0 ? a * negiptcoef * negcoef * exp(b * negiptcoef) : a * poscoef
            return new Tensor[] {Arithmetic.where(xs.le(0.0), g.mul(inv).mul(alpha).mul(xs.mul(inv).exp()), g)};
        }, x);
    }

    /**
     * {@code hardswish(x) = x * min(max(x + 3, 0), 6) / 6} (Howard et al. 2019, "Searching for MobileNetV3"). Gradient
     * as PyTorch's {@code hardswish_backward}: 0 for {@code x < -3}, {@code x / 3 + 0.5} for {@code -3 <= x <= 3} (so
     * -0.5 at -3 and 1.5 at 3), 1 above. One autograd node with exactly that backward.
     */
    public static Tensor hardswish(Tensor x0) {
        Tensor x = floating(x0);
        Tensor out;
        try (GradMode.Guard g = GradMode.noGrad()) {
            out = x.mul(x.add(3.0).clamp(0, 6)).div(scalarLike(x, 6));
        }
        return Function.record("hardswish", out, x, (ctx, g) -> {
            Tensor xs = ctx.saved(0);
            Tensor mid = g.mul(xs.div(scalarLike(xs, 3)).add(0.5));
            Tensor upper = Arithmetic.where(xs.le(3.0), mid, g);
            return new Tensor[] {upper.maskedFill(xs.lt(-3.0), 0)};
        }, x);
    }

    /**
     * {@code hardsigmoid(x) = min(max(x + 3, 0), 6) / 6}; gradient {@code 1/6} strictly inside {@code (-3, 3)} and 0
     * elsewhere, the kinks included (PyTorch's {@code hardsigmoid_backward}). Composed as
     * {@code hardtanh(x + 3, 0, 6) / 6}: hardtanh's gradient is 1 strictly inside its range, which gives exactly that.
     */
    public static Tensor hardsigmoid(Tensor x0) {
        Tensor x = floating(x0);
        return x.add(3.0).hardtanh(0, 6).div(scalarLike(x, 6));
    }

    /** {@code softsign(x) = x / (1 + |x|)}, composed exactly as {@code torch.nn.functional.softsign} ({@code input / (input.abs() + 1)}). */
    public static Tensor softsign(Tensor x0) {
        Tensor x = floating(x0);
        return x.div(x.abs().add(1.0));
    }

    /** {@code tanhshrink(x) = x - tanh(x)}, composed exactly as {@code torch.nn.functional.tanhshrink}. */
    public static Tensor tanhshrink(Tensor x0) {
        Tensor x = floating(x0);
        return x.sub(x.tanh());
    }

    /**
     * {@code softshrink(x) = x > lambd ? x - lambd : (x < -lambd ? x + lambd : 0)}; gradient 0 on the closed interval
     * {@code [-lambd, lambd]} and 1 outside (PyTorch's {@code shrink_backward}: {@code x >= -lambd && x <= lambd ? 0 :
     * grad}). Composed from {@code where} and {@code masked_fill}, whose gradients are exactly that.
     *
     * @throws IllegalArgumentException for a negative lambd ("lambda must be greater or equal to 0")
     */
    public static Tensor softshrink(Tensor x0, double lambd) {
        if (!(lambd >= 0)) {
            throw new IllegalArgumentException("lambda must be greater or equal to 0, but found to be " + lambd + ".");
        }
        Tensor x = floating(x0);
        Tensor inside = x.ge(-lambd).logicalAnd(x.le(lambd));
        return Arithmetic.where(x.gt(lambd), x.sub(lambd), x.add(lambd)).maskedFill(inside, 0);
    }

    /**
     * {@code hardshrink(x) = (x >= -lambd && x <= lambd) ? 0 : x}; gradient 0 on the closed interval and 1 outside
     * (PyTorch's {@code hardshrink_backward}). Composed as a {@code masked_fill}.
     */
    public static Tensor hardshrink(Tensor x0, double lambd) {
        Tensor x = floating(x0);
        return x.maskedFill(x.ge(-lambd).logicalAnd(x.le(lambd)), 0);
    }

    /**
     * {@code threshold(x) = x <= threshold ? value : x}; gradient 0 where {@code x <= threshold} and 1 elsewhere
     * (PyTorch's {@code threshold_backward}), as the composed {@code masked_fill} gives. Keeps integer dtypes, as
     * PyTorch's kernel (then the values are cast to that dtype).
     */
    public static Tensor threshold(Tensor x, double threshold, double value) {
        return x.maskedFill(x.le(threshold), value);
    }

    /**
     * {@code prelu(x, weight) = x > 0 ? x : weight * x} (He et al. 2015) with {@code weight} broadcast over dim 1 (the
     * channels) of x. Gradients as PyTorch's {@code prelu_backward}: {@code dx = x > 0 ? g : weight * g},
     * {@code dweight = sum of (x > 0 ? 0 : x * g)} over every dim but the channel one; composed from {@code where}
     * and {@code mul}, which give exactly that.
     *
     * @param x      input {@code (N, C, *)}, {@code (C)}... any rank; a 0-d x only with a single weight
     * @param weight 0-d or 1-D with 1 or {@code C = x.size(1)} elements ({@code C = 1} for a 1-D x), x's dtype
     * @throws IllegalArgumentException for a weight that is not 0-d/1-D, a count that is neither 1 nor the channel
     *                                  size (naming both shapes), or a dtype mismatch
     */
    public static Tensor prelu(Tensor x, Tensor weight) {
        Tensor[] ac = org.sparkgrad.amp.Autocast.lowerPrecision(x, weight); // on PyTorch's CPU lower-precision list
        x = ac[0];
        weight = ac[1];
        if (weight.dim() > 1) {
            throw new IllegalArgumentException("prelu: weight must be 0-d or 1-D, got shape " + Shape.str(weight.shapeRef()));
        }
        int n = weight.numel();
        int nd = x.dim();
        if (n != 1) {
            if (nd == 0) throw new IllegalArgumentException("prelu: Not allow zero-dim input tensor (weight of shape " + Shape.str(weight.shapeRef()) + ").");
            int channels = nd > 1 ? x.size(1) : 1;
            if (channels != n) {
                throw new IllegalArgumentException("prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                        + n + " and channel size = " + channels + " (input shape " + Shape.str(x.shapeRef()) + ", weight shape "
                        + Shape.str(weight.shapeRef()) + ").");
            }
        }
        if (weight.dtype() != x.dtype()) {
            throw new IllegalArgumentException("prelu: expected weight of dtype " + x.dtype().torchName() + " (the input's), got "
                    + weight.dtype().torchName());
        }
        int[] ws = new int[nd];
        java.util.Arrays.fill(ws, 1);
        if (nd >= 2) ws[1] = n;
        Tensor w = weight.reshape(ws);
        return Arithmetic.where(x.gt(0.0), x, x.mul(w));
    }

    /**
     * {@code glu(x, dim) = a * sigmoid(b)} where {@code a} and {@code b} are the first and second halves of x along
     * {@code dim} (Dauphin et al. 2017); composed of {@code narrow}, {@code sigmoid} and {@code mul}, whose gradients
     * are PyTorch's {@code glu_backward}.
     *
     * @throws IllegalArgumentException for a 0-d input or an odd size along {@code dim}
     */
    public static Tensor glu(Tensor x, int dim) {
        if (x.dim() == 0) throw new IllegalArgumentException("glu does not support scalars because halving size must be even");
        int d = Shape.wrapDim(dim, x.dim());
        int n = x.size(d);
        if (n % 2 != 0) {
            throw new IllegalArgumentException("Halving dimension must be even, but dimension " + d + " is size " + n
                    + " (input shape " + Shape.str(x.shapeRef()) + ")");
        }
        return x.narrow(d, 0, n / 2).mul(x.narrow(d, n / 2, n / 2).sigmoid());
    }
}
