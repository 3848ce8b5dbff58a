package org.sparkgrad.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Shape and view ops with autograd. Views share storage with their input (reshape of a viewable tensor,
 * transpose, permute, squeeze/unsqueeze, expand, slice, narrow, select, split/chunk); the rest copy
 * (cat, stack, repeat, pad, contiguous, clone).
 */
public final class ShapeOps {
    private ShapeOps() {}

    private static Tensor viewOf(Tensor x, int offset, int[] shape, int[] strides) {
        return new Tensor(x.storage(), offset, shape, strides);
    }

    /** Strides for viewing {@code x} in {@code shape} without a copy, or null (PyTorch's computeStride). */
    static int[] viewStrides(int[] oldShape, int[] oldStrides, int[] newShape) {
        if (Shape.numel(oldShape) == 0) return Shape.contiguousStrides(newShape);
        int[] ns = new int[newShape.length];
        int viewD = newShape.length - 1;
        int chunkBase = oldStrides.length == 0 ? 1 : oldStrides[oldStrides.length - 1];
        long tensorNumel = 1, viewNumel = 1;
        for (int d = oldShape.length - 1; d >= 0; d--) {
            tensorNumel *= oldShape[d];
            if (d == 0 || (oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1)) {
                    ns[viewD] = (int) (viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0) {
                    chunkBase = oldStrides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) {
            // remaining leading size-1 dims
            for (; viewD >= 0; viewD--) {
                if (newShape[viewD] != 1) return null;
                ns[viewD] = 1;
            }
        }
        return ns;
    }

    /** A view in a new shape (one dim may be -1). */
    public static Tensor view(Tensor x, int[] shape0) {
        int[] shape = Shape.infer(shape0, x.numel(), x.shapeRef());
        int[] st = x.isContiguous() ? Shape.contiguousStrides(shape) : viewStrides(x.shapeRef(), x.stridesRef(), shape);
        if (st == null) {
            throw new IllegalArgumentException("view size " + Shape.str(shape) + " is not compatible with input tensor's size "
                    + Shape.str(x.shapeRef()) + " and stride " + Arrays.toString(x.stridesRef())
                    + " (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.");
        }
        Tensor out = viewOf(x, x.storageOffset(), shape, st);
        int[] xs = x.shape();
        return Function.record("view", out, x, (ctx, g) -> new Tensor[] {g.reshape(xs)});
    }

    /** {@code reshape}: a view when possible, else a copy. */
    public static Tensor reshape(Tensor x, int[] shape0) {
        int[] shape = Shape.infer(shape0, x.numel(), x.shapeRef());
        if (Arrays.equals(shape, x.shapeRef())) return x;
        int[] st = x.isContiguous() ? Shape.contiguousStrides(shape) : viewStrides(x.shapeRef(), x.stridesRef(), shape);
        if (st == null) return view(contiguous(x), shape);
        return view(x, shape);
    }

    public static Tensor transpose(Tensor x, int d0, int d1) {
        int rank = x.dim();
        if (rank == 0) return x;
        int a = Shape.wrapDim(d0, rank), b = Shape.wrapDim(d1, rank);
        int[] perm = Shape.allDims(rank);
        perm[a] = b;
        perm[b] = a;
        return permute(x, perm);
    }

    /** Reorders dims; {@code dims} must be a permutation of {@code 0..rank-1} (negatives allowed). */
    public static Tensor permute(Tensor x, int[] dims) {
        int rank = x.dim();
        if (dims.length != rank) {
            throw new IllegalArgumentException("permute: number of dims don't match: the permutation has " + dims.length
                    + " dims but the input of shape " + Shape.str(x.shapeRef()) + " has " + rank);
        }
        int[] p = new int[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            p[i] = Shape.wrapDim(dims[i], rank);
            if (seen[p[i]]) throw new IllegalArgumentException("permute: repeated dim " + p[i] + " in " + Arrays.toString(dims));
            seen[p[i]] = true;
        }
        int[] sh = new int[rank], st = new int[rank];
        for (int i = 0; i < rank; i++) {
            sh[i] = x.shapeRef()[p[i]];
            st[i] = x.stridesRef()[p[i]];
        }
        Tensor out = viewOf(x, x.storageOffset(), sh, st);
        int[] inv = new int[rank];
        for (int i = 0; i < rank; i++) inv[p[i]] = i;
        return Function.record("permute", out, x, (ctx, g) -> new Tensor[] {g.permute(inv)});
    }

    /** Removes size-1 dims (all when dim is null; a given dim of size != 1 is left unchanged, as in PyTorch). */
    public static Tensor squeeze(Tensor x, Integer dim) {
        int[] s = x.shapeRef();
        List<Integer> keep = new ArrayList<>();
        int d = dim == null ? -1 : Shape.wrapDim(dim, x.dim());
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 1 && (dim == null || i == d)) continue;
            keep.add(i);
        }
        if (keep.size() == s.length) return x;
        int[] sh = new int[keep.size()], st = new int[keep.size()];
        for (int i = 0; i < sh.length; i++) {
            sh[i] = s[keep.get(i)];
            st[i] = x.stridesRef()[keep.get(i)];
        }
        Tensor out = viewOf(x, x.storageOffset(), sh, st);
        int[] xs = x.shape();
        return Function.record("squeeze", out, x, (ctx, g) -> new Tensor[] {g.reshape(xs)});
    }

