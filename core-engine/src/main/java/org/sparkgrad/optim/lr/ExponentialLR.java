package org.sparkgrad.optim.lr;

import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Decays each group's learning rate by {@code gamma} every epoch ({@code torch.optim.lr_scheduler.ExponentialLR}):
 * closed form {@code lr = base_lr * gamma^epoch}.
 */
public final class ExponentialLR extends LRScheduler {
    private double gamma;

    /** ExponentialLR starting fresh. */
    public ExponentialLR(Optimizer optimizer, double gamma) { this(optimizer, gamma, -1); }

    /** @param lastEpoch -1 to start fresh, else the epoch to resume from */
    public ExponentialLR(Optimizer optimizer, double gamma, int lastEpoch) {
        super(optimizer, lastEpoch);
        this.gamma = gamma;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0) return lr;
        for (int i = 0; i < lr.length; i++) lr[i] *= gamma;
        return lr;
    }

    @Override protected double[] closedFormLr() {
        double[] r = baseLrs.clone();
        for (int i = 0; i < r.length; i++) r[i] *= Math.pow(gamma, lastEpoch);
        return r;
    }

    @Override protected void saveState(Map<String, Object> m) { m.put("gamma", gamma); }

    @Override protected void loadState(Map<String, ?> m) { gamma = doubleOf(m, "gamma"); }
}
