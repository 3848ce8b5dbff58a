package org.sparkgrad.nn;

/** {@code x <= threshold ? value : x}. Elementwise on any shape (PyTorch {@code nn.Threshold(threshold, value)}). */
public class Threshold extends Activation {
    /** {@code y = x > threshold ? x : value}. */
    public final double threshold, value;

    /**
     * @param threshold inputs at or below it are replaced
     * @param value     the replacement
     */
    public Threshold(double threshold, double value) {
        super("Threshold", "threshold=" + ReprUtil.num(threshold) + ", value=" + ReprUtil.num(value), x -> F.threshold(x, threshold, value));
        this.threshold = threshold;
        this.value = value;
    }
}
