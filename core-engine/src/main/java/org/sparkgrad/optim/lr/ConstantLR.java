package org.sparkgrad.optim.lr;

import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Multiplies each group's learning rate by a constant {@code factor} until epoch {@code totalIters}
 * ({@code torch.optim.lr_scheduler.ConstantLR}, PyTorch 2.x), a constant warm-up. Chainable form: epoch 0
 * multiplies by {@code factor}, epoch {@code totalIters} divides by it, other epochs keep the rate. Closed form
 * {@code lr = base_lr * (factor + (epoch >= totalIters ? 1 - factor : 0))}.
 */
public final class ConstantLR extends LRScheduler {
    private double factor;
    private int totalIters;

    /** PyTorch's defaults: factor 1/3 for 5 epochs. */
    public ConstantLR(Optimizer optimizer) { this(optimizer, 1.0 / 3, 5, -1); }

    /** ConstantLR starting fresh. */
    public ConstantLR(Optimizer optimizer, double factor, int totalIters) { this(optimizer, factor, totalIters, -1); }

    /**
     * @param factor     the multiplier, in {@code [0, 1]}
     * @param totalIters the epoch at which the rate returns to its base value
     * @param lastEpoch  -1 to start fresh, else the epoch to resume from
     * @throws IllegalArgumentException for a factor outside {@code [0, 1]}
     */
    public ConstantLR(Optimizer optimizer, double factor, int totalIters, int lastEpoch) {
        super(optimizer, lastEpoch);
        if (!(factor >= 0 && factor <= 1)) throw new IllegalArgumentException("Constant multiplicative factor expected to be between 0 and 1, got " + factor);
        this.factor = factor;
        this.totalIters = totalIters;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0) {
            for (int i = 0; i < lr.length; i++) lr[i] *= factor;
            return lr;
        }
        if (lastEpoch != totalIters) return lr;
        if (factor == 0) throw new ArithmeticException("ConstantLR: float division by zero (factor 0 at total_iters)");
        for (int i = 0; i < lr.length; i++) lr[i] *= 1.0 / factor;
        return lr;
    }

    @Override protected double[] closedFormLr() {
        double[] r = baseLrs.clone();
        double f = factor + (lastEpoch >= totalIters ? 1 - factor : 0.0);
        for (int i = 0; i < r.length; i++) r[i] *= f;
        return r;
    }

    @Override protected void saveState(Map<String, Object> m) {
        m.put("factor", factor);
        m.put("total_iters", totalIters);
    }

    @Override protected void loadState(Map<String, ?> m) {
        factor = doubleOf(m, "factor");
        totalIters = intOf(m, "total_iters");
    }
}
