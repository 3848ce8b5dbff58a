package org.sparkgrad.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.ops.Losses.Reduction;
import org.sparkgrad.optim.Adagrad;
import org.sparkgrad.optim.Adam;
import org.sparkgrad.optim.AdamW;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;
import org.sparkgrad.optim.RMSprop;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.optim.lr.ConstantLR;
import org.sparkgrad.optim.lr.CosineAnnealingLR;
import org.sparkgrad.optim.lr.CosineAnnealingWarmRestarts;
import org.sparkgrad.optim.lr.CyclicLR;
import org.sparkgrad.optim.lr.ExponentialLR;
import org.sparkgrad.optim.lr.LRScheduler;
import org.sparkgrad.optim.lr.LinearLR;
import org.sparkgrad.optim.lr.MultiStepLR;
import org.sparkgrad.optim.lr.OneCycleLR;
import org.sparkgrad.optim.lr.PolynomialLR;
import org.sparkgrad.optim.lr.StepLR;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * Golden ops of the losses, optimizers and learning-rate schedulers ({@code losses.json}, {@code optim.json};
 * format in {@code shared/golden/README.md}).
 *
 * <p>Optimizer cases: the parameter starts at {@code inputs.param}; step k sets its gradient to
 * {@code grad_k} and calls {@code step()}; the outputs are the 5 parameter snapshots. Scheduler cases: an
 * {@code SGD(lr=base_lr, momentum=0.9)} over one parameter with a constant gradient; for 20 iterations the
 * group's lr (and momentum) is recorded, then the optimizer and the scheduler step; the output is the 1-D
 * float64 tensor of the 20 learning rates ({@code extra.momentum} likewise). Schedulers: StepLR, MultiStepLR,
 * ConstantLR, LinearLR, PolynomialLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR and
 * OneCycleLR (LambdaLR/MultiplicativeLR take a function, SequentialLR/ChainedScheduler other schedulers, and
 * ReduceLROnPlateau a metric: none of them fits the fixture format).
 */
public final class LossOptimGoldenOps implements GoldenOps.Provider {
    private static final int SCHEDULE_STEPS = 20;

