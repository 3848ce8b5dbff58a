package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/**
 * Parameters are plain leaf {@link Tensor}s that require grad, registered on a {@link Module} by name
 * (PyTorch's {@code nn.Parameter}). This class creates them.
 */
public final class Parameter {
    private Parameter() {}

    /** A leaf tensor sharing {@code data}'s storage, requiring grad (float dtypes only). */
    public static Tensor of(Tensor data) {
        return data.detach().requiresGrad_(true);
    }
}
