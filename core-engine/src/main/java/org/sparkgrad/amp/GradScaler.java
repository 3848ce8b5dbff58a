package org.sparkgrad.amp;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.optim.ParamGroup;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * Dynamic loss scaling for mixed-precision training: a port of {@code torch.amp.GradScaler} (also
 * {@code torch.cuda.amp.GradScaler}) of PyTorch 1.13 and 2.x, device-agnostic.
 *
 * <p><b>The math.</b> Micikevicius et al. (2018), "Mixed Precision Training" (ICLR 2018, arXiv:1710.03740),
 * section 3.2: small gradient values underflow to zero in a low-precision format, so the loss is multiplied by a
 * scale factor {@code S} before back-propagation; by the chain rule every gradient is then multiplied by {@code S}
 * too, and the gradients are unscaled (multiplied by {@code 1/S}) before the weight update; an overflow shows as an
 * infinity or a NaN in the gradients, and the paper's remedy is to skip that weight update. <em>Dynamic</em> scaling
 * (PyTorch's {@code GradScaler}, and NVIDIA's mixed-precision training guide) starts with a large {@code S}, lowers it
 * after an iteration with an overflow and raises it again after a number of iterations without one. The precise
 * rule is PyTorch's ({@code torch._amp_update_scale_}, called by {@code GradScaler.update}), applied once per
 * {@link #update()}:
 * <pre>
 *   if any optimizer's gradients had inf/NaN since the last update:
 *       scale = scale * backoff_factor;  growth_tracker = 0
 *   else:
 *       growth_tracker = growth_tracker + 1
 *       if growth_tracker == growth_interval:                (equality, see setGrowthInterval)
 *           new_scale = float32(scale * growth_factor)
 *           if new_scale is finite: scale = new_scale      (the scale never grows to float32 infinity)
 *           growth_tracker = 0
 * </pre>
 * As in PyTorch the scale is held as a float32 value (every assignment rounds to float32) and the growth tracker
 * as a 32-bit integer. The scale is a dimensionless multiplier; {@code growthInterval} and the growth tracker count
 * consecutive {@link #update()} calls without inf/NaN (normally one per training iteration).
 *
 * <p><b>Use</b> (PyTorch's recipe; {@link #unscale_} is only needed to look at or clip the true gradients):
 * <pre>{@code
 * GradScaler scaler = new GradScaler();
 * for (Batch b : loader) {
 *     opt.zeroGrad();
 *     Tensor loss = Losses.crossEntropy(model.forward(b.x()), b.y());
 *     scaler.scale(loss).backward();
 *     scaler.unscale_(opt);                                   // optional
 *     ClipGrad.clipGradNorm(model.parameters(), 1.0);         // sees unscaled gradients
 *     scaler.step(opt);                                       // skipped when a gradient is inf/NaN
 *     scaler.update();
 * }
 * }</pre>
 *
 * <p><b>Per-optimizer protocol</b> (as PyTorch's {@code OptState} READY / UNSCALED / STEPPED): between two
 * {@link #update()} calls each optimizer may be unscaled at most once and stepped at most once, and not unscaled
 * after it was stepped; violations throw {@link IllegalStateException} with PyTorch's messages. Like PyTorch, the
 * scale is initialised lazily by the first {@link #scale(Tensor)}: {@link #unscale_}, {@link #step} and
 * {@link #update()} before any {@code scale} throw {@link IllegalStateException}.
 *
 * <p><b>Devices.</b> Only tensor operations are used: the inf/NaN check ({@link Tensor#isNonFinite()} and a
 * sum) and the unscaling ({@code grad.mul_}) run on each gradient's own device, gradients on several devices are
 * checked per device (PyTorch's {@code found_inf_per_device}), and the results are read back to the host only in
 * {@link #step} and {@link #update()} (where PyTorch synchronizes as well).
 *
 * <p><b>With {@link Autocast}.</b> The scaler is meant for float32 parameters trained inside a
 * {@link org.sparkgrad.tensor.DType#FLOAT16} autocast region: the scale keeps the float16 activations' gradients from
 * flushing to zero, and they reach the parameters as float32. As in PyTorch, float16 gradients themselves are refused
 * by {@link #unscale_} ("Attempting to unscale FP16 gradients."); keep the parameters in float32.
 *
 * <p><b>Disabled.</b> With {@code enabled = false} the scaler is a pass-through: {@link #scale} returns its argument,
 * {@link #step} just steps, {@link #unscale_}, {@link #update()} and {@link #loadStateDict} do nothing,
 * {@link #getScale()} is 1.0 and {@link #stateDict()} is empty, as in PyTorch.
 *
 * <p>Differences from PyTorch: no {@code device} argument (the scale follows each tensor's device); arguments and
 * new scales are validated with {@link IllegalArgumentException} (PyTorch asserts only {@code growth_factor > 1}
 * and {@code backoff_factor < 1}, and only when enabled); no closure form of {@code step}; no fused optimizers
 * ({@code _step_supports_amp_scaling}). Not thread-safe (like {@link Optimizer}).
 *
 * @see <a href="https://pytorch.org/docs/stable/amp.html#gradient-scaling">PyTorch: torch.amp, gradient scaling</a>
 * @see <a href="https://arxiv.org/abs/1710.03740">Micikevicius et al. 2018, Mixed Precision Training</a>
 */
public final class GradScaler {
    /** Default initial scale, {@code 2^16} (PyTorch's {@code init_scale}). */
    public static final double DEFAULT_INIT_SCALE = 65536.0;
    /** Default growth factor, 2.0 (PyTorch's {@code growth_factor}). */
    public static final double DEFAULT_GROWTH_FACTOR = 2.0;
    /** Default backoff factor, 0.5 (PyTorch's {@code backoff_factor}). */
    public static final double DEFAULT_BACKOFF_FACTOR = 0.5;
    /** Default growth interval, 2000 iterations (PyTorch's {@code growth_interval}). */
    public static final int DEFAULT_GROWTH_INTERVAL = 2000;

    /** PyTorch's {@code OptState}. */
    private enum Stage { READY, UNSCALED, STEPPED }

    /** PyTorch's per-optimizer state: the stage and the inf/NaN counts per device ({@code found_inf_per_device}). */
    private static final class OptState {
        Stage stage = Stage.READY;
        Map<Device, Tensor> foundInfPerDevice = new LinkedHashMap<>();
    }

    private final boolean enabled;
    private double initScale;
    private double growthFactor;
    private double backoffFactor;
    private int growthInterval;
    private int initGrowthTracker;
    /** PyTorch's {@code _scale is not None}: set by the first {@link #scale}. */
    private boolean initialized;
    /** The current scale, always a float32 value (meaningful once {@link #initialized}). */
    private double scale;
    private int growthTracker;
    private Map<Optimizer, OptState> perOptimizer = new IdentityHashMap<>();

    /**
     * An enabled scaler with PyTorch's defaults: initial scale {@code 2^16 = 65536}, growth factor 2, backoff factor
     * 0.5, growth interval 2000.
     */
    public GradScaler() {
        this(DEFAULT_INIT_SCALE, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR, DEFAULT_GROWTH_INTERVAL, true);
    }

    /**
     * A scaler with PyTorch's defaults that is enabled or a pass-through (handy for
     * {@code new GradScaler(useMixedPrecision)}).
     *
     * @param enabled false makes every method a pass-through (see the class comment)
     */
    public GradScaler(boolean enabled) {
        this(DEFAULT_INIT_SCALE, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR, DEFAULT_GROWTH_INTERVAL, enabled);
    }

    /**
     * An enabled scaler with the given options.
     *
     * @param initScale      initial scale factor (dimensionless), positive and finite in float32
     * @param growthFactor   multiplier applied to the scale after {@code growthInterval} iterations without inf/NaN,
     *                       {@code > 1}
     * @param backoffFactor  multiplier applied to the scale after an iteration with inf/NaN, in {@code (0, 1)}
     * @param growthInterval number of consecutive iterations without inf/NaN before the scale grows, {@code > 0}
     * @throws IllegalArgumentException when an argument is outside its range (or NaN), naming it and its value
     */
    public GradScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval) {
        this(initScale, growthFactor, backoffFactor, growthInterval, true);
    }

    /**
     * A scaler with the given options, enabled or a pass-through. The options are validated even when disabled.
     *
     * @param initScale      initial scale factor (dimensionless), positive and finite in float32
     * @param growthFactor   multiplier applied to the scale after {@code growthInterval} iterations without inf/NaN,
     *                       {@code > 1}
     * @param backoffFactor  multiplier applied to the scale after an iteration with inf/NaN, in {@code (0, 1)}
     * @param growthInterval number of consecutive iterations without inf/NaN before the scale grows, {@code > 0}
     * @param enabled        false makes every method a pass-through (see the class comment)
     * @throws IllegalArgumentException when an argument is outside its range (or NaN), naming it and its value
     */
    public GradScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval, boolean enabled) {
        checkScale("initScale", initScale);
        checkGrowthFactor(growthFactor);
        checkBackoffFactor(backoffFactor);
        checkGrowthInterval(growthInterval);
        this.enabled = enabled;
        this.initScale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
        this.initGrowthTracker = 0;
    }

    // ================================================================ scaling

    /**
     * Multiplies a loss (or any output to back-propagate from) by the current scale: {@code loss * scale}, recorded
     * by autograd, so that {@code scale(loss).backward()} leaves gradients multiplied by the scale. The result has
     * the loss's dtype and device (an integer or bool tensor gives float32, as PyTorch's promotion with the float32
     * scale). The first call initialises the scale to {@code initScale} (float32).
     *
     * @param loss the tensor to scale, any shape
     * @return {@code loss * getScale()}, or {@code loss} itself when the scaler is disabled
     * @throws IllegalArgumentException when {@code loss} is null
     */
    public Tensor scale(Tensor loss) {
        if (loss == null) throw new IllegalArgumentException("GradScaler.scale() got a null tensor");
        if (!enabled) return loss;
        lazyInit();
        Tensor x = loss.dtype().isFloatingPoint() ? loss : loss.to(DType.FLOAT32);
        return x.mul(scale);
    }

    /**
     * Scales several outputs at once ({@code scaler.scale([loss0, loss1])} in PyTorch), each as {@link #scale(Tensor)}.
     *
     * @param outputs the tensors to scale
     * @return a new list of the scaled tensors in order, or {@code outputs} itself when the scaler is disabled
     * @throws IllegalArgumentException when the list or one of its tensors is null
     */
    public List<Tensor> scale(List<Tensor> outputs) {
        if (outputs == null) throw new IllegalArgumentException("GradScaler.scale() got a null list");
        if (!enabled) return outputs;
        List<Tensor> r = new ArrayList<>(outputs.size());
        for (Tensor t : outputs) r.add(scale(t));
        return r;
    }

    /**
     * Unscales the gradients of {@code optimizer}'s parameters in place (all parameter groups; parameters whose
     * {@code grad()} is null are skipped) and records, per device, whether any gradient holds an infinity or a NaN.
     * As PyTorch ({@code _amp_foreach_non_finite_check_and_unscale_}), the check looks at the scaled values and each
     * gradient is multiplied by {@code invScale = float32(1 / scale)} (the reciprocal taken in float64); for a
     * power-of-two scale this is an exact division by the scale. Runs under {@link GradMode#noGrad()}.
     *
     * <p>Call it between {@code backward} and {@link #step} when the true gradients are needed (clipping,
     * logging); {@link #step} then does not unscale again. Does nothing when the scaler is disabled.
     *
     * @param optimizer the optimizer whose parameters' gradients are unscaled
     * @throws IllegalArgumentException when {@code optimizer} is null, or a gradient is float16 (PyTorch's
     *                                  {@code allow_fp16=False}; keep the parameters in float32)
     * @throws IllegalStateException    when {@code unscale_} was already called for this optimizer since the last
     *                                  {@link #update()}, when it was already stepped, or when {@link #scale} was
     *                                  never called
     */
    public void unscale_(Optimizer optimizer) {
        if (optimizer == null) throw new IllegalArgumentException("GradScaler.unscale_() got a null optimizer");
        if (!enabled) return;
        checkInitialized("unscale_");
        OptState st = perOptimizer.computeIfAbsent(optimizer, k -> new OptState());
        if (st.stage == Stage.UNSCALED) {
            throw new IllegalStateException("unscale_() has already been called on this optimizer since the last update().");
        }
        if (st.stage == Stage.STEPPED) throw new IllegalStateException("unscale_() is being called after step().");
        for (ParamGroup g : optimizer.paramGroups()) {
            for (Tensor p : g.params()) {
                if (p.grad() != null && p.grad().dtype() == org.sparkgrad.tensor.DType.FLOAT16) {
                    throw new IllegalArgumentException("Attempting to unscale FP16 gradients.");
                }
            }
        }
        // PyTorch: "FP32 division can be imprecise for certain compile options, so we carry out the reciprocal in FP64."
        double invScale = (float) (1.0 / scale);
        st.foundInfPerDevice = unscaleGrads(optimizer, invScale);
        st.stage = Stage.UNSCALED;
    }

    private static Map<Device, Tensor> unscaleGrads(Optimizer optimizer, double invScale) {
        Map<Device, Tensor> found = new LinkedHashMap<>();
        try (GradMode.Guard guard = GradMode.noGrad()) {
            for (ParamGroup g : optimizer.paramGroups()) {
                for (Tensor p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad == null) continue;
                    // the check sees the scaled values, before the multiplication (as PyTorch's kernel)
                    found.merge(grad.device(), grad.isNonFinite().sum(), Tensor::add);
                    if (invScale != 1.0) grad.mul_(invScale);
                }
            }
        }
        return found;
    }

    /**
     * Steps {@code optimizer} unless its gradients hold an infinity or a NaN: unscales them first if
     * {@link #unscale_} was not called for it since the last {@link #update()}, then calls
     * {@link Optimizer#step()} only when no inf/NaN was found (a skipped step leaves the parameters and the
     * optimizer's state untouched). When the scaler is disabled this is just {@code optimizer.step()}.
     *
     * @param optimizer the optimizer to step
     * @return true when {@code optimizer.step()} ran, false when the step was skipped for inf/NaN gradients
     * @throws IllegalArgumentException when {@code optimizer} is null, or as {@link Optimizer#step()} throws
     * @throws IllegalStateException    when this optimizer was already stepped since the last {@link #update()},
     *                                  when none of its parameters has a gradient ("No inf checks were recorded for
     *                                  this optimizer."), or when {@link #scale} was never called
     */
    public boolean step(Optimizer optimizer) {
        if (optimizer == null) throw new IllegalArgumentException("GradScaler.step() got a null optimizer");
        if (!enabled) {
            optimizer.step();
            return true;
        }
        checkInitialized("step");
        OptState st = perOptimizer.computeIfAbsent(optimizer, k -> new OptState());
        if (st.stage == Stage.STEPPED) throw new IllegalStateException("step() has already been called since the last update().");
        if (st.stage == Stage.READY) unscale_(optimizer);
        if (st.foundInfPerDevice.isEmpty()) throw new IllegalStateException("No inf checks were recorded for this optimizer.");
        boolean take = !anyFound(st.foundInfPerDevice.values());
        if (take) optimizer.step();
        st.stage = Stage.STEPPED;
        return take;
    }

    // ================================================================ updating the scale

    /**
     * Updates the scale at the end of an iteration, by the rule in the class comment: backs off ({@code scale *=
     * backoffFactor}, growth tracker to 0) when any optimizer unscaled since the last update found an inf/NaN,
     * otherwise counts a successful iteration and grows the scale ({@code scale *= growthFactor}) every
     * {@code growthInterval} of them. Then forgets every optimizer's unscale/step record. Does nothing when the scaler
     * is disabled.
     *
     * @throws IllegalStateException when no optimizer was unscaled or stepped since the last update ("No inf checks
     *                               were recorded prior to update."), or when {@link #scale} was never called
     */
    public void update() {
        if (!enabled) return;
        checkInitialized("update");
        List<Tensor> founds = new ArrayList<>();
        for (OptState st : perOptimizer.values()) founds.addAll(st.foundInfPerDevice.values());
        if (founds.isEmpty()) throw new IllegalStateException("No inf checks were recorded prior to update.");
        if (anyFound(founds)) {
            scale = (float) (scale * backoffFactor);
            growthTracker = 0;
        } else {
            int successful = growthTracker + 1;
            if (successful == growthInterval) {
                float grown = (float) (scale * growthFactor);
                if (Float.isFinite(grown)) scale = grown;
                growthTracker = 0;
            } else {
                growthTracker = successful;
            }
        }
        perOptimizer = new IdentityHashMap<>();
    }

    /**
     * Sets the scale to {@code newScale} (rounded to float32) instead of applying the growth/backoff rule, and
     * forgets every optimizer's unscale/step record; the growth tracker is left as it is (as PyTorch's
     * {@code update(new_scale)}). Does nothing when the scaler is disabled.
     *
     * @param newScale the new scale factor, positive and finite in float32
     * @throws IllegalArgumentException when {@code newScale} is not positive and finite in float32
     * @throws IllegalStateException    when {@link #scale} was never called
     */
    public void update(double newScale) {
        if (!enabled) return;
        checkInitialized("update");
        checkScale("newScale", newScale);
        scale = (float) newScale;
        perOptimizer = new IdentityHashMap<>();
    }

    private static boolean anyFound(Collection<Tensor> counts) {
        long total = 0;
        for (Tensor c : counts) total += (long) c.item();
        return total > 0;
    }

    // ================================================================ getters and setters

    /**
     * The current scale factor ({@code get_scale}).
     *
     * @return the scale (dimensionless; a float32 value once {@link #scale} has been called, the configured initial
     *         scale before), or 1.0 when the scaler is disabled
     */
    public double getScale() {
        if (!enabled) return 1.0;
        return initialized ? scale : initScale;
    }

    /**
     * The growth factor ({@code get_growth_factor}).
     *
     * @return the factor the scale is multiplied by after {@code growthInterval} clean iterations
     */
    public double getGrowthFactor() { return growthFactor; }

    /**
     * Sets the growth factor ({@code set_growth_factor}); it applies from the next growth on.
     *
     * @param growthFactor the new factor, {@code > 1}
     * @throws IllegalArgumentException unless {@code growthFactor > 1}
     */
    public void setGrowthFactor(double growthFactor) {
        checkGrowthFactor(growthFactor);
        this.growthFactor = growthFactor;
    }

    /**
     * The backoff factor ({@code get_backoff_factor}).
     *
     * @return the factor the scale is multiplied by after an iteration with inf/NaN gradients
     */
    public double getBackoffFactor() { return backoffFactor; }

    /**
     * Sets the backoff factor ({@code set_backoff_factor}); it applies from the next backoff on.
     *
     * @param backoffFactor the new factor, in {@code (0, 1)}
     * @throws IllegalArgumentException unless {@code 0 < backoffFactor < 1}
     */
    public void setBackoffFactor(double backoffFactor) {
        checkBackoffFactor(backoffFactor);
        this.backoffFactor = backoffFactor;
    }

    /**
     * The growth interval ({@code get_growth_interval}).
     *
     * @return the number of consecutive clean iterations after which the scale grows
     */
    public int getGrowthInterval() { return growthInterval; }

    /**
     * Sets the growth interval ({@code set_growth_interval}). The growth tracker is not reset, and as in PyTorch the
     * scale grows when the incremented tracker <em>equals</em> the interval: an interval at or below the current
     * tracker value delays growth until an inf/NaN iteration resets the tracker (call it between runs, or reload
     * a state dict, to avoid that).
     *
     * @param growthInterval the new interval in iterations, {@code > 0}
     * @throws IllegalArgumentException unless {@code growthInterval > 0}
     */
    public void setGrowthInterval(int growthInterval) {
        checkGrowthInterval(growthInterval);
        this.growthInterval = growthInterval;
    }

    /**
     * The growth tracker (PyTorch's private {@code _get_growth_tracker}).
     *
     * @return the number of consecutive clean iterations counted towards the next growth; 0 when the scaler is
     *         disabled
     */
    public int getGrowthTracker() {
        if (!enabled) return 0;
        return initialized ? growthTracker : initGrowthTracker;
    }

    /**
     * Whether the scaler is enabled ({@code is_enabled}).
     *
     * @return false for a pass-through scaler
     */
    public boolean isEnabled() { return enabled; }

    // ================================================================ state dict

    /**
     * The scaler's state as plain data with PyTorch's keys ({@code state_dict}): {@code "scale"} (Double, the value
     * of {@link #getScale()}), {@code "growth_factor"} (Double), {@code "backoff_factor"} (Double),
     * {@code "growth_interval"} (Integer), {@code "_growth_tracker"} (Integer). Empty when the scaler is disabled.
     * The map is fresh and owned by the caller. Per-optimizer unscale/step records are not part of it: save between
     * iterations, after {@link #update()}.
     *
     * @return a new map, empty when the scaler is disabled
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> sd = new LinkedHashMap<>();
        if (!enabled) return sd;
        sd.put("scale", getScale());
        sd.put("growth_factor", growthFactor);
        sd.put("backoff_factor", backoffFactor);
        sd.put("growth_interval", growthInterval);
        sd.put("_growth_tracker", getGrowthTracker());
        return sd;
    }

    /**
     * Restores a state produced by {@link #stateDict()} (here or by PyTorch's {@code GradScaler.state_dict()},
     * numbers of any boxed type). As PyTorch's {@code load_state_dict}, the saved scale and growth tracker replace
     * the initial ones, and the current ones too once {@link #scale} has been called. Nothing changes when
     * validation fails. Does nothing when the scaler is disabled.
     *
     * @param stateDict the saved state
     * @throws IllegalArgumentException when the map is null or empty (for instance saved from a disabled scaler), a key
     *                                  is missing or not a number, an integer entry is not integral, or a value is
     *                                  outside the range the constructor accepts ({@code _growth_tracker >= 0})
     */
    public void loadStateDict(Map<String, ?> stateDict) {
        if (!enabled) return;
        if (stateDict == null || stateDict.isEmpty()) {
            throw new IllegalArgumentException("The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.");
        }
        double s = number(stateDict, "scale");
        double gf = number(stateDict, "growth_factor");
        double bf = number(stateDict, "backoff_factor");
        int gi = integer(stateDict, "growth_interval");
        int gt = integer(stateDict, "_growth_tracker");
        checkScale("scale", s);
        checkGrowthFactor(gf);
        checkBackoffFactor(bf);
        checkGrowthInterval(gi);
        if (gt < 0) throw new IllegalArgumentException("GradScaler state '_growth_tracker' must be >= 0, got " + gt);
        initScale = s;
        if (initialized) scale = (float) s;
        growthFactor = gf;
        backoffFactor = bf;
        growthInterval = gi;
        initGrowthTracker = gt;
        if (initialized) growthTracker = gt;
    }

    private static double number(Map<String, ?> m, String key) {
        Object v = m.get(key);
        if (v == null) throw new IllegalArgumentException("GradScaler state dict has no '" + key + "'");
        if (!(v instanceof Number)) throw new IllegalArgumentException("GradScaler state '" + key + "' is not a number: " + v);
        return ((Number) v).doubleValue();
    }

    private static int integer(Map<String, ?> m, String key) {
        double d = number(m, key);
        if (d != Math.rint(d) || d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("GradScaler state '" + key + "' is not a 32-bit integer: " + m.get(key));
        }
        return (int) d;
    }

    // ================================================================ helpers

    /** PyTorch's {@code _lazy_init_scale_growth_tracker}: a float32 scale and the initial growth tracker. */
    private void lazyInit() {
        if (initialized) return;
        scale = (float) initScale;
        growthTracker = initGrowthTracker;
        initialized = true;
    }

    /** PyTorch's {@code _check_scale_growth_tracker}. */
    private void checkInitialized(String funcName) {
        if (!initialized) {
            throw new IllegalStateException("Attempted " + funcName + " but the scale is not initialized. This may indicate "
                    + "your script did not use scaler.scale(loss or outputs) earlier in the iteration.");
        }
    }

    private static void checkScale(String what, double s) {
        if (!(s > 0) || !Float.isFinite((float) s) || (float) s == 0f) {
            throw new IllegalArgumentException("GradScaler " + what + " must be positive and finite in float32, got " + s);
        }
    }

    private static void checkGrowthFactor(double f) {
        if (!(f > 1.0)) throw new IllegalArgumentException("GradScaler growthFactor must be > 1.0, got " + f);
    }

    private static void checkBackoffFactor(double f) {
        if (!(f > 0.0 && f < 1.0)) throw new IllegalArgumentException("GradScaler backoffFactor must be in (0, 1), got " + f);
    }

    private static void checkGrowthInterval(int n) {
        if (n <= 0) throw new IllegalArgumentException("GradScaler growthInterval must be > 0, got " + n);
    }

    @Override public String toString() {
        if (!enabled) return "GradScaler(enabled=false)";
        return "GradScaler(scale=" + getScale() + ", growth_factor=" + growthFactor + ", backoff_factor=" + backoffFactor
                + ", growth_interval=" + growthInterval + ", growth_tracker=" + getGrowthTracker() + ")";
    }
}
