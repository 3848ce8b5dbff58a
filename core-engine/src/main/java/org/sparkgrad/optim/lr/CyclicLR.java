package org.sparkgrad.optim.lr;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;

/**
 * Cyclical learning rates (Smith 2017, "Cyclical Learning Rates for Training Neural Networks"), as
 * {@code torch.optim.lr_scheduler.CyclicLR} of PyTorch 2.x; meant to be stepped after every batch. With
 * {@code total = stepSizeUp + stepSizeDown}, {@code ratio = stepSizeUp / total} and step index {@code e}:
 * <pre>
 *   cycle = floor(1 + e / total);   x = 1 + e / total - cycle
 *   s = x / ratio  if x &lt;= ratio,  else (x - 1) / (ratio - 1)
 *   lr = base_lr + (max_lr - base_lr) * s * scale(cycle or e)
 *   momentum = max_momentum - (max_momentum - base_momentum) * s * scale(cycle or e)   (cycleMomentum)
 * </pre>
 * Modes: {@code triangular} ({@code scale = 1}, per cycle), {@code triangular2} ({@code scale = 1 / 2^(cycle -
 * 1)}), {@code exp_range} ({@code scale = gamma^e}, per iteration), or a custom scale function with its own
 * scale mode. The constructor sets each group's {@code lr} to {@code base_lr} and, with momentum cycling, its
 * momentum (or beta1 for Adam-like optimizers) to {@code max_momentum}, like PyTorch.
 * <pre>{@code
 * CyclicLR clr = CyclicLR.builder(opt, 0.001, 0.1).stepSizeUp(2000).mode(CyclicLR.Mode.TRIANGULAR2).build();
 * }</pre>
 */
public final class CyclicLR extends LRScheduler {
    /** Built-in scaling policies. */
    public enum Mode {
        /** No amplitude scaling. */
        TRIANGULAR,
        /** Amplitude halved every cycle. */
        TRIANGULAR2,
        /** Amplitude scaled by {@code gamma^iteration}. */
        EXP_RANGE
    }

    private double[] maxLrs;
    private double totalSize;
    private double stepRatio;
    private Mode mode;
    private double gamma;
    private DoubleUnaryOperator customScale;
    private boolean scaleByCycle;
    private boolean cycleMomentum;
    private boolean useBeta1;
    private double[] baseMomentums;
    private double[] maxMomentums;

    private CyclicLR(Builder b) {
        super(prepare(b), b.lastEpoch);
        double[] givenBase = b.resolvedBase;
        maxLrs = b.resolvedMax;
        double up = b.stepSizeUp;
        double down = b.stepSizeDown != null ? b.stepSizeDown : up;
        totalSize = up + down;
        stepRatio = up / totalSize;
        mode = b.mode;
        gamma = b.gamma;
        customScale = b.scaleFn;
        scaleByCycle = customScale != null ? b.scaleByCycle : mode != Mode.EXP_RANGE;
        cycleMomentum = b.cycleMomentum;
        useBeta1 = b.useBeta1;
        baseMomentums = b.resolvedBaseMomentum;
        maxMomentums = b.resolvedMaxMomentum;
        initialStep();
        baseLrs = givenBase;   // PyTorch assigns self.base_lrs after the initial step
    }

    /** A builder cycling every group between {@code baseLr} and {@code maxLr}. */
    public static Builder builder(Optimizer optimizer, double baseLr, double maxLr) {
        return new Builder(optimizer, new double[] {baseLr}, new double[] {maxLr});
    }

    /** A builder with per-group bounds (one value each, or one per group). */
    public static Builder builder(Optimizer optimizer, double[] baseLrs, double[] maxLrs) {
        return new Builder(optimizer, baseLrs.clone(), maxLrs.clone());
    }

