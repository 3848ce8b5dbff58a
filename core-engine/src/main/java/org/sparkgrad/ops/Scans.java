package org.sparkgrad.ops;

import org.sparkgrad.autograd.Function;
import org.sparkgrad.backend.ScanOp;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Cumulative ops along one dim with autograd: {@code cumsum}, {@code cumprod}, {@code logcumsumexp}, {@code cummax},
 * {@code cummin} (PyTorch 1.13 semantics; forward through {@link org.sparkgrad.backend.Backend#scan}). A 0-d input is
 * treated as one element (dim must then be 0 or -1). The backward rules are PyTorch's
 * ({@code tools/autograd/derivatives.yaml}, {@code FunctionsManual.cpp}), written with device-agnostic tensor ops.
 */
public final class Scans {
    private Scans() {}

    /** The backend scan, with 0-d inputs viewed as 1 element; returns {values, indices or null} in x's shape. */
    private static Tensor[] raw(ScanOp op, Tensor x, int d) {
        if (x.dim() == 0) {
            Tensor[] r = x.backend().scan(op, x.reshape(1).detach(), 0);
            return new Tensor[] {r[0].reshape(), r[1] == null ? null : r[1].reshape()};
        }
        return x.backend().scan(op, x, d);
    }

    /** {@code x} reversed along d, summed cumulatively and reversed back: {@code out_i = sum_{j >= i} g_j}. */
    static Tensor reversedCumsum(Tensor g, int d) {
        if (g.dim() == 0) return g;
        return cumsum(Rearrange.flip(g, new int[] {d}), d, null).flip(d);
    }

    /** Integer and bool inputs scan in int64 (PyTorch's cumsum/cumprod promotion); dtype, when given, first. */
    private static Tensor promoted(Tensor x, DType dtype) {
        if (dtype != null) return x.to(dtype);
        return x.dtype().isFloatingPoint() ? x : x.to(DType.INT64);
    }

    /**
     * {@code torch.cumsum(x, dim, dtype=None)}: {@code out_i = sum_{j <= i} x_j} along dim. Output dtype: {@code dtype}
     * when given, else x's for floats and int64 for int64/bool inputs. Backward: the reversed cumulative sum of the
     * gradient.
     *
     * @throws IndexOutOfBoundsException for a dim outside {@code [-rank, rank)} (0-d: {@code [-1, 0]})
     */
    public static Tensor cumsum(Tensor x0, int dim, DType dtype) {
        Tensor x = promoted(x0, dtype);
        int d = Shape.wrapDim(dim, x.dim());
        Tensor out = raw(ScanOp.SUM, x, d)[0];
        if (!x.dtype().isFloatingPoint()) return out;
        return Function.record("cumsum", out, x, (ctx, g) -> new Tensor[] {reversedCumsum(g, d)});
    }

    /**
     * {@code torch.cumprod(x, dim, dtype=None)}: {@code out_i = prod_{j <= i} x_j}; dtypes as {@link #cumsum}.
     *
     * <p>Backward (PyTorch's {@code cumprod_backward}, correct with zeros in the input): with {@code w = g * out},
     * positions before the first zero of their row get {@code revcumsum(w)_k / x_k}; the first zero {@code z} gets
     * {@code revcumsum(g * cumprod(x'))_z} with {@code x'} = x where that zero is replaced by 1 (so a second zero cuts the
     * sum off); positions after the first zero get 0.
     */
    public static Tensor cumprod(Tensor x0, int dim, DType dtype) {
        Tensor x = promoted(x0, dtype);
        int d = Shape.wrapDim(dim, x.dim());
        Tensor out = raw(ScanOp.PROD, x, d)[0];
        if (!x.dtype().isFloatingPoint()) return out;
        return Function.record("cumprod", out, x, (ctx, g) -> new Tensor[] {cumprodBackward(g, ctx.saved(0), ctx.saved(1), d)}, x, out);
    }

    private static Tensor cumprodBackward(Tensor g, Tensor x, Tensor out, int d) {
        if (x.numel() == 0) return Tensor.zerosLike(x);
        if (x.dim() == 0) return g;
        Tensor zero = x.eq(0.0);
        Tensor zerosSoFar = cumsum(zero, d, null);                       // int64 count of zeros up to each position
        Tensor beforeFirst = zerosSoFar.eq(0.0);
        Tensor firstZero = zero.logicalAnd(zerosSoFar.eq(1.0));
        Tensor one = Tensor.scalar(1, x.dtype()).to(x.device()), nil = Tensor.scalar(0, x.dtype()).to(x.device());
        Tensor safeX = Arithmetic.where(beforeFirst, x, one);
        Tensor before = Arithmetic.where(beforeFirst, reversedCumsum(g.mul(out), d).div(safeX), nil);
        Tensor xOne = Arithmetic.where(firstZero, one, x);
        Tensor atZero = Arithmetic.where(firstZero, reversedCumsum(g.mul(cumprod(xOne, d, null)), d), nil);
        return before.add(atZero);
    }

    /**
     * {@code torch.logcumsumexp(x, dim)}: {@code out_i = log(sum_{j <= i} exp(x_j))}, computed pairwise without overflow
     * ({@link ScanOp#LOGSUMEXP}). Float dtypes only.
     *
     * <p>Backward (PyTorch's {@code logcumsumexp_backward}): {@code dx_i = sum_{j >= i} g_j exp(x_i - out_j)}, evaluated
     * as {@code exp(revlogcumsumexp(log g+ - out) + x) - exp(revlogcumsumexp(log g- - out) + x)} over the positive and
     * negative parts of g, so nothing overflows.
     *
     * @throws IllegalArgumentException for integer or bool inputs
     */
    public static Tensor logcumsumexp(Tensor x, int dim) {
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("logcumsumexp is not implemented for dtype " + x.dtype().torchName());
        }
        int d = Shape.wrapDim(dim, x.dim());
        Tensor out = raw(ScanOp.LOGSUMEXP, x, d)[0];
        return Function.record("logcumsumexp", out, x, (ctx, g) -> {
            Tensor xx = ctx.saved(0), o = ctx.saved(1);
            if (xx.numel() == 0) return new Tensor[] {Tensor.zerosLike(xx)};
            Tensor min = Tensor.scalar(g.dtype().finfoMin(), g.dtype()).to(g.device());
            Tensor logAbs = g.abs().log();
            Tensor logPos = Arithmetic.where(g.gt(0.0), logAbs, min);
            Tensor logNeg = Arithmetic.where(g.lt(0.0), logAbs, min);
            Tensor pos = reversedLogcumsumexp(logPos.sub(o), d).add(xx).exp();
            Tensor neg = reversedLogcumsumexp(logNeg.sub(o), d).add(xx).exp();
            return new Tensor[] {pos.sub(neg)};
        }, x, out);
    }

    private static Tensor reversedLogcumsumexp(Tensor t, int d) {
        if (t.dim() == 0) return t;
        return logcumsumexp(t.flip(d), d).flip(d);
    }

    /**
     * {@code torch.cummax(x, dim)} ({@code max=true}) or {@code torch.cummin}: {@code {values, indices (int64)}}, both
     * of x's shape; ties report the last index, NaN propagates (rules in {@link ScanOp#MAX}). Float dtypes, int64 and
     * bool. Backward (PyTorch's {@code cummaxmin_backward}): the gradient is scatter-added to the indices.
     */
    public static Tensor[] cumExtremum(Tensor x, int dim, boolean max) {
        int d = Shape.wrapDim(dim, x.dim());
        ScanOp op = max ? ScanOp.MAX : ScanOp.MIN;
        Tensor[] r = x.dtype() == DType.BOOL ? raw(op, x.to(DType.INT64), d) : raw(op, x, d);
        Tensor values = x.dtype() == DType.BOOL ? r[0].to(DType.BOOL) : r[0];
        Tensor idx = r[1];
        int[] xs = x.shape();
        values = Function.record(op.torchName(), values, x, (ctx, g) -> {
            if (xs.length == 0) return new Tensor[] {g};
            Tensor gx = Tensor.zeros(g.dtype(), g.device(), xs);
            gx.backend().scatter(gx, d, ctx.saved(0), g, true);
            return new Tensor[] {gx};
        }, idx);
        return new Tensor[] {values, idx};
    }
}
