package org.sparkgrad.optim.lr;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;

/**
 * Base class of the epoch-based learning-rate schedulers, modelled on {@code torch.optim.lr_scheduler.LRScheduler}
 * of PyTorch 2.x ({@code _LRScheduler} in 1.13; same stepping rules).
 *
 * <p>A scheduler owns a counter {@link #lastEpoch()} and rewrites the {@code lr} option of every parameter
 * group of its optimizer. Construction records each group's starting learning rate as {@code initial_lr}
 * (unless already present) and performs an initial step to epoch 0, which sets the first learning rate. Call
 * {@link #step()} once after each {@code optimizer.step()} (per epoch or per batch, as the schedule is meant):
 * <pre>{@code
 * SGD opt = new SGD(params, 0.1).momentum(0.9);
 * LRScheduler sched = new StepLR(opt, 30, 0.1);
 * for (int epoch = 0; epoch < 90; epoch++) {
 *     train(opt);          // opt.step() per batch
 *     sched.step();
 * }
 * }</pre>
 *
 * <p>{@link #step()} uses the <em>chainable</em> (recursive) form of the schedule, like PyTorch: the new rate
 * is computed from the group's current rate, so several schedulers may act on one optimizer.
 * {@link #step(int)} jumps to an epoch with the closed form where the scheduler has one (used by
 * {@link SequentialLR}). Learning rates are computed in double precision.
 *
 * <p>Constructing with {@code lastEpoch >= 0} makes the initial step advance to {@code lastEpoch + 1} with the
 * chainable form, as PyTorch up to the 2.7 releases; later PyTorch (the {@code _is_initial} flag, 2025) keeps the
 * loaded rate on that initial step for ExponentialLR, LinearLR, CosineAnnealingLR, MultiplicativeLR and
 * PolynomialLR. Fresh schedules ({@code lastEpoch = -1}) are identical in all versions.
 *
 * <p>Resuming: build the optimizer and the scheduler as for a fresh run, then load the optimizer's state dict
 * (it holds the current rates and {@code initial_lr}), then the scheduler's ({@link #loadStateDict}); the
 * schedule continues exactly. (The constructor's initial step changes the rates, so load after building.)
 *
 * <p>Subclass contract: the constructor ends with {@link #initialStep()}; {@link #computeLr()} returns the
 * chainable rates for {@link #lastEpoch}; {@link #closedFormLr()} the closed form (or null);
 * {@link #saveState}/{@link #loadState} persist the subclass's fields.
 */
public abstract class LRScheduler {
    /** The optimizer whose groups are scheduled. */
    protected final Optimizer optimizer;
    /** Each group's {@code initial_lr} when the scheduler was created. */
    protected double[] baseLrs;
    /** The epoch index of the current learning rate (-1 before the initial step). */
    protected int lastEpoch;
    /** Number of {@code step} calls, including the initial one. */
    protected int stepCount;
    private double[] lastLr;

