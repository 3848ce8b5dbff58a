package org.sparkgrad.ops;

import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Fused pointwise ops of several tensors, built from the engine's elementwise kernels with PyTorch 1.13's exact
 * forward expression and the backward formulas of its {@code derivatives.yaml}: {@code lerp} (ATen {@code Lerp.h}),
 * {@code addcmul} and {@code addcdiv} (ATen {@code PointwiseOps.cpp}). All broadcast their operands; gradients are
 * summed back to each operand's shape.
 */
public final class PointwiseOps {
    private PointwiseOps() {}

    private static void requireFloat(Tensor t, String op) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("\"" + op + "\" not implemented for '" + Arithmetic.torchTypeName(t.dtype())
                    + "' (it takes floating-point tensors)");
        }
    }

    private static void sameDType(Tensor self, Tensor other, String name) {
        if (self.dtype() != other.dtype()) {
            throw new IllegalArgumentException("expected dtype " + self.dtype().torchName() + " for `" + name
                    + "` but got dtype " + other.dtype().torchName());
        }
    }

    /** {@code 1 - w} as the kernel computes it in the tensor's dtype (float32: {@code 1f - (float) w}). */
    private static double oneMinus(double w, DType dt) {
        return dt == DType.FLOAT32 ? (double) (1f - (float) w) : 1 - w;
    }

    /**
     * {@code torch.lerp(self, end, weight)} with a number weight: {@code self + w (end - self)} when {@code |w| < 0.5},
     * else {@code end - (end - self)(1 - w)} (PyTorch's two-sided formula, exact at both ends). Gradients:
     * {@code self: g (1 - w)}, {@code end: g w}.
     *
     * @throws IllegalArgumentException when self and end differ in dtype or are not floating point, or do not broadcast
     */
    public static Tensor lerp(Tensor self, Tensor end, double w) {
        Arithmetic.sameDevice(self, end, "lerp");
        sameDType(self, end, "end");
        requireFloat(self, "lerp_kernel_scalar");
        int[] ss = self.shape(), es = end.shape();
        Tensor out;
        try (GradMode.Guard ng = GradMode.noGrad()) {
            Tensor diff = end.sub(self);
            out = Math.abs(w) < 0.5 ? self.add(diff.mul(w)) : end.sub(diff.mul(oneMinus(w, self.dtype())));
        }
        return Function.record("lerp", out, new Tensor[] {self, end}, (ctx, g) -> new Tensor[] {
                ctx.needsInputGrad(0) ? Arithmetic.sumToShape(g.mul(1 - w), ss) : null,
                ctx.needsInputGrad(1) ? Arithmetic.sumToShape(g.mul(w), es) : null});
    }

    /**
     * {@code torch.lerp(self, end, weight)} with a weight tensor, elementwise as {@link #lerp(Tensor, Tensor, double)}.
     * Gradients: {@code self: g (1 - w)}, {@code end: g w}, {@code weight: g (end - self)}.
     *
     * @throws IllegalArgumentException when the three dtypes differ or are not floating point, or the shapes do not
     *                                  broadcast
     */
    public static Tensor lerp(Tensor self, Tensor end, Tensor weight) {
        Arithmetic.sameDevice(self, end, "lerp");
        Arithmetic.sameDevice(self, weight, "lerp");
        sameDType(self, end, "end");
        sameDType(self, weight, "weight");
        requireFloat(self, "lerp_kernel_tensor");
        Shape.broadcast(Shape.broadcast(self.shapeRef(), end.shapeRef()), weight.shapeRef());
        int[] ss = self.shape(), es = end.shape(), ws = weight.shape();
        Tensor out;
        try (GradMode.Guard ng = GradMode.noGrad()) {
            Tensor diff = end.sub(self);
            Tensor small = self.add(weight.mul(diff));
            Tensor large = end.sub(diff.mul(weight.rsub(1.0)));
            Tensor half = Tensor.scalar(0.5, weight.dtype()).to(weight.device());
            out = Arithmetic.where(weight.abs().lt(half), small, large);
        }
        return Function.record("lerp", out, new Tensor[] {self, end, weight}, (ctx, g) -> {
            Tensor s = ctx.saved(0), e = ctx.saved(1), w = ctx.saved(2);
            return new Tensor[] {
                    ctx.needsInputGrad(0) ? Arithmetic.sumToShape(g.mul(w.rsub(1.0)), ss) : null,
                    ctx.needsInputGrad(1) ? Arithmetic.sumToShape(g.mul(w), es) : null,
                    ctx.needsInputGrad(2) ? Arithmetic.sumToShape(g.mul(e.sub(s)), ws) : null};
        }, self, end, weight);
    }

    /** Integer arithmetic takes an integral {@code value} only (PyTorch would truncate it to the integer dtype). */
    private static void checkValue(DType common, double value, String op) {
        if (!common.isFloatingPoint() && !(Double.isFinite(value) && value == Math.rint(value))) {
            throw new IllegalArgumentException("For integral input tensors, argument value must not be a floating point number "
                    + "(in " + op + ", value " + value + ")");
        }
    }

    /**
     * PyTorch's {@code result_type} of the operands: the promoted dtype of the dimensioned tensors, raised by the 0-d
     * ones only when they are of a higher category (bool &lt; integer &lt; floating) or the dimensioned ones are bool.
     */
    static DType resultType(Tensor... ts) {
        DType dims = null, zeroDim = null;
        for (Tensor t : ts) {
            if (t.dim() > 0) dims = dims == null ? t.dtype() : DType.promote(dims, t.dtype());
            else zeroDim = zeroDim == null ? t.dtype() : DType.promote(zeroDim, t.dtype());
        }
        if (dims == null) return zeroDim;
        if (zeroDim == null || dims.isFloatingPoint()) return dims;
        return dims == DType.BOOL || zeroDim.isFloatingPoint() ? DType.promote(dims, zeroDim) : dims;
    }

    /**
     * {@code torch.addcmul(self, tensor1, tensor2, value=value)}: {@code self + value * tensor1 * tensor2}, evaluated as
     * PyTorch's kernel does, {@code self + (value * t1) * t2}, in the common dtype of the three tensors (so a float64
     * self with float32 or int64 factors computes in float64; an integral common dtype needs an integral value).
     * Gradients: {@code self: g}, {@code tensor1: g (t2 value)}, {@code tensor2: g (t1 value)}.
     *
     * @throws IllegalArgumentException for integer tensors with a fractional value, or shapes that do not broadcast
     */
    public static Tensor addcmul(Tensor self, Tensor t1, Tensor t2, double value) {
        DType dt = resultType(self, t1, t2);
        checkValue(dt, value, "addcmul");
        Tensor s = self.to(dt), a = t1.to(dt), b = t2.to(dt);
        Tensor out;
        try (GradMode.Guard ng = GradMode.noGrad()) {
            out = s.add(a.mul(value).mul(b));
        }
        int[] ss = s.shape(), as = a.shape(), bs = b.shape();
        return Function.record("addcmul", out, new Tensor[] {s, a, b}, (ctx, g) -> new Tensor[] {
                ctx.needsInputGrad(0) ? Arithmetic.sumToShape(g, ss) : null,
                ctx.needsInputGrad(1) ? Arithmetic.sumToShape(g.mul(ctx.saved(1).mul(value)), as) : null,
                ctx.needsInputGrad(2) ? Arithmetic.sumToShape(g.mul(ctx.saved(0).mul(value)), bs) : null}, a, b);
    }

    /**
     * {@code torch.addcdiv(self, tensor1, tensor2, value=value)}: {@code self + value * tensor1 / tensor2}, evaluated as
     * PyTorch's kernel does, {@code self + (value * t1) / t2}, in the common dtype of the three tensors.
     * Gradients: {@code self: g}, {@code tensor1: g (value / t2)}, {@code tensor2: -g (value t1 / (t2 t2))}.
     *
     * @throws IllegalArgumentException when tensor1 and tensor2 are both integer tensors (PyTorch no longer supports
     *                                  integer division in addcdiv), or shapes that do not broadcast
     */
    public static Tensor addcdiv(Tensor self, Tensor t1, Tensor t2, double value) {
        if (!t1.dtype().isFloatingPoint() && !t2.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Integer division with addcdiv is no longer supported, and in a future release "
                    + "addcdiv will perform a true division of tensor1 and tensor2. Use "
                    + "self + value * tensor1.div(tensor2) for true division (tensor1 " + t1.dtype().torchName()
                    + ", tensor2 " + t2.dtype().torchName() + ")");
        }
        DType dt = resultType(self, t1, t2);
        Tensor s = self.to(dt), a = t1.to(dt), b = t2.to(dt);
        Tensor out;
        try (GradMode.Guard ng = GradMode.noGrad()) {
            out = s.add(a.mul(value).div(b));
        }
        int[] ss = s.shape(), as = a.shape(), bs = b.shape();
        return Function.record("addcdiv", out, new Tensor[] {s, a, b}, (ctx, g) -> {
            Tensor x1 = ctx.saved(0), x2 = ctx.saved(1);
            return new Tensor[] {
                    ctx.needsInputGrad(0) ? Arithmetic.sumToShape(g, ss) : null,
                    ctx.needsInputGrad(1) ? Arithmetic.sumToShape(g.mul(x2.rdiv(value)), as) : null,
                    ctx.needsInputGrad(2) ? Arithmetic.sumToShape(g.neg().mul(x1.mul(value).div(x2.mul(x2))), bs) : null};
        }, a, b);
    }
}
