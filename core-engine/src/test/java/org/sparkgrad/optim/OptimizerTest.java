package org.sparkgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class OptimizerTest {

    /** The optimizers under test, each with non-default options that exercise all of its state. */
    private static final List<Function<List<Tensor>, Optimizer>> FACTORIES = List.of(
            p -> new SGD(p, 0.05).momentum(0.8).nesterov(true).weightDecay(0.01),
            p -> new SGD(p, 0.1).momentum(0.9).dampening(0.2),
            p -> new Adam(p).lr(0.02).betas(0.8, 0.95).weightDecay(0.1).amsgrad(true),
            p -> new AdamW(p).lr(0.01).weightDecay(0.05),
            p -> new RMSprop(p).lr(0.01).centered(true).momentum(0.9).weightDecay(0.1),
            p -> new Adagrad(p).lr(0.1).lrDecay(0.01).initialAccumulatorValue(0.1).weightDecay(0.1));

    private static List<Tensor> params(DType dt, long seed) {
        Random r = new Random(seed);
        List<Tensor> ps = new ArrayList<>();
        for (int[] shape : new int[][] {{3, 4}, {5}}) {
            int n = 1;
            for (int s : shape) n *= s;
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = r.nextGaussian();
            ps.add(Tensor.fromArray(d, shape).to(dt).requiresGrad_(true));
        }
        return ps;
    }

    private static List<Tensor> copies(List<Tensor> ps) {
        List<Tensor> c = new ArrayList<>();
        for (Tensor p : ps) c.add(p.detach().contiguousCopy().requiresGrad_(true));
        return c;
    }

    /** Deterministic gradients for step {@code k}: a quadratic loss's gradient plus noise. */
    private static void setGrads(List<Tensor> ps, int k) {
        Random r = new Random(100 + k);
        for (Tensor p : ps) {
            double[] v = p.toDoubleArray();
            double[] g = new double[v.length];
            for (int i = 0; i < v.length; i++) g[i] = 0.5 * v[i] + r.nextGaussian();
            p.setGrad(Tensor.fromArray(g, p.shape()).to(p.dtype()));
        }
    }

    private static double[][] snapshot(List<Tensor> ps) {
        double[][] s = new double[ps.size()][];
        for (int i = 0; i < s.length; i++) s[i] = ps.get(i).toDoubleArray();
        return s;
    }

    @Test
    void stateDictRoundTripContinuesBitIdentically() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Function<List<Tensor>, Optimizer> make : FACTORIES) {
                List<Tensor> ps = params(dt, 7);
                Optimizer opt = make.apply(ps);
                for (int k = 0; k < 3; k++) {
                    setGrads(ps, k);
                    opt.step();
                }
                Map<String, Object> sd = opt.stateDict();
                List<Tensor> resumed = copies(ps);
                // continue the original run; this must not disturb the saved state dict
                for (int k = 3; k < 6; k++) {
                    setGrads(ps, k);
                    opt.step();
                }
                // a fresh optimizer with other options, restored from the state dict
                Optimizer opt2 = make.apply(resumed);
                opt2.paramGroups().get(0).set("lr", 123.0);
                opt2.loadStateDict(sd);
                assertEquals(opt.paramGroups().get(0).options(), opt2.paramGroups().get(0).options());
                for (int k = 3; k < 6; k++) {
                    setGrads(resumed, k);
                    opt2.step();
                }
                double[][] a = snapshot(ps), b = snapshot(resumed);
                for (int i = 0; i < a.length; i++) {
                    assertArrayEquals(a[i], b[i], 0.0, opt.getClass().getSimpleName() + " " + dt + " param " + i);
                }
            }
        }
    }

    @Test
    void stateDictIsPlainDataLaidOutLikePyTorch() {
        List<Tensor> ps = params(DType.FLOAT64, 3);
        Adam adam = new Adam(List.of(new ParamGroup(ps.subList(0, 1)).set("lr", 0.5), new ParamGroup(ps.subList(1, 2)))).amsgrad(true);
        setGrads(ps, 0);
        adam.step();
        Map<String, Object> sd = adam.stateDict();
        List<?> groups = (List<?>) sd.get("param_groups");
        assertEquals(2, groups.size());
        Map<?, ?> g0 = (Map<?, ?>) groups.get(0), g1 = (Map<?, ?>) groups.get(1);
        assertEquals(List.of(0), g0.get("params"));
        assertEquals(List.of(1), g1.get("params"));
        assertEquals(0.5, g0.get("lr"));
        assertEquals(1e-3, g1.get("lr"));
        assertEquals(List.of(0.9, 0.999), g1.get("betas"));
        Map<?, ?> state = (Map<?, ?>) sd.get("state");
        Map<?, ?> s1 = (Map<?, ?>) state.get(1);
        assertEquals(1L, s1.get("step"));
        for (String k : new String[] {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}) {
            Tensor t = (Tensor) s1.get(k);
            assertArrayEquals(new int[] {5}, t.shape());
            assertFalse(t.requiresGrad());
            assertTrue(t != adam.state(ps.get(1)).get(k), "state dict tensors must be copies");
        }
    }

    @Test
    void loadStateDictRejectsMismatchesAndLeavesStateUntouched() {
        List<Tensor> ps = params(DType.FLOAT64, 1);
        SGD a = new SGD(ps, 0.1).momentum(0.9);
        setGrads(ps, 0);
        a.step();
        Map<String, Object> sd = a.stateDict();

        SGD oneParam = new SGD(ps.subList(0, 1), 0.1).momentum(0.9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> oneParam.loadStateDict(sd));
        assertTrue(e.getMessage().contains("doesn't match the size"), e.getMessage());

        SGD twoGroups = new SGD(List.of(new ParamGroup(ps.subList(0, 1)), new ParamGroup(ps.subList(1, 2))), 0.1);
        e = assertThrows(IllegalArgumentException.class, () -> twoGroups.loadStateDict(sd));
        assertTrue(e.getMessage().contains("number of parameter groups"), e.getMessage());

        // same sizes, swapped shapes: the state tensors do not fit
        List<Tensor> swapped = List.of(ps.get(1).detach().contiguousCopy().requiresGrad_(true), ps.get(0).detach().contiguousCopy().requiresGrad_(true));
        SGD b = new SGD(swapped, 0.3).momentum(0.5);
        e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(sd));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5]"), e.getMessage());
        assertEquals(0.3, b.paramGroups().get(0).lr());
        assertTrue(b.state(swapped.get(0)).isEmpty());
    }

    @Test
    void stateDictLoadsIntoOtherDtypeByCasting() {
        List<Tensor> p64 = params(DType.FLOAT64, 5);
        Adam a = new Adam(p64);
        setGrads(p64, 0);
        a.step();
        List<Tensor> p32 = new ArrayList<>();
        for (Tensor p : p64) p32.add(p.detach().to(DType.FLOAT32).requiresGrad_(true));
        Adam b = new Adam(p32);
        b.loadStateDict(a.stateDict());
        assertEquals(DType.FLOAT32, ((Tensor) b.state(p32.get(0)).get("exp_avg")).dtype());
        assertEquals(1L, b.state(p32.get(0)).get("step"));
    }

    @Test
    void sgdMomentumAndMaximizeByHand() {
        Tensor p = Tensor.fromArray(new double[] {1.0}, 1).requiresGrad_(true);
        SGD opt = new SGD(List.of(p), 0.1).momentum(0.9);
        p.setGrad(Tensor.fromArray(new double[] {0.5}, 1));
        opt.step();                       // buf = 0.5
        assertEquals(0.95, p.item(), 1e-15);
        opt.step();                       // buf = 0.9 * 0.5 + 0.5 = 0.95
        assertEquals(0.855, p.item(), 1e-15);

        Tensor q = Tensor.fromArray(new double[] {1.0}, 1).requiresGrad_(true);
        SGD up = new SGD(List.of(q), 0.1).maximize(true);
        q.setGrad(Tensor.fromArray(new double[] {0.5}, 1));
        up.step();
        assertEquals(1.05, q.item(), 1e-15);
    }

    @Test
    void adamFirstStepMovesByLearningRate() {
        Tensor p = Tensor.fromArray(new double[] {1.0, -2.0, 3.0}, 3).requiresGrad_(true);
        Adam adam = new Adam(List.of(p)).lr(0.01);
        p.setGrad(Tensor.fromArray(new double[] {0.3, -4.0, 1e-3}, 3));
        adam.step();
        // bias-corrected m / sqrt(v) = sign(g) on the first step
        assertArrayEquals(new double[] {0.99, -1.99, 2.99}, p.toDoubleArray(), 1e-7);
    }

    @Test
    void adamWDecayIsDecoupledFromTheGradient() {
        Tensor p = Tensor.fromArray(new double[] {2.0}, 1).requiresGrad_(true);
        AdamW w = new AdamW(List.of(p)).lr(0.1).weightDecay(0.5);
        p.setGrad(Tensor.fromArray(new double[] {0.0}, 1));
        w.step();
        assertEquals(2.0 * (1 - 0.1 * 0.5), p.item(), 1e-15);   // zero gradient: only the decay acts
        Tensor q = Tensor.fromArray(new double[] {2.0}, 1).requiresGrad_(true);
        Adam a = new Adam(List.of(q)).lr(0.1).weightDecay(0.5);
        q.setGrad(Tensor.fromArray(new double[] {0.0}, 1));
        a.step();
        assertEquals(2.0 - 0.1, q.item(), 1e-7);                 // L2 term goes through Adam's normalisation
    }

    @Test
    void trainingALinearModelReducesTheLoss() {
        List<Function<List<Tensor>, Optimizer>> trainers = List.of(
                p -> new SGD(p, 0.05).momentum(0.8).nesterov(true),
                p -> new Adam(p).lr(0.1).amsgrad(true),
                p -> new AdamW(p).lr(0.1),
                p -> new RMSprop(p).lr(0.01).centered(true).momentum(0.9),
                p -> new Adagrad(p).lr(0.5));
        for (Function<List<Tensor>, Optimizer> make : trainers) {
            Random r = new Random(9);
            double[] xs = new double[40], ys = new double[20];
            for (int i = 0; i < 20; i++) {
                xs[2 * i] = r.nextGaussian();
                xs[2 * i + 1] = r.nextGaussian();
                ys[i] = 3 * xs[2 * i] - 2 * xs[2 * i + 1] + 0.5;
            }
            Tensor x = Tensor.fromArray(xs, 20, 2), y = Tensor.fromArray(ys, 20, 1);
            Tensor w = Tensor.zeros(DType.FLOAT64, 2, 1).requiresGrad_(true), b = Tensor.zeros(DType.FLOAT64, 1).requiresGrad_(true);
            Optimizer opt = make.apply(List.of(w, b));
            double first = Double.NaN, last = Double.NaN;
            for (int it = 0; it < 60; it++) {
                opt.zeroGrad();
                Tensor loss = Losses.mseLoss(x.matmul(w).add(b), y);
                loss.backward();
                opt.step();
                if (it == 0) first = loss.item();
                last = loss.item();
            }
            assertTrue(last < 0.1 * first, opt.getClass().getSimpleName() + ": loss " + first + " -> " + last);
        }
    }

    @Test
    void trainsAnNnClassifierWithCrossEntropyClippingAndASchedule() {
        Random r = new Random(11);
        int n = 64;
        double[] xs = new double[n * 2];
        long[] ys = new long[n];
        for (int i = 0; i < n; i++) {
            ys[i] = i % 3;
            xs[2 * i] = Math.cos(2 * Math.PI * ys[i] / 3) * 2 + 0.3 * r.nextGaussian();
            xs[2 * i + 1] = Math.sin(2 * Math.PI * ys[i] / 3) * 2 + 0.3 * r.nextGaussian();
        }
        Tensor x = Tensor.fromArray(xs, n, 2).toFloat(), y = Tensor.fromArray(ys, n);
        org.sparkgrad.nn.Linear model = new org.sparkgrad.nn.Linear(2, 3, true, new org.sparkgrad.tensor.Generator(5));
        AdamW opt = new AdamW(model.parameters()).lr(0.05);
        org.sparkgrad.optim.lr.CosineAnnealingLR sched = new org.sparkgrad.optim.lr.CosineAnnealingLR(opt, 50);
        double first = Double.NaN, last = Double.NaN;
        for (int it = 0; it < 50; it++) {
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(model.forward(x), y);
            loss.backward();
            ClipGrad.clipGradNorm(model.parameters(), 1.0);
            opt.step();
            sched.step();
            if (it == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < 0.25 * first, "loss " + first + " -> " + last);
        long[] pred = model.forward(x).argmax(1, false).toLongArray();
        int correct = 0;
        for (int i = 0; i < n; i++) if (pred[i] == ys[i]) correct++;
        assertTrue(correct >= n - 2, correct + " of " + n + " correct");
    }

    @Test
    void zeroGradSetsToNoneOrZeros() {
        List<Tensor> ps = params(DType.FLOAT32, 2);
        SGD opt = new SGD(ps, 0.1);
        setGrads(ps, 0);
        Tensor g0 = ps.get(0).grad();
        opt.zeroGrad(false);
        assertSame(g0, ps.get(0).grad());
        assertArrayEquals(new double[12], ps.get(0).grad().toDoubleArray(), 0.0);
        opt.zeroGrad();
        assertNull(ps.get(0).grad());
        assertNull(ps.get(1).grad());
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        List<Tensor> ps = params(DType.FLOAT64, 4);
        double[] before = ps.get(1).toDoubleArray();
        Adam adam = new Adam(ps);
        setGrads(ps, 0);
        ps.get(1).setGrad(null);
        adam.step();
        assertArrayEquals(before, ps.get(1).toDoubleArray(), 0.0);
        assertTrue(adam.state(ps.get(1)).isEmpty());
        assertEquals(1L, adam.state(ps.get(0)).get("step"));
    }

    @Test
    void groupOptionsOverrideDefaultsAndSettersReachOtherGroups() {
        List<Tensor> ps = params(DType.FLOAT64, 6);
        ParamGroup own = new ParamGroup(ps.subList(0, 1)).set("lr", 0.5);
        ParamGroup inherit = new ParamGroup(ps.subList(1, 2));
        SGD opt = new SGD(List.of(own, inherit), 0.1).momentum(0.9);
        assertEquals(0.5, own.lr());
        assertEquals(0.1, inherit.lr());
        assertEquals(0.9, own.getDouble("momentum"));
        opt.lr(0.2);
        assertEquals(0.5, own.lr());
        assertEquals(0.2, inherit.lr());
        Tensor extra = Tensor.zeros(DType.FLOAT64, 2).requiresGrad_(true);
        opt.addParamGroup(new ParamGroup(List.of(extra)).set("momentum", 0.0));
        assertEquals(3, opt.paramGroups().size());
        assertEquals(0.2, opt.paramGroups().get(2).lr());
        assertEquals(0.0, opt.paramGroups().get(2).getDouble("momentum"));
    }

    @Test
    void badParametersAndOptionsAreRejected() {
        List<Tensor> ps = params(DType.FLOAT64, 8);
        SGD opt = new SGD(ps, 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(new ParamGroup(ps.subList(0, 1))));
        assertTrue(e.getMessage().contains("more than one parameter group"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.<Tensor>of(), 0.1));
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(Tensor.zeros(DType.INT64, 2)), 0.1));
        Tensor nonLeaf;
        try (GradMode.Guard g = GradMode.enableGrad()) {
            nonLeaf = ps.get(0).mul(2.0);
        }
        assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(nonLeaf)));
        assertThrows(IllegalArgumentException.class, () -> new SGD(ps, -0.1));
        assertThrows(IllegalArgumentException.class, () -> new Adam(ps).betas(1.0, 0.999));
        assertThrows(IllegalArgumentException.class, () -> new RMSprop(ps).eps(-1));
        assertThrows(IllegalArgumentException.class, () -> new Adagrad(ps).lrDecay(-1));
        // cross-option checks happen at step time, before any parameter changes
        SGD nesterov = new SGD(ps, 0.1).nesterov(true);
        setGrads(ps, 0);
        double[] before = ps.get(0).toDoubleArray();
        e = assertThrows(IllegalArgumentException.class, nesterov::step);
        assertTrue(e.getMessage().contains("Nesterov"), e.getMessage());
        assertArrayEquals(before, ps.get(0).toDoubleArray(), 0.0);
    }

    @Test
    void closureStepReturnsTheLoss() {
        Tensor w = Tensor.fromArray(new double[] {2.0}, 1).requiresGrad_(true);
        SGD opt = new SGD(List.of(w), 0.25);
        Tensor loss;
        try (GradMode.Guard g = GradMode.noGrad()) {   // the closure runs with grad enabled regardless
            loss = opt.step(() -> {
                opt.zeroGrad();
                Tensor l = w.square().sum();
                l.backward();
                return l;
            });
        }
        assertEquals(4.0, loss.item());
        assertEquals(2.0 - 0.25 * 4.0, w.item(), 1e-15);
    }

    @Test
    void paramGroupOptionsAreValidatedAndTyped() {
        ParamGroup g = new ParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 1))).set("betas", new double[] {0.8, 0.9});
        assertArrayEquals(new double[] {0.8, 0.9}, g.getDoubles("betas"));
        assertThrows(IllegalArgumentException.class, () -> g.set("params", 1));
        assertThrows(IllegalStateException.class, () -> g.getDouble("lr"));
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("lr", 0.3);
        ParamGroup h = new ParamGroup(List.of(Tensor.zeros(DType.FLOAT64, 1)), opts);
        assertEquals(0.3, h.lr());
        assertNotNull(h.toString());
    }
}
