package org.sparkgrad.ops;

import java.util.Arrays;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Index-rearranging shape ops with autograd, written as compositions of existing differentiable ops (so they run on
 * every backend): {@code flip}, {@code roll}, {@code rot90}, {@code movedim}, {@code tile}, {@code repeat_interleave},
 * {@code take_along_dim} (through {@code index_select}/{@code gather}/{@code permute}/{@code repeat}), {@code tril},
 * {@code triu} (a position mask and {@code where}), {@code diag}, {@code trace}; {@code diagonal} is a strided view.
 * Semantics and error conditions follow PyTorch 1.13 ({@code aten/src/ATen/native/TensorTransformations.cpp},
 * {@code TensorShape.cpp}, {@code TriangularOps.cpp}, {@code Repeat.cpp}).
 */
public final class Rearrange {
    private Rearrange() {}

    /** An int64 index tensor on x's device. */
    private static Tensor index(long[] idx, Tensor like) {
        return Tensor.fromArray(idx, idx.length).to(like.device());
    }

    /**
     * {@code torch.flip(x, dims)}: a copy with the order of elements reversed along each of {@code dims} (negative
     * allowed). Any dtype.
     *
     * @throws IllegalArgumentException for a repeated dim
     * @throws IndexOutOfBoundsException for a dim out of range
     */
    public static Tensor flip(Tensor x, int[] dims) {
        int[] ds = Shape.normalizeDims(dims, x.dim());
        Tensor r = x;
        if (x.dim() > 0) {
            for (int d : ds) {
                int n = x.size(d);
                if (n <= 1) continue;
                long[] idx = new long[n];
                for (int i = 0; i < n; i++) idx[i] = n - 1 - i;
                r = Indexing.indexSelect(r, d, index(idx, x));
            }
        }
        return r == x ? ShapeOps.cloneTensor(x) : r;
    }

    /**
     * {@code torch.roll(x, shifts, dims)}: elements shifted by {@code shifts[i]} positions along {@code dims[i]},
     * wrapping around ({@code out[j] = x[(j - shift) mod n]}); any shift, negative or larger than the size, is taken
     * modulo the size. With no dims the tensor is rolled as if flattened (one shift) and restored to its shape.
     *
     * @throws IllegalArgumentException when shifts and dims differ in length (or no dims with several shifts)
     */
    public static Tensor roll(Tensor x, int[] shifts, int[] dims) {
        if (dims == null || dims.length == 0) {
            if (shifts.length != 1) {
                throw new IllegalArgumentException("roll: shifts " + Arrays.toString(shifts) + " need dims of the same length "
                        + "(only one shift is allowed without dims); input shape " + Shape.str(x.shapeRef()));
            }
            return roll(x.reshape(-1), shifts, new int[] {0}).view(x.shape());
        }
        if (shifts.length != dims.length) {
            throw new IllegalArgumentException("roll: shifts and dimensions must align. shifts: " + Arrays.toString(shifts) + ", dims: "
                    + Arrays.toString(dims) + " (input shape " + Shape.str(x.shapeRef()) + ")");
        }
        Tensor r = x;
        for (int i = 0; i < dims.length; i++) {
            int d = Shape.wrapDim(dims[i], x.dim());
            int n = x.dim() == 0 ? 1 : x.size(d);
            if (n == 0) continue;
            int s = Math.floorMod(shifts[i], n);
            if (s == 0) continue;
            long[] idx = new long[n];
            for (int j = 0; j < n; j++) idx[j] = Math.floorMod(j - s, n);
            r = Indexing.indexSelect(r, d, index(idx, x));
        }
        return r == x ? ShapeOps.cloneTensor(x) : r;
    }

    /**
     * {@code torch.rot90(x, k, dims)}: rotation by {@code k * 90} degrees in the plane of the two dims, from the first
     * towards the second (k may be negative): {@code k = 1} is {@code flip(dims[1]).transpose(dims[0], dims[1])}.
     *
     * @throws IllegalArgumentException unless dims has two distinct entries and x has rank >= 2
     */
    public static Tensor rot90(Tensor x, int k, int[] dims) {
        if (dims.length != 2) throw new IllegalArgumentException("rot90: expected total rotation dims == 2, but got dims = " + dims.length);
        if (x.dim() < 2) {
            throw new IllegalArgumentException("rot90: expected total dims >= 2, but got total dims = " + x.dim() + " (shape "
                    + Shape.str(x.shapeRef()) + ")");
        }
        int d0 = Shape.wrapDim(dims[0], x.dim()), d1 = Shape.wrapDim(dims[1], x.dim());
        if (d0 == d1) throw new IllegalArgumentException("rot90: expected rotation dims to be different, got dim0 = " + d0 + " and dim1 = " + d1);
        switch (Math.floorMod(k, 4)) {
            case 1: return flip(x, new int[] {d1}).transpose(d0, d1);
            case 2: return flip(x, new int[] {d0, d1});
            case 3: return flip(x, new int[] {d0}).transpose(d0, d1);
            default: return ShapeOps.cloneTensor(x);
        }
    }