    private static double[] perGroup(String name, double[] v, int n) {
        if (v.length == 1 && n != 1) {
            double[] r = new double[n];
            Arrays.fill(r, v[0]);
            return r;
        }
        if (v.length != n) throw new IllegalArgumentException(name + " must have the same length as optimizer.param_groups. " + name + " has "
                + v.length + " values, param_groups has " + n + ".");
        return v.clone();
    }

    private static Optimizer prepare(Builder b) {
        Optimizer opt = b.optimizer;
        List<ParamGroup> groups = opt.paramGroups();
        int n = groups.size();
        b.resolvedBase = perGroup("base_lr", b.baseLrs, n);
        if (b.lastEpoch == -1) for (int i = 0; i < n; i++) groups.get(i).set("lr", b.resolvedBase[i]);
        b.resolvedMax = perGroup("max_lr", b.maxLrs, n);
        if (!(b.stepSizeUp > 0) || (b.stepSizeDown != null && !(b.stepSizeDown >= 0))) {
            throw new IllegalArgumentException("CyclicLR: step sizes must be positive, got up " + b.stepSizeUp + ", down " + b.stepSizeDown);
        }
        if (b.cycleMomentum) {
            Map<String, Object> d = opt.defaults();
            if (!d.containsKey("momentum") && !d.containsKey("betas")) {
                throw new IllegalArgumentException("optimizer must support momentum or beta1 with `cycle_momentum` option enabled");
            }
            b.useBeta1 = d.containsKey("betas");
            b.resolvedBaseMomentum = perGroup("base_momentum", b.baseMomentum, n);
            b.resolvedMaxMomentum = perGroup("max_momentum", b.maxMomentum, n);
            if (b.lastEpoch == -1) {
                for (int i = 0; i < n; i++) {
                    ParamGroup g = groups.get(i);
                    setMomentum(g, b.useBeta1, b.resolvedMaxMomentum[i]);
                    g.set("max_momentum", b.resolvedMaxMomentum[i]);
                    g.set("base_momentum", b.resolvedBaseMomentum[i]);
                }
            }
        }
        return opt;
    }


    private double scale(double x) {
        if (customScale != null) return customScale.applyAsDouble(x);
        switch (mode) {
            case TRIANGULAR2: return 1 / Math.pow(2.0, x - 1);
            case EXP_RANGE: return Math.pow(gamma, x);
            default: return 1.0;
        }
    }

