package org.sparkgrad.data;

import java.util.Arrays;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.Tensor;

/**
 * A dataset wrapping tensors that share their first dim, as {@code torch.utils.data.TensorDataset}: sample
 * {@code i} is {@code (t0.select(0, i), t1.select(0, i), ...)}.
 *
 * <p>For example {@code new TensorDataset(x, y)} with {@code x} of shape {@code (N, C, H, W)} float32 and
 * {@code y} of shape {@code (N)} int64 yields samples {@code ((C, H, W), ())}. A {@link DataLoader} with the
 * default collation gathers a whole batch with one {@link Tensor#indexSelect} per tensor ({@link #gather})
 * instead of stacking single rows.
 */
public final class TensorDataset implements Dataset {
    private final Tensor[] tensors;
    private final int size;

    /**
     * @param tensors one or more tensors of at least one dim, all with the same size of dim 0 (any dtypes)
     * @throws IllegalArgumentException when no tensor is given, a tensor is 0-d, or the sizes of dim 0 differ
     *     (the message names both shapes)
     */
    public TensorDataset(Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("a TensorDataset needs at least one tensor");
        for (int k = 0; k < tensors.length; k++) {
            if (tensors[k] == null) throw new IllegalArgumentException("tensor " + k + " is null");
            if (tensors[k].dim() == 0) {
                throw new IllegalArgumentException("tensor " + k + " is 0-d; a TensorDataset indexes dim 0 of every tensor");
            }
        }
        int n = tensors[0].size(0);
        for (int k = 1; k < tensors.length; k++) {
            if (tensors[k].size(0) != n) {
                throw new IllegalArgumentException("size mismatch between tensors: tensor 0 has shape "
                        + Arrays.toString(tensors[0].shape()) + ", tensor " + k + " has shape " + Arrays.toString(tensors[k].shape()));
            }
        }
        this.tensors = tensors.clone();
        this.size = n;
    }

    @Override public int size() { return size; }

    /**
     * {@code (t0.select(0, i), t1.select(0, i), ...)}: views, no copy.
     *
     * @throws IndexOutOfBoundsException when {@code i} is outside {@code [0, size())}
     */
    @Override public Tensor[] get(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("index " + i + " is out of range for a dataset of size " + size);
        Tensor[] out = new Tensor[tensors.length];
        for (int k = 0; k < tensors.length; k++) out[k] = tensors[k].select(0, i);
        return out;
    }

    /** Number of tensors per sample. */
    public int arity() { return tensors.length; }

    /** The wrapped tensor {@code k} (shape {@code (N, ...)}), not a copy. */
    public Tensor tensor(int k) { return tensors[k]; }

    /**
     * The rows {@code indices} of every tensor as one batch: tensor {@code k} of the result is
     * {@code tk.indexSelect(0, indices)} of shape {@code (indices.length, ...)}, same dtype as {@code tk}.
     * Runs without graph recording ({@link GradMode#noGrad()}): batches are data, not part of a model's graph.
     *
     * @param indices row indices, each in {@code [0, size())}; repeats allowed
     * @throws IndexOutOfBoundsException when an index is out of range
     * @throws IllegalArgumentException when {@code indices} is empty
     */
    public Batch gather(int[] indices) {
        if (indices.length == 0) throw new IllegalArgumentException("cannot gather an empty batch");
        for (int i : indices) {
            if (i < 0 || i >= size) throw new IndexOutOfBoundsException("index " + i + " is out of range for a dataset of size " + size);
        }
        Tensor index = Tensor.fromArray(indices, indices.length);
        Tensor[] out = new Tensor[tensors.length];
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (int k = 0; k < tensors.length; k++) out[k] = tensors[k].indexSelect(0, index);
        }
        return new Batch(out);
    }
}
