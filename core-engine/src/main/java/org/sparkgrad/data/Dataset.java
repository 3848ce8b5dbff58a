package org.sparkgrad.data;

import org.sparkgrad.tensor.Tensor;

/**
 * A map-style dataset: a finite, indexable collection of samples, as {@code torch.utils.data.Dataset}
 * with {@code __len__} and {@code __getitem__}.
 *
 * <p>A sample is a fixed tuple of tensors without the batch dim, conventionally {@code (features, label)};
 * a {@link DataLoader} collates {@code batchSize} samples into one {@link Batch} whose tensors gain a leading
 * batch dim. Every sample of one dataset must have the same arity, and element {@code k} of every sample the
 * same shape and dtype, for the default collation to stack them.
 *
 * <p>Implementations used with a prefetching {@link DataLoader} are called from its worker thread, one call at
 * a time; they must therefore tolerate being called from a thread other than the one that created them.
 */
public interface Dataset {
    /** Number of samples; indices run over {@code [0, size())}. */
    int size();

    /**
     * Sample {@code i}.
     *
     * @param i index in {@code [0, size())}
     * @return the sample's tensors (a new array on each call; the tensors may be views sharing storage with
     *     the dataset and must not be modified in place by the caller)
     * @throws IndexOutOfBoundsException when {@code i} is outside {@code [0, size())}
     */
    Tensor[] get(int i);
}
