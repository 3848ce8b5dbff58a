package org.sparkgrad.optim.lr;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;

/**
 * The 1cycle policy (Smith &amp; Topin 2018, "Super-Convergence: Very Fast Training of Neural Networks Using
 * Large Learning Rates"; Smith 2018, "A disciplined approach to neural network hyper-parameters"), as
 * {@code torch.optim.lr_scheduler.OneCycleLR} of PyTorch 1.13 and 2.x. Meant to be stepped after every batch.
 *
 * <p>Each group's rate starts at {@code initial_lr = maxLr / divFactor}, rises to {@code maxLr} over the first
 * {@code pctStart * totalSteps - 1} steps, then falls to {@code min_lr = initial_lr / finalDivFactor} at step
 * {@code totalSteps - 1}; with {@code threePhase} it first returns symmetrically to {@code initial_lr} and
 * then anneals to {@code min_lr}. Each phase interpolates with a cosine ({@code end + (start - end)(1 +
 * cos(pi pct)) / 2}) or linearly. With {@code cycleMomentum} the momentum moves inversely between
 * {@code maxMomentum} and {@code baseMomentum}: it writes the group's {@code momentum} (SGD, RMSprop) or the
 * first of its {@code betas} (Adam, AdamW). The constructor overwrites the groups' {@code lr},
 * {@code initial_lr}, {@code max_lr}, {@code min_lr}, {@code max_momentum}, {@code base_momentum} and the
 * momentum option, like PyTorch. Stepping past {@code totalSteps} throws.
 *
 * <pre>{@code
 * OneCycleLR sched = OneCycleLR.builder(opt, 0.1).totalSteps(1000).pctStart(0.25).build();
 * // or: new OneCycleLR(opt, 0.1, 1000) with PyTorch's defaults
 * }</pre>
 */
public final class OneCycleLR extends LRScheduler {
    /** How each phase interpolates. */
    public enum AnnealStrategy {
        /** Cosine annealing (default). */
        COS,
        /** Linear interpolation. */
        LINEAR;

        /** Parses PyTorch's {@code 'cos'} / {@code 'linear'}. */
        public static AnnealStrategy of(String s) {
            switch (s.toLowerCase(Locale.ROOT)) {
                case "cos": return COS;
                case "linear": return LINEAR;
                default: throw new IllegalArgumentException("anneal_strategy must by one of 'cos' or 'linear', instead got " + s);
            }
        }
    }

    private int totalSteps;
    private AnnealStrategy anneal;
    private boolean cycleMomentum;
    private boolean useBeta1;
    /** Per phase: end step, then keys of start/end lr and start/end momentum in the group. */
    private double[] phaseEnd;
    private String[][] phaseKeys;

