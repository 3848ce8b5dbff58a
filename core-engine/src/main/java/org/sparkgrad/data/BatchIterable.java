package org.sparkgrad.data;

/**
 * A source of mini-batches; one call of {@link #iterator()} is one epoch. Implemented by the in-memory
 * {@code DataLoader} and by streaming loaders such as the Arrow one, so training loops accept either.
 */
public interface BatchIterable extends Iterable<Batch> {
    /**
     * Sets the epoch used to derive the shuffle order (as PyTorch's {@code DistributedSampler.set_epoch});
     * the default ignores it.
     */
    default void setEpoch(int epoch) {}
}
