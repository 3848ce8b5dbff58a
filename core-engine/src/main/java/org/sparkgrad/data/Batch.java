package org.sparkgrad.data;

import java.util.Arrays;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * One mini-batch: a fixed tuple of tensors whose first dim is the batch dim, conventionally
 * {@code (features, labels)} as a PyTorch {@code DataLoader} yields them.
 */
public final class Batch {
    private final Tensor[] tensors;

    /**
     * @throws IllegalArgumentException when empty or when the tensors disagree on the batch size
     */
    public Batch(Tensor... tensors) {
        if (tensors.length == 0) throw new IllegalArgumentException("a batch needs at least one tensor");
        int n = tensors[0].dim() == 0 ? 1 : tensors[0].size(0);
        for (int i = 1; i < tensors.length; i++) {
            int m = tensors[i].dim() == 0 ? 1 : tensors[i].size(0);
            if (m != n) {
                throw new IllegalArgumentException("batch tensors disagree on the batch size: tensor 0 has shape "
                        + Arrays.toString(tensors[0].shape()) + ", tensor " + i + " has shape " + Arrays.toString(tensors[i].shape()));
            }
        }
        this.tensors = tensors.clone();
    }

    /** Tensor {@code i} of the tuple. */
    public Tensor get(int i) { return tensors[i]; }

    /** Tensor 0. */
    public Tensor features() { return tensors[0]; }

    /** Tensor 1. */
    public Tensor labels() {
        if (tensors.length < 2) throw new IllegalStateException("this batch has no labels (1 tensor)");
        return tensors[1];
    }

    /** Number of tensors in the tuple. */
    public int arity() { return tensors.length; }

    /** Number of rows (first dim of tensor 0). */
    public int size() { return tensors[0].dim() == 0 ? 1 : tensors[0].size(0); }

    /** All tensors moved to {@code device}. */
    public Batch to(Device device) {
        Tensor[] t = new Tensor[tensors.length];
        for (int i = 0; i < t.length; i++) t[i] = tensors[i].to(device);
        return new Batch(t);
    }
}