    @Override protected double[] computeLr() {
        double cycle = Math.floor(1 + lastEpoch / totalSize);
        double x = 1.0 + lastEpoch / totalSize - cycle;
        double scaleFactor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1);
        double s = scale(scaleByCycle ? cycle : lastEpoch);
        int n = Math.min(baseLrs.length, maxLrs.length);
        double[] lrs = new double[n];
        for (int i = 0; i < n; i++) {
            double baseHeight = (maxLrs[i] - baseLrs[i]) * scaleFactor;
            lrs[i] = baseLrs[i] + baseHeight * s;
        }
        if (cycleMomentum) {
            List<ParamGroup> groups = optimizer.paramGroups();
            int m = Math.min(Math.min(baseMomentums.length, maxMomentums.length), groups.size());
            for (int i = 0; i < m; i++) {
                double baseHeight = (maxMomentums[i] - baseMomentums[i]) * scaleFactor;
                setMomentum(groups.get(i), useBeta1, maxMomentums[i] - baseHeight * s);
            }
        }
        return lrs;
    }

    @Override protected void saveState(Map<String, Object> m) {
        m.put("max_lrs", toList(maxLrs));
        m.put("total_size", totalSize);
        m.put("step_ratio", stepRatio);
        m.put("mode", mode.name().toLowerCase(Locale.ROOT));
        m.put("gamma", gamma);
        m.put("scale_mode", scaleByCycle ? "cycle" : "iterations");
        m.put("cycle_momentum", cycleMomentum);
        if (cycleMomentum) {
            m.put("use_beta1", useBeta1);
            m.put("base_momentums", toList(baseMomentums));
            m.put("max_momentums", toList(maxMomentums));
        }
    }

    @Override protected void loadState(Map<String, ?> m) {
        maxLrs = doubles(m, "max_lrs");
        totalSize = doubleOf(m, "total_size");
        stepRatio = doubleOf(m, "step_ratio");
        mode = Mode.valueOf(String.valueOf(required(m, "mode")).toUpperCase(Locale.ROOT));
        gamma = doubleOf(m, "gamma");
        scaleByCycle = "cycle".equals(String.valueOf(required(m, "scale_mode")));
        cycleMomentum = boolOf(m, "cycle_momentum");
        if (cycleMomentum) {
            useBeta1 = boolOf(m, "use_beta1");
            baseMomentums = doubles(m, "base_momentums");
            maxMomentums = doubles(m, "max_momentums");
        }
    }

    /** Options of a {@link CyclicLR}, with PyTorch's defaults. */
    public static final class Builder {
        private final Optimizer optimizer;
        private final double[] baseLrs;
        private final double[] maxLrs;
        private double stepSizeUp = 2000;
        private Double stepSizeDown;
        private Mode mode = Mode.TRIANGULAR;
        private double gamma = 1.0;
        private DoubleUnaryOperator scaleFn;
        private boolean scaleByCycle = true;
        private boolean cycleMomentum = true;
        private double[] baseMomentum = {0.8};
        private double[] maxMomentum = {0.9};
        private int lastEpoch = -1;
        private double[] resolvedBase;
        private double[] resolvedMax;
        private double[] resolvedBaseMomentum;
        private double[] resolvedMaxMomentum;
        private boolean useBeta1;

        private Builder(Optimizer optimizer, double[] baseLrs, double[] maxLrs) {
            if (optimizer == null) throw new IllegalArgumentException("scheduler needs an optimizer");
            this.optimizer = optimizer;
            this.baseLrs = baseLrs;
            this.maxLrs = maxLrs;
        }

        /** Iterations of the increasing half-cycle (default 2000). */
        public Builder stepSizeUp(double n) { stepSizeUp = n; return this; }

        /** Iterations of the decreasing half-cycle (default: {@link #stepSizeUp}). */
        public Builder stepSizeDown(double n) { stepSizeDown = n; return this; }

        /** Built-in policy (default TRIANGULAR); ignored when a custom scale function is given. */
        public Builder mode(Mode m) { mode = m; return this; }

        /** The constant of {@code exp_range} (default 1). */
        public Builder gamma(double g) { gamma = g; return this; }

        /**
         * A custom scaling policy ({@code 0 <= f(x) <= 1}), evaluated on the cycle number when {@code byCycle}
         * (PyTorch's {@code scale_mode='cycle'}) or on the iteration ({@code 'iterations'}).
         */
        public Builder scaleFn(DoubleUnaryOperator f, boolean byCycle) { scaleFn = f; scaleByCycle = byCycle; return this; }

        /** Whether momentum cycles inversely to the rate (default true). */
        public Builder cycleMomentum(boolean on) { cycleMomentum = on; return this; }

        /** Lower momentum bound (default 0.8), one value or one per group. */
        public Builder baseMomentum(double... v) { baseMomentum = v.clone(); return this; }

        /** Upper momentum bound (default 0.9), one value or one per group. */
        public Builder maxMomentum(double... v) { maxMomentum = v.clone(); return this; }

        /** Resume from this batch index (-1 = fresh, the default). */
        public Builder lastEpoch(int e) { lastEpoch = e; return this; }

        /**
         * Builds the scheduler (which sets the groups' first learning rate and momentum).
         *
         * @throws IllegalArgumentException for per-group lists of the wrong length, non-positive step sizes, or
         *                                  momentum cycling on an optimizer without momentum or betas
         */
        public CyclicLR build() { return new CyclicLR(this); }
    }
}
