package org.sparkgrad.ops;

import java.util.Arrays;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.Backend;
import org.sparkgrad.backend.Backends;
import org.sparkgrad.backend.BinaryOp;
import org.sparkgrad.backend.UnaryOp;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Elementwise arithmetic with autograd: unary functions, broadcasting binary ops, comparisons, where,
 * casts, device moves and in-place updates. Gradients of broadcast inputs are summed back to the input's
 * shape ({@link #sumToShape}).
 */
public final class Arithmetic {
    private Arithmetic() {}

    /** Sums {@code g} over the dims that broadcasting added or expanded, giving {@code shape}. */
    public static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gs = g.shapeRef();
        if (Arrays.equals(gs, shape)) return g;
        int lead = gs.length - shape.length;
        int[] dims = new int[gs.length];
        int k = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) dims[k++] = i;
        }
        Tensor r = k == 0 ? g : g.sum(Arrays.copyOf(dims, k), true);
        return r.reshape(shape);
    }

    static void sameDevice(Tensor a, Tensor b, String op) {
        if (!a.device().equals(b.device())) {
            throw new IllegalArgumentException("Expected all tensors to be on the same device, but found at least two devices, "
                    + a.device() + " and " + b.device() + " (in " + op + ")");
        }
    }

    private static boolean integralSafe(UnaryOp op, double a) {
        switch (op) {
            case NEG: case ABS: case SIGN: case SQUARE: case RELU: case CLAMP: return true;
            // torch.floor/ceil/round/trunc of an integer tensor is a copy in its dtype
            case FLOOR: case CEIL: case ROUND: case TRUNC: return true;
            case ADD_SCALAR: case MUL_SCALAR: case RSUB_SCALAR: return Double.isFinite(a) && a == Math.rint(a);
            default: return false;
        }
    }

    /** A differentiable elementwise function (integer inputs are promoted to float32 where PyTorch does). */
    public static Tensor unary(UnaryOp op, Tensor x, double a, double b) {
        if (!x.dtype().isFloatingPoint() && !integralSafe(op, a)) x = x.to(DType.FLOAT32);
        if (x.dtype() == DType.BOOL) {
            if (op == UnaryOp.NEG) {
                throw new IllegalArgumentException("Negation, the `-` operator, on a bool tensor is not supported. "
                        + "If you are trying to invert a mask, use logicalNot() instead.");
            }
            // bool with an integral number computes in int64 (True + 5 == 6)
            if (op == UnaryOp.ADD_SCALAR || op == UnaryOp.MUL_SCALAR || op == UnaryOp.RSUB_SCALAR) x = x.to(DType.INT64);
        }
        Tensor out = x.backend().unary(op, x, a, b);
        if (op.zeroGradient()) {
            // zeros_like(grad), as PyTorch: exactly 0 even for a NaN or infinite incoming gradient
            return Function.record(op.name().toLowerCase(java.util.Locale.ROOT), out, x, (ctx, g) -> new Tensor[] {Tensor.zerosLike(g)});
        }
        return Function.record(op.name().toLowerCase(java.util.Locale.ROOT), out, x,
                (ctx, g) -> new Tensor[] {g.backend().unaryBackward(op, g, ctx.saved(0), ctx.saved(1), a, b)}, x, out);
    }

    /** Bool-valued unary ops (no gradient). */
    public static Tensor compareUnary(UnaryOp op, Tensor x) {
        return x.backend().unary(op, x, 0, 0);
    }

    /** PyTorch's C++ scalar type name ({@code Long}, {@code Bool}, ...) used in its "not implemented for" errors. */
    static String torchTypeName(DType t) {
        switch (t) {
            case INT64: return "Long";
            case BOOL: return "Bool";
            case FLOAT64: return "Double";
            default: return "Float";
        }
    }

    private static int category(DType t) { return t.isFloatingPoint() ? 2 : t == DType.BOOL ? 0 : 1; }

    private static Tensor[] promoteOperands(BinaryOp op, Tensor x, Tensor y) {
        // a 0-d operand does not raise the dtype of a dimensioned operand of the same category (PyTorch rule);
        // the categories are bool < integer < floating, so bool tensor + int64 0-d is int64
        if (x.dtype() != y.dtype()) {
            int xc = category(x.dtype()), yc = category(y.dtype());
            if (y.dim() == 0 && x.dim() > 0 && xc >= yc) y = y.to(x.dtype());
            else if (x.dim() == 0 && y.dim() > 0 && yc >= xc) x = x.to(y.dtype());
            else {
                DType p = DType.promote(x.dtype(), y.dtype());
                x = x.to(p);
                y = y.to(p);
            }
        }
        boolean floatOp = op == BinaryOp.DIV || op == BinaryOp.ATAN2 || op == BinaryOp.COPYSIGN;
        if (floatOp && !x.dtype().isFloatingPoint()) {
            // true division and PyTorch's "binary float ops" compute integer and bool operands in float32
            x = x.to(DType.FLOAT32);
            y = y.to(DType.FLOAT32);
        }
        if (op == BinaryOp.HYPOT && !x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("\"hypot_cpu\" not implemented for '" + torchTypeName(x.dtype())
                    + "' (torch.hypot takes floating-point tensors)");
        }
        return new Tensor[] {x, y};
    }

    /**
     * A differentiable broadcasting binary op (ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, ATAN2, FMOD, REMAINDER, HYPOT,
     * COPYSIGN), with PyTorch's type promotion: DIV, ATAN2 and COPYSIGN compute integer operands in float32, HYPOT
     * refuses them, FMOD and REMAINDER keep them. Gradients are the formulas of PyTorch's {@code derivatives.yaml}.
     */
    public static Tensor binary(BinaryOp op, Tensor x0, Tensor y0) {
        sameDevice(x0, y0, op.name().toLowerCase(java.util.Locale.ROOT));
        Tensor[] xy = promoteOperands(op, x0, y0);
        Tensor x = xy[0], y = xy[1];
        Tensor out = x.backend().binary(op, x, y);
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        int[] xs = x.shapeRef(), ys = y.shapeRef();
        switch (op) {
            case ADD:
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> new Tensor[] {
                        ctx.needsInputGrad(0) ? sumToShape(g, xs) : null, ctx.needsInputGrad(1) ? sumToShape(g, ys) : null});
            case SUB:
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> new Tensor[] {
                        ctx.needsInputGrad(0) ? sumToShape(g, xs) : null, ctx.needsInputGrad(1) ? sumToShape(g.neg(), ys) : null});
            case MUL:
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> new Tensor[] {
                        ctx.needsInputGrad(0) ? sumToShape(g.mul(ctx.saved(1)), xs) : null,
                        ctx.needsInputGrad(1) ? sumToShape(g.mul(ctx.saved(0)), ys) : null}, x, y);
            case DIV:
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> {
                    Tensor yy = ctx.saved(1);
                    Tensor gx = g.div(yy);
                    return new Tensor[] {ctx.needsInputGrad(0) ? sumToShape(gx, xs) : null,
                            ctx.needsInputGrad(1) ? sumToShape(gx.mul(ctx.saved(2)).neg(), ys) : null};
                }, x, y, out);
            case POW:
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> {
                    Tensor xx = ctx.saved(0), yy = ctx.saved(1), o = ctx.saved(2);
                    Tensor gx = null, gy = null;
                    // d/dx x^y = y x^(y-1), taken as 0 where y == 0 (PyTorch's pow_backward_self): 0^0 gave 0 * inf = NaN
                    if (ctx.needsInputGrad(0)) {
                        gx = sumToShape(where(yy.eq(0.0), Tensor.zerosLike(o), g.mul(yy).mul(xx.pow(yy.sub(1.0)))), xs);
                    }
                    if (ctx.needsInputGrad(1)) {
                        Tensor lx = where(xx.eq(0.0).logicalAnd(yy.ge(0.0)), Tensor.zerosLike(xx), xx.log());
                        gy = sumToShape(g.mul(o).mul(lx), ys);
                    }
                    return new Tensor[] {gx, gy};
                }, x, y, out);
            case MAXIMUM:
            case MINIMUM:
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> {
                    Tensor xx = ctx.saved(0), yy = ctx.saved(1);
                    Tensor wx = (op == BinaryOp.MAXIMUM ? xx.gt(yy) : xx.lt(yy)).to(g.dtype())
                            .add(xx.eq(yy).to(g.dtype()).mul(0.5));
                    return new Tensor[] {ctx.needsInputGrad(0) ? sumToShape(g.mul(wx), xs) : null,
                            ctx.needsInputGrad(1) ? sumToShape(g.mul(wx.rsub(1.0)), ys) : null};
                }, x, y);
            case ATAN2:
                // atan2_backward: recip = 1 / (x^2 + y^2); dx = g y recip, dy = g (-x) recip (NaN at (0, 0), as PyTorch)
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> {
                    Tensor xx = ctx.saved(0), yy = ctx.saved(1);
                    Tensor recip = xx.mul(xx).add(yy.mul(yy)).reciprocal();
                    return new Tensor[] {ctx.needsInputGrad(0) ? sumToShape(g.mul(yy).mul(recip), xs) : null,
                            ctx.needsInputGrad(1) ? sumToShape(g.mul(xx.neg()).mul(recip), ys) : null};
                }, x, y);
            case FMOD:
            case REMAINDER:
                // d/dx = 1; d/dy = -div(x, y, rounding_mode = 'trunc' for fmod, 'floor' for remainder)
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> {
                    Tensor gy = null;
                    if (ctx.needsInputGrad(1)) {
                        Tensor xx = ctx.saved(0), yy = ctx.saved(1);
                        Tensor q = op == BinaryOp.FMOD ? xx.div(yy).trunc() : xx.backend().binary(BinaryOp.FLOOR_DIVIDE, xx, yy);
                        gy = sumToShape(g.neg().mul(q), ys);
                    }
                    return new Tensor[] {ctx.needsInputGrad(0) ? sumToShape(g, xs) : null, gy};
                }, x, y);
            case HYPOT:
                // dx = g x / out, dy = g y / out (NaN at (0, 0), as PyTorch)
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> {
                    Tensor o = ctx.saved(2);
                    return new Tensor[] {ctx.needsInputGrad(0) ? sumToShape(g.mul(ctx.saved(0)).div(o), xs) : null,
                            ctx.needsInputGrad(1) ? sumToShape(g.mul(ctx.saved(1)).div(o), ys) : null};
                }, x, y, out);
            case COPYSIGN:
                // copysign_tensor_self_backward: g * (out / x), 0 where x == 0; the sign source gets zeros
                return Function.record(name, out, new Tensor[] {x, y}, (ctx, g) -> {
                    Tensor gx = null;
                    if (ctx.needsInputGrad(0)) {
                        Tensor xx = ctx.saved(0);
                        Tensor zero = Tensor.scalar(0, xx.dtype()).to(xx.device());
                        Tensor ratio = where(xx.eq(zero), zero, ctx.saved(1).div(xx));
                        gx = sumToShape(g.mul(ratio), xs);
                    }
                    return new Tensor[] {gx, ctx.needsInputGrad(1) ? Tensor.zerosLike(ctx.saved(2)) : null};
                }, x, out, y);
            default:
                throw new IllegalArgumentException(op + " is not differentiable; use Tensor comparison methods");
        }
    }

    /** Comparisons and logical ops: bool result, never part of the graph. */
    public static Tensor compare(BinaryOp op, Tensor x, Tensor y) {
        sameDevice(x, y, op.name().toLowerCase(java.util.Locale.ROOT));
        return x.backend().binary(op, x, y);
    }

    /** {@code cond ? x : y} with broadcasting; gradients flow to x where cond holds and to y elsewhere. */
    public static Tensor where(Tensor cond, Tensor x0, Tensor y0) {
        sameDevice(cond, x0, "where");
        sameDevice(x0, y0, "where");
        Tensor x = x0, y = y0;
        if (x.dtype() != y.dtype()) {
            Tensor[] xy = promoteOperands(BinaryOp.ADD, x, y);
            x = xy[0];
            y = xy[1];
        }
        Tensor out = x.backend().where(cond, x, y);
        int[] xs = x.shapeRef(), ys = y.shapeRef();
        return Function.record("where", out, new Tensor[] {null, x, y}, (ctx, g) -> {
            Tensor c = ctx.saved(0);
            Tensor zero = Tensor.scalar(0, g.dtype()).to(g.device());
            return new Tensor[] {null,
                    ctx.needsInputGrad(1) ? sumToShape(g.backend().where(c, g, zero), xs) : null,
                    ctx.needsInputGrad(2) ? sumToShape(g.backend().where(c, zero, g), ys) : null};
        }, cond);
    }

    /** Copy converted to {@code dtype}; differentiable between float dtypes. */
    public static Tensor cast(Tensor x, DType dtype) {
        if (x.dtype() == dtype) return x;
        Backend be = x.backend();
        Tensor out = new Tensor(be.allocate(dtype, x.numel(), x.device()), x.shape());
        be.copy(x, out);
        if (!dtype.isFloatingPoint()) return out;
        DType from = x.dtype();
        return Function.record("to_" + dtype.torchName(), out, x, (ctx, g) -> new Tensor[] {g.to(from)});
    }

    /** Copy on another device; differentiable. */
    public static Tensor toDevice(Tensor x, Device device) {
        if (x.device().equals(device)) return x;
        CpuStorage host = x.backend().download(x);
        Tensor out = new Tensor(Backends.forDevice(device).upload(host, device), x.shape());
        Device from = x.device();
        return Function.record("to_" + device, out, x, (ctx, g) -> new Tensor[] {g.to(from)});
    }

    /**
     * Refuses in-place modification of a tensor that autograd tracks.
     *
     * @throws IllegalStateException for a leaf requiring grad or a graph tensor, while grad mode is on
     */
    public static void checkInPlace(Tensor t, String op) {
        if (!GradMode.isEnabled() || !t.requiresGrad()) return;
        if (t.isLeaf()) {
            throw new IllegalStateException("a leaf Variable that requires grad is being used in an in-place operation ("
                    + op + "); wrap it in GradMode.noGrad() or use the out-of-place op");
        }
        throw new IllegalStateException("in-place " + op + " on a tensor that is part of the autograd graph (output of "
                + t.gradFn().name() + ") is not supported; use the out-of-place op");
    }

    /**
     * {@code x += alpha * y} in place ({@code add_(y, alpha=alpha)}), y broadcast to x, one fused pass without a
     * temporary; bumps x's version. Same rules as {@link #inPlace}: no grad-requiring operand under grad mode, and the
     * broadcast shape must be x's.
     */
    public static Tensor addScaledInPlace(Tensor x, Tensor y0, double alpha) {
        Tensor y = checkInPlaceOperands(BinaryOp.ADD, x, y0, "add_");
        x.backend().addScaledInPlace(x, y, alpha);
        x.storage().bumpVersion();
        return x;
    }

    /** {@code x = x op y} in place (y broadcast to x); bumps x's version. */
    public static Tensor inPlace(BinaryOp op, Tensor x, Tensor y0) {
        Tensor y = checkInPlaceOperands(op, x, y0, op.name().toLowerCase(java.util.Locale.ROOT) + "_");
        x.backend().binaryInPlace(op, x, y);
        x.storage().bumpVersion();
        return x;
    }

    /**
     * Refuses to write into a tensor where several elements share one memory location (an expanded view): an
     * accumulating op would apply several times to that location.
     *
     * @throws IllegalArgumentException naming the op and the shape and strides of the tensor
     */
    public static void checkNoInternalOverlap(Tensor x, String op) {
        int[] sh = x.shapeRef(), st = x.stridesRef();
        for (int i = 0; i < sh.length; i++) {
            if (st[i] == 0 && sh[i] > 1) {
                throw new IllegalArgumentException("unsupported operation (" + op + "): more than one element of the written-to "
                        + "tensor (shape " + Shape.str(sh) + ", stride " + Arrays.toString(st) + ") refers to a single memory "
                        + "location. Please clone() the tensor before performing the operation.");
            }
        }
    }

    /**
     * The source of an in-place op on {@code x}: {@code y} itself, or a copy of it when it is another view of x's
     * storage (e.g. {@code x.add_(x.t())}), whose elements the op would otherwise read after overwriting them.
     */
    public static Tensor inPlaceSource(Tensor x, Tensor y) {
        if (y.storage() != x.storage()) return y;
        if (y.storageOffset() == x.storageOffset() && Arrays.equals(y.shapeRef(), x.shapeRef())
                && Arrays.equals(y.stridesRef(), x.stridesRef())) {
            return y; // the same view: each element is read before it is written
        }
        return y.contiguousCopy();
    }

    /**
     * The checks of an in-place binary op {@code x op= y}: x may change, y does not require grad, y broadcasts to x.
     * Returns the operand to read (see {@link #inPlaceSource}).
     */
    private static Tensor checkInPlaceOperands(BinaryOp op, Tensor x, Tensor y, String name) {
        checkInPlace(x, name);
        int xc = category(x.dtype());
        boolean trueDiv = op == BinaryOp.DIV && xc < 2;
        if (category(y.dtype()) > xc || trueDiv) {
            DType result = trueDiv && !y.dtype().isFloatingPoint() ? DType.FLOAT32 : DType.promote(x.dtype(), y.dtype());
            throw new IllegalArgumentException("result type " + result.torchName() + " can't be cast to the desired output type "
                    + x.dtype().torchName() + " (in-place " + name + " with an operand of dtype " + y.dtype().torchName() + ")");
        }
        checkNoInternalOverlap(x, name);
        if (GradMode.isEnabled() && y.requiresGrad()) {
            throw new IllegalStateException("in-place " + name + " with an operand that requires grad is not supported; use the out-of-place op");
        }
        sameDevice(x, y, name);
        int[] bs = Shape.broadcast(x.shapeRef(), y.shapeRef());
        if (!Arrays.equals(bs, x.shapeRef())) {
            throw new IllegalArgumentException("output with shape " + Shape.str(x.shapeRef())
                    + " doesn't match the broadcast shape " + Shape.str(bs) + " (operand shape " + Shape.str(y.shapeRef()) + ")");
        }
        return inPlaceSource(x, y);
    }
}
