package org.sparkgrad.optim.lr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.function.IntToDoubleFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.sparkgrad.optim.Adam;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * LambdaLR, MultiplicativeLR, ConstantLR, PolynomialLR, CosineAnnealingWarmRestarts, ChainedScheduler and
 * CyclicLR against values worked out by hand from the formulas of the {@code torch.optim.lr_scheduler}
 * documentation and the get_lr/step code of PyTorch 2.x (each expected value is written as its formula).
 */
class MoreSchedulersTest {

    private static Tensor param() { return Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true); }

    private static SGD sgd(double lr) { return new SGD(List.of(param()), lr).momentum(0.9); }

    /** The lr of group {@code g} used by each of {@code n} epochs: read, then the scheduler steps. */
    private static double[] lrs(Optimizer opt, int g, Runnable step, int n) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = opt.paramGroups().get(g).lr();
            step.run();
        }
        return r;
    }

    @Test
    void lambdaLrPerGroup() {
        SGD opt = new SGD(List.of(new ParamGroup(List.of(param())).set("lr", 0.5), new ParamGroup(List.of(param())).set("lr", 0.2)), 0.1);
        List<IntToDoubleFunction> fs = List.of(e -> Math.pow(0.9, e), e -> 1.0 / (e + 1));
        LambdaLR s = new LambdaLR(opt, fs);
        double[][] got = new double[4][];
        for (int e = 0; e < 4; e++) {
            got[e] = s.getLastLr();
            s.step();
        }
        for (int e = 0; e < 4; e++) {
            // lr = base_lr * lambda(epoch)
            assertArrayEquals(new double[] {0.5 * Math.pow(0.9, e), 0.2 / (e + 1)}, got[e], 1e-15);
        }
        assertThrows(IllegalArgumentException.class, () -> new LambdaLR(opt, List.<IntToDoubleFunction>of(e -> 1.0)));
    }

    @Test
    void multiplicativeLr() {
        SGD opt = sgd(1.0);
        MultiplicativeLR s = new MultiplicativeLR(opt, e -> 0.5 + 0.1 * e);
        // epoch 0 keeps the rate; then lr_e = lr_(e-1) * lambda(e)
        assertArrayEquals(new double[] {1.0, 0.6, 0.6 * 0.7, 0.6 * 0.7 * 0.8}, lrs(opt, 0, s::step, 4), 1e-15);
    }

    @Test
    void constantLrWarmupAndClosedForm() {
        SGD opt = sgd(0.05);
        ConstantLR s = new ConstantLR(opt, 0.5, 4);
        assertArrayEquals(new double[] {0.025, 0.025, 0.025, 0.025, 0.05, 0.05}, lrs(opt, 0, s::step, 6), 1e-15);
        s.step(2);   // closed form: base * (factor + 0)
        assertEquals(0.025, opt.paramGroups().get(0).lr(), 1e-15);
        s.step(9);   // closed form: base * (factor + 1 - factor)
        assertEquals(0.05, opt.paramGroups().get(0).lr(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new ConstantLR(sgd(1), 1.5, 3));
        SGD def = sgd(0.3);
        new ConstantLR(def);   // defaults: factor 1/3, 5 iterations
        assertEquals(0.1, def.paramGroups().get(0).lr(), 1e-15);
    }

    @Test
    void polynomialLr() {
        SGD opt = sgd(1.0);
        PolynomialLR s = new PolynomialLR(opt, 4, 2.0);
        // base * (1 - min(4, e) / 4)^2
        assertArrayEquals(new double[] {1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0}, lrs(opt, 0, s::step, 6), 1e-15);
        SGD opt2 = sgd(0.8);
        PolynomialLR lin = new PolynomialLR(opt2);   // defaults: 5 iterations, power 1
        assertArrayEquals(new double[] {0.8, 0.64, 0.48, 0.32, 0.16, 0.0, 0.0}, lrs(opt2, 0, lin::step, 7), 1e-15);
        lin.step(2);
        assertEquals(0.48, opt2.paramGroups().get(0).lr(), 1e-15);
    }

    private static double sgdr(double base, double etaMin, double tCur, double tI) {
        return etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
    }

    @Test
    void cosineWarmRestartsPeriodsGrow() {
        SGD opt = sgd(1.0);
        CosineAnnealingWarmRestarts s = new CosineAnnealingWarmRestarts(opt, 3, 2, 0.1);
        double[] got = lrs(opt, 0, s::step, 12);
        // T_i = 3 for epochs 0..2, then 6 for epochs 3..8, then 12
        double[][] tc = {{0, 3}, {1, 3}, {2, 3}, {0, 6}, {1, 6}, {2, 6}, {3, 6}, {4, 6}, {5, 6}, {0, 12}, {1, 12}, {2, 12}};
        for (int e = 0; e < 12; e++) assertEquals(sgdr(1.0, 0.1, tc[e][0], tc[e][1]), got[e], 1e-15, "epoch " + e);
    }

    @Test
    void cosineWarmRestartsFractionalEpochs() {
        SGD opt = sgd(1.0);
        CosineAnnealingWarmRestarts s = new CosineAnnealingWarmRestarts(opt, 3, 2, 0.1);
        s.step(4.5);   // n = floor(log2(4.5 / 3 + 1)) = 1: T_cur = 4.5 - 3 = 1.5, T_i = 6
        assertEquals(1.5, s.tCur(), 0.0);
        assertEquals(sgdr(1.0, 0.1, 1.5, 6), opt.paramGroups().get(0).lr(), 1e-15);
        assertEquals(4, s.lastEpoch());
        s.step();      // epoch 5, T_cur 2.5
        assertEquals(sgdr(1.0, 0.1, 2.5, 6), opt.paramGroups().get(0).lr(), 1e-15);
        s.step(1.25);  // below T_0: T_i = 3, T_cur = 1.25
        assertEquals(sgdr(1.0, 0.1, 1.25, 3), opt.paramGroups().get(0).lr(), 1e-15);

        SGD opt1 = sgd(1.0);
        CosineAnnealingWarmRestarts s1 = new CosineAnnealingWarmRestarts(opt1, 4);
        s1.step(10);   // T_mult 1: T_cur = 10 mod 4 = 2
        assertEquals(sgdr(1.0, 0.0, 2, 4), opt1.paramGroups().get(0).lr(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> s1.step(-1.0));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingWarmRestarts(sgd(1), 0));
    }

    @Test
    void chainedConstantWarmupAndExponentialDecay() {
        SGD opt = sgd(1.0);
        ConstantLR warm = new ConstantLR(opt, 0.1, 2);
        ExponentialLR decay = new ExponentialLR(opt, 0.9);
        ChainedScheduler s = new ChainedScheduler(List.of(warm, decay));
        // epoch 0: 1 * 0.1; epoch 1: * 0.9; epoch 2: / 0.1 * 0.9; then * 0.9
        assertArrayEquals(new double[] {0.1, 0.1 * 0.9, 0.1 * 0.9 / 0.1 * 0.9, 0.1 * 0.9 / 0.1 * 0.9 * 0.9},
                lrs(opt, 0, s::step, 4), 1e-15);
        assertArrayEquals(new double[] {0.1 * 0.9 / 0.1 * 0.9 * 0.9 * 0.9}, s.getLastLr(), 1e-15);
    }

    @Test
    void sequentialWarmupIntoWarmRestarts() {
        SGD opt = sgd(1.0);
        LinearLR warm = new LinearLR(opt, 0.5, 1.0, 2);
        CosineAnnealingWarmRestarts sgdr = new CosineAnnealingWarmRestarts(opt, 2);
        SequentialLR s = new SequentialLR(opt, List.of(warm, sgdr), new int[] {2});
        // warm-up 0.5, 0.75; at the milestone the restarts scheduler restarts from T_cur 0
        double[] expected = {0.5, 0.75, sgdr(1, 0, 0, 2), sgdr(1, 0, 1, 2), sgdr(1, 0, 0, 2)};
        assertArrayEquals(expected, lrs(opt, 0, s::step, 5), 1e-15);
    }

    @Test
    void cyclicTriangular2WithSgdMomentum() {
        SGD opt = sgd(123.0);
        CyclicLR s = CyclicLR.builder(opt, 0.1, 1.0).stepSizeUp(2).stepSizeDown(3).mode(CyclicLR.Mode.TRIANGULAR2).build();
        ParamGroup g = opt.paramGroups().get(0);
        assertEquals(0.1, g.getDouble("initial_lr"), 0.0);
        double[] lr = new double[8], mom = new double[8];
        for (int e = 0; e < 8; e++) {
            lr[e] = g.lr();
            mom[e] = g.getDouble("momentum");
            s.step();
        }
        // total 5, ratio 0.4; scale factor 0, 1/2, 1, 2/3, 1/3 per cycle; triangular2 halves cycle 2's amplitude
        double[] sf = {0, 0.5, 1, 2.0 / 3, 1.0 / 3, 0, 0.5, 1};
        double[] amp = {1, 1, 1, 1, 1, 0.5, 0.5, 0.5};
        for (int e = 0; e < 8; e++) {
            assertEquals(0.1 + 0.9 * sf[e] * amp[e], lr[e], 1e-12, "lr epoch " + e);
            assertEquals(0.9 - 0.1 * sf[e] * amp[e], mom[e], 1e-12, "momentum epoch " + e);
        }
    }

    @Test
    void cyclicExpRangeCyclesAdamBeta1() {
        Adam adam = new Adam(List.of(param())).betas(0.5, 0.99);
        CyclicLR s = CyclicLR.builder(adam, 0.01, 0.1).stepSizeUp(2).mode(CyclicLR.Mode.EXP_RANGE).gamma(0.5).build();
        ParamGroup g = adam.paramGroups().get(0);
        assertEquals(0.01, g.lr(), 0.0);
        assertEquals(0.9, g.getDoubles("betas")[0], 0.0);
        for (int e = 1; e <= 3; e++) s.step();
        // e = 3: total 4, ratio 1/2, x = 3/4, scale factor (x - 1) / (ratio - 1) = 1/2, exp_range scale 0.5^3
        assertEquals(0.01 + 0.09 * 0.5 * 0.125, g.lr(), 1e-15);
        assertEquals(0.9 - 0.1 * 0.5 * 0.125, g.getDoubles("betas")[0], 1e-15);
        assertEquals(0.99, g.getDoubles("betas")[1], 0.0);
        // a custom scale function on the iteration index
        SGD opt = sgd(1.0);
        CyclicLR c = CyclicLR.builder(opt, 0.0, 1.0).stepSizeUp(1).scaleFn(x -> 1.0 / (1 + x), false).cycleMomentum(false).build();
        c.step();   // e = 1: x = 1/2 = ratio, scale factor 1, scale 1/2
        assertEquals(0.5, opt.paramGroups().get(0).lr(), 1e-15);
    }

    @Test
    void stateDictsOfTheNewSchedulersResume() {
        List<java.util.function.Function<Optimizer, LRScheduler>> makers = List.of(
                o -> new ConstantLR(o, 0.25, 3),
                o -> new PolynomialLR(o, 6, 0.5),
                o -> new CosineAnnealingWarmRestarts(o, 2, 3, 0.01),
                o -> CyclicLR.builder(o, 0.01, 0.2).stepSizeUp(3).mode(CyclicLR.Mode.TRIANGULAR2).build(),
                o -> new ChainedScheduler(List.of(new ConstantLR(o, 0.5, 2), new ExponentialLR(o, 0.8))));
        for (java.util.function.Function<Optimizer, LRScheduler> make : makers) {
            SGD opt = sgd(0.1);
            LRScheduler s = make.apply(opt);
            lrs(opt, 0, s::step, 4);
            Map<String, Object> optState = opt.stateDict();
            Map<String, Object> schedState = s.stateDict();
            double[] expected = lrs(opt, 0, s::step, 7);
            SGD opt2 = sgd(5.0);
            LRScheduler s2 = make.apply(opt2);
            opt2.loadStateDict(optState);
            s2.loadStateDict(schedState);
            assertArrayEquals(expected, lrs(opt2, 0, s2::step, 7), 0.0, s.getClass().getSimpleName());
        }
    }

    @Test
    void publicEpochStepUsesTheClosedForm() {
        SGD opt = sgd(0.1);
        CosineAnnealingLR cos = new CosineAnnealingLR(opt, 10, 0.001);
        cos.step(15);   // eta_min + (base - eta_min)(1 + cos(pi 15 / 10)) / 2
        assertEquals(0.001 + 0.099 * (1 + Math.cos(Math.PI * 15 / 10)) / 2, opt.paramGroups().get(0).lr(), 1e-15);
        Supplier<SequentialLR> seq = () -> new SequentialLR(opt, List.of(new StepLR(opt, 2)), new int[0]);
        assertThrows(UnsupportedOperationException.class, () -> seq.get().step(3));
    }
}
