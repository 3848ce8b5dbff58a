package org.sparkgrad.optim.lr;

import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Decays each group's learning rate by {@code gamma} every {@code stepSize} epochs
 * ({@code torch.optim.lr_scheduler.StepLR}): closed form {@code lr = base_lr * gamma^floor(epoch / stepSize)};
 * {@link #step()} multiplies the current rate by {@code gamma} at multiples of {@code stepSize}.
 */
public final class StepLR extends LRScheduler {
    private int stepSize;
    private double gamma;

    /** StepLR with {@code gamma = 0.1}. */
    public StepLR(Optimizer optimizer, int stepSize) { this(optimizer, stepSize, 0.1, -1); }

    /** StepLR starting fresh. */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) { this(optimizer, stepSize, gamma, -1); }

    /**
     * @param stepSize  period of the decay in epochs ({@code >= 1})
     * @param gamma     multiplicative factor
     * @param lastEpoch -1 to start fresh, else the epoch to resume from
     * @throws IllegalArgumentException for {@code stepSize < 1}
     */
    public StepLR(Optimizer optimizer, int stepSize, double gamma, int lastEpoch) {
        super(optimizer, lastEpoch);
        if (stepSize < 1) throw new IllegalArgumentException("StepLR: step_size must be >= 1, got " + stepSize);
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0 || lastEpoch % stepSize != 0) return lr;
        for (int i = 0; i < lr.length; i++) lr[i] *= gamma;
        return lr;
    }

    @Override protected double[] closedFormLr() {
        double[] r = baseLrs.clone();
        for (int i = 0; i < r.length; i++) r[i] *= Math.pow(gamma, Math.floorDiv(lastEpoch, stepSize));
        return r;
    }

    @Override protected void saveState(Map<String, Object> m) {
        m.put("step_size", stepSize);
        m.put("gamma", gamma);
    }

    @Override protected void loadState(Map<String, ?> m) {
        stepSize = intOf(m, "step_size");
        gamma = doubleOf(m, "gamma");
    }
}