    /** Inserts a size-1 dim at {@code dim} (range {@code [-rank-1, rank]}). */
    public static Tensor unsqueeze(Tensor x, int dim) {
        int rank = x.dim();
        int d = Shape.wrapDim(dim, rank + 1);
        int[] sh = new int[rank + 1], st = new int[rank + 1];
        for (int i = 0, j = 0; i <= rank; i++) {
            if (i == d) {
                sh[i] = 1;
                st[i] = j < rank ? x.stridesRef()[j] * x.shapeRef()[j] : 1;
            } else {
                sh[i] = x.shapeRef()[j];
                st[i] = x.stridesRef()[j];
                j++;
            }
        }
        Tensor out = viewOf(x, x.storageOffset(), sh, st);
        int[] xs = x.shape();
        return Function.record("unsqueeze", out, x, (ctx, g) -> new Tensor[] {g.reshape(xs)});
    }

    public static Tensor flatten(Tensor x, int start, int end) {
        if (x.dim() == 0) return x.reshape(1);
        int s = Shape.wrapDim(start, x.dim()), e = Shape.wrapDim(end, x.dim());
        if (s > e) throw new IllegalArgumentException("flatten() has invalid args: start_dim " + start + " cannot come after end_dim " + end);
        int[] xs = x.shapeRef();
        int[] sh = new int[xs.length - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) sh[k++] = xs[i];
        int p = 1;
        for (int i = s; i <= e; i++) p *= xs[i];
        sh[k++] = p;
        for (int i = e + 1; i < xs.length; i++) sh[k++] = xs[i];
        return reshape(x, sh);
    }

    public static Tensor unflatten(Tensor x, int dim, int[] sizes) {
        int d = Shape.wrapDim(dim, x.dim());
        int[] inner = Shape.infer(sizes, x.size(d), new int[] {x.size(d)});
        int[] xs = x.shapeRef();
        int[] sh = new int[xs.length - 1 + inner.length];
        int k = 0;
        for (int i = 0; i < d; i++) sh[k++] = xs[i];
        for (int v : inner) sh[k++] = v;
        for (int i = d + 1; i < xs.length; i++) sh[k++] = xs[i];
        return reshape(x, sh);
    }

