package org.sparkgrad.data;

import org.sparkgrad.tensor.Tensor;

/**
 * A view of a dataset at the given indices, as {@code torch.utils.data.Subset}: sample {@code i} of the subset
 * is sample {@code indices[i]} of the underlying dataset. Indices may repeat and need not be sorted.
 */
public final class Subset implements Dataset {
    private final Dataset dataset;
    private final int[] indices;

    /**
     * @param dataset the underlying dataset
     * @param indices indices into {@code dataset}, each in {@code [0, dataset.size())} (copied)
     * @throws IndexOutOfBoundsException when an index is out of range
     */
    public Subset(Dataset dataset, int[] indices) {
        if (dataset == null) throw new IllegalArgumentException("dataset is null");
        int n = dataset.size();
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= n) {
                throw new IndexOutOfBoundsException("subset index " + i + " is " + indices[i] + ", out of range for a dataset of size " + n);
            }
        }
        this.dataset = dataset;
        this.indices = indices.clone();
    }

    @Override public int size() { return indices.length; }

    /** Sample {@code indices[i]} of the underlying dataset. */
    @Override public Tensor[] get(int i) {
        if (i < 0 || i >= indices.length) {
            throw new IndexOutOfBoundsException("index " + i + " is out of range for a subset of size " + indices.length);
        }
        return dataset.get(indices[i]);
    }

    /** The underlying dataset. */
    public Dataset dataset() { return dataset; }

    /** A copy of the indices into the underlying dataset. */
    public int[] indices() { return indices.clone(); }

    /** Index into the underlying dataset of subset sample {@code i} (no copy of the index array). */
    public int indexAt(int i) { return indices[i]; }
}
