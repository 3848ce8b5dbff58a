package org.sparkgrad.optim.lr;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;

/**
 * Reduces the learning rate when a monitored metric stops improving
 * ({@code torch.optim.lr_scheduler.ReduceLROnPlateau}, PyTorch 1.13 and 2.x). Call {@link #step(double)} with the metric
 * (e.g. the validation loss) once per epoch.
 *
 * <p>A value is an improvement over the best so far when, for mode MIN, {@code value < best * (1 - threshold)}
 * (REL) or {@code value < best - threshold} (ABS); for MAX, {@code value > best * (1 + threshold)} or
 * {@code value > best + threshold}. After more than {@code patience} epochs without improvement, each group's
 * rate becomes {@code max(lr * factor, minLr)} (skipped when the change is at most {@code eps}) and a
 * {@code cooldown} of that many epochs starts, during which bad epochs are not counted.
 *
 * <p>Options are fluent and may be set right after construction (before the first step):
 * <pre>{@code
 * ReduceLROnPlateau plateau = new ReduceLROnPlateau(opt).factor(0.5).patience(3).minLr(1e-6);
 * for (int epoch = 0; epoch < 100; epoch++) { train(opt); plateau.step(validate()); }
 * }</pre>
 * Defaults: mode MIN, factor 0.1, patience 10, threshold 1e-4, threshold mode REL, cooldown 0, minLr 0,
 * eps 1e-8.
 */
public final class ReduceLROnPlateau {
    /** Whether lower (MIN) or higher (MAX) metric values are better. */
    public enum Mode { MIN, MAX }

    /** Whether {@code threshold} is relative to the best value (REL) or absolute (ABS). */
    public enum ThresholdMode { REL, ABS }

    private final Optimizer optimizer;
    private Mode mode = Mode.MIN;
    private double factor = 0.1;
    private int patience = 10;
    private double threshold = 1e-4;
    private ThresholdMode thresholdMode = ThresholdMode.REL;
    private int cooldown;
    private double[] minLrs;
    /** The scalar min_lr that also applies to groups added later; null when min_lr was given per group. */
    private Double defaultMinLr = 0.0;
    private double eps = 1e-8;
    private double best;
    private int numBadEpochs;
    private int cooldownCounter;
    private int lastEpoch;
    private double[] lastLr;

    /** A plateau scheduler with the default options. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        if (optimizer == null) throw new IllegalArgumentException("scheduler needs an optimizer");
        this.optimizer = optimizer;
        minLrs = new double[optimizer.paramGroups().size()];
        lastLr = currentLrs();
        reset();
    }

    private void reset() {
        best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        cooldownCounter = 0;
        numBadEpochs = 0;
    }

    /** MIN (default) or MAX; resets the best value. */
    public ReduceLROnPlateau mode(Mode m) {
        mode = m;
        reset();
        return this;
    }

    /**
     * Factor by which the rate is reduced, {@code < 1} (default 0.1).
     *
     * @throws IllegalArgumentException when {@code factor >= 1}
     */
    public ReduceLROnPlateau factor(double f) {
        if (!(f < 1.0)) throw new IllegalArgumentException("Factor should be < 1.0, got " + f);
        factor = f;
        return this;
    }

    /** Number of epochs without improvement tolerated before reducing (default 10). */
    public ReduceLROnPlateau patience(int p) {
        if (p < 0) throw new IllegalArgumentException("patience must be >= 0, got " + p);
        patience = p;
        return this;
    }

    /** Minimum significant change (default 1e-4). */
    public ReduceLROnPlateau threshold(double t) {
        threshold = t;
        return this;
    }

    /** REL (default) or ABS. */
    public ReduceLROnPlateau thresholdMode(ThresholdMode m) {
        thresholdMode = m;
        return this;
    }

    /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
    public ReduceLROnPlateau cooldown(int c) {
        if (c < 0) throw new IllegalArgumentException("cooldown must be >= 0, got " + c);
        cooldown = c;
        return this;
    }

    /** Lower bound of every group's rate (default 0), including groups added to the optimizer later. */
    public ReduceLROnPlateau minLr(double m) {
        java.util.Arrays.fill(minLrs, m);
        defaultMinLr = m;
        return this;
    }

    /**
     * One lower bound per parameter group.
     *
     * @throws IllegalArgumentException when the count differs from the number of groups
     */
    public ReduceLROnPlateau minLr(double[] perGroup) {
        if (perGroup.length != minLrs.length) {
            throw new IllegalArgumentException("expected " + minLrs.length + " min_lrs, got " + perGroup.length);
        }
        minLrs = perGroup.clone();
        defaultMinLr = null;
        return this;
    }

