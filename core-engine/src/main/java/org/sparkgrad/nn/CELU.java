package org.sparkgrad.nn;

/**
 * {@code x > 0 ? x : alpha * (exp(x / alpha) - 1)} (Barron 2017). Elementwise on any shape (PyTorch {@code nn.CELU},
 * alpha 1.0 by default).
 */
public class CELU extends Activation {
    public final double alpha;

    public CELU() { this(1.0); }

    /** @throws IllegalArgumentException for alpha 0 */
    public CELU(double alpha) {
        super("CELU", "alpha=" + ReprUtil.num(alpha), x -> F.celu(x, alpha));
        if (alpha == 0) throw new IllegalArgumentException("ZeroDivisionError: alpha cannot be 0 for CELU");
        this.alpha = alpha;
    }
}
