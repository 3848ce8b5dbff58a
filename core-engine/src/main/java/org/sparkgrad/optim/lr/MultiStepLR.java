package org.sparkgrad.optim.lr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Decays each group's learning rate by {@code gamma} at each milestone epoch
 * ({@code torch.optim.lr_scheduler.MultiStepLR}): closed form
 * {@code lr = base_lr * gamma^(number of milestones <= epoch)}; a milestone listed k times multiplies by
 * {@code gamma^k}.
 */
public final class MultiStepLR extends LRScheduler {
    private int[] milestones; // sorted, duplicates kept
    private double gamma;

    /** MultiStepLR with {@code gamma = 0.1}. */
    public MultiStepLR(Optimizer optimizer, int[] milestones) { this(optimizer, milestones, 0.1, -1); }

    /** MultiStepLR starting fresh. */
    public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) { this(optimizer, milestones, gamma, -1); }

    /**
     * @param milestones epoch indices (any order; duplicates multiply)
     * @param gamma      multiplicative factor
     * @param lastEpoch  -1 to start fresh, else the epoch to resume from
     */
    public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma, int lastEpoch) {
        super(optimizer, lastEpoch);
        this.milestones = milestones.clone();
        Arrays.sort(this.milestones);
        this.gamma = gamma;
        initialStep();
    }

    private int countAt(int epoch) {
        int c = 0;
        for (int m : milestones) if (m == epoch) c++;
        return c;
    }

    @Override protected double[] computeLr() {
        double[] lr = currentLrs();
        int k = countAt(lastEpoch);
        if (k == 0) return lr;
        for (int i = 0; i < lr.length; i++) lr[i] *= Math.pow(gamma, k);
        return lr;
    }

    @Override protected double[] closedFormLr() {
        int passed = 0;
        for (int m : milestones) if (m <= lastEpoch) passed++;
        double[] r = baseLrs.clone();
        for (int i = 0; i < r.length; i++) r[i] *= Math.pow(gamma, passed);
        return r;
    }

    @Override protected void saveState(Map<String, Object> m) {
        List<Integer> l = new ArrayList<>();
        for (int x : milestones) l.add(x);
        m.put("milestones", l);
        m.put("gamma", gamma);
    }

    @Override protected void loadState(Map<String, ?> m) {
        double[] ms = doubles(m, "milestones");
        milestones = new int[ms.length];
        for (int i = 0; i < ms.length; i++) milestones[i] = (int) ms[i];
        Arrays.sort(milestones);
        gamma = doubleOf(m, "gamma");
    }
}
