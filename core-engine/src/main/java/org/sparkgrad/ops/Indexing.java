package org.sparkgrad.ops;

import org.sparkgrad.autograd.Function;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/** Index-based ops with autograd: index_select, gather, scatter/scatter_add, masked_fill. Indices are int64. */
public final class Indexing {
    private Indexing() {}

    private static void checkIndex(Tensor index, String op) {
        if (index.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + "(): Expected dtype int64 for index, got " + index.dtype().torchName());
        }
    }

    /** {@code x.index_select(dim, index)}: index is a 1-D (or 0-d) int64 tensor. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        checkIndex(index, "index_select");
        if (index.dim() > 1) throw new IllegalArgumentException("index_select(): Index is supposed to be a vector, got shape " + Shape.str(index.shapeRef()));
        int d = Shape.wrapDim(dim, x.dim());
        Tensor idx = index.dim() == 0 ? index.reshape(1) : index;
        if (x.dim() == 0) throw new IllegalArgumentException("index_select(): input must have at least one dimension");
        Tensor out = x.backend().indexSelect(x, d, idx);
        int[] xs = x.shape();
        return Function.record("index_select", out, x, (ctx, g) -> {
            Tensor gx = Tensor.zeros(g.dtype(), g.device(), xs);
            gx.backend().indexAdd(gx, d, ctx.saved(0), g);
            return new Tensor[] {gx};
        }, idx);
    }

    /** {@code torch.gather(x, dim, index)}. */
    public static Tensor gather(Tensor x, int dim, Tensor index) {
        checkIndex(index, "gather");
        int d = Shape.wrapDim(dim, x.dim());
        Tensor out = x.backend().gather(x, d, index);
        int[] xs = x.shape();
        return Function.record("gather", out, x, (ctx, g) -> {
            Tensor gx = Tensor.zeros(g.dtype(), g.device(), xs);
            gx.backend().scatter(gx, d, ctx.saved(0), g, true);
            return new Tensor[] {gx};
        }, index);
    }

    /** Out-of-place scatter ({@code add=false}) / scatter_add ({@code add=true}) of {@code src} into a copy of x. */
    public static Tensor scatter(Tensor x, int dim, Tensor index, Tensor src, boolean add) {
        checkIndex(index, add ? "scatter_add" : "scatter");
        int d = Shape.wrapDim(dim, x.dim());
        if (src.dtype() != x.dtype()) src = src.to(x.dtype());
        Tensor out = x.backend().contiguous(x);
        out.backend().scatter(out, d, index, src, add);
        return Function.record(add ? "scatter_add" : "scatter", out, new Tensor[] {x, src}, (ctx, g) -> {
            Tensor idx = ctx.saved(0);
            Tensor gx = null, gs = null;
            if (ctx.needsInputGrad(0)) {
                if (add) gx = g;
                else {
                    gx = g.backend().contiguous(g);
                    gx.backend().scatter(gx, d, idx, Tensor.zeros(g.dtype(), g.device(), idx.shape()), false);
                }
            }
            if (ctx.needsInputGrad(1)) {
                Tensor part = g.backend().gather(g, d, idx);
                int[] ss = ctx.inputShape(1);
                if (!java.util.Arrays.equals(part.shapeRef(), ss)) {
                    Tensor full = Tensor.zeros(g.dtype(), g.device(), ss);
                    Tensor region = full;
                    for (int k = 0; k < ss.length; k++) region = ShapeOps.narrowView(region, k, 0, part.shapeRef()[k]);
                    full.backend().copy(part, region);
                    part = full;
                }
                gs = part;
            }
            return new Tensor[] {gx, gs};
        }, index);
    }

    /** Replaces elements where the bool {@code mask} (broadcast to x) is true by {@code value}. */
    public static Tensor maskedFill(Tensor x, Tensor mask, double value) {
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("masked_fill only supports boolean masks, but got mask with dtype " + mask.dtype().torchName());
        }
        int[] bs = Shape.broadcast(x.shapeRef(), mask.shapeRef());
        if (!java.util.Arrays.equals(bs, x.shapeRef())) {
            throw new IllegalArgumentException("masked_fill: mask of shape " + Shape.str(mask.shapeRef())
                    + " is not broadcastable to the input of shape " + Shape.str(x.shapeRef()));
        }
        return Arithmetic.where(mask, Tensor.scalar(value, x.dtype()).to(x.device()), x);
    }
}
