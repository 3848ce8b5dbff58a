package org.sparkgrad.optim.lr;

import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Decays each group's learning rate polynomially to 0 over {@code totalIters} epochs
 * ({@code torch.optim.lr_scheduler.PolynomialLR}, PyTorch 2.x): closed form
 * {@code lr = base_lr * (1 - min(totalIters, epoch) / totalIters)^power}. {@link #step()} uses PyTorch's
 * chainable form {@code lr_e = lr_(e-1) * ((1 - e / totalIters) / (1 - (e - 1) / totalIters))^power} for
 * {@code 0 < e <= totalIters}, and keeps the rate otherwise.
 */
public final class PolynomialLR extends LRScheduler {
    private int totalIters;
    private double power;

    /** PyTorch's defaults: 5 epochs, power 1 (linear decay). */
    public PolynomialLR(Optimizer optimizer) { this(optimizer, 5, 1.0, -1); }

    /** PolynomialLR starting fresh. */
    public PolynomialLR(Optimizer optimizer, int totalIters, double power) { this(optimizer, totalIters, power, -1); }

    /**
     * @param totalIters number of epochs of the decay
     * @param power      exponent of the polynomial
     * @param lastEpoch  -1 to start fresh, else the epoch to resume from
     */
    public PolynomialLR(Optimizer optimizer, int totalIters, double power, int lastEpoch) {
        super(optimizer, lastEpoch);
        this.totalIters = totalIters;
        this.power = power;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0 || lastEpoch > totalIters) return lr;
        double decay = Math.pow((1.0 - (double) lastEpoch / totalIters) / (1.0 - (double) (lastEpoch - 1) / totalIters), power);
        for (int i = 0; i < lr.length; i++) lr[i] *= decay;
        return lr;
    }

    @Override protected double[] closedFormLr() {
        double[] r = baseLrs.clone();
        double f = Math.pow(1.0 - (double) Math.min(totalIters, lastEpoch) / totalIters, power);
        for (int i = 0; i < r.length; i++) r[i] *= f;
        return r;
    }

    @Override protected void saveState(Map<String, Object> m) {
        m.put("total_iters", totalIters);
        m.put("power", power);
    }

    @Override protected void loadState(Map<String, ?> m) {
        totalIters = intOf(m, "total_iters");
        power = doubleOf(m, "power");
    }
}
