package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** x - logsumexp(x) along dim, max-subtracted. Elementwise on any shape (PyTorch {@code nn.LogSoftmax}). */
public class LogSoftmax extends Activation {
    public LogSoftmax(int dim) {
        super("LogSoftmax", "dim=" + dim, x -> x.logSoftmax(dim));
    }
}
