package org.sparkgrad.ops;

import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.ReduceOp;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Reductions with autograd: sum, mean, prod, amax/amin, logsumexp, var/std, max/min (with indices),
 * argmax/argmin and norms, over all dims, one dim or several (negative allowed), with {@code keepdim}.
 */
public final class Reductions {
    private Reductions() {}

    private static int[] dims(Tensor x, int[] dims) {
        return dims == null || dims.length == 0 ? Shape.allDims(x.dim()) : Shape.normalizeDims(dims, x.dim());
    }

    /** Shape of the result with the reduced dims kept as size 1. */
    static int[] keptShape(int[] shape, int[] dims) {
        int[] s = shape.clone();
        for (int d : dims) if (d < s.length) s[d] = 1;
        return s;
    }

    private static int count(int[] shape, int[] dims) {
        int n = 1;
        for (int d : dims) n *= shape.length == 0 ? 1 : shape[d];
        return n;
    }

    /** A reduction over {@code dims} (null or empty = all dims). */
    public static Tensor reduce(ReduceOp op, Tensor x, int[] dims0, boolean keepdim) {
        int[] dims = dims(x, dims0);
        if (x.dim() == 0) dims = new int[0];
        Tensor out = x.backend().reduce(op, x, dims, keepdim);
        if (!x.dtype().isFloatingPoint()) return out;
        int[] xs = x.shape();
        int[] ks = keptShape(xs, dims);
        int n = count(xs, dims);
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        switch (op) {
            case SUM:
                if (!x.dtype().isFloatingPoint()) return out;
                return Function.record(name, out, x, (ctx, g) -> new Tensor[] {g.reshape(ks).expand(xs)});
            case MEAN:
                return Function.record(name, out, x, (ctx, g) -> new Tensor[] {g.reshape(ks).div(n).expand(xs)});
            case PROD: {
                int[] pd = dims;
                return Function.record(name, out, x, (ctx, g) -> {
                    // d prod / d x_i = prod of the other elements: o / x_i when no element is 0; with one zero only
                    // that position gets the product of the rest; with two or more zeros it is 0 everywhere
                    Tensor xx = ctx.saved(0), o = ctx.saved(1).reshape(ks);
                    Tensor zero = xx.eq(0.0), zf = zero.to(xx.dtype());
                    Tensor nonZero = xx.add(zf); // zeros replaced by ones
                    Tensor restAtZero = reduce(ReduceOp.PROD, nonZero, pd, true).mul(zf.sum(pd, true).eq(1.0).to(xx.dtype()));
                    return new Tensor[] {g.reshape(ks).mul(Arithmetic.where(zero, restAtZero, o.div(nonZero)))};
                }, x, out);
            }
            case AMAX:
            case AMIN:
                return Function.record(name, out, x, (ctx, g) -> {
                    Tensor mask = ctx.saved(0).eq(ctx.saved(1).reshape(ks)).to(g.dtype());
                    Tensor cnt = mask.sum(dimsOrAll(ks.length, dims0, x.dim()), true);
                    return new Tensor[] {g.reshape(ks).mul(mask).div(cnt)};
                }, x, out);
            case LOGSUMEXP:
                return Function.record(name, out, x, (ctx, g) ->
                        new Tensor[] {g.reshape(ks).mul(ctx.saved(0).sub(ctx.saved(1).reshape(ks)).exp())}, x, out);
            default:
                throw new IllegalStateException("unknown reduction " + op);
        }
    }

    private static int[] dimsOrAll(int rank, int[] dims0, int xRank) {
        return dims0 == null || dims0.length == 0 ? Shape.allDims(rank) : Shape.normalizeDims(dims0, xRank);
    }

    /** Variance dividing by {@code n - correction} (two-pass). */
    public static Tensor var(Tensor x, int[] dims0, double correction, boolean keepdim) {
        int[] dims = dims(x, dims0);
        if (x.dim() == 0) dims = new int[0];
        Tensor out = x.backend().var(x, dims, correction, keepdim);
        int[] xs = x.shape();
        int[] ks = keptShape(xs, dims);
        int n = count(xs, dims);
        int[] fd = dims;
        return Function.record("var", out, x, (ctx, g) -> new Tensor[] {varBackward(g, ctx.saved(0), fd, ks, n, correction)}, x);
    }

    private static Tensor varBackward(Tensor g, Tensor xx, int[] fd, int[] ks, int n, double correction) {
        Tensor mean = xx.mean(fd.length == 0 ? null : fd, true);
        return g.reshape(ks).mul(xx.sub(mean)).mul(2.0 / Math.max(0, n - correction));
    }

    /**
     * Standard deviation, {@code sqrt(var)}; the gradient is 0 where the standard deviation is 0 (PyTorch's
     * {@code std_backward}), where the composite {@code sqrt(var)} chain gave {@code inf * 0 = NaN}.
     */
    public static Tensor std(Tensor x, int[] dims0, double correction, boolean keepdim) {
        int[] dims = dims(x, dims0);
        if (x.dim() == 0) dims = new int[0];
        Tensor out;
        try (GradMode.Guard guard = GradMode.noGrad()) {
            out = x.backend().var(x, dims, correction, keepdim).sqrt();
        }
        int[] xs = x.shape();
        int[] ks = keptShape(xs, dims);
        int n = count(xs, dims);
        int[] fd = dims;
        return Function.record("std", out, x, (ctx, g) -> {
            Tensor o = ctx.saved(1).reshape(ks);
            Tensor gv = Arithmetic.where(o.eq(0.0), Tensor.zerosLike(o), g.reshape(ks).div(o.mul(2.0)));
            return new Tensor[] {varBackward(gv, ctx.saved(0), fd, ks, n, correction)};
        }, x, out);
    }

