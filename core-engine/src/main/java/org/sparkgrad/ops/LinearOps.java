package org.sparkgrad.ops;

import org.sparkgrad.amp.Autocast;
import java.util.Arrays;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * The fully connected layer {@code y = x W^T + b} (PyTorch's {@code F.linear}) as one differentiable op: the bias
 * is accumulated by the forward GEMM and its gradient computed with one GEMM ({@code Backend.linear} /
 * {@code Backend.linearBackward}), instead of a matmul, a broadcast add and a transposing reduction. The leading
 * dims of x are flattened into rows without a copy when x is contiguous.
 */
public final class LinearOps {
    private LinearOps() {}

    /**
     * {@code y = x W^T + b}.
     *
     * @param x      input {@code (*, in)} (1-D allowed), float32/float64
     * @param weight {@code (out, in)}, same dtype
     * @param bias   {@code (out)} or null
     * @return {@code (*, out)}
     * @throws IllegalArgumentException when x's last dim is not {@code in}, or on bad weight/bias shapes or dtypes
     *                                  (naming the shapes)
     */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        Tensor[] ac = Autocast.lowerPrecision(x, weight, bias);
        x = ac[0];
        weight = ac[1];
        bias = ac[2];
        if (weight.dim() != 2 || x.dim() == 0 || x.size(-1) != weight.size(1)) {
            throw new IllegalArgumentException("linear: input of shape " + Shape.str(x.shapeRef()) + " does not match weight of shape "
                    + Shape.str(weight.shapeRef()) + " (expected last input dim " + (weight.dim() == 2 ? weight.size(1) : -1) + ")");
        }
        int in = weight.size(1), out = weight.size(0);
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out)) {
            throw new IllegalArgumentException("linear: bias of shape " + Shape.str(bias.shapeRef()) + " does not match weight of shape "
                    + Shape.str(weight.shapeRef()));
        }
        if (!x.dtype().isFloatingPoint() || weight.dtype() != x.dtype() || (bias != null && bias.dtype() != x.dtype())) {
            throw new IllegalArgumentException("linear: expected input, weight and bias of one floating dtype, got " + x.dtype().torchName()
                    + ", " + weight.dtype().torchName() + (bias == null ? "" : " and " + bias.dtype().torchName()));
        }
        Arithmetic.sameDevice(x, weight, "linear");
        if (bias != null) Arithmetic.sameDevice(x, bias, "linear");
        int[] xs = x.shape();
        int rows = x.dim() == 1 ? 1 : Shape.numel(Arrays.copyOf(xs, xs.length - 1));
        Tensor x2 = rows2d(x, rows, in);
        Tensor y2 = x.backend().linear(x2, weight.detach(), bias == null ? null : bias.detach());
        int[] ys = xs.clone();
        ys[ys.length - 1] = out;
        Tensor y = new Tensor(y2.storage(), y2.storageOffset(), ys, Shape.contiguousStrides(ys));
        int nRows = rows;
        return Function.record("linear", y, new Tensor[] {x, weight, bias}, (ctx, g) -> {
            ctx.saved(0);
            Tensor w = ctx.saved(1);
            boolean[] need = {ctx.needsInputGrad(0), ctx.needsInputGrad(1), ctx.needsInputGrad(2)};
            Tensor[] gr = g.backend().linearBackward(rows2d(g, nRows, out), x2, w.detach(), need);
            Tensor gx = gr[0] == null ? null : new Tensor(gr[0].storage(), gr[0].storageOffset(), xs, Shape.contiguousStrides(xs));
            return new Tensor[] {gx, gr[1], gr[2]};
        }, x, weight);
    }

    /** A detached {@code (rows, cols)} view of t (copied when its layout does not allow a view). */
    private static Tensor rows2d(Tensor t, int rows, int cols) {
        Tensor d = t.detach();
        int[] sh = {rows, cols};
        if (d.dim() == 2) return d;
        if (d.isContiguous()) return new Tensor(d.storage(), d.storageOffset(), sh, Shape.contiguousStrides(sh));
        Tensor c = d.backend().contiguous(d);
        return new Tensor(c.storage(), c.storageOffset(), sh, Shape.contiguousStrides(sh));
    }
}