    /** Broadcast view (stride 0 on expanded dims); -1 keeps a dim. */
    public static Tensor expand(Tensor x, int[] sizes) {
        int rank = sizes.length, xr = x.dim();
        if (rank < xr) {
            throw new IllegalArgumentException("expand: the number of sizes provided (" + rank + ") must be greater or equal to "
                    + "the number of dimensions in the tensor (" + xr + ")");
        }
        int[] sh = new int[rank], st = new int[rank];
        for (int i = 0; i < rank; i++) {
            int j = i - (rank - xr);
            int req = sizes[i];
            if (j < 0) {
                if (req < 0) throw new IllegalArgumentException("expand: -1 is not allowed in a leading, non-existing dimension " + i);
                sh[i] = req;
                st[i] = 0;
            } else {
                int cur = x.shapeRef()[j];
                if (req == -1) req = cur;
                if (cur != req && cur != 1) {
                    throw new IllegalArgumentException("The expanded size of the tensor (" + req + ") must match the existing size ("
                            + cur + ") at non-singleton dimension " + i + ".  Target sizes: " + Arrays.toString(sizes)
                            + ".  Tensor sizes: " + Shape.str(x.shapeRef()));
                }
                sh[i] = req;
                st[i] = cur == req ? x.stridesRef()[j] : 0;
            }
        }
        if (Arrays.equals(sh, x.shapeRef())) return x;
        Tensor out = viewOf(x, x.storageOffset(), sh, st);
        int[] xs = x.shape();
        return Function.record("expand", out, x, (ctx, g) -> new Tensor[] {Arithmetic.sumToShape(g, xs)});
    }

    /** {@code repeat}: tiles the tensor; {@code repeats.length >= rank}. */
    public static Tensor repeat(Tensor x, int[] repeats) {
        if (repeats.length < x.dim()) {
            throw new IllegalArgumentException("Number of dimensions of repeat dims (" + repeats.length
                    + ") can not be smaller than number of dimensions of tensor (" + x.dim() + ")");
        }
        int r = repeats.length;
        int[] padded = new int[r];
        Arrays.fill(padded, 1);
        System.arraycopy(x.shapeRef(), 0, padded, r - x.dim(), x.dim());
        Tensor xp = x.reshape(padded);
        int[] inter = new int[2 * r], expanded = new int[2 * r], out = new int[r];
        for (int i = 0; i < r; i++) {
            inter[2 * i] = 1;
            inter[2 * i + 1] = padded[i];
            expanded[2 * i] = repeats[i];
            expanded[2 * i + 1] = padded[i];
            out[i] = repeats[i] * padded[i];
        }
        return xp.reshape(inter).expand(expanded).contiguous().reshape(out);
    }

    /** A contiguous copy (identity gradient). */
    public static Tensor contiguous(Tensor x) {
        Tensor out = x.backend().contiguous(x);
        return Function.record("contiguous", out, x, (ctx, g) -> new Tensor[] {g});
    }

    /** A copy that is never a view of the input (identity gradient). */
    public static Tensor cloneTensor(Tensor x) {
        Tensor out = x.backend().contiguous(x);
        return Function.record("clone", out, x, (ctx, g) -> new Tensor[] {g});
    }

    /**
     * Concatenates along dim; all tensors must have the same shape except in dim. Mixed dtypes are promoted to a
     * common one first ({@code torch.cat}'s type promotion; the casts are differentiable).
     */
    public static Tensor cat(List<Tensor> ts, int dim) {
        if (ts.isEmpty()) throw new IllegalArgumentException("cat expects a non-empty list of tensors");
        DType common = ts.get(0).dtype();
        for (Tensor t : ts) common = DType.promote(common, t.dtype());
        boolean mixed = false;
        for (Tensor t : ts) mixed |= t.dtype() != common;
        if (mixed) {
            List<Tensor> cast = new ArrayList<>(ts.size());
            for (Tensor t : ts) cast.add(t.dtype() == common ? t : t.to(common));
            return cat(cast, dim);
        }
        Tensor first = ts.get(0);
        int d = Shape.wrapDim(dim, first.dim());
        int[] sh = first.shape();
        int total = 0;
        for (int i = 0; i < ts.size(); i++) {
            Tensor t = ts.get(i);
            if (t.dim() != first.dim()) {
                throw new IllegalArgumentException("cat: tensors must have the same number of dimensions: got " + Shape.str(first.shapeRef())
                        + " and " + Shape.str(t.shapeRef()) + " (tensor " + i + ")");
            }
            for (int k = 0; k < sh.length; k++) {
                if (k != d && t.shapeRef()[k] != sh[k]) {
                    throw new IllegalArgumentException("cat: sizes of tensors must match except in dimension " + d + ": got "
                            + Shape.str(first.shapeRef()) + " and " + Shape.str(t.shapeRef()) + " (tensor " + i + ")");
                }
            }
            Arithmetic.sameDevice(first, t, "cat");
            total += t.shapeRef()[d];
        }
        sh[d] = total;
        Tensor out = Tensor.zeros(first.dtype(), first.device(), sh);
        int[] sizes = new int[ts.size()];
        int pos = 0;
        for (int i = 0; i < ts.size(); i++) {
            Tensor t = ts.get(i);
            sizes[i] = t.shapeRef()[d];
            out.backend().copy(t, narrowView(out, d, pos, sizes[i]));
            pos += sizes[i];
        }
        return Function.record("cat", out, ts.toArray(new Tensor[0]), (ctx, g) -> {
            Tensor[] gs = new Tensor[sizes.length];
            int p = 0;
            for (int i = 0; i < sizes.length; i++) {
                if (ctx.needsInputGrad(i)) gs[i] = narrowView(g, d, p, sizes[i]);
                p += sizes[i];
            }
            return gs;
        });
    }

