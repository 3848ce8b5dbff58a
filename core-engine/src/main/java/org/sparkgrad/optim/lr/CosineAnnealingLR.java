package org.sparkgrad.optim.lr;

import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Cosine annealing of each group's learning rate from its base rate to {@code etaMin} over {@code tMax} epochs
 * (Loshchilov &amp; Hutter 2017, "SGDR: Stochastic Gradient Descent with Warm Restarts", without restarts),
 * as {@code torch.optim.lr_scheduler.CosineAnnealingLR}. Closed form
 * {@code lr = etaMin + (base_lr - etaMin) (1 + cos(pi epoch / tMax)) / 2}. {@link #step()} uses PyTorch's
 * recursive form
 * {@code lr_t = etaMin + (lr_{t-1} - etaMin) (1 + cos(pi t / tMax)) / (1 + cos(pi (t - 1) / tMax))}, with its
 * special case at {@code (t - 1 - tMax) % (2 tMax) == 0}; past {@code tMax} the rate therefore rises again
 * (a cosine of period {@code 2 tMax}), exactly as in PyTorch.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private int tMax;
    private double etaMin;

    /** Cosine annealing to 0 over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax) { this(optimizer, tMax, 0.0, -1); }

    /** Cosine annealing to {@code etaMin} over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) { this(optimizer, tMax, etaMin, -1); }

    /**
     * @param tMax      half period in epochs ({@code >= 1})
     * @param etaMin    minimum learning rate
     * @param lastEpoch -1 to start fresh, else the epoch to resume from
     * @throws IllegalArgumentException for {@code tMax < 1}
     */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin, int lastEpoch) {
        super(optimizer, lastEpoch);
        if (tMax < 1) throw new IllegalArgumentException("CosineAnnealingLR: T_max must be >= 1, got " + tMax);
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0) return lr;
        if (stepCount == 1 && lastEpoch > 0) return closedFormLr();
        if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
            // PyTorch zips base_lrs with the groups here: a group added after construction keeps its rate
            double[] r = java.util.Arrays.copyOf(lr, Math.min(lr.length, baseLrs.length));
            for (int i = 0; i < r.length; i++) r[i] = r[i] + (baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
            return r;
        }
        double ratio = (1 + Math.cos(Math.PI * lastEpoch / tMax)) / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax));
        for (int i = 0; i < lr.length; i++) lr[i] = ratio * (lr[i] - etaMin) + etaMin;
        return lr;
    }

    @Override protected double[] closedFormLr() {
        double[] r = new double[baseLrs.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2;
        }
        return r;
    }

    @Override protected void saveState(Map<String, Object> m) {
        m.put("T_max", tMax);
        m.put("eta_min", etaMin);
    }

    @Override protected void loadState(Map<String, ?> m) {
        tMax = intOf(m, "T_max");
        etaMin = doubleOf(m, "eta_min");
    }
}
