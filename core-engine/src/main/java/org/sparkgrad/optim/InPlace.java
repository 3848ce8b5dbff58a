package org.sparkgrad.optim;

import org.sparkgrad.backend.BinaryOp;
import org.sparkgrad.ops.Arithmetic;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * In-place update helpers with PyTorch's names and operand order, built on the engine's in-place ops. Callers
 * run under {@code GradMode.noGrad()}. Scalar operands are converted to the tensor's dtype, as PyTorch does.
 */
final class InPlace {
    private InPlace() {}

    /** A 0-d tensor holding {@code v} in {@code t}'s dtype and on its device. */
    static Tensor scalarLike(Tensor t, double v) {
        return Tensor.scalar(v, t.dtype()).to(t.device());
    }

    /** {@code t += value * a * b} ({@code addcmul_}). */
    static Tensor addcmul(Tensor t, Tensor a, Tensor b, double value) {
        Tensor prod = value == 1 ? a.mul(b) : a.mul(value).mul_(b);
        return t.add_(prod);
    }

    /** {@code t += value * (a / b)} ({@code addcdiv_}). */
    static Tensor addcdiv(Tensor t, Tensor a, Tensor b, double value) {
        Tensor q = a.div(b);
        if (value != 1) q.mul_(value);
        return t.add_(q);
    }

    /** {@code t = max(t, o)} elementwise ({@code torch.maximum(t, o, out=t)}). */
    static Tensor maximum(Tensor t, Tensor o) {
        return Arithmetic.inPlace(BinaryOp.MAXIMUM, t, o);
    }

    /**
     * {@code t / v} as a true division by the scalar (not a multiplication by {@code 1/v}); a float16/bfloat16 t is
     * divided in float32 by the unrounded scalar and rounded once, as PyTorch's {@code div} takes a scalar.
     */
    static Tensor divScalar(Tensor t, double v) {
        if (t.dtype().isReducedPrecision()) {
            return t.toFloat().div(Tensor.scalar(v, DType.FLOAT32).to(t.device())).to(t.dtype());
        }
        return t.div(scalarLike(t, v));
    }
}
