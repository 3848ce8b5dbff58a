package org.sparkgrad.nn;

import java.util.function.UnaryOperator;
import org.sparkgrad.tensor.Tensor;

/**
 * Base of the parameter-free activation modules ({@link ReLU}, {@link GELU}, ...), each applying the
 * engine's activation op of the same name.
 */
public abstract class Activation extends Module {
    private final String name;
    private final String extra;
    private final UnaryOperator<Tensor> fn;

    protected Activation(String name, String extra, UnaryOperator<Tensor> fn) {
        this.name = name;
        this.extra = extra;
        this.fn = fn;
    }

    @Override public Tensor forward(Tensor x) { return fn.apply(x); }

    @Override public String extraRepr() { return extra; }

    @Override public String toString() { return name + "(" + extra + ")"; }

}
