package org.sparkgrad.optim.lr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.sparkgrad.optim.Adam;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/** Schedules against values worked out by hand from PyTorch 1.13's definitions. */
class LRSchedulerTest {

    private static SGD sgd(double lr) {
        return new SGD(List.of(Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true)), lr).momentum(0.9);
    }

    /** The lr used by each of {@code n} epochs: read, then optimizer step, then scheduler step. */
    private static double[] run(Optimizer opt, Runnable schedStep, int n) {
        double[] lrs = new double[n];
        Tensor p = opt.paramGroups().get(0).params().get(0);
        for (int i = 0; i < n; i++) {
            lrs[i] = opt.paramGroups().get(0).lr();
            p.setGrad(Tensor.ones(DType.FLOAT64, 2));
            opt.step();
            schedStep.run();
        }
        return lrs;
    }

    @Test
    void multiStepLR() {
        SGD opt = sgd(0.05);
        MultiStepLR s = new MultiStepLR(opt, new int[] {4, 2}, 0.1);
        assertArrayEquals(new double[] {0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005}, run(opt, s::step, 6), 1e-15);
        SGD opt2 = sgd(1.0);
        MultiStepLR twice = new MultiStepLR(opt2, new int[] {1, 1}, 0.5);   // a repeated milestone decays twice
        assertArrayEquals(new double[] {1.0, 0.25, 0.25}, run(opt2, twice::step, 3), 1e-15);
    }

    @Test
    void linearLRWarmup() {
        SGD opt = sgd(0.3);
        LinearLR s = new LinearLR(opt);   // start 1/3, end 1, 5 iterations
        // lr_e = 0.3 * (1/3 + (2/3) * min(e, 5) / 5)
        assertArrayEquals(new double[] {0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3, 0.3}, run(opt, s::step, 8), 1e-15);
        SGD opt2 = sgd(1.0);
        LinearLR down = new LinearLR(opt2, 1.0, 0.5, 2);
        assertArrayEquals(new double[] {1.0, 0.75, 0.5, 0.5}, run(opt2, down::step, 4), 1e-15);
    }

    @Test
    void sequentialWarmupThenExponentialDecay() {
        SGD opt = sgd(1.0);
        LinearLR warm = new LinearLR(opt, 0.1, 1.0, 3);
        ExponentialLR decay = new ExponentialLR(opt, 0.5);
        SequentialLR s = new SequentialLR(opt, List.of(warm, decay), new int[] {3});
        // warm-up 0.1, 0.4, 0.7; at the milestone ExponentialLR restarts from its base lr 1.0, then halves
        assertArrayEquals(new double[] {0.1, 0.4, 0.7, 1.0, 0.5, 0.25}, run(opt, s::step, 6), 1e-15);
        assertArrayEquals(new double[] {0.125}, s.getLastLr(), 1e-15);
    }

    @Test
    void sequentialRejectsWrongMilestoneCountOrForeignOptimizer() {
        SGD opt = sgd(1.0);
        StepLR a = new StepLR(opt, 2);
        StepLR b = new StepLR(opt, 3);
        assertThrows(IllegalArgumentException.class, () -> new SequentialLR(opt, List.of(a, b), new int[] {1, 2}));
        SGD other = sgd(1.0);
        StepLR c = new StepLR(other, 2);
        assertThrows(IllegalArgumentException.class, () -> new SequentialLR(opt, List.of(a, c), new int[] {1}));
    }

    @Test
    void stepAndCosineClosedFormsAgreeWithChainableForm() {
        SGD opt = sgd(0.1);
        CosineAnnealingLR cos = new CosineAnnealingLR(opt, 10, 0.001);
        double[] chained = run(opt, cos::step, 10);
        for (int e = 0; e < 10; e++) {
            assertEquals(0.001 + (0.1 - 0.001) * (1 + Math.cos(Math.PI * e / 10)) / 2, chained[e], 1e-15);
        }
        SGD opt2 = sgd(0.1);
        StepLR step = new StepLR(opt2, 3, 0.5);
        step.step(7);   // closed form: 0.1 * 0.5^(7 / 3)
        assertEquals(0.025, opt2.paramGroups().get(0).lr(), 1e-15);
    }

    @Test
    void reduceOnPlateauWithPatience() {
        SGD opt = sgd(1.0);
        ReduceLROnPlateau s = new ReduceLROnPlateau(opt).factor(0.5).patience(1);
        double[] metrics = {10, 9, 9, 9, 9, 8, 8, 8};
        double[] lrs = new double[metrics.length];
        for (int i = 0; i < metrics.length; i++) {
            s.step(metrics[i]);
            lrs[i] = s.getLastLr()[0];
        }
        // epoch 3 and 4: two epochs without improvement (> patience 1) -> halve; likewise epochs 7 and 8
        assertArrayEquals(new double[] {1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25}, lrs, 0.0);
        assertEquals(8.0, s.best());
    }

    @Test
    void reduceOnPlateauCooldownAndMinLr() {
        double[] flat = {5, 5, 5, 5, 5, 5, 5, 5};
        SGD a = sgd(1.0);
        ReduceLROnPlateau noCooldown = new ReduceLROnPlateau(a).factor(0.5).patience(1);
        SGD b = sgd(1.0);
        ReduceLROnPlateau cooldown = new ReduceLROnPlateau(b).factor(0.5).patience(1).cooldown(1);
        double[] la = new double[8], lb = new double[8];
        for (int i = 0; i < 8; i++) {
            noCooldown.step(flat[i]);
            cooldown.step(flat[i]);
            la[i] = a.paramGroups().get(0).lr();
            lb[i] = b.paramGroups().get(0).lr();
        }
        assertArrayEquals(new double[] {1, 1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125}, la, 0.0);
        assertArrayEquals(new double[] {1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25}, lb, 0.0);

        SGD c = sgd(1.0);
        ReduceLROnPlateau floor = new ReduceLROnPlateau(c).factor(0.1).patience(0).minLr(0.3);
        for (int i = 0; i < 4; i++) floor.step(1.0);
        assertEquals(0.3, c.paramGroups().get(0).lr(), 0.0);
    }

    @Test
    void reduceOnPlateauMaxModeAbsoluteThreshold() {
        SGD opt = sgd(1.0);
        ReduceLROnPlateau s = new ReduceLROnPlateau(opt).mode(ReduceLROnPlateau.Mode.MAX)
                .thresholdMode(ReduceLROnPlateau.ThresholdMode.ABS).threshold(0.1).patience(0);
        s.step(1.0);
        assertEquals(1.0, opt.paramGroups().get(0).lr());
        s.step(1.05);   // not above 1.0 + 0.1: a bad epoch, more than patience 0
        assertEquals(0.1, opt.paramGroups().get(0).lr(), 1e-15);
        s.step(1.2);    // an improvement
        assertEquals(0.1, opt.paramGroups().get(0).lr(), 1e-15);
        assertEquals(1.2, s.best());
        assertThrows(IllegalArgumentException.class, () -> s.factor(1.0));
    }

    @Test
    void oneCycleDrivesAdamBeta1LikeSgdMomentum() {
        SGD sgd = sgd(0.1);
        OneCycleLR s1 = new OneCycleLR(sgd, 0.1, 10);
        Adam adam = new Adam(List.of(Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true))).betas(0.9, 0.99);
        OneCycleLR s2 = new OneCycleLR(adam, 0.1, 10);
        ParamGroup gs = sgd.paramGroups().get(0), ga = adam.paramGroups().get(0);
        assertEquals(0.95, ga.getDoubles("betas")[0]);
        for (int i = 0; i < 10; i++) {
            assertEquals(gs.getDouble("momentum"), ga.getDoubles("betas")[0], 0.0);
            assertEquals(0.99, ga.getDoubles("betas")[1]);
            assertEquals(gs.lr(), ga.lr(), 0.0);
            if (i == 9) assertEquals(0.1 / 25 / 1e4, gs.lr(), 1e-18);   // the last step of the cycle uses min_lr
            s1.step();
            s2.step();
        }
        // stepping to index total_steps is allowed (as in PyTorch); one more is an error
        IllegalStateException e = assertThrows(IllegalStateException.class, s1::step);
        assertTrue(e.getMessage().contains("total steps is 10"), e.getMessage());
    }

    @Test
    void oneCycleNeedsStepsAndMomentumSupport() {
        SGD opt = sgd(0.1);
        assertThrows(IllegalArgumentException.class, () -> OneCycleLR.builder(opt, 0.1).build());
        assertThrows(IllegalArgumentException.class, () -> OneCycleLR.builder(opt, 0.1).totalSteps(10).pctStart(1.5).build());
        OneCycleLR byEpochs = OneCycleLR.builder(opt, 0.1).epochs(3).stepsPerEpoch(4).build();
        assertEquals(12, byEpochs.totalSteps());
    }

    @Test
    void resumingFromStateDictsReproducesTheSchedule() {
        List<Function<Optimizer, LRScheduler>> makers = List.of(
                o -> new LinearLR(o, 0.2, 1.0, 6),
                o -> new CosineAnnealingLR(o, 5, 0.01),
                o -> OneCycleLR.builder(o, 0.5).totalSteps(12).threePhase(true).build(),
                o -> new SequentialLR(o, List.of(new LinearLR(o, 0.5, 1.0, 3), new MultiStepLR(o, new int[] {2, 4}, 0.5)), new int[] {3}));
        for (Function<Optimizer, LRScheduler> make : makers) {
            SGD opt = sgd(0.1);
            LRScheduler s = make.apply(opt);
            run(opt, s::step, 5);
            Map<String, Object> optState = opt.stateDict();
            Map<String, Object> schedState = s.stateDict();
            double[] expected = run(opt, s::step, 6);
            // PyTorch's resume order: build optimizer and scheduler, then load the optimizer, then the scheduler
            SGD opt2 = sgd(7.0);
            LRScheduler s2 = make.apply(opt2);
            opt2.loadStateDict(optState);
            s2.loadStateDict(schedState);
            assertArrayEquals(expected, run(opt2, s2::step, 6), 0.0, s.getClass().getSimpleName());
        }
    }

    @Test
    void resumingNeedsInitialLr() {
        SGD opt = sgd(0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 3, 0.1, 4));
        assertTrue(e.getMessage().contains("initial_lr"), e.getMessage());
    }

    /**
     * A group added after the scheduler was built has no base lr: PyTorch's CosineAnnealingLR.get_lr zips
     * base_lrs with the groups in its restart branch ((epoch - 1 - T_max) % (2 T_max) == 0), so the extra
     * group keeps its rate there, and scales it by the cosine ratio on the other epochs.
     */
    @Test
    void cosineWithAGroupAddedLater() {
        SGD opt = sgd(0.8);
        CosineAnnealingLR cos = new CosineAnnealingLR(opt, 2);
        opt.addParamGroup(new ParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 1).requiresGrad_(true))).set("lr", 1.0));
        cos.step();   // epoch 1: ratio (1 + cos(pi / 2)) / (1 + cos(0)) = 1/2
        assertArrayEquals(new double[] {0.4, 0.5}, cos.getLastLr(), 1e-15);
        cos.step();   // epoch 2: ratio (1 + cos(pi)) / (1 + cos(pi / 2)) = 0
        assertArrayEquals(new double[] {0.0, 0.0}, cos.getLastLr(), 1e-15);
        cos.step();   // epoch 3: restart branch, lr + base_lr (1 - cos(pi / 2)) / 2 for the first group only
        assertArrayEquals(new double[] {0.4, 0.0}, cos.getLastLr(), 1e-15);
    }

    /**
     * PyTorch's ReduceLROnPlateau._reduce_lr: a scalar min_lr (default_min_lr) also bounds groups added to the
     * optimizer after construction; per-group min_lrs of the wrong length are an error.
     */
    @Test
    void reduceOnPlateauScalarMinLrCoversGroupsAddedLater() {
        SGD opt = sgd(1.0);
        ReduceLROnPlateau s = new ReduceLROnPlateau(opt).factor(0.1).patience(0).minLr(0.3);
        opt.addParamGroup(new ParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 1).requiresGrad_(true))).set("lr", 1.0));
        s.step(1.0);
        s.step(1.0);   // a bad epoch, more than patience 0: max(1.0 * 0.1, 0.3) for both groups
        assertArrayEquals(new double[] {0.3, 0.3}, s.getLastLr(), 0.0);

        SGD opt2 = sgd(1.0);
        ReduceLROnPlateau perGroup = new ReduceLROnPlateau(opt2).patience(0).minLr(new double[] {0.2});
        opt2.addParamGroup(new ParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 1).requiresGrad_(true))).set("lr", 1.0));
        perGroup.step(1.0);
        assertThrows(IllegalStateException.class, () -> perGroup.step(1.0));
    }
}