    /**
     * {@code torch.movedim(x, source, destination)}: a view with dim {@code source[i]} moved to position
     * {@code destination[i]}; the other dims keep their relative order.
     *
     * @throws IllegalArgumentException for lists of different lengths or repeated dims
     */
    public static Tensor movedim(Tensor x, int[] source, int[] destination) {
        int rank = x.dim();
        if (source.length != destination.length) {
            throw new IllegalArgumentException("movedim: Invalid source or destination dims: source (" + Arrays.toString(source)
                    + " dims) should contain the same number of dims as destination (" + Arrays.toString(destination) + " dims)");
        }
        int[] perm = new int[rank];
        Arrays.fill(perm, -1);
        boolean[] srcUsed = new boolean[Math.max(rank, 1)], dstUsed = new boolean[Math.max(rank, 1)];
        for (int i = 0; i < source.length; i++) {
            int s = Shape.wrapDim(source[i], rank), t = Shape.wrapDim(destination[i], rank);
            if (srcUsed[s]) throw new IllegalArgumentException("movedim: repeated dim in `source` (" + Arrays.toString(source) + ")");
            if (dstUsed[t]) throw new IllegalArgumentException("movedim: repeated dim in `destination` (" + Arrays.toString(destination) + ")");
            srcUsed[s] = true;
            dstUsed[t] = true;
            if (rank > 0) perm[t] = s;
        }
        if (rank == 0) return x;
        int nextSrc = 0;
        for (int t = 0; t < rank; t++) {
            if (perm[t] >= 0) continue;
            while (srcUsed[nextSrc]) nextSrc++;
            perm[t] = nextSrc++;
        }
        return x.permute(perm);
    }

    /**
     * {@code torch.tile(x, dims)}: x repeated {@code dims[i]} times along each dim; when dims is shorter than the rank,
     * ones are prepended (so {@code (2,)} on a 3-D tensor tiles the last dim), when longer, x gains leading dims.
     */
    public static Tensor tile(Tensor x, int[] reps) {
        int rank = x.dim();
        int[] r = reps;
        if (reps.length < rank) {
            r = new int[rank];
            Arrays.fill(r, 1);
            System.arraycopy(reps, 0, r, rank - reps.length, reps.length);
        }
        return x.repeat(r);
    }

    /**
     * {@code torch.repeat_interleave(x, repeats, dim=None)} with an int: each element (slice along dim) repeated
     * {@code repeats} times in place; with no dim, over the flattened input.
     *
     * @throws IllegalArgumentException for a negative repeat
     */
    public static Tensor repeatInterleave(Tensor x, int repeats, Integer dim) {
        if (repeats < 0) throw new IllegalArgumentException("repeat_interleave: repeats can not be negative, got " + repeats);
        Tensor in = dim == null || x.dim() == 0 ? x.reshape(-1) : x;
        int d = dim == null ? 0 : Shape.wrapDim(dim, in.dim());
        long[] per = new long[in.size(d)];
        Arrays.fill(per, repeats);
        return Indexing.indexSelect(in, d, index(expandCounts(per), x));
    }

    /**
     * {@code torch.repeat_interleave(x, repeats, dim=None)} with an int64 tensor of repeats: slice {@code i} along dim
     * repeated {@code repeats[i]} times ({@code repeats} 1-D of length {@code size(dim)}, or one element used for
     * every slice). The counts are read on the host (the result's size depends on them, as in PyTorch).
     *
     * @throws IllegalArgumentException for a non-int64 or misshaped repeats tensor, or a negative count
     */
    public static Tensor repeatInterleave(Tensor x, Tensor repeats, Integer dim) {
        Tensor in = dim == null || x.dim() == 0 ? x.reshape(-1) : x;
        int d = dim == null ? 0 : Shape.wrapDim(dim, in.dim());
        if (repeats.dtype() != DType.INT64) {
            throw new IllegalArgumentException("repeat_interleave: repeats must be an int64 tensor, got " + repeats.dtype().torchName());
        }
        if (repeats.dim() > 1) {
            throw new IllegalArgumentException("repeat_interleave: repeats must be 0-dim or 1-dim tensor, got shape " + Shape.str(repeats.shapeRef()));
        }
        int n = in.size(d);
        long[] counts = repeats.toLongArray();
        if (counts.length == 1 && n != 1) {
            long c = counts[0];
            counts = new long[n];
            Arrays.fill(counts, c);
        }
        if (counts.length != n) {
            throw new IllegalArgumentException("repeat_interleave: repeats must have the same size as input along dim, but got repeats "
                    + Shape.str(repeats.shapeRef()) + " and input " + Shape.str(in.shapeRef()) + " (dim " + d + ")");
        }
        return Indexing.indexSelect(in, d, index(expandCounts(counts), x));
    }

