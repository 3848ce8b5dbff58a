package org.sparkgrad.nn;

import org.sparkgrad.tensor.Tensor;

/** log(sigmoid(x)), computed stably. Elementwise on any shape (PyTorch {@code nn.LogSigmoid}). */
public class LogSigmoid extends Activation {
    public LogSigmoid() {
        super("LogSigmoid", "", Tensor::logsigmoid);
    }
}
