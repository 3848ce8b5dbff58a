package org.sparkgrad.nn;

/**
 * {@code x > lambd ? x - lambd : (x < -lambd ? x + lambd : 0)}. Elementwise on any shape (PyTorch {@code nn.Softshrink},
 * lambd 0.5 by default).
 */
public class Softshrink extends Activation {
    /** Threshold: {@code x - lambd} above it, {@code x + lambd} below {@code -lambd}, else 0. */
    public final double lambd;

    /** {@code Softshrink(lambd = 0.5)}. */
    public Softshrink() { this(0.5); }

    /** @throws IllegalArgumentException for a negative lambd */
    public Softshrink(double lambd) {
        super("Softshrink", ReprUtil.num(lambd), x -> F.softshrink(x, lambd));
        if (!(lambd >= 0)) throw new IllegalArgumentException("lambda must be greater or equal to 0, but found to be " + lambd + ".");
        this.lambd = lambd;
    }
}