    /**
     * {@code torch.repeat_interleave(repeats)}: {@code i} repeated {@code repeats[i]} times for a 1-D int64 tensor, as
     * int64 on its device.
     */
    public static Tensor repeatInterleave(Tensor repeats) {
        if (repeats.dtype() != DType.INT64 || repeats.dim() != 1) {
            throw new IllegalArgumentException("repeat_interleave: repeats must be a 1-D int64 tensor, got " + repeats.dtype().torchName()
                    + " of shape " + Shape.str(repeats.shapeRef()));
        }
        return index(expandCounts(repeats.toLongArray()), repeats);
    }

    /** {@code i} repeated {@code counts[i]} times. */
    private static long[] expandCounts(long[] counts) {
        long total = 0;
        for (long c : counts) {
            if (c < 0) throw new IllegalArgumentException("repeat_interleave: repeats can not be negative, got " + Arrays.toString(counts));
            total += c;
        }
        if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("repeat_interleave: result of " + total + " elements is too large");
        long[] idx = new long[(int) total];
        int k = 0;
        for (int i = 0; i < counts.length; i++) for (long c = 0; c < counts[i]; c++) idx[k++] = i;
        return idx;
    }

    /**
     * {@code torch.take_along_dim(x, indices, dim=None)}: {@code gather} after broadcasting x and indices against each
     * other in every dim but {@code dim}; with no dim, over the flattened input and indices.
     *
     * @throws IllegalArgumentException for non-int64 indices, different ranks, or shapes that do not broadcast (named)
     */
    public static Tensor takeAlongDim(Tensor x, Tensor indices, Integer dim) {
        if (indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException("torch.take_along_dim(): dtype of indices should be int64 but got " + indices.dtype().torchName());
        }
        if (dim == null) return Indexing.gather(x.reshape(-1), 0, indices.reshape(-1));
        int d = Shape.wrapDim(dim, x.dim());
        if (x.dim() != indices.dim()) {
            throw new IllegalArgumentException("torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
                    + x.dim() + " dimensions for input (shape " + Shape.str(x.shapeRef()) + "), and " + indices.dim()
                    + " dimensions for indices (shape " + Shape.str(indices.shapeRef()) + ")");
        }
        if (x.dim() == 0) return Indexing.gather(x.reshape(1), 0, indices.reshape(1)).reshape();
        int[] selfSizes = x.shape();
        selfSizes[d] = indices.size(d);
        int[] bshape = Shape.broadcast(selfSizes, indices.shapeRef());
        Tensor idx = indices.expand(bshape);
        int[] xsz = bshape.clone();
        xsz[d] = x.size(d);
        return Indexing.gather(x.expand(xsz), d, idx);
    }

