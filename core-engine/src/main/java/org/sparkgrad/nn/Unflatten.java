package org.sparkgrad.nn;

import java.util.Arrays;
import org.sparkgrad.tensor.Tensor;

/** Expands dim {@code dim} into {@code sizes} (as {@code nn.Unflatten}). */
public class Unflatten extends Module {
    public final int dim;
    private final int[] sizes;

    public Unflatten(int dim, int... sizes) {
        this.dim = dim;
        this.sizes = sizes.clone();
    }

    @Override public Tensor forward(Tensor x) { return x.unflatten(dim, sizes); }

    @Override public String extraRepr() { return "dim=" + dim + ", unflattened_size=" + Arrays.toString(sizes); }
}
