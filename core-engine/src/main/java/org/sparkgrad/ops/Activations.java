package org.sparkgrad.ops;

import org.sparkgrad.autograd.Function;
import org.sparkgrad.backend.UnaryOp;
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
}
