package org.sparkgrad.optim.lr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Steps several chainable schedulers of one optimizer together ({@code torch.optim.lr_scheduler.ChainedScheduler},
 * PyTorch 2.x): each {@link #step()} calls every scheduler's {@code step()} in order, so their effects
 * multiply (e.g. a {@link ConstantLR} warm-up on top of an {@link ExponentialLR} decay). Construction does not
 * step: the schedulers have already made their initial steps.
 */
public final class ChainedScheduler extends LRScheduler {
    private final List<LRScheduler> schedulers;

    /**
     * @param schedulers the schedulers, all on the same optimizer, already constructed
     * @throws IllegalArgumentException for an empty list or schedulers on different optimizers
     */
    public ChainedScheduler(List<? extends LRScheduler> schedulers) {
        super(firstOptimizer(schedulers), -1);
        for (int i = 0; i < schedulers.size(); i++) {
            if (schedulers.get(i).optimizer() != optimizer) {
                throw new IllegalArgumentException("ChainedScheduler expects all schedulers to belong to the same optimizer, but got scheduler "
                        + schedulers.get(i).getClass().getSimpleName() + " at index " + i + " on a different one");
            }
        }
        this.schedulers = new ArrayList<>(schedulers);
        setLastLr(currentLrs());
    }

    private static Optimizer firstOptimizer(List<? extends LRScheduler> schedulers) {
        if (schedulers == null || schedulers.isEmpty()) {
            throw new IllegalArgumentException("ChainedScheduler expects at least one scheduler to be chained, but got no scheduler");
        }
        return schedulers.get(0).optimizer();
    }

    /** Not used: the chained schedulers compute the rates. */
    @Override protected double[] computeLr() { return currentLrs(); }

    /** Steps every scheduler once, in order. */
    @Override public void step() {
        for (LRScheduler s : schedulers) s.step();
        setLastLr(currentLrs());
    }

    /** Epoch jumps are not supported (PyTorch's ChainedScheduler.step takes no epoch). */
    @Override public void step(int epoch) {
        throw new UnsupportedOperationException("ChainedScheduler does not support step(epoch)");
    }

    /** The chained schedulers (unmodifiable). */
    public List<LRScheduler> schedulers() { return Collections.unmodifiableList(schedulers); }

    @Override protected void saveState(Map<String, Object> m) {
        List<Object> children = new ArrayList<>();
        for (LRScheduler s : schedulers) children.add(s.stateDict());
        m.put("_schedulers", children);
    }

    @Override protected void loadState(Map<String, ?> m) {
        loadChildStates(m, schedulers);
    }
}