    /** Stacks equally shaped tensors along a new dim. */
    public static Tensor stack(List<Tensor> ts, int dim) {
        if (ts.isEmpty()) throw new IllegalArgumentException("stack expects a non-empty list of tensors");
        int d = Shape.wrapDim(dim, ts.get(0).dim() + 1);
        List<Tensor> u = new ArrayList<>();
        for (int i = 0; i < ts.size(); i++) {
            if (!Arrays.equals(ts.get(i).shapeRef(), ts.get(0).shapeRef())) {
                throw new IllegalArgumentException("stack expects each tensor to be equal size, but got " + Shape.str(ts.get(0).shapeRef())
                        + " at entry 0 and " + Shape.str(ts.get(i).shapeRef()) + " at entry " + i);
            }
            u.add(ts.get(i).unsqueeze(d));
        }
        return cat(u, d);
    }

    static Tensor narrowView(Tensor x, int d, int start, int len) {
        int[] sh = x.shape();
        sh[d] = len;
        return new Tensor(x.storage(), x.storageOffset() + start * x.stridesRef()[d], sh, x.strides());
    }

    public static List<Tensor> split(Tensor x, int size, int dim) {
        if (size <= 0) throw new IllegalArgumentException("split expects split_size be positive, but got " + size);
        int d = Shape.wrapDim(dim, x.dim());
        List<Tensor> out = new ArrayList<>();
        int n = x.size(d);
        for (int s = 0; s < n; s += size) out.add(narrow(x, d, s, Math.min(size, n - s)));
        if (n == 0) out.add(narrow(x, d, 0, 0));
        return out;
    }

    public static List<Tensor> splitSizes(Tensor x, int[] sizes, int dim) {
        int d = Shape.wrapDim(dim, x.dim());
        int sum = 0;
        for (int s : sizes) sum += s;
        if (sum != x.size(d)) {
            throw new IllegalArgumentException("split_with_sizes expects split_sizes " + Arrays.toString(sizes)
                    + " to sum exactly to " + x.size(d) + " (input tensor's size at dimension " + d + ")");
        }
        List<Tensor> out = new ArrayList<>();
        int p = 0;
        for (int s : sizes) {
            out.add(narrow(x, d, p, s));
            p += s;
        }
        return out;
    }

    public static List<Tensor> chunk(Tensor x, int chunks, int dim) {
        if (chunks <= 0) throw new IllegalArgumentException("chunk expects `chunks` to be greater than 0, got " + chunks);
        int d = Shape.wrapDim(dim, x.dim());
        int size = (x.size(d) + chunks - 1) / chunks;
        return split(x, Math.max(size, 1), d);
    }

    /** Python slice semantics on one dim. */
    public static Tensor slice(Tensor x, int dim, Integer start, Integer end, int step) {
        if (step <= 0) throw new IllegalArgumentException("slice step must be positive, got " + step);
        int d = Shape.wrapDim(dim, x.dim());
        int n = x.size(d);
        int s = start == null ? 0 : (start < 0 ? Math.max(start + n, 0) : Math.min(start, n));
        int e = end == null ? n : (end < 0 ? Math.max(end + n, 0) : Math.min(end, n));
        int len = e > s ? (e - s + step - 1) / step : 0;
        int[] sh = x.shape(), st = x.strides();
        sh[d] = len;
        st[d] = st[d] * step;
        Tensor out = viewOf(x, x.storageOffset() + s * x.stridesRef()[d], sh, st);
        return recordSliceLike("slice", x, out, d, s, step, len, false);
    }

