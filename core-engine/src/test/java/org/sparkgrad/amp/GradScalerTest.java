package org.sparkgrad.amp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkgrad.optim.Adam;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class GradScalerTest {

    private static Tensor param(float... v) {
        return Tensor.fromArray(v.clone(), v.length).requiresGrad_(true);
    }

    private static Tensor grad(float... v) {
        return Tensor.fromArray(v.clone(), v.length);
    }

    /** Initialises the scaler's scale the way a training loop does, through {@code scale(loss)}. */
    private static void init(GradScaler s) {
        s.scale(Tensor.scalar(1.0));
    }

    private static IllegalArgumentException badArg(org.junit.jupiter.api.function.Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) assertTrue(ex.getMessage().contains(f), ex.getMessage());
        return ex;
    }

    // ================================================================ construction

    @Test
    void defaultsArePyTorchs() {
        GradScaler s = new GradScaler();
        assertTrue(s.isEnabled());
        assertEquals(65536.0, s.getScale());
        assertEquals(2.0, s.getGrowthFactor());
        assertEquals(0.5, s.getBackoffFactor());
        assertEquals(2000, s.getGrowthInterval());
        assertEquals(0, s.getGrowthTracker());
        GradScaler c = new GradScaler(1024, 4.0, 0.25, 7);
        assertEquals(1024.0, c.getScale());
        assertEquals(4.0, c.getGrowthFactor());
        assertEquals(0.25, c.getBackoffFactor());
        assertEquals(7, c.getGrowthInterval());
        assertTrue(c.isEnabled());
    }

    @Test
    void constructorAndSettersValidate() {
        badArg(() -> new GradScaler(65536, 1.0, 0.5, 10), "growthFactor", "> 1.0", "1.0");
        badArg(() -> new GradScaler(65536, Double.NaN, 0.5, 10), "growthFactor", "NaN");
        badArg(() -> new GradScaler(65536, 2.0, 1.0, 10), "backoffFactor", "(0, 1)", "1.0");
        badArg(() -> new GradScaler(65536, 2.0, 0.0, 10), "backoffFactor", "0.0");
        badArg(() -> new GradScaler(65536, 2.0, -0.5, 10), "backoffFactor", "-0.5");
        badArg(() -> new GradScaler(65536, 2.0, 0.5, 0), "growthInterval", "> 0", "0");
        badArg(() -> new GradScaler(65536, 2.0, 0.5, -3), "growthInterval", "-3");
        badArg(() -> new GradScaler(0, 2.0, 0.5, 10), "initScale", "0.0");
        badArg(() -> new GradScaler(-1, 2.0, 0.5, 10), "initScale", "-1.0");
        badArg(() -> new GradScaler(Double.POSITIVE_INFINITY, 2.0, 0.5, 10), "initScale", "Infinity");
        badArg(() -> new GradScaler(1e39, 2.0, 0.5, 10), "initScale", "float32"); // overflows float32
        badArg(() -> new GradScaler(1e-50, 2.0, 0.5, 10), "initScale");         // underflows to 0 in float32
        badArg(() -> new GradScaler(65536, 0.5, 0.5, 10, false), "growthFactor"); // validated even when disabled

        GradScaler s = new GradScaler();
        badArg(() -> s.setGrowthFactor(1.0), "growthFactor");
        badArg(() -> s.setBackoffFactor(1.5), "backoffFactor");
        badArg(() -> s.setGrowthInterval(0), "growthInterval");
        assertEquals(2.0, s.getGrowthFactor()); // failed setters change nothing
        s.setGrowthFactor(3.0);
        s.setBackoffFactor(0.125);
        s.setGrowthInterval(5);
        assertEquals(3.0, s.getGrowthFactor());
        assertEquals(0.125, s.getBackoffFactor());
        assertEquals(5, s.getGrowthInterval());
    }

    // ================================================================ scale

    @Test
    void scaleMultipliesTheLossAndKeepsItsDtype() {
        GradScaler s = new GradScaler();
        Tensor l32 = Tensor.fromArray(new float[] {1.5f, -3.25f, 0.1f}, 3);
        Tensor r32 = s.scale(l32);
        assertEquals(DType.FLOAT32, r32.dtype());
        assertArrayEquals(new float[] {1.5f * 65536, -3.25f * 65536, 0.1f * 65536}, r32.toFloatArray(), 0f);
        Tensor r64 = s.scale(Tensor.fromArray(new double[] {0.1, 2.0}, 2));
        assertEquals(DType.FLOAT64, r64.dtype());
        assertArrayEquals(new double[] {0.1 * 65536, 2.0 * 65536}, r64.toDoubleArray(), 0);
        // integer outputs are promoted like PyTorch's int64 * float32 scale
        Tensor ri = s.scale(Tensor.fromArray(new long[] {3}, 1));
        assertEquals(DType.FLOAT32, ri.dtype());
        assertEquals(3.0 * 65536, ri.item());

        List<Tensor> both = s.scale(List.of(l32, Tensor.scalar(2.0)));
        assertEquals(2, both.size());
        assertEquals(131072.0, both.get(1).item());
    }

    @Test
    void backwardOfTheScaledLossScalesEveryGradient() {
        Tensor w = param(0.5f, -2f, 3f);
        Tensor x = Tensor.fromArray(new float[] {1f, 2f, -1f}, 3);
        GradScaler s = new GradScaler(1024, 2.0, 0.5, 10);
        s.scale(w.mul(x).sum()).backward();
        assertArrayEquals(new float[] {1024f, 2048f, -1024f}, w.grad().toFloatArray(), 0f);
    }

    @Test
    void theScaleIsHeldInFloat32LikePyTorchs() {
        GradScaler s = new GradScaler(0.1, 2.0, 0.5, 10);
        assertEquals(0.1, s.getScale()); // before the lazy init PyTorch returns init_scale as given
        init(s);
        assertEquals((double) 0.1f, s.getScale()); // torch.full((), 0.1, dtype=float32).item()
        assertEquals((double) 0.1f * 3, s.scale(Tensor.scalar(3.0, DType.FLOAT64)).item());
    }

    // ================================================================ unscale_ and step

    @Test
    void unscaleDividesEveryGradOfEveryGroupExactlyAndSkipsNullGrads() {
        Tensor a = param(1f, 2f), b = param(3f), c = param(4f, 5f, 6f);
        SGD opt = new SGD(List.of(new ParamGroup(List.of(a)), new ParamGroup(List.of(b, c))), 0.5);
        GradScaler s = new GradScaler();
        init(s);
        float k = 65536f;
        a.setGrad(grad(0.1f * k, -3f * k));
        c.setGrad(grad(1e-30f * k, 7.75f * k, 0f));
        s.unscale_(opt);
        assertArrayEquals(new float[] {0.1f, -3f}, a.grad().toFloatArray(), 0f);
        assertArrayEquals(new float[] {1e-30f, 7.75f, 0f}, c.grad().toFloatArray(), 0f);
        assertNull(b.grad());

        assertTrue(s.step(opt)); // already unscaled: step must not divide again
        assertArrayEquals(new float[] {0.1f, -3f}, a.grad().toFloatArray(), 0f);
        assertArrayEquals(new float[] {1f - 0.5f * 0.1f, 2f + 0.5f * 3f}, a.toFloatArray(), 0f);
        assertArrayEquals(new float[] {3f}, b.toFloatArray(), 0f);
        assertArrayEquals(new float[] {4f - 0.5f * 1e-30f, 5f - 0.5f * 7.75f, 6f}, c.toFloatArray(), 0f);
        s.update();
        assertEquals(65536.0, s.getScale());
        assertEquals(1, s.getGrowthTracker());
    }

    @Test
    void stepUnscalesWhenUnscaleWasNotCalled() {
        Tensor p = param(1f);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler(256, 2.0, 0.5, 10);
        init(s);
        p.setGrad(grad(0.75f * 256));
        assertTrue(s.step(opt));
        assertEquals(0.75f, p.grad().toFloatArray()[0]);
        assertEquals(0.25f, p.toFloatArray()[0]);
    }

    @Test
    void aNonPowerOfTwoScaleMultipliesByTheFloat32Reciprocal() {
        // PyTorch: inv_scale = scale.double().reciprocal().float(); grad * inv_scale in the grad's precision
        Tensor p32 = param(0f, 0f), p64 = Tensor.fromArray(new double[] {0, 0}, 2).requiresGrad_(true);
        SGD opt = new SGD(List.of(p32, p64), 0.1);
        GradScaler s = new GradScaler(3.0, 2.0, 0.5, 10);
        init(s);
        p32.setGrad(grad(1f, 10f));
        p64.setGrad(Tensor.fromArray(new double[] {1.0, 10.0}, 2));
        s.unscale_(opt);
        float inv = (float) (1.0 / 3.0);
        assertArrayEquals(new float[] {1f * inv, 10f * inv}, p32.grad().toFloatArray(), 0f);
        assertArrayEquals(new double[] {1.0 * inv, 10.0 * inv}, p64.grad().toDoubleArray(), 0);
    }

    private static void assertSameState(Map<String, Object> expected, Map<String, Object> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            Object e = expected.get(k), a = actual.get(k);
            if (e instanceof Tensor) assertArrayEquals(((Tensor) e).toDoubleArray(), ((Tensor) a).toDoubleArray(), 0, k);
            else assertEquals(e, a, k);
        }
    }

    private static Map<String, Object> copyState(Optimizer opt, Tensor p) {
        Map<String, Object> c = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : opt.state(p).entrySet()) {
            Object v = e.getValue();
            c.put(e.getKey(), v instanceof Tensor ? ((Tensor) v).contiguousCopy() : v);
        }
        return c;
    }

    @Test
    void infOrNanGradSkipsTheStepLeavesParamsAndOptimizerStateAloneAndHalvesTheScale() {
        for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            Tensor a = param(1f, 2f), b = param(-1f);
            Adam opt = new Adam(List.of(a, b)).lr(0.1);
            GradScaler s = new GradScaler(1024, 2.0, 0.5, 3);
            init(s);
            // one clean step so that Adam has state (step count, moments)
            a.setGrad(grad(1024f, -2048f));
            b.setGrad(grad(512f));
            assertTrue(s.step(opt));
            s.update();
            assertEquals(1024.0, s.getScale());
            assertEquals(1, s.getGrowthTracker());

            float[] aBefore = a.toFloatArray(), bBefore = b.toFloatArray();
            Map<String, Object> stA = copyState(opt, a), stB = copyState(opt, b);
            assertEquals(1L, stA.get("step"));

            a.setGrad(grad(4096f, bad));
            b.setGrad(grad(512f)); // the other parameter's gradient is fine: the whole step is skipped anyway
            assertFalse(s.step(opt), "step must be skipped for " + bad);
            assertArrayEquals(aBefore, a.toFloatArray(), 0f);
            assertArrayEquals(bBefore, b.toFloatArray(), 0f);
            assertSameState(stA, opt.state(a));
            assertSameState(stB, opt.state(b));
            // as PyTorch, the gradients were still unscaled in place (the non-finite value stays non-finite)
            assertEquals(4f, a.grad().toFloatArray()[0]);
            assertFalse(Float.isFinite(a.grad().toFloatArray()[1]));

            s.update();
            assertEquals(512.0, s.getScale());
            assertEquals(0, s.getGrowthTracker());
        }
    }

    @Test
    void unscaleTwiceBeforeUpdateThrowsAndUpdateResetsTheProtocol() {
        Tensor p = param(1f);
        SGD opt = new SGD(List.of(p), 0.1);
        GradScaler s = new GradScaler();
        init(s);
        p.setGrad(grad(65536f));
        s.unscale_(opt);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.unscale_(opt));
        assertEquals("unscale_() has already been called on this optimizer since the last update().", e.getMessage());
        assertEquals(1f, p.grad().toFloatArray()[0]); // the failed call did not divide again

        assertTrue(s.step(opt));
        e = assertThrows(IllegalStateException.class, () -> s.step(opt));
        assertEquals("step() has already been called since the last update().", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> s.unscale_(opt));
        assertEquals("unscale_() is being called after step().", e.getMessage());

        s.update();
        p.setGrad(grad(65536f));
        s.unscale_(opt); // allowed again after update()
        assertEquals(1f, p.grad().toFloatArray()[0]);
    }

    @Test
    void protocolErrorsMirrorPyTorchsAssertions() {
        Tensor p = param(1f);
        SGD opt = new SGD(List.of(p), 0.1);
        GradScaler s = new GradScaler();
        p.setGrad(grad(1f));
        // the scale is created lazily by scale(); PyTorch asserts before unscale_/step/update
        for (org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> s.unscale_(opt), () -> s.step(opt), s::update, () -> s.update(8.0))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, call);
            assertTrue(e.getMessage().contains("scaler.scale(loss or outputs)"), e.getMessage());
        }
        assertEquals(1f, p.grad().toFloatArray()[0]);
        init(s);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::update);
        assertEquals("No inf checks were recorded prior to update.", e.getMessage());
        p.setGrad(null);
        e = assertThrows(IllegalStateException.class, () -> s.step(opt));
        assertEquals("No inf checks were recorded for this optimizer.", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.step(null));
        assertThrows(IllegalArgumentException.class, () -> s.unscale_(null));
        assertThrows(IllegalArgumentException.class, () -> s.scale((Tensor) null));
    }

    @Test
    void anInfInOneOptimizerBacksOffEvenThoughAnotherStepped() {
        Tensor p = param(1f), q = param(1f);
        SGD o1 = new SGD(List.of(p), 1.0), o2 = new SGD(List.of(q), 1.0);
        GradScaler s = new GradScaler(4, 2.0, 0.5, 1);
        init(s);
        p.setGrad(grad(2f));
        q.setGrad(grad(Float.NaN));
        assertTrue(s.step(o1));
        assertFalse(s.step(o2));
        assertEquals(0.5f, p.toFloatArray()[0]);
        assertEquals(1f, q.toFloatArray()[0]);
        s.update();
        assertEquals(2.0, s.getScale()); // backoff wins over the interval-1 growth
        assertEquals(0, s.getGrowthTracker());
    }

    // ================================================================ update: the growth/backoff sequence

    /**
     * The sequence derived by hand from PyTorch's {@code _amp_update_scale_} (see the class comment of GradScaler):
     * init 8, growth 2, backoff 0.5, interval 3.
     */
    @Test
    void growthAndBackoffFollowPyTorchsRuleStepByStep() {
        boolean[] inf = {false, false, false, false, true, false, false, false, true, true, false, false, false, false};
        double[] scale = {8, 8, 16, 16, 8, 8, 8, 16, 8, 4, 4, 4, 8, 8};
        int[] tracker = {1, 2, 0, 1, 0, 1, 2, 0, 0, 0, 1, 2, 0, 1};
        boolean[] stepped = new boolean[inf.length];
        Tensor p = param(0f);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler(8, 2.0, 0.5, 3);
        init(s);
        for (int i = 0; i < inf.length; i++) {
            float sc = (float) s.getScale();
            p.setGrad(grad(inf[i] ? Float.POSITIVE_INFINITY : 0.5f * sc));
            stepped[i] = s.step(opt);
            s.update();
            assertEquals(scale[i], s.getScale(), "scale after iteration " + i);
            assertEquals(tracker[i], s.getGrowthTracker(), "growth tracker after iteration " + i);
            assertEquals(!inf[i], stepped[i], "step taken in iteration " + i);
        }
        // 11 clean steps of -0.5 each
        assertEquals(-5.5f, p.toFloatArray()[0]);
    }

    @Test
    void growthComparesTheTrackerForEqualityLikePyTorchWhenTheIntervalIsLowered() {
        Tensor p = param(0f);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler(8, 2.0, 0.5, 3);
        init(s);
        Runnable iteration = () -> {
            s.step(opt);
            s.update();
        };
        p.setGrad(grad(0f));
        iteration.run();
        iteration.run();
        assertEquals(2, s.getGrowthTracker());
        s.setGrowthInterval(2); // the tracker is not reset, and 2 + 1 != 2: no growth
        iteration.run();
        assertEquals(8.0, s.getScale());
        assertEquals(3, s.getGrowthTracker());
        p.setGrad(grad(Float.NaN)); // an inf/NaN iteration resets the tracker
        iteration.run();
        assertEquals(4.0, s.getScale());
        p.setGrad(grad(0f));
        iteration.run();
        iteration.run();
        assertEquals(8.0, s.getScale());
        assertEquals(0, s.getGrowthTracker());
    }

    @Test
    void theScaleNeverGrowsToFloat32InfinityAndBackoffRoundsToFloat32() {
        Tensor p = param(0f);
        SGD opt = new SGD(List.of(p), 1.0);
        double max = Math.scalb(1.0, 127);
        GradScaler s = new GradScaler(max, 2.0, 0.5, 1);
        init(s);
        p.setGrad(grad(0f));
        s.step(opt);
        s.update();
        assertEquals(max, s.getScale()); // 2^128 is inf in float32: kept, tracker reset
        assertEquals(0, s.getGrowthTracker());

        GradScaler r = new GradScaler(10, 2.0, 0.3, 5);
        init(r);
        p.setGrad(grad(Float.NaN));
        r.step(opt);
        r.update();
        assertEquals((double) (float) (10.0 * 0.3), r.getScale());
    }

    @Test
    void updateWithANewScaleSetsItKeepsTheTrackerAndClearsTheProtocol() {
        Tensor p = param(0f);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler(8, 2.0, 0.5, 10);
        init(s);
        p.setGrad(grad(8f));
        s.step(opt);
        s.update();
        assertEquals(1, s.getGrowthTracker());
        p.setGrad(grad(Float.POSITIVE_INFINITY));
        s.unscale_(opt);
        s.update(1000.1); // no backoff for the inf: the explicit scale wins, as in PyTorch
        assertEquals((double) 1000.1f, s.getScale());
        assertEquals(1, s.getGrowthTracker());
        p.setGrad(grad(1f));
        s.unscale_(opt); // the protocol was reset
        badArg(() -> s.update(0.0), "newScale");
        badArg(() -> s.update(Double.NaN), "newScale");
        badArg(() -> s.update(1e40), "newScale");
    }

    // ================================================================ disabled

    @Test
    void aDisabledScalerIsAPassThrough() {
        GradScaler s = new GradScaler(false);
        assertFalse(s.isEnabled());
        Tensor loss = Tensor.scalar(3.0);
        assertSame(loss, s.scale(loss));
        List<Tensor> outs = List.of(loss);
        assertSame(outs, s.scale(outs));
        assertEquals(1.0, s.getScale());
        assertEquals(0, s.getGrowthTracker());

        Tensor p = param(1f);
        SGD opt = new SGD(List.of(p), 1.0);
        p.setGrad(grad(0.25f));
        s.unscale_(opt); // no-op, even twice and without scale()
        s.unscale_(opt);
        assertEquals(0.25f, p.grad().toFloatArray()[0]);
        assertTrue(s.step(opt));
        assertTrue(s.step(opt)); // no protocol when disabled
        assertEquals(0.5f, p.toFloatArray()[0]);
        s.update();
        s.update(5.0);
        assertEquals(1.0, s.getScale());
        assertTrue(s.stateDict().isEmpty());
        s.loadStateDict(Map.of()); // ignored, as in PyTorch
        s.loadStateDict(new GradScaler().stateDict());
        assertEquals(1.0, s.getScale());
    }

    // ================================================================ state dict

    @Test
    void stateDictHasPyTorchsKeysAndRoundTrips() {
        Tensor p = param(0f);
        SGD opt = new SGD(List.of(p), 1.0);
        GradScaler s = new GradScaler(8, 2.0, 0.5, 3);
        init(s);
        boolean[] inf = {false, false, false, true, false, false};
        for (boolean bad : inf) { // scale 8, 8, 16 (grown), 8 (backoff), 8, 8; tracker ends at 2
            p.setGrad(grad(bad ? Float.NaN : 1f));
            s.step(opt);
            s.update();
        }
        Map<String, Object> sd = s.stateDict();
        assertEquals(List.of("scale", "growth_factor", "backoff_factor", "growth_interval", "_growth_tracker"), new ArrayList<>(sd.keySet()));
        assertEquals(8.0, sd.get("scale"));
        assertEquals(2.0, sd.get("growth_factor"));
        assertEquals(0.5, sd.get("backoff_factor"));
        assertEquals(3, sd.get("growth_interval"));
        assertEquals(2, sd.get("_growth_tracker"));
        assertNotSame(sd, s.stateDict());

        // into a fresh scaler (not yet initialised): the saved values become the initial ones, as in PyTorch
        GradScaler t = new GradScaler();
        t.loadStateDict(sd);
        assertEquals(8.0, t.getScale());
        assertEquals(2, t.getGrowthTracker());
        assertEquals(3, t.getGrowthInterval());
        assertEquals(sd, t.stateDict());
        init(t);
        // both continue identically: the next clean iteration grows to 16
        for (GradScaler x : List.of(s, t)) {
            p.setGrad(grad(1f));
            x.step(opt);
            x.update();
            assertEquals(16.0, x.getScale());
            assertEquals(0, x.getGrowthTracker());
        }

        // into an initialised scaler: replaces the current values; boxed types as a JSON reader gives them
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scale", 1024.0f);
        json.put("growth_factor", 4);
        json.put("backoff_factor", 0.25);
        json.put("growth_interval", 5.0);
        json.put("_growth_tracker", 4L);
        s.loadStateDict(json);
        assertEquals(1024.0, s.getScale());
        assertEquals(4, s.getGrowthTracker());
        p.setGrad(grad(1f));
        s.step(opt);
        s.update();
        assertEquals(4096.0, s.getScale());
    }

    @Test
    void loadStateDictRejectsBadDataAndChangesNothing() {
        GradScaler s = new GradScaler(8, 2.0, 0.5, 3);
        Map<String, Object> good = s.stateDict();
        badArg(() -> s.loadStateDict(Map.of()), "empty", "disabled instance of GradScaler");
        for (String key : good.keySet()) {
            Map<String, Object> missing = new LinkedHashMap<>(good);
            missing.remove(key);
            badArg(() -> s.loadStateDict(missing), "'" + key + "'");
        }
        Map<String, Object> bad = new LinkedHashMap<>(good);
        bad.put("growth_factor", 0.5);
        badArg(() -> s.loadStateDict(bad), "growthFactor");
        bad.put("growth_factor", "two");
        badArg(() -> s.loadStateDict(bad), "'growth_factor'", "not a number");
        Map<String, Object> frac = new LinkedHashMap<>(good);
        frac.put("growth_interval", 2.5);
        badArg(() -> s.loadStateDict(frac), "'growth_interval'", "integer");
        Map<String, Object> neg = new LinkedHashMap<>(good);
        neg.put("_growth_tracker", -1);
        badArg(() -> s.loadStateDict(neg), "_growth_tracker");
        Map<String, Object> badScale = new LinkedHashMap<>(good);
        badScale.put("scale", 0.0);
        badScale.put("growth_interval", 99);
        badArg(() -> s.loadStateDict(badScale), "scale");
        assertEquals(good, s.stateDict()); // nothing changed
    }

    // ================================================================ end to end

    private static final int N = 32;
    private static final float[] TRUE_W = {2f, -3f, 0.5f};
    private static final float TRUE_B = 1f;

    /** Fixed regression data: {@code y = X w + b} with X ~ N(0, 1), float32. */
    private static Tensor[] data() {
        Random r = new Random(42);
        float[] x = new float[N * 3], y = new float[N];
        for (int i = 0; i < N; i++) {
            float acc = TRUE_B;
            for (int j = 0; j < 3; j++) {
                x[i * 3 + j] = (float) r.nextGaussian();
                acc += x[i * 3 + j] * TRUE_W[j];
            }
            y[i] = acc;
        }
        return new Tensor[] {Tensor.fromArray(x, N, 3), Tensor.fromArray(y, N)};
    }

    private static Tensor mse(Tensor w, Tensor b, Tensor[] d) {
        return d[0].matmul(w).add(b).sub(d[1]).square().mean();
    }

    /** Full-batch SGD without a scaler for {@code steps} steps; returns [w..., b]. */
    private static float[] reference(int steps) {
        Tensor[] d = data();
        Tensor w = param(0f, 0f, 0f), b = param(0f);
        SGD opt = new SGD(List.of(w, b), 0.1);
        for (int i = 0; i < steps; i++) {
            opt.zeroGrad();
            mse(w, b, d).backward();
            opt.step();
        }
        return new float[] {w.toFloatArray()[0], w.toFloatArray()[1], w.toFloatArray()[2], b.toFloatArray()[0]};
    }

    /** The same loop through the scaler; returns [w..., b, steps taken, steps skipped]. */
    private static float[] scaled(GradScaler s, int iterations) {
        Tensor[] d = data();
        Tensor w = param(0f, 0f, 0f), b = param(0f);
        SGD opt = new SGD(List.of(w, b), 0.1);
        int taken = 0, skipped = 0;
        for (int i = 0; i < iterations; i++) {
            opt.zeroGrad();
            s.scale(mse(w, b, d)).backward();
            if (s.step(opt)) taken++;
            else skipped++;
            s.update();
        }
        return new float[] {w.toFloatArray()[0], w.toFloatArray()[1], w.toFloatArray()[2], b.toFloatArray()[0], taken, skipped};
    }

    @Test
    void linearRegressionWithTheScalerMatchesTheUnscaledRunExactly() {
        float[] ref = reference(150);
        float[] got = scaled(new GradScaler(), 150);
        assertEquals(150, got[4]);
        assertEquals(0, got[5]);
        // power-of-two scaling commutes with float rounding: the parameters are bit-identical
        assertArrayEquals(ref, java.util.Arrays.copyOf(got, 4), 0f);
        assertArrayEquals(new float[] {2f, -3f, 0.5f, 1f}, ref, 1e-4f); // and it did converge
    }

    @Test
    void overflowingScalesAreSkippedAndBackedOffThenTrainingMatchesTheStepsTaken() {
        // the first gradient of w[1] is about 6 (= -2 cov(x1, y)), so scaled by 2^127 or 2^126 it overflows float32
        // (max ~ 2^128): two skipped iterations while the scale backs off to 2^125; with growth after every clean
        // iteration the scale climbs back and overflows again until the gradients have become small
        GradScaler s = new GradScaler(Math.scalb(1.0, 127), 2.0, 0.5, 1);
        float[] got = scaled(s, 200);
        int taken = (int) got[4], skipped = (int) got[5];
        assertTrue(skipped >= 3, "expected the initial backoffs and at least one overflow after re-growth, got " + skipped);
        assertTrue(taken >= 150, "expected most steps taken, got " + taken);
        assertArrayEquals(reference(taken), java.util.Arrays.copyOf(got, 4), 0f);
        assertArrayEquals(new float[] {2f, -3f, 0.5f, 1f}, java.util.Arrays.copyOf(got, 4), 1e-4f);
    }
}