    // ------------------------------------------------------------------ triangles and diagonals
    /** Bool (rows, cols) mask of {@code j - i <= k} (lower) or {@code j - i >= k} (upper), on x's device. */
    private static Tensor triangleMask(Tensor x, int k, boolean lower, String op) {
        if (x.dim() < 2) {
            throw new IllegalArgumentException(op + ": input tensor must have at least 2 dimensions, got shape " + Shape.str(x.shapeRef()));
        }
        int rows = x.size(-2), cols = x.size(-1);
        boolean[] m = new boolean[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                long diff = (long) j - i;
                m[i * cols + j] = lower ? diff <= k : diff >= k;
            }
        }
        return Tensor.fromArray(m, rows, cols).to(x.device());
    }

    /**
     * {@code torch.tril(x, diagonal=0)}: the lower triangle of the last two dims ({@code j - i <= diagonal} kept, the
     * rest 0); any dtype, batched over leading dims. Gradient: the same mask.
     *
     * @throws IllegalArgumentException for rank < 2
     */
    public static Tensor tril(Tensor x, int diagonal) {
        return Arithmetic.where(triangleMask(x, diagonal, true, "tril"), x, Tensor.zeros(x.dtype(), x.device()));
    }

    /** {@code torch.triu(x, diagonal=0)}: the upper triangle ({@code j - i >= diagonal} kept); as {@link #tril}. */
    public static Tensor triu(Tensor x, int diagonal) {
        return Arithmetic.where(triangleMask(x, diagonal, false, "triu"), x, Tensor.zeros(x.dtype(), x.device()));
    }

    /**
     * {@code torch.diagonal(x, offset=0, dim1=0, dim2=1)}: a view of the diagonal {@code x[.., i, .., i + offset, ..]}
     * (offset > 0 above the main diagonal, < 0 below) taken over dims dim1 and dim2, which are removed and replaced by
     * a last dim of length {@code max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))}: an offset beyond the matrix
     * gives an empty diagonal. Gradient: written back onto the same diagonal of zeros.
     *
     * @throws IllegalArgumentException for rank < 2 or identical dims
     */
    public static Tensor diagonal(Tensor x, int offset, int dim1, int dim2) {
        int rank = x.dim();
        if (rank < 2) {
            throw new IllegalArgumentException("diagonal: expected a tensor with at least 2 dimensions, got shape " + Shape.str(x.shapeRef()));
        }
        int d1 = Shape.wrapDim(dim1, rank), d2 = Shape.wrapDim(dim2, rank);
        if (d1 == d2) throw new IllegalArgumentException("diagonal dimensions cannot be identical " + dim1 + ", " + dim2);
        int[] xs = x.shapeRef(), xst = x.stridesRef();
        long len = offset >= 0 ? Math.min((long) xs[d1], (long) xs[d2] - offset) : Math.min((long) xs[d1] + offset, xs[d2]);
        int n = (int) Math.max(0, len);
        int off = x.storageOffset();
        if (n > 0) off += offset >= 0 ? offset * xst[d2] : -offset * xst[d1];
        int[] sh = new int[rank - 1], st = new int[rank - 1];
        int k = 0;
        for (int i = 0; i < rank; i++) {
            if (i == d1 || i == d2) continue;
            sh[k] = xs[i];
            st[k++] = xst[i];
        }
        sh[k] = n;
        st[k] = xst[d1] + xst[d2];
        Tensor out = new Tensor(x.storage(), off, sh, st);
        int[] shape = x.shape();
        return Function.record("diagonal", out, x, (ctx, g) -> {
            Tensor gx = Tensor.zeros(g.dtype(), g.device(), shape);
            gx.backend().copy(g, diagonal(gx, offset, d1, d2));
            return new Tensor[] {gx};
        });
    }

    /**
     * {@code torch.diag(x, diagonal=0)}: for a 1-D x of length n, a new square matrix of size {@code n + |diagonal|}
     * with x on that diagonal and zeros elsewhere; for a 2-D x, a copy of its diagonal (1-D, possibly empty).
     *
     * @throws IllegalArgumentException for any other rank
     */
    public static Tensor diag(Tensor x, int diagonal) {
        if (x.dim() == 2) return ShapeOps.cloneTensor(diagonal(x, diagonal, 0, 1));
        if (x.dim() != 1) throw new IllegalArgumentException("diag(): Supports 1D or 2D tensors. Got " + x.dim() + "D (shape " + Shape.str(x.shapeRef()) + ")");
        int n = x.size(0), m = n + Math.abs(diagonal);
        long[] pos = new long[n];
        int r0 = Math.max(-diagonal, 0), c0 = Math.max(diagonal, 0);
        for (int i = 0; i < n; i++) pos[i] = (long) (i + r0) * m + (i + c0);
        Tensor flat = Tensor.zeros(x.dtype(), x.device(), m * m);
        return Indexing.scatter(flat, 0, index(pos, x), x, false).view(m, m);
    }

    /**
     * {@code torch.trace(x)}: the sum of the main diagonal of a 2-D tensor (0-d; int64 for integer and bool inputs).
     *
     * @throws IllegalArgumentException unless x is 2-D
     */
    public static Tensor trace(Tensor x) {
        if (x.dim() != 2) throw new IllegalArgumentException("trace: expected a matrix, but got tensor with dim " + x.dim() + " (shape " + Shape.str(x.shapeRef()) + ")");
        return diagonal(x, 0, 0, 1).sum();
    }
}