    /** {@code narrow(dim, start, length)}; start may be negative. */
    public static Tensor narrow(Tensor x, int dim, int start, int length) {
        int d = Shape.wrapDim(dim, x.dim());
        int n = x.size(d);
        int s = start < 0 ? start + n : start;
        if (s < 0 || length < 0 || s + length > n) {
            throw new IndexOutOfBoundsException("narrow: start (" + start + ") + length (" + length + ") exceeds dimension size (" + n + ") of dim " + d);
        }
        Tensor out = narrowView(x, d, s, length);
        return recordSliceLike("narrow", x, out, d, s, 1, length, false);
    }

    /** Index {@code i} along dim, dropping the dim. */
    public static Tensor select(Tensor x, int dim, int index) {
        int d = Shape.wrapDim(dim, x.dim());
        int n = x.size(d);
        int i = index < 0 ? index + n : index;
        if (i < 0 || i >= n) {
            throw new IndexOutOfBoundsException("select(): index " + index + " out of range for tensor of size " + Shape.str(x.shapeRef())
                    + " at dimension " + d);
        }
        int[] xs = x.shapeRef(), xst = x.stridesRef();
        int[] sh = new int[xs.length - 1], st = new int[xs.length - 1];
        for (int a = 0, b = 0; a < xs.length; a++) {
            if (a == d) continue;
            sh[b] = xs[a];
            st[b++] = xst[a];
        }
        Tensor out = viewOf(x, x.storageOffset() + i * xst[d], sh, st);
        return recordSliceLike("select", x, out, d, i, 1, 1, true);
    }

    private static Tensor recordSliceLike(String name, Tensor x, Tensor out, int d, int start, int step, int len, boolean dropped) {
        int[] xs = x.shape();
        return Function.record(name, out, x, (ctx, g) -> {
            Tensor gx = Tensor.zeros(g.dtype(), g.device(), xs);
            int[] cst = gx.strides();
            int[] sh = xs.clone();
            sh[d] = len;
            int off = start * cst[d];
            cst[d] *= step;
            Tensor dst = new Tensor(gx.storage(), off, sh, cst);
            gx.backend().copy(dropped ? g.unsqueeze(d) : g, dst);
            return new Tensor[] {gx};
        });
    }

    /** Constant padding; {@code pad} = (before, after) pairs from the last dim backwards, non-negative. */
    public static Tensor pad(Tensor x, int[] pad, double value) {
        if (pad.length % 2 != 0 || pad.length / 2 > x.dim()) {
            throw new IllegalArgumentException("pad: padding length " + pad.length + " must be even and at most 2*rank for shape "
                    + Shape.str(x.shapeRef()));
        }
        int[] sh = x.shape();
        int[] before = new int[sh.length];
        for (int i = 0; i < pad.length / 2; i++) {
            int d = sh.length - 1 - i;
            if (pad[2 * i] < 0 || pad[2 * i + 1] < 0) throw new IllegalArgumentException("pad: negative padding is not supported: " + Arrays.toString(pad));
            before[d] = pad[2 * i];
            sh[d] += pad[2 * i] + pad[2 * i + 1];
        }
        Tensor out = Tensor.zeros(x.dtype(), x.device(), sh);
        if (value != 0) out.backend().fill(out, value);
        Tensor interior = out;
        for (int d = 0; d < sh.length; d++) interior = narrowView(interior, d, before[d], x.shapeRef()[d]);
        out.backend().copy(x, interior);
        int[] xs = x.shape();
        return Function.record("pad", out, x, (ctx, g) -> {
            Tensor v = g;
            for (int d = 0; d < xs.length; d++) v = narrowView(v, d, before[d], xs[d]);
            return new Tensor[] {v};
        });
    }
}
