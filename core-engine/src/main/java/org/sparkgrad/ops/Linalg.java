package org.sparkgrad.ops;

import org.sparkgrad.amp.Autocast;
import java.util.Arrays;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Matrix products with autograd, following {@code torch.matmul} semantics (1-D, 2-D, batched and
 * broadcast-batched). Transposed operands are passed to BLAS as transposed, never copied.
 */
public final class Linalg {
    private Linalg() {}

    /** {@code torch.matmul}. */
    public static Tensor matmul(Tensor a, Tensor b) {
        Tensor[] ac = Autocast.lowerPrecision(a, b);
        a = ac[0];
        b = ac[1];
        Arithmetic.sameDevice(a, b, "matmul");
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("both arguments to matmul need to be at least 1D, but they are "
                    + a.dim() + "D and " + b.dim() + "D");
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("expected both matmul operands to have the same dtype, but got "
                    + a.dtype().torchName() + " and " + b.dtype().torchName());
        }
        checkInner(a.shapeRef(), b.shapeRef(), a.size(-1), b.size(b.dim() == 1 ? 0 : -2)); // names the shapes as given
        if (a.dim() == 1 && b.dim() == 1) {
            return matmulNd(a.unsqueeze(0), b.unsqueeze(1)).reshape();
        }
        if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
        if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
        if (b.dim() == 2 && a.dim() > 2 && a.isContiguous()) {
            // fold the batch into rows: one GEMM instead of a batch of small ones
            int[] as = a.shape();
            checkInner(as, b.shapeRef(), as[as.length - 1], b.size(0));
            int[] os = as.clone();
            os[os.length - 1] = b.size(1);
            return matmulNd(a.reshape(-1, as[as.length - 1]), b).reshape(os);
        }
        return matmulNd(a, b);
    }

    private static void checkInner(int[] as, int[] bs, int ka, int kb) {
        if (ka != kb) {
            throw new IllegalArgumentException("mat1 and mat2 shapes cannot be multiplied: " + Shape.str(as) + " and " + Shape.str(bs));
        }
    }

    private static Tensor matmulNd(Tensor a, Tensor b) {
        int[] as = a.shapeRef(), bs = b.shapeRef();
        checkInner(as, bs, as[as.length - 1], bs[bs.length - 2]);
        int[] batch = Shape.broadcast(Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
        int[] ae = Arrays.copyOf(batch, batch.length + 2), be = Arrays.copyOf(batch, batch.length + 2);
        ae[batch.length] = as[as.length - 2];
        ae[batch.length + 1] = as[as.length - 1];
        be[batch.length] = bs[bs.length - 2];
        be[batch.length + 1] = bs[bs.length - 1];
        Tensor aE = Arrays.equals(ae, as) ? a : a.detach().expand(ae);
        Tensor bE = Arrays.equals(be, bs) ? b : b.detach().expand(be);
        Tensor out = a.backend().matmul(aE, bE);
        int[] aShape = as.clone(), bShape = bs.clone();
        return Function.record("mm", out, new Tensor[] {a, b}, (ctx, g) -> {
            Tensor x = ctx.saved(0), y = ctx.saved(1);
            Tensor ga = null, gb = null;
            if (ctx.needsInputGrad(0)) ga = Arithmetic.sumToShape(g.backend().matmul(g, y.mT()), aShape);
            if (ctx.needsInputGrad(1)) gb = Arithmetic.sumToShape(g.backend().matmul(x.mT(), g), bShape);
            return new Tensor[] {ga, gb};
        }, aE, bE);
    }

    /** Batched product of (B, n, m) and (B, m, p). */
    public static Tensor bmm(Tensor a, Tensor b) {
        Tensor[] ac = Autocast.lowerPrecision(a, b);
        a = ac[0];
        b = ac[1];
        if (a.dim() != 3 || b.dim() != 3) {
            throw new IllegalArgumentException("bmm expects 3-D tensors, got " + Shape.str(a.shapeRef()) + " and " + Shape.str(b.shapeRef()));
        }
        if (a.size(0) != b.size(0)) {
            throw new IllegalArgumentException("bmm batch sizes differ: " + Shape.str(a.shapeRef()) + " and " + Shape.str(b.shapeRef()));
        }
        return matmulNd(a, b);
    }

    /** 2-D matrix product. */
    public static Tensor mm(Tensor a, Tensor b) {
        Tensor[] ac = Autocast.lowerPrecision(a, b);
        a = ac[0];
        b = ac[1];
        if (a.dim() != 2 || b.dim() != 2) {
            throw new IllegalArgumentException("mm expects 2-D tensors, got " + Shape.str(a.shapeRef()) + " and " + Shape.str(b.shapeRef()));
        }
        return matmulNd(a, b);
    }

    /** Dot product of two 1-D tensors of equal length. */
    public static Tensor dot(Tensor a, Tensor b) {
        if (a.dim() != 1 || b.dim() != 1 || a.size(0) != b.size(0)) {
            throw new IllegalArgumentException("dot expects two 1-D tensors of equal length, got " + Shape.str(a.shapeRef())
                    + " and " + Shape.str(b.shapeRef()));
        }
        return matmul(a, b);
    }

    /** Outer product of two 1-D tensors: (n) x (m) -> (n, m). */
    public static Tensor outer(Tensor a, Tensor b) {
        if (a.dim() != 1 || b.dim() != 1) {
            throw new IllegalArgumentException("outer expects two 1-D tensors, got " + Shape.str(a.shapeRef()) + " and " + Shape.str(b.shapeRef()));
        }
        return a.unsqueeze(1).mul(b.unsqueeze(0));
    }
}
