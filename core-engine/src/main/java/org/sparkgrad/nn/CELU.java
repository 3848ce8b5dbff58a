package org.sparkgrad.nn;

/**
 * {@code x > 0 ? x : alpha * (exp(x / alpha) - 1)} (Barron 2017). Elementwise on any shape (PyTorch {@code nn.CELU},
 * alpha 1.0 by default).
 */
public class CELU extends Activation {
    /** The {@code alpha} of {@code max(0, x) + min(0, alpha * (exp(x / alpha) - 1))}. */
    public final double alpha;

    /** {@code CELU(alpha = 1)}. */
    public CELU() { this(1.0); }

    /** @throws IllegalArgumentException for alpha 0 */
    public CELU(double alpha) {
        super("CELU", "alpha=" + ReprUtil.num(alpha), x -> F.celu(x, alpha));
        if (alpha == 0) throw new IllegalArgumentException("ZeroDivisionError: alpha cannot be 0 for CELU");
        this.alpha = alpha;
    }
}