    @Override public void register(Map<String, GoldenOp> m) {
        // ---- losses: F.*(input, target, ..., size_average=None, reduce=None, reduction='mean'); the legacy
        // size_average/reduce override reduction as torch's _Reduction.legacy_get_string (huber_loss has neither)
        m.put("mse_loss", c -> one(Losses.mseLoss(c.in("input"), c.in("target"), red(c, true))));
        m.put("l1_loss", c -> one(Losses.l1Loss(c.in("input"), c.in("target"), red(c, true))));
        m.put("smooth_l1_loss", c -> one(Losses.smoothL1Loss(c.in("input"), c.in("target"), red(c, true), c.argDouble("beta", 1.0))));
        m.put("huber_loss", c -> one(Losses.huberLoss(c.in("input"), c.in("target"), red(c, false), c.argDouble("delta", 1.0))));
        // F.cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean',
        // label_smoothing=0.0)
        m.put("cross_entropy", c -> one(Losses.crossEntropy(c.in("input"), c.in("target"), c.inOpt("weight"), ignoreIndex(c),
                red(c, true), c.argDouble("label_smoothing", 0.0))));
        // F.nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean')
        m.put("nll_loss", c -> one(Losses.nllLoss(c.in("input"), c.in("target"), c.inOpt("weight"), ignoreIndex(c), red(c, true))));
        m.put("binary_cross_entropy", c -> one(Losses.binaryCrossEntropy(c.in("input"), c.in("target"), c.inOpt("weight"), red(c, true))));
        m.put("binary_cross_entropy_with_logits", c -> one(Losses.binaryCrossEntropyWithLogits(c.in("input"), c.in("target"),
                c.inOpt("weight"), c.inOpt("pos_weight"), red(c, true))));
        // F.kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False)
        m.put("kl_div", c -> one(Losses.klDiv(c.in("input"), c.in("target"), red(c, true), c.argBool("log_target", false))));

        // ---- optimizers: every constructor argument of torch 1.13; foreach/capturable/differentiable/fused only choose
        // the implementation and are read and ignored
        m.put("optim.SGD", c -> trajectory(c, p -> {
            implementationOnly(c);
            if (!c.has("lr")) throw new IllegalArgumentException("optim.SGD: lr is required in torch 1.13");
            SGD o = new SGD(p, c.argDouble("lr", Double.NaN));
            if (c.has("momentum")) o.momentum(c.argDouble("momentum", 0));
            if (c.has("dampening")) o.dampening(c.argDouble("dampening", 0));
            if (c.has("weight_decay")) o.weightDecay(c.argDouble("weight_decay", 0));
            if (c.has("nesterov")) o.nesterov(c.argBool("nesterov", false));
            if (c.has("maximize")) o.maximize(c.argBool("maximize", false));
            return o;
        }));
        m.put("optim.Adam", c -> trajectory(c, p -> {
            implementationOnly(c);
            Adam o = new Adam(p);
            if (c.has("lr")) o.lr(c.argDouble("lr", 0));
            if (c.has("betas")) o.betas(c.arg("betas").get(0).asDouble(), c.arg("betas").get(1).asDouble());
            if (c.has("eps")) o.eps(c.argDouble("eps", 0));
            if (c.has("weight_decay")) o.weightDecay(c.argDouble("weight_decay", 0));
            if (c.has("amsgrad")) o.amsgrad(c.argBool("amsgrad", false));
            if (c.has("maximize")) o.maximize(c.argBool("maximize", false));
            return o;
        }));
        m.put("optim.AdamW", c -> trajectory(c, p -> {
            implementationOnly(c);
            AdamW o = new AdamW(p);
            if (c.has("lr")) o.lr(c.argDouble("lr", 0));
            if (c.has("betas")) o.betas(c.arg("betas").get(0).asDouble(), c.arg("betas").get(1).asDouble());
            if (c.has("eps")) o.eps(c.argDouble("eps", 0));
            if (c.has("weight_decay")) o.weightDecay(c.argDouble("weight_decay", 0));
            if (c.has("amsgrad")) o.amsgrad(c.argBool("amsgrad", false));
            if (c.has("maximize")) o.maximize(c.argBool("maximize", false));
            return o;
        }));
        m.put("optim.RMSprop", c -> trajectory(c, p -> {
            implementationOnly(c);
            RMSprop o = new RMSprop(p);
            if (c.has("lr")) o.lr(c.argDouble("lr", 0));
            if (c.has("alpha")) o.alpha(c.argDouble("alpha", 0));
            if (c.has("eps")) o.eps(c.argDouble("eps", 0));
            if (c.has("weight_decay")) o.weightDecay(c.argDouble("weight_decay", 0));
            if (c.has("momentum")) o.momentum(c.argDouble("momentum", 0));
            if (c.has("centered")) o.centered(c.argBool("centered", false));
            if (c.has("maximize")) o.maximize(c.argBool("maximize", false));
            return o;
        }));
        m.put("optim.Adagrad", c -> trajectory(c, p -> {
            implementationOnly(c);
            Adagrad o = new Adagrad(p);
            if (c.has("lr")) o.lr(c.argDouble("lr", 0));
            if (c.has("lr_decay")) o.lrDecay(c.argDouble("lr_decay", 0));
            if (c.has("weight_decay")) o.weightDecay(c.argDouble("weight_decay", 0));
            if (c.has("initial_accumulator_value")) o.initialAccumulatorValue(c.argDouble("initial_accumulator_value", 0));
            if (c.has("eps")) o.eps(c.argDouble("eps", 0));
            if (c.has("maximize")) o.maximize(c.argBool("maximize", false));
            return o;
        }));

        // ---- learning-rate schedulers: base_lr (the optimizer's lr) plus the constructor arguments; last_epoch goes to
        // the engine (which, like torch, needs initial_lr in the groups to resume), verbose only prints
        m.put("lr_scheduler.StepLR", c -> schedule(c, o -> new StepLR(o, required(c, "step_size"), c.argDouble("gamma", 0.1),
                lastEpoch(c))));
        m.put("lr_scheduler.MultiStepLR", c -> schedule(c, o -> {
            int[] ms = c.argInts("milestones", 1);
            if (ms == null) throw new IllegalArgumentException("lr_scheduler.MultiStepLR: milestones is required");
            return new MultiStepLR(o, ms, c.argDouble("gamma", 0.1), lastEpoch(c));
        }));
        m.put("lr_scheduler.ConstantLR", c -> schedule(c, o -> new ConstantLR(o, c.argDouble("factor", 1.0 / 3), c.argInt("total_iters", 5),
                lastEpoch(c))));
        m.put("lr_scheduler.LinearLR", c -> schedule(c, o -> new LinearLR(o, c.argDouble("start_factor", 1.0 / 3),
                c.argDouble("end_factor", 1.0), c.argInt("total_iters", 5), lastEpoch(c))));
        m.put("lr_scheduler.PolynomialLR", c -> schedule(c, o -> new PolynomialLR(o, c.argInt("total_iters", 5), c.argDouble("power", 1.0),
                lastEpoch(c))));
        m.put("lr_scheduler.ExponentialLR", c -> schedule(c, o -> {
            if (!c.has("gamma")) throw new IllegalArgumentException("lr_scheduler.ExponentialLR: gamma is required");
            return new ExponentialLR(o, c.argDouble("gamma", 0.1), lastEpoch(c));
        }));
        m.put("lr_scheduler.CosineAnnealingLR", c -> schedule(c, o -> new CosineAnnealingLR(o, required(c, "T_max"),
                c.argDouble("eta_min", 0.0), lastEpoch(c))));
        m.put("lr_scheduler.CosineAnnealingWarmRestarts", c -> schedule(c, o -> new CosineAnnealingWarmRestarts(o, required(c, "T_0"),
                c.argInt("T_mult", 1), c.argDouble("eta_min", 0.0), lastEpoch(c))));
        // CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None, mode='triangular', gamma=1.0,
        // scale_fn=None, scale_mode='cycle', cycle_momentum=True, base_momentum=0.8, max_momentum=0.9): its base_lr is
        // the case's base_lr (it also overwrites the optimizer's lr); scale_mode only applies to a scale_fn, which JSON
        // cannot carry
        m.put("lr_scheduler.CyclicLR", c -> schedule(c, o -> {
            c.requireDefault("scale_fn", null);
            c.ignore("scale_mode");
            if (!c.has("max_lr")) throw new IllegalArgumentException("lr_scheduler.CyclicLR: max_lr is required");
            CyclicLR.Builder b = CyclicLR.builder(o, doubles(c, "base_lr"), doubles(c, "max_lr"));
            if (c.has("step_size_up")) b.stepSizeUp(c.argDouble("step_size_up", 2000));
            if (c.has("step_size_down")) b.stepSizeDown(c.argDouble("step_size_down", 2000));
            if (c.has("mode")) b.mode(cyclicMode(c.argString("mode", "triangular")));
            if (c.has("gamma")) b.gamma(c.argDouble("gamma", 1.0));
            if (c.has("cycle_momentum")) b.cycleMomentum(c.argBool("cycle_momentum", true));
            if (c.has("base_momentum")) b.baseMomentum(doubles(c, "base_momentum"));
            if (c.has("max_momentum")) b.maxMomentum(doubles(c, "max_momentum"));
            b.lastEpoch(lastEpoch(c));
            return b.build();
        }));
        m.put("lr_scheduler.OneCycleLR", c -> schedule(c, o -> {
            if (!c.has("max_lr")) throw new IllegalArgumentException("lr_scheduler.OneCycleLR: max_lr is required");
            double[] maxLr = doubles(c, "max_lr");
            if (maxLr.length != 1) throw new IllegalArgumentException("lr_scheduler.OneCycleLR: one param group, got max_lr " + c.arg("max_lr"));
            OneCycleLR.Builder b = OneCycleLR.builder(o, maxLr[0]);
            if (c.has("total_steps")) b.totalSteps(c.argInt("total_steps", 0));
            if (c.has("epochs")) b.epochs(c.argInt("epochs", 0));
            if (c.has("steps_per_epoch")) b.stepsPerEpoch(c.argInt("steps_per_epoch", 0));
            if (c.has("pct_start")) b.pctStart(c.argDouble("pct_start", 0.3));
            if (c.has("anneal_strategy")) b.annealStrategy(OneCycleLR.AnnealStrategy.of(c.argString("anneal_strategy", "cos")));
            if (c.has("cycle_momentum")) b.cycleMomentum(c.argBool("cycle_momentum", true));
            if (c.has("base_momentum")) b.baseMomentum(doubles(c, "base_momentum"));
            if (c.has("max_momentum")) b.maxMomentum(doubles(c, "max_momentum"));
            if (c.has("div_factor")) b.divFactor(c.argDouble("div_factor", 25));
            if (c.has("final_div_factor")) b.finalDivFactor(c.argDouble("final_div_factor", 1e4));
            if (c.has("three_phase")) b.threePhase(c.argBool("three_phase", false));
            b.lastEpoch(lastEpoch(c));
            return b.build();
        }));
    }

