package org.sparkgrad.nn;

/**
 * Gated linear unit (Dauphin et al. 2017): x split in halves {@code a, b} along {@code dim}, {@code a * sigmoid(b)}.
 * Input {@code (*, 2k, *)} gives {@code (*, k, *)} (PyTorch {@code nn.GLU}, dim -1 by default).
 */
public class GLU extends Activation {
    /** The dim split in halves {@code a, b}; output {@code a * sigmoid(b)}. */
    public final int dim;

    /** {@code GLU(dim = -1)}. */
    public GLU() { this(-1); }

    /**
     * @param dim the dim to halve (its size must be even, else the forward throws IllegalArgumentException)
     */
    public GLU(int dim) {
        super("GLU", "dim=" + dim, x -> F.glu(x, dim));
        this.dim = dim;
    }
}
