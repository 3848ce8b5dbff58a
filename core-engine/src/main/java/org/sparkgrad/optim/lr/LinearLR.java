package org.sparkgrad.optim.lr;

import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Scales each group's learning rate by a factor that changes linearly from {@code startFactor} to
 * {@code endFactor} over {@code totalIters} epochs, then stays ({@code torch.optim.lr_scheduler.LinearLR});
 * the usual warm-up. Closed form
 * {@code lr = base_lr (startFactor + (endFactor - startFactor) min(totalIters, epoch) / totalIters)}.
 */
public final class LinearLR extends LRScheduler {
    private double startFactor;
    private double endFactor;
    private int totalIters;

    /** PyTorch's defaults: start factor 1/3, end factor 1, 5 iterations. */
    public LinearLR(Optimizer optimizer) { this(optimizer, 1.0 / 3, 1.0, 5, -1); }

    /** LinearLR starting fresh. */
    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
        this(optimizer, startFactor, endFactor, totalIters, -1);
    }

    /**
     * @param startFactor factor at epoch 0, in {@code (0, 1]}
     * @param endFactor   factor from {@code totalIters} on, in {@code [0, 1]}
     * @param totalIters  number of epochs of the ramp ({@code >= 1})
     * @param lastEpoch   -1 to start fresh, else the epoch to resume from
     * @throws IllegalArgumentException for factors out of range or {@code totalIters < 1}
     */
    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters, int lastEpoch) {
        super(optimizer, lastEpoch);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got " + startFactor);
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("Ending multiplicative factor expected to be between 0 and 1, got " + endFactor);
        }
        if (totalIters < 1) throw new IllegalArgumentException("LinearLR: total_iters must be >= 1, got " + totalIters);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0) {
            for (int i = 0; i < lr.length; i++) lr[i] *= startFactor;
            return lr;
        }
        if (lastEpoch > totalIters) return lr;
        double f = 1.0 + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
        for (int i = 0; i < lr.length; i++) lr[i] *= f;
        return lr;
    }

    @Override protected double[] closedFormLr() {
        double[] r = baseLrs.clone();
        double f = startFactor + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters;
        for (int i = 0; i < r.length; i++) r[i] *= f;
        return r;
    }

    @Override protected void saveState(Map<String, Object> m) {
        m.put("start_factor", startFactor);
        m.put("end_factor", endFactor);
        m.put("total_iters", totalIters);
    }

    @Override protected void loadState(Map<String, ?> m) {
        startFactor = doubleOf(m, "start_factor");
        endFactor = doubleOf(m, "end_factor");
        totalIters = intOf(m, "total_iters");
    }
}
