package org.sparkgrad.optim.lr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;

/**
 * Runs schedulers one after another, switching at milestone epochs
 * ({@code torch.optim.lr_scheduler.SequentialLR}, PyTorch 2.x) — typically a warm-up followed by a decay:
 * <pre>{@code
 * SGD opt = new SGD(params, 0.1);
 * LinearLR warmup = new LinearLR(opt, 0.01, 1.0, 5);
 * CosineAnnealingLR decay = new CosineAnnealingLR(opt, 95);
 * SequentialLR sched = new SequentialLR(opt, List.of(warmup, decay), new int[] {5});
 * }</pre>
 * Construction resets every group's {@code lr} to its {@code initial_lr}, undoes the initial step the child
 * schedulers made, and re-runs the first one's initial step. At milestone {@code m_i} (epoch equal to it)
 * scheduler {@code i + 1} restarts with {@code step(0)}, i.e. from its closed form at epoch 0 (its base rate);
 * between milestones the active scheduler steps normally.
 */
public final class SequentialLR extends LRScheduler {
    private final List<LRScheduler> schedulers;
    private int[] milestones;

    /**
     * @param schedulers the schedulers in order, all on {@code optimizer}, already constructed
     * @param milestones epochs at which to switch to the next scheduler (one fewer than schedulers)
     * @throws IllegalArgumentException for an empty list, a scheduler on another optimizer, or a wrong number
     *                                  of milestones
     */
    public SequentialLR(Optimizer optimizer, List<? extends LRScheduler> schedulers, int[] milestones) {
        super(optimizer, -1);
        if (schedulers.isEmpty()) throw new IllegalArgumentException("SequentialLR expects at least one scheduler");
        for (int i = 0; i < schedulers.size(); i++) {
            if (schedulers.get(i).optimizer() != optimizer) {
                throw new IllegalArgumentException("Sequential Schedulers expects all schedulers to belong to the same optimizer, but got scheduler "
                        + schedulers.get(i).getClass().getSimpleName() + " at index " + i + " to be different than the optimizer passed in");
            }
        }
        if (milestones.length != schedulers.size() - 1) {
            throw new IllegalArgumentException("Sequential Schedulers expects number of schedulers provided to be one more than the number of "
                    + "milestone points, but got number of schedulers " + schedulers.size() + " and the number of milestones to be equal to "
                    + milestones.length);
        }
        this.schedulers = new ArrayList<>(schedulers);
        this.milestones = milestones.clone();
        this.lastEpoch = 0;
        for (ParamGroup g : optimizer.paramGroups()) g.set("lr", g.getDouble("initial_lr"));
        for (LRScheduler s : this.schedulers) s.lastEpoch -= 1;
        this.schedulers.get(0).initialStep();
        setLastLr(this.schedulers.get(0).getLastLr());
    }

    /** Not used: SequentialLR delegates every step to the active scheduler. */
    @Override protected double[] computeLr() { return currentLrs(); }

    /** Advances one epoch: steps the active scheduler, restarting it at its milestone. */
    @Override public void step() {
        lastEpoch++;
        stepCount++;
        int idx = bisectRight(milestones, lastEpoch);
        LRScheduler s = schedulers.get(idx);
        if (idx > 0 && milestones[idx - 1] == lastEpoch) s.step(0);
        else s.step();
        setLastLr(s.getLastLr());
    }

    /** Epoch jumps are not supported by SequentialLR (its PyTorch {@code step()} takes no epoch). */
    @Override public void step(int epoch) {
        throw new UnsupportedOperationException("SequentialLR does not support step(epoch)");
    }

    private static int bisectRight(int[] a, int x) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (x < a[mid]) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }

    /** The child schedulers (unmodifiable). */
    public List<LRScheduler> schedulers() { return java.util.Collections.unmodifiableList(schedulers); }

    @Override protected void saveState(Map<String, Object> m) {
        List<Integer> ms = new ArrayList<>();
        for (int x : milestones) ms.add(x);
        m.put("_milestones", ms);
        List<Object> children = new ArrayList<>();
        for (LRScheduler s : schedulers) children.add(s.stateDict());
        m.put("_schedulers", children);
    }

    @Override protected void loadState(Map<String, ?> m) {
        double[] ms = doubles(m, "_milestones");
        int[] mi = new int[ms.length];
        for (int i = 0; i < ms.length; i++) mi[i] = (int) ms[i];
        if (mi.length != schedulers.size() - 1) {
            throw new IllegalArgumentException("scheduler state has " + mi.length + " milestones for " + schedulers.size() + " schedulers");
        }
        loadChildStates(m, schedulers);
        milestones = mi;
    }

    @Override public String toString() { return "SequentialLR" + Arrays.toString(milestones) + schedulers; }
}
