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
import org.sparkgrad.optim.lr.CosineAnnealingLR;
import org.sparkgrad.optim.lr.ExponentialLR;
import org.sparkgrad.optim.lr.LRScheduler;
import org.sparkgrad.optim.lr.OneCycleLR;
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
 * float64 tensor of the 20 learning rates ({@code extra.momentum} likewise).
 */
public final class LossOptimGoldenOps implements GoldenOps.Provider {
    private static final int SCHEDULE_STEPS = 20;

    @Override public void register(Map<String, GoldenOp> m) {
        // ---- losses
        m.put("mse_loss", c -> one(Losses.mseLoss(c.in("input"), c.in("target"), red(c))));
        m.put("l1_loss", c -> one(Losses.l1Loss(c.in("input"), c.in("target"), red(c))));
        m.put("smooth_l1_loss", c -> one(Losses.smoothL1Loss(c.in("input"), c.in("target"), red(c), c.argDouble("beta", 1.0))));
        m.put("huber_loss", c -> one(Losses.huberLoss(c.in("input"), c.in("target"), red(c), c.argDouble("delta", 1.0))));
        m.put("cross_entropy", c -> one(Losses.crossEntropy(c.in("input"), c.in("target"), c.inOpt("weight"),
                c.has("ignore_index") ? c.arg("ignore_index").asLong() : Losses.DEFAULT_IGNORE_INDEX, red(c),
                c.argDouble("label_smoothing", 0.0))));
        m.put("nll_loss", c -> one(Losses.nllLoss(c.in("input"), c.in("target"), c.inOpt("weight"),
                c.has("ignore_index") ? c.arg("ignore_index").asLong() : Losses.DEFAULT_IGNORE_INDEX, red(c))));
        m.put("binary_cross_entropy", c -> one(Losses.binaryCrossEntropy(c.in("input"), c.in("target"), c.inOpt("weight"), red(c))));
        m.put("binary_cross_entropy_with_logits", c -> one(Losses.binaryCrossEntropyWithLogits(c.in("input"), c.in("target"),
                c.inOpt("weight"), c.inOpt("pos_weight"), red(c))));
        m.put("kl_div", c -> one(Losses.klDiv(c.in("input"), c.in("target"), red(c), c.argBool("log_target", false))));

        // ---- optimizers
        m.put("optim.SGD", c -> trajectory(c, p -> {
            SGD o = new SGD(p, c.argDouble("lr", Double.NaN));
            if (c.has("momentum")) o.momentum(c.argDouble("momentum", 0));
            if (c.has("dampening")) o.dampening(c.argDouble("dampening", 0));
            if (c.has("weight_decay")) o.weightDecay(c.argDouble("weight_decay", 0));
            if (c.has("nesterov")) o.nesterov(c.argBool("nesterov", false));
            if (c.has("maximize")) o.maximize(c.argBool("maximize", false));
            return o;
        }));
        m.put("optim.Adam", c -> trajectory(c, p -> {
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
            Adagrad o = new Adagrad(p);
            if (c.has("lr")) o.lr(c.argDouble("lr", 0));
            if (c.has("lr_decay")) o.lrDecay(c.argDouble("lr_decay", 0));
            if (c.has("weight_decay")) o.weightDecay(c.argDouble("weight_decay", 0));
            if (c.has("initial_accumulator_value")) o.initialAccumulatorValue(c.argDouble("initial_accumulator_value", 0));
            if (c.has("eps")) o.eps(c.argDouble("eps", 0));
            if (c.has("maximize")) o.maximize(c.argBool("maximize", false));
            return o;
        }));

        // ---- learning-rate schedulers
        m.put("lr_scheduler.StepLR", c -> schedule(c, o -> new StepLR(o, c.argInt("step_size", 1), c.argDouble("gamma", 0.1))));
        m.put("lr_scheduler.ExponentialLR", c -> schedule(c, o -> new ExponentialLR(o, c.argDouble("gamma", 0.1))));
        m.put("lr_scheduler.CosineAnnealingLR", c -> schedule(c, o -> new CosineAnnealingLR(o, c.argInt("T_max", 1), c.argDouble("eta_min", 0.0))));
        m.put("lr_scheduler.OneCycleLR", c -> schedule(c, o -> {
            OneCycleLR.Builder b = OneCycleLR.builder(o, c.argDouble("max_lr", Double.NaN));
            if (c.has("total_steps")) b.totalSteps(c.argInt("total_steps", 0));
            if (c.has("epochs")) b.epochs(c.argInt("epochs", 0));
            if (c.has("steps_per_epoch")) b.stepsPerEpoch(c.argInt("steps_per_epoch", 0));
            if (c.has("pct_start")) b.pctStart(c.argDouble("pct_start", 0.3));
            if (c.has("anneal_strategy")) b.annealStrategy(OneCycleLR.AnnealStrategy.of(c.argString("anneal_strategy", "cos")));
            if (c.has("cycle_momentum")) b.cycleMomentum(c.argBool("cycle_momentum", true));
            if (c.has("base_momentum")) b.baseMomentum(c.argDouble("base_momentum", 0.85));
            if (c.has("max_momentum")) b.maxMomentum(c.argDouble("max_momentum", 0.95));
            if (c.has("div_factor")) b.divFactor(c.argDouble("div_factor", 25));
            if (c.has("final_div_factor")) b.finalDivFactor(c.argDouble("final_div_factor", 1e4));
            if (c.has("three_phase")) b.threePhase(c.argBool("three_phase", false));
            return b.build();
        }));
    }

    private static GoldenResult one(Tensor t) { return GoldenResult.of(t); }

    private static Reduction red(GoldenCase c) { return Reduction.of(c.argString("reduction", "mean")); }

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