    /** Max (or min) over all elements as a 0-d tensor; the gradient is shared evenly among ties. */
    public static Tensor maxAll(Tensor x, boolean max) {
        if (x.numel() == 0) {
            throw new IllegalArgumentException((max ? "max" : "min") + "(): Expected reduction dim to be specified for input.numel() == 0");
        }
        return reduce(max ? ReduceOp.AMAX : ReduceOp.AMIN, x, null, false);
    }

    /** {@code torch.max(x, dim)}: {values, indices (int64)}; the gradient flows to the selected positions. */
    public static Tensor[] maxDim(Tensor x, int dim, boolean keepdim, boolean max) {
        int d = Shape.wrapDim(dim, x.dim());
        if (x.dim() == 0) return new Tensor[] {x, Tensor.scalar(0, DType.INT64).to(x.device())};
        Tensor idx = x.backend().argReduce(max, x, d, true);
        Tensor values = Indexing.gather(x, d, idx);
        if (!keepdim) {
            values = values.squeeze(d);
            idx = idx.squeeze(d);
        }
        return new Tensor[] {values, idx};
    }

    /** argmax/argmin along {@code dim}, or over the flattened tensor when dim is null. */
    public static Tensor argReduce(Tensor x, Integer dim, boolean keepdim, boolean max) {
        if (dim == null) {
            Tensor r = x.backend().argReduce(max, x.reshape(-1), 0, false);
            if (keepdim) {
                int[] ones = new int[x.dim()];
                java.util.Arrays.fill(ones, 1);
                return r.reshape(ones);
            }
            return r;
        }
        if (x.dim() == 0) return Tensor.scalar(0, DType.INT64).to(x.device());
        return x.backend().argReduce(max, x, Shape.wrapDim(dim, x.dim()), keepdim);
    }

    /**
     * p-norm ({@code p} = 1, 2, any positive real, or infinity) over dims (null = all). A float16/bfloat16 x is
     * reduced in float32 and the result rounded back, as PyTorch's {@code vector_norm} accumulates (so a norm of
     * [300] in float16 is 300, not the infinity of 300^2).
     */
    public static Tensor norm(Tensor x, double p, int[] dims, boolean keepdim) {
        if (x.dtype().isReducedPrecision()) return norm(x.toFloat(), p, dims, keepdim).to(x.dtype());
        if (p == Double.POSITIVE_INFINITY) return x.abs().amax(dims == null ? new int[0] : dims, keepdim);
        if (p == 1) return x.abs().sum(dims == null ? new int[0] : dims, keepdim);
        if (!(p > 0)) throw new IllegalArgumentException("norm: p must be positive, got " + p);
        int[] rd = dims == null ? new int[0] : dims;
        Tensor out;
        try (GradMode.Guard guard = GradMode.noGrad()) {
            out = p == 2 ? x.square().sum(rd, keepdim).sqrt() : x.abs().pow(p).sum(rd, keepdim).pow(1 / p);
        }
        int[] ks = keptShape(x.shape(), x.dim() == 0 ? new int[0] : dims(x, rd));
        // d||x||_p / dx = sign(x) |x|^(p-1) / ||x||^(p-1); a zero norm has gradient 0 (PyTorch's subgradient), where
        // the composite sqrt/pow chain gave 0 * inf = NaN
        return Function.record("norm", out, x, (ctx, g) -> {
            Tensor xx = ctx.saved(0), n = ctx.saved(1).reshape(ks);
            Tensor num = p == 2 ? xx : xx.sign().mul(xx.abs().pow(p - 1));
            // p < 1: |0|^(p-1) = inf, and sign(0) * inf = NaN; PyTorch masks the zero elements to 0
            if (p < 1) num = Arithmetic.where(xx.eq(0.0), Tensor.zerosLike(num), num);
            Tensor den = p == 2 ? n : n.pow(p - 1);
            Tensor scale = Arithmetic.where(n.eq(0.0), Tensor.zerosLike(n), g.reshape(ks).div(den));
            return new Tensor[] {num.mul(scale)};
        }, x, out);
    }

    /**
     * {@code torch.var_mean(x, dim, correction, keepdim)}: {@code {var, mean}} over dims (null or empty = all), the
     * variance dividing by {@code max(0, n - correction)}; both differentiable.
     */
    public static Tensor[] varMean(Tensor x, int[] dims, double correction, boolean keepdim) {
        return new Tensor[] {var(x, dims, correction, keepdim), reduce(ReduceOp.MEAN, x, dims, keepdim)};
    }

    /** {@code torch.std_mean(x, dim, correction, keepdim)}: {@code {std, mean}}; see {@link #std} and {@link #varMean}. */
    public static Tensor[] stdMean(Tensor x, int[] dims, double correction, boolean keepdim) {
        return new Tensor[] {std(x, dims, correction, keepdim), reduce(ReduceOp.MEAN, x, dims, keepdim)};
    }
}
