package org.sparkgrad.nn;

/**
 * Gated linear unit (Dauphin et al. 2017): x split in halves {@code a, b} along {@code dim}, {@code a * sigmoid(b)}.
 * Input {@code (*, 2k, *)} gives {@code (*, k, *)} (PyTorch {@code nn.GLU}, dim -1 by default).
 */
public class GLU extends Activation {
    public final int dim;

    public GLU() { this(-1); }

    public GLU(int dim) {
        super("GLU", "dim=" + dim, x -> F.glu(x, dim));
        this.dim = dim;
    }
}