    /** OneCycleLR with PyTorch's defaults (pct_start 0.3, cos, div 25, final div 1e4, momentum 0.85..0.95). */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
        this(builder(optimizer, maxLr).totalSteps(totalSteps));
    }

    private OneCycleLR(Builder b) {
        super(prepare(b), b.lastEpoch);
        totalSteps = b.resolvedTotal;
        anneal = b.anneal;
        cycleMomentum = b.cycleMomentum;
        useBeta1 = b.useBeta1;
        buildPhases(b.threePhase, b.pctStart);
        initialStep();
    }

    /** A builder for a scheduler on {@code optimizer} peaking at {@code maxLr} (all groups). */
    public static Builder builder(Optimizer optimizer, double maxLr) {
        Builder b = new Builder(optimizer);
        b.maxLrs = new double[] {maxLr};
        return b;
    }

    /** A builder with one peak learning rate per parameter group. */
    public static Builder builder(Optimizer optimizer, double[] maxLrs) {
        Builder b = new Builder(optimizer);
        b.maxLrs = maxLrs.clone();
        return b;
    }

    private void buildPhases(boolean threePhase, double pctStart) {
        if (threePhase) {
            phaseEnd = new double[] {pctStart * totalSteps - 1, 2 * pctStart * totalSteps - 2, totalSteps - 1};
            phaseKeys = new String[][] {
                    {"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                    {"max_lr", "initial_lr", "base_momentum", "max_momentum"},
                    {"initial_lr", "min_lr", "max_momentum", "max_momentum"}};
        } else {
            phaseEnd = new double[] {pctStart * totalSteps - 1, totalSteps - 1};
            phaseKeys = new String[][] {
                    {"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                    {"max_lr", "min_lr", "base_momentum", "max_momentum"}};
        }
    }

    private static Optimizer prepare(Builder b) {
        Optimizer opt = b.optimizer;
        List<ParamGroup> groups = opt.paramGroups();
        int total;
        if (b.totalSteps != null) {
            if (b.totalSteps <= 0) throw new IllegalArgumentException("Expected positive integer total_steps, but got " + b.totalSteps);
            total = b.totalSteps;
        } else if (b.epochs != null && b.stepsPerEpoch != null) {
            if (b.epochs <= 0) throw new IllegalArgumentException("Expected positive integer epochs, but got " + b.epochs);
            if (b.stepsPerEpoch <= 0) throw new IllegalArgumentException("Expected positive integer steps_per_epoch, but got " + b.stepsPerEpoch);
            total = b.epochs * b.stepsPerEpoch;
        } else {
            throw new IllegalArgumentException("You must define either total_steps OR (epochs AND steps_per_epoch)");
        }
        b.resolvedTotal = total;
        if (!(b.pctStart >= 0 && b.pctStart <= 1)) throw new IllegalArgumentException("Expected float between 0 and 1 pct_start, but got " + b.pctStart);
        double[] maxLrs = perGroup("max_lr", b.maxLrs, groups.size());
        double[] maxMom = perGroup("max_momentum", b.maxMomentum, groups.size());
        double[] baseMom = perGroup("base_momentum", b.baseMomentum, groups.size());
        if (b.lastEpoch == -1) {
            for (int i = 0; i < groups.size(); i++) {
                ParamGroup g = groups.get(i);
                double initial = maxLrs[i] / b.divFactor;
                g.set("initial_lr", initial);
                g.set("max_lr", maxLrs[i]);
                g.set("min_lr", initial / b.finalDivFactor);
            }
        }
        if (b.cycleMomentum) {
            Map<String, Object> d = opt.defaults();
            if (!d.containsKey("momentum") && !d.containsKey("betas")) {
                throw new IllegalArgumentException("optimizer must support momentum with `cycle_momentum` option enabled");
            }
            b.useBeta1 = d.containsKey("betas");
            if (b.lastEpoch == -1) {
                for (int i = 0; i < groups.size(); i++) {
                    ParamGroup g = groups.get(i);
                    setMomentum(g, b.useBeta1, maxMom[i]);
                    g.set("max_momentum", maxMom[i]);
                    g.set("base_momentum", baseMom[i]);
                }
            }
        }
        return opt;
    }

    private static double[] perGroup(String name, double[] v, int n) {
        if (v.length == 1) {
            double[] r = new double[n];
            java.util.Arrays.fill(r, v[0]);
            return r;
        }
        if (v.length != n) throw new IllegalArgumentException("expected " + n + " values for " + name + ", got " + v.length);
        return v.clone();
    }


    private double interpolate(double start, double end, double pct) {
        if (anneal == AnnealStrategy.COS) {
            double cosOut = Math.cos(Math.PI * pct) + 1;
            return end + (start - end) / 2.0 * cosOut;
        }
        return (end - start) * pct + start;
    }

    @Override protected double[] computeLr() {
        int stepNum = lastEpoch;
        if (stepNum > totalSteps) {
            throw new IllegalStateException("Tried to step " + stepNum + " times. The specified number of total steps is " + totalSteps);
        }
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            double start = 0;
            for (int i = 0; i < phaseEnd.length; i++) {
                double end = phaseEnd[i];
                if (stepNum <= end || i == phaseEnd.length - 1) {
                    double pct = (stepNum - start) / (end - start);
                    String[] k = phaseKeys[i];
                    lrs[gi] = interpolate(g.getDouble(k[0]), g.getDouble(k[1]), pct);
                    if (cycleMomentum) setMomentum(g, useBeta1, interpolate(g.getDouble(k[2]), g.getDouble(k[3]), pct));
                    break;
                }
                start = end;
            }
        }
        return lrs;
    }

    /** Total number of steps of the cycle. */
    public int totalSteps() { return totalSteps; }

    @Override protected void saveState(Map<String, Object> m) {
        m.put("total_steps", totalSteps);
        m.put("anneal_strategy", anneal.name().toLowerCase(Locale.ROOT));
        m.put("cycle_momentum", cycleMomentum);
        m.put("use_beta1", useBeta1);
        m.put("three_phase", phaseEnd.length == 3);
        m.put("phase_end_steps", toList(phaseEnd));
    }

    @Override protected void loadState(Map<String, ?> m) {
        totalSteps = intOf(m, "total_steps");
        anneal = AnnealStrategy.of(String.valueOf(required(m, "anneal_strategy")));
        cycleMomentum = boolOf(m, "cycle_momentum");
        useBeta1 = boolOf(m, "use_beta1");
        boolean three = boolOf(m, "three_phase");
        buildPhases(three, 0);
        phaseEnd = doubles(m, "phase_end_steps");
        if (phaseEnd.length != (three ? 3 : 2)) throw new IllegalArgumentException("scheduler state 'phase_end_steps' has " + phaseEnd.length + " phases");
    }

    /** Options of a {@link OneCycleLR}, with PyTorch's defaults. */
    public static final class Builder {
        private final Optimizer optimizer;
        private double[] maxLrs;
        private Integer totalSteps;
        private Integer epochs;
        private Integer stepsPerEpoch;
        private double pctStart = 0.3;
        private AnnealStrategy anneal = AnnealStrategy.COS;
        private boolean cycleMomentum = true;
        private double[] baseMomentum = {0.85};
        private double[] maxMomentum = {0.95};
        private double divFactor = 25.0;
        private double finalDivFactor = 1e4;
        private boolean threePhase;
        private int lastEpoch = -1;
        private int resolvedTotal;
        private boolean useBeta1;

        private Builder(Optimizer optimizer) {
            if (optimizer == null) throw new IllegalArgumentException("scheduler needs an optimizer");
            this.optimizer = optimizer;
        }

        /** Total number of steps (or give {@link #epochs} and {@link #stepsPerEpoch}). */
        public Builder totalSteps(int n) { totalSteps = n; return this; }

        /** Number of epochs (with {@link #stepsPerEpoch}; total = product). */
        public Builder epochs(int n) { epochs = n; return this; }

        /** Steps per epoch (with {@link #epochs}). */
        public Builder stepsPerEpoch(int n) { stepsPerEpoch = n; return this; }

        /** Fraction of the cycle spent increasing the rate, in [0, 1] (default 0.3). */
        public Builder pctStart(double v) { pctStart = v; return this; }

        /** Cosine (default) or linear interpolation. */
        public Builder annealStrategy(AnnealStrategy s) { anneal = s; return this; }

        /** Whether momentum cycles inversely to the rate (default true). */
        public Builder cycleMomentum(boolean on) { cycleMomentum = on; return this; }

        /** Lower momentum bound (default 0.85), one value or one per group. */
        public Builder baseMomentum(double... v) { baseMomentum = v.clone(); return this; }

        /** Upper momentum bound (default 0.95), one value or one per group. */
        public Builder maxMomentum(double... v) { maxMomentum = v.clone(); return this; }

        /** {@code initial_lr = maxLr / divFactor} (default 25). */
        public Builder divFactor(double v) { divFactor = v; return this; }

        /** {@code min_lr = initial_lr / finalDivFactor} (default 1e4). */
        public Builder finalDivFactor(double v) { finalDivFactor = v; return this; }

        /** Use three phases (up, symmetric down, final anneal) instead of two (default false). */
        public Builder threePhase(boolean on) { threePhase = on; return this; }

        /** Resume from this step index (-1 = fresh, the default; resuming needs the groups' saved options). */
        public Builder lastEpoch(int e) { lastEpoch = e; return this; }

        /**
         * Builds the scheduler (which immediately sets the groups' first learning rate and momentum).
         *
         * @throws IllegalArgumentException for missing/invalid step counts, pct_start outside [0, 1], per-group
         *                                  lists of the wrong length, or momentum cycling on an optimizer
         *                                  without momentum or betas
         */
        public OneCycleLR build() { return new OneCycleLR(this); }
    }
}