    private static GoldenResult one(Tensor t) { return GoldenResult.of(t); }

    /**
     * The loss reduction: {@code reduction} (default 'mean'), overridden, where the loss has them ({@code legacy}), by
     * torch's legacy {@code size_average}/{@code reduce} when either is not None (both default True: reduce False gives
     * 'none', else size_average False gives 'sum', else 'mean').
     */
    private static Reduction red(GoldenCase c, boolean legacy) {
        Reduction r = Reduction.of(c.argString("reduction", "mean"));
        if (legacy && (c.has("size_average") || c.has("reduce"))) {
            boolean sizeAverage = c.argBool("size_average", true), reduce = c.argBool("reduce", true);
            r = !reduce ? Reduction.NONE : sizeAverage ? Reduction.MEAN : Reduction.SUM;
        }
        return r;
    }

    private static long ignoreIndex(GoldenCase c) {
        return c.has("ignore_index") ? c.arg("ignore_index").asLong() : Losses.DEFAULT_IGNORE_INDEX;
    }

    /** Optimizer arguments that choose an implementation, not the math. */
    private static void implementationOnly(GoldenCase c) { c.ignore("foreach", "capturable", "differentiable", "fused"); }

    private static int required(GoldenCase c, String name) {
        if (!c.has(name)) throw new IllegalArgumentException(c.op() + ": " + name + " is required");
        return c.argInt(name, 0);
    }

