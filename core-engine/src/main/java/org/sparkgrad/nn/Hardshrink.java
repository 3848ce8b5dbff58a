package org.sparkgrad.nn;

/** 0 where {@code -lambd <= x <= lambd}, else x. Elementwise on any shape (PyTorch {@code nn.Hardshrink}, lambd 0.5 by default). */
public class Hardshrink extends Activation {
    /** Threshold: {@code x} where {@code |x| > lambd}, else 0. */
    public final double lambd;

    /** {@code Hardshrink(lambd = 0.5)}. */
    public Hardshrink() { this(0.5); }

    /** @param lambd the threshold */
    public Hardshrink(double lambd) {
        super("Hardshrink", ReprUtil.num(lambd), x -> F.hardshrink(x, lambd));
        this.lambd = lambd;
    }
}
