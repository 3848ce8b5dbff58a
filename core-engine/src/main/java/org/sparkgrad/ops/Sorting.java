package org.sparkgrad.ops;

import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Sorting and order statistics with autograd: {@code sort}, {@code argsort}, {@code msort}, {@code topk},
 * {@code kthvalue}, {@code median} (PyTorch 1.13 semantics, {@code aten/src/ATen/native/Sorting.cpp}). The order is
 * computed by {@link org.sparkgrad.backend.Backend#sort} (stable on the CPU); NaN counts as larger than every number.
 * Indices are int64. Gradients flow through the values only: the incoming gradient is scattered to the positions
 * the values came from ({@code value_selecting_reduction_backward}); the global {@link #median(Tensor)} shares it
 * evenly among the elements equal to the median ({@code evenly_distribute_backward}).
 */
public final class Sorting {
    private Sorting() {}

    /** {values, indices} of the backend sort (bool sorted as int64; 0-d: itself and index 0), not recorded. */
    private static Tensor[] raw(Tensor x, int d, boolean descending, boolean stable) {
        if (x.dim() == 0) {
            return new Tensor[] {x.backend().contiguous(x), Tensor.zeros(DType.INT64, x.device())};
        }
        if (x.dtype() == DType.BOOL) {
            Tensor[] r = x.backend().sort(x.to(DType.INT64), d, descending, stable);
            return new Tensor[] {r[0].to(DType.BOOL), r[1]};
        }
        return x.backend().sort(x, d, descending, stable);
    }

    /**
     * Records {@code values} (taken from x at {@code idx} along d; both of x's rank) as a differentiable function of x:
     * the gradient is scatter-added into zeros of x's shape at {@code idx}.
     */
    private static Tensor selected(String name, Tensor x, Tensor values, Tensor idx, int d) {
        int[] xs = x.shape();
        return Function.record(name, values, x, (ctx, g) -> {
            if (xs.length == 0) return new Tensor[] {g.reshape(xs)};
            Tensor gx = Tensor.zeros(g.dtype(), g.device(), xs);
            gx.backend().scatter(gx, d, ctx.saved(0), g, true);
            return new Tensor[] {gx};
        }, idx);
    }

    /** A contiguous copy of {@code t.narrow(d, start, len)} (not recorded). */
    private static Tensor narrowCopy(Tensor t, int d, int start, int len) {
        Tensor v;
        try (GradMode.Guard g = GradMode.noGrad()) {
            v = t.narrow(d, start, len);
        }
        return t.backend().contiguous(v);
    }

    /**
     * {@code torch.sort(x, dim=-1, descending=False, stable=False)}: {@code {values, indices}} of x's shape, values
     * ascending (descending when asked) along dim, NaN last (first when descending), equal elements in input order
     * when {@code stable} (the CPU backend is always stable). Float dtypes, int64 and bool.
     *
     * @throws IndexOutOfBoundsException for a dim out of range
     */
    public static Tensor[] sort(Tensor x, int dim, boolean descending, boolean stable) {
        int d = Shape.wrapDim(dim, x.dim());
        Tensor[] r = raw(x, d, descending, stable);
        return new Tensor[] {selected("sort", x, r[0], r[1], d), r[1]};
    }

    /** {@code torch.argsort(x, dim=-1, descending=False, stable=False)}: the indices of {@link #sort}. */
    public static Tensor argsort(Tensor x, int dim, boolean descending, boolean stable) {
        return raw(x, Shape.wrapDim(dim, x.dim()), descending, stable)[1];
    }

    /** {@code torch.msort(x)}: the values of {@code sort(x, dim=0)}. */
    public static Tensor msort(Tensor x) { return sort(x, 0, false, false)[0]; }

    /**
     * {@code torch.topk(x, k, dim=-1, largest=True, sorted=True)}: the k largest (smallest when {@code !largest})
     * elements along dim and their indices, shape x's with {@code size(dim) = k}. NaN counts as the largest value. The
     * result is always sorted (largest first, or smallest first), which {@code sorted=False} permits; ties keep input
     * order.
     *
     * @throws IllegalArgumentException when k is not in {@code [0, size(dim)]} (the error names k, the dim and the shape)
     */
    public static Tensor[] topk(Tensor x, int k, int dim, boolean largest, boolean sorted) {
        int d = Shape.wrapDim(dim, x.dim());
        int n = x.dim() == 0 ? 1 : x.size(d);
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("topk(): selected index k = " + k + " out of range: dimension " + d + " of the input of shape "
                    + Shape.str(x.shapeRef()) + " has size " + n);
        }
        Tensor[] r = raw(x, d, largest, true);
        if (x.dim() == 0) return new Tensor[] {selected("topk", x, r[0], r[1], d), r[1]};
        Tensor idx = narrowCopy(r[1], d, 0, k);
        return new Tensor[] {selected("topk", x, narrowCopy(r[0], d, 0, k), idx, d), idx};
    }

    /**
     * {@code torch.kthvalue(x, k, dim=-1, keepdim=False)}: the k-th smallest element (k counts from 1) along dim and its
     * index; NaN counts as the largest value. Among equal values the one reported is the k-th in (value, position)
     * order.
     *
     * @throws IllegalArgumentException when k is not in {@code [1, size(dim)]}
     */
    public static Tensor[] kthvalue(Tensor x, int k, int dim, boolean keepdim) {
        int d = Shape.wrapDim(dim, x.dim());
        int n = x.dim() == 0 ? 1 : x.size(d);
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("kthvalue(): selected number k = " + k + " out of range for dimension " + d
                    + " of size " + n + " (input shape " + Shape.str(x.shapeRef()) + ")");
        }
        Tensor[] r = raw(x, d, false, true);
        if (x.dim() == 0) return new Tensor[] {selected("kthvalue", x, r[0], r[1], d), r[1]};
        Tensor idx = narrowCopy(r[1], d, k - 1, 1);
        Tensor values = selected("kthvalue", x, narrowCopy(r[0], d, k - 1, 1), idx, d);
        return keepdim ? new Tensor[] {values, idx} : new Tensor[] {values.squeeze(d), idx.squeeze(d)};
    }

    /**
     * {@code torch.median(x, dim, keepdim=False)}: the lower median ({@code (n-1)/2}-th smallest, 0-based) along dim and
     * its index. A row holding NaN gives NaN and the index of its first NaN (as PyTorch). Float dtypes and int64.
     *
     * @throws IllegalArgumentException for a dim of size 0, or a bool input
     */
    public static Tensor[] median(Tensor x, int dim, boolean keepdim) {
        int d = Shape.wrapDim(dim, x.dim());
        if (x.dtype() == DType.BOOL) throw new IllegalArgumentException("median is not implemented for dtype bool");
        if (x.dim() == 0) return new Tensor[] {selected("median", x, x.backend().contiguous(x), Tensor.zeros(DType.INT64, x.device()), d),
            Tensor.zeros(DType.INT64, x.device())};
        int n = x.size(d);
        if (n == 0) {
            throw new IllegalArgumentException("median() cannot compute median for a dimension of size 0 because the operation does not "
                    + "have an identity (dim " + d + " of the input of shape " + Shape.str(x.shapeRef()) + ")");
        }
        Tensor[] r = raw(x, d, false, true);
        Tensor idx;
        try (GradMode.Guard g = GradMode.noGrad()) {
            Tensor pos;
            Tensor lower = Tensor.scalar((n - 1) / 2, DType.INT64).to(x.device());
            int[] ks = x.shape();
            ks[d] = 1;
            if (x.dtype().isFloatingPoint()) {
                // NaNs sort last and stably, so the row's first NaN sits at n - nanCount
                Tensor nanCount = x.ne(x).sum(d, true);
                pos = Tensor.where(nanCount.gt(0.0), nanCount.rsub(n), lower.expand(ks));
            } else {
                pos = lower.expand(ks).contiguous();
            }
            idx = r[1].gather(d, pos.contiguous());
        }
        Tensor values = selected("median", x, x.backend().gather(x, d, idx), idx, d);
        return keepdim ? new Tensor[] {values, idx} : new Tensor[] {values.squeeze(d), idx.squeeze(d)};
    }

    /**
     * {@code torch.median(x)}: the lower median of all elements (0-d), NaN when any element is NaN. Backward (PyTorch's
     * {@code evenly_distribute_backward}): the gradient is shared evenly among the elements equal to the median (the
     * NaN elements when it is NaN).
     *
     * @throws IllegalArgumentException for an empty input
     */
    public static Tensor median(Tensor x) {
        if (x.numel() == 0) {
            throw new IllegalArgumentException("median() operation does not have an identity for empty input tensor (shape "
                    + Shape.str(x.shapeRef()) + ")");
        }
        Tensor out;
        try (GradMode.Guard g = GradMode.noGrad()) {
            out = median(x.reshape(-1), 0, false)[0];
        }
        return Function.record("median", out, x, (ctx, g) -> {
            Tensor xx = ctx.saved(0), o = ctx.saved(1);
            Tensor mask = xx.eq(o).logicalOr(xx.ne(xx).logicalAnd(o.ne(o))).to(g.dtype());
            return new Tensor[] {mask.mul(g.div(mask.sum()))};
        }, x, out);
    }
}