    private static int lastEpoch(GoldenCase c) {
        c.ignore("verbose");
        return c.argInt("last_epoch", -1);
    }

    /** A float or a list of floats (one per param group). */
    private static double[] doubles(GoldenCase c, String name) {
        com.fasterxml.jackson.databind.JsonNode v = c.arg(name);
        if (v.isArray()) {
            double[] r = new double[v.size()];
            for (int i = 0; i < r.length; i++) r[i] = v.get(i).asDouble();
            return r;
        }
        return new double[] {v.asDouble()};
    }

    private static CyclicLR.Mode cyclicMode(String s) {
        switch (s) {
            case "triangular": return CyclicLR.Mode.TRIANGULAR;
            case "triangular2": return CyclicLR.Mode.TRIANGULAR2;
            case "exp_range": return CyclicLR.Mode.EXP_RANGE;
            default: throw new IllegalArgumentException("lr_scheduler.CyclicLR: mode is invalid and scale_fn is None: " + s);
        }
    }

    /** Runs 5 optimizer steps with the case's gradients; returns the parameter after each. */
    private static GoldenResult trajectory(GoldenCase c, Function<List<Tensor>, Optimizer> make) {
        Tensor p = c.in("param").contiguousCopy().requiresGrad_(true);
        Optimizer opt = make.apply(List.of(p));
        List<Tensor> snapshots = new ArrayList<>();
        for (int k = 1; c.inOpt("grad_" + k) != null; k++) {
            p.setGrad(c.in("grad_" + k).contiguousCopy());
            opt.step();
            snapshots.add(p.detach().contiguousCopy());
        }
        return GoldenResult.of(snapshots);
    }

    /** Records the learning rate (and momentum) used by each of 20 optimizer steps under the scheduler. */
    private static GoldenResult schedule(GoldenCase c, Function<Optimizer, LRScheduler> make) {
        DType dt = c.floatType();
        Tensor p = Tensor.zeros(dt, 3).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), c.argDouble("base_lr", Double.NaN)).momentum(0.9);
        LRScheduler sched = make.apply(opt);
        ParamGroup g = opt.paramGroups().get(0);
        double[] lrs = new double[SCHEDULE_STEPS], moms = new double[SCHEDULE_STEPS];
        for (int i = 0; i < SCHEDULE_STEPS; i++) {
            lrs[i] = g.lr();
            moms[i] = g.getDouble("momentum");
            p.setGrad(Tensor.ones(dt, 3));
            opt.step();
            sched.step();
        }
        GoldenResult r = GoldenResult.of(Tensor.fromArray(lrs, SCHEDULE_STEPS));
        if (c.json().path("extra").has("momentum")) r.extra("momentum", Tensor.fromArray(moms, SCHEDULE_STEPS));
        return r;
    }
}
