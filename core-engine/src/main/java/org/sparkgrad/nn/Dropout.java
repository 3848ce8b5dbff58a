package org.sparkgrad.nn;

import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * Inverted dropout (PyTorch {@code nn.Dropout}): in training, zeroes each element with probability p and
 * scales the rest by 1/(1-p); identity in eval mode. Masks come from the given (seeded) generator.
 */
public class Dropout extends Module {
    public final double p;
    private final Generator generator;

    /** Dropout with its own generator, seeded from the default generator. */
    public Dropout(double p) { this(p, new Generator(Generator.defaultGenerator().nextLong())); }

    public Dropout(double p, Generator generator) {
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        this.p = p;
        this.generator = generator;
    }

    @Override public Tensor forward(Tensor x) { return F.dropout(x, p, isTraining(), generator); }

    @Override protected void reseedSelf(long seed) { generator.manualSeed(seed); }

    @Override public String extraRepr() { return "p=" + p + ", inplace=False"; }
}