    /**
     * Records the base learning rates.
     *
     * @param lastEpoch -1 to start fresh (sets each group's {@code initial_lr} from its {@code lr}); otherwise
     *                  the epoch to resume from, which needs {@code initial_lr} in every group
     * @throws IllegalArgumentException when resuming and a group has no {@code initial_lr}
     */
    protected LRScheduler(Optimizer optimizer, int lastEpoch) {
        if (optimizer == null) throw new IllegalArgumentException("scheduler needs an optimizer");
        this.optimizer = optimizer;
        List<ParamGroup> groups = optimizer.paramGroups();
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = groups.get(i);
            if (lastEpoch == -1) {
                if (!g.has("initial_lr")) g.set("initial_lr", g.lr());
            } else if (!g.has("initial_lr")) {
                throw new IllegalArgumentException("param 'initial_lr' is not specified in param_groups[" + i + "] when resuming an optimizer");
            }
        }
        baseLrs = new double[groups.size()];
        for (int i = 0; i < baseLrs.length; i++) baseLrs[i] = groups.get(i).getDouble("initial_lr");
        this.lastEpoch = lastEpoch;
    }

    /** Resets the step count and performs the first step; subclass constructors call it last. */
    protected final void initialStep() {
        stepCount = 0;
        step();
    }

    /** The chainable learning rate of each group for {@link #lastEpoch} (already advanced). */
    protected abstract double[] computeLr();

    /** The closed-form learning rate of each group for {@link #lastEpoch}, or null when there is none. */
    protected double[] closedFormLr() { return null; }

    /** Advances one epoch and sets each group's learning rate. */
    public void step() {
        stepCount++;
        lastEpoch++;
        applyLrs(computeLr());
    }

    /**
     * Jumps to {@code epoch} and sets each group's learning rate from the closed form (the chainable form
     * when there is none), like PyTorch's deprecated {@code scheduler.step(epoch)}
     * ({@code LRScheduler.step}/{@code _update_lr} with an epoch: {@code last_epoch = epoch}, then
     * {@code _get_closed_form_lr()} where the scheduler has one, else {@code get_lr()}).
     */
    public void step(int epoch) {
        stepCount++;
        lastEpoch = epoch;
        double[] v = closedFormLr();
        applyLrs(v != null ? v : computeLr());
    }

    /**
     * Writes {@code lrs[i]} into group {@code i}'s {@code lr} (for the first {@code min(lrs.length, groups)}
     * groups, as PyTorch's {@code zip}) and records the groups' rates as the last learning rates.
     */
    protected final void applyLrs(double[] lrs) {
        List<ParamGroup> groups = optimizer.paramGroups();
        for (int i = 0; i < Math.min(lrs.length, groups.size()); i++) groups.get(i).set("lr", lrs[i]);
        lastLr = currentLrs();
    }

    /** The current {@code lr} of each group. */
    protected double[] currentLrs() {
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] r = new double[groups.size()];
        for (int i = 0; i < r.length; i++) r[i] = groups.get(i).lr();
        return r;
    }

    /** The learning rate of each group set by the last step ({@code get_last_lr}). */
    public double[] getLastLr() { return lastLr.clone(); }

    /** Sets the value returned by {@link #getLastLr()} (for composite schedulers). */
    protected void setLastLr(double[] lrs) { lastLr = lrs.clone(); }

    /** The epoch index of the current learning rate. */
    public int lastEpoch() { return lastEpoch; }

    /** The scheduled optimizer. */
    public Optimizer optimizer() { return optimizer; }

    /**
     * The scheduler's state as plain data (numbers, booleans, strings, lists, maps), with PyTorch's key names
     * ({@code last_epoch}, {@code _step_count}, {@code base_lrs}, {@code _last_lr}, and the scheduler's own
     * hyper-parameters and counters).
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("base_lrs", toList(baseLrs));
        m.put("last_epoch", lastEpoch);
        m.put("_step_count", stepCount);
        m.put("_last_lr", toList(lastLr));
        saveState(m);
        return m;
    }

    /**
     * Restores a state produced by {@link #stateDict()} of the same scheduler class. Does not touch the
     * optimizer (restore the optimizer's state dict too, which holds the current learning rates).
     *
     * @throws IllegalArgumentException for missing or malformed entries
     */
    public void loadStateDict(Map<String, ?> sd) {
        baseLrs = doubles(sd, "base_lrs");
        lastEpoch = intOf(sd, "last_epoch");
        stepCount = intOf(sd, "_step_count");
        lastLr = doubles(sd, "_last_lr");
        loadState(sd);
    }

    /** Adds the subclass's fields to a state dict. */
    protected void saveState(Map<String, Object> m) {}

    /** Restores the subclass's fields from a state dict. */
    protected void loadState(Map<String, ?> m) {}

    // ---- plain-data helpers
    static List<Double> toList(double[] a) {
        List<Double> l = new ArrayList<>(a.length);
        for (double d : a) l.add(d);
        return l;
    }

    static Object required(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) throw new IllegalArgumentException("scheduler state dict has no '" + key + "'");
        return v;
    }

    /**
     * Sets a group's momentum for momentum cycling (OneCycleLR, CyclicLR): {@code betas[0]} when the optimizer uses
     * betas (Adam family), else {@code momentum}.
     */
    static void setMomentum(ParamGroup g, boolean beta1, double m) {
        if (beta1) {
            double[] betas = g.getDoubles("betas");
            List<Double> nb = new ArrayList<>();
            nb.add(m);
            for (int i = 1; i < betas.length; i++) nb.add(betas[i]);
            g.set("betas", nb);
        } else {
            g.set("momentum", m);
        }
    }

    /**
     * Loads the states of child schedulers (ChainedScheduler, SequentialLR) from the list under {@code _schedulers}.
     *
     * @throws IllegalArgumentException when the list is missing, has the wrong length, or holds a non-map entry
     */
    static void loadChildStates(Map<String, ?> m, List<LRScheduler> schedulers) {
        Object c = required(m, "_schedulers");
        if (!(c instanceof List) || ((List<?>) c).size() != schedulers.size()) {
            throw new IllegalArgumentException("scheduler state '_schedulers' must list " + schedulers.size() + " states");
        }
        List<?> children = (List<?>) c;
        for (int i = 0; i < schedulers.size(); i++) {
            if (!(children.get(i) instanceof Map)) throw new IllegalArgumentException("state of scheduler " + i + " is not a map");
            @SuppressWarnings("unchecked")
            Map<String, ?> child = (Map<String, ?>) children.get(i);
            schedulers.get(i).loadStateDict(child);
        }
    }

    static double[] doubles(Map<String, ?> m, String key) {
        Object v = required(m, key);
        if (!(v instanceof List)) throw new IllegalArgumentException("scheduler state '" + key + "' is not a list: " + v);
        List<?> l = (List<?>) v;
        double[] r = new double[l.size()];
        for (int i = 0; i < r.length; i++) r[i] = ((Number) l.get(i)).doubleValue();
        return r;
    }

    static int intOf(Map<String, ?> m, String key) {
        Object v = required(m, key);
        if (!(v instanceof Number)) throw new IllegalArgumentException("scheduler state '" + key + "' is not a number: " + v);
        return ((Number) v).intValue();
    }

    static double doubleOf(Map<String, ?> m, String key) {
        Object v = required(m, key);
        if (!(v instanceof Number)) throw new IllegalArgumentException("scheduler state '" + key + "' is not a number: " + v);
        return ((Number) v).doubleValue();
    }

    static boolean boolOf(Map<String, ?> m, String key) {
        Object v = required(m, key);
        if (!(v instanceof Boolean)) throw new IllegalArgumentException("scheduler state '" + key + "' is not a boolean: " + v);
        return (Boolean) v;
    }
}