    /** Minimal change of the rate worth applying (default 1e-8). */
    public ReduceLROnPlateau eps(double e) {
        eps = e;
        return this;
    }

    /** Records one epoch's metric and reduces the rates when it has plateaued. */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric, best)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            reduceLr();
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
        lastLr = currentLrs();
    }

    private boolean isBetter(double a, double b) {
        if (mode == Mode.MIN) return thresholdMode == ThresholdMode.REL ? a < b * (1 - threshold) : a < b - threshold;
        return thresholdMode == ThresholdMode.REL ? a > b * (threshold + 1) : a > b + threshold;
    }

    /**
     * As PyTorch's {@code _reduce_lr}: when groups were added since the bounds were set, a scalar min_lr is
     * applied to all groups, per-group bounds are an error.
     */
    private void reduceLr() {
        List<ParamGroup> groups = optimizer.paramGroups();
        if (groups.size() != minLrs.length) {
            if (defaultMinLr == null) {
                throw new IllegalStateException("The number of param groups in the optimizer (" + groups.size() + ") differs from when "
                        + "ReduceLROnPlateau was given per-group min_lrs (" + minLrs.length + "), usually due to a new param group being "
                        + "added to the optimizer; set minLr again for every group");
            }
            minLrs = new double[groups.size()];
            java.util.Arrays.fill(minLrs, defaultMinLr);
        }
        for (int i = 0; i < groups.size(); i++) {
            double old = groups.get(i).lr();
            double nw = Math.max(old * factor, minLrs[i]);
            if (old - nw > eps) groups.get(i).set("lr", nw);
        }
    }

    private double[] currentLrs() {
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] r = new double[groups.size()];
        for (int i = 0; i < r.length; i++) r[i] = groups.get(i).lr();
        return r;
    }

    /** The rates after the last step (the optimizer's rates before the first). */
    public double[] getLastLr() { return lastLr.clone(); }

    /** The best metric seen so far. */
    public double best() { return best; }

    /** Epochs without improvement counted so far. */
    public int numBadEpochs() { return numBadEpochs; }

    /** Whether a cooldown is running. */
    public boolean inCooldown() { return cooldownCounter > 0; }

    /** The scheduler's options and counters as plain data (PyTorch's key names). */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mode.name().toLowerCase(Locale.ROOT));
        m.put("factor", factor);
        m.put("patience", patience);
        m.put("threshold", threshold);
        m.put("threshold_mode", thresholdMode.name().toLowerCase(Locale.ROOT));
        m.put("cooldown", cooldown);
        m.put("cooldown_counter", cooldownCounter);
        m.put("min_lrs", LRScheduler.toList(minLrs));
        m.put("default_min_lr", defaultMinLr);
        m.put("eps", eps);
        m.put("best", best);
        m.put("num_bad_epochs", numBadEpochs);
        m.put("last_epoch", lastEpoch);
        m.put("_last_lr", LRScheduler.toList(lastLr));
        return m;
    }

    /**
     * Restores a state from {@link #stateDict()}.
     *
     * @throws IllegalArgumentException for missing or malformed entries
     */
    public void loadStateDict(Map<String, ?> m) {
        mode = Mode.valueOf(String.valueOf(LRScheduler.required(m, "mode")).toUpperCase(Locale.ROOT));
        factor = LRScheduler.doubleOf(m, "factor");
        patience = LRScheduler.intOf(m, "patience");
        threshold = LRScheduler.doubleOf(m, "threshold");
        thresholdMode = ThresholdMode.valueOf(String.valueOf(LRScheduler.required(m, "threshold_mode")).toUpperCase(Locale.ROOT));
        cooldown = LRScheduler.intOf(m, "cooldown");
        cooldownCounter = LRScheduler.intOf(m, "cooldown_counter");
        minLrs = LRScheduler.doubles(m, "min_lrs");
        if (m.containsKey("default_min_lr")) {
            Object d = m.get("default_min_lr");
            if (d != null && !(d instanceof Number)) throw new IllegalArgumentException("scheduler state 'default_min_lr' is not a number: " + d);
            defaultMinLr = d == null ? null : ((Number) d).doubleValue();
        }
        eps = LRScheduler.doubleOf(m, "eps");
        best = LRScheduler.doubleOf(m, "best");
        numBadEpochs = LRScheduler.intOf(m, "num_bad_epochs");
        lastEpoch = LRScheduler.intOf(m, "last_epoch");
        lastLr = LRScheduler.doubles(m, "_last_lr");
    }
}
