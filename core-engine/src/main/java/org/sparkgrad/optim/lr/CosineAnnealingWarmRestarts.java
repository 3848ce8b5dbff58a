package org.sparkgrad.optim.lr;

import java.util.Map;
import org.sparkgrad.optim.Optimizer;

/**
 * Cosine annealing with warm restarts (Loshchilov &amp; Hutter 2017, "SGDR: Stochastic Gradient Descent with
 * Warm Restarts"), as {@code torch.optim.lr_scheduler.CosineAnnealingWarmRestarts} of PyTorch 2.x:
 * {@code lr = etaMin + (base_lr - etaMin) (1 + cos(pi T_cur / T_i)) / 2}, where {@code T_cur} counts epochs
 * since the last restart and the period {@code T_i} starts at {@code t0} and is multiplied by {@code tMult}
 * at each restart.
 *
 * <p>{@link #step()} advances {@code T_cur} by one (restarting when it reaches {@code T_i});
 * {@link #step(double)} jumps to a possibly fractional epoch (e.g. {@code epoch + batch / batches}) and
 * derives {@code T_cur} and {@code T_i} from it, exactly as PyTorch's {@code step(epoch)}.
 */
public final class CosineAnnealingWarmRestarts extends LRScheduler {
    private int t0;
    private double tI;
    private int tMult;
    private double etaMin;
    private double tCur;

    /** Restarts every {@code t0} epochs, annealing to 0. */
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0) { this(optimizer, t0, 1, 0.0, -1); }

    /** Starting fresh. */
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult, double etaMin) { this(optimizer, t0, tMult, etaMin, -1); }

    /**
     * @param t0        epochs until the first restart ({@code >= 1})
     * @param tMult     factor by which the period grows after each restart ({@code >= 1})
     * @param etaMin    minimum learning rate
     * @param lastEpoch -1 to start fresh, else the epoch to resume from
     * @throws IllegalArgumentException for {@code t0 < 1} or {@code tMult < 1}
     */
    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult, double etaMin, int lastEpoch) {
        super(optimizer, lastEpoch);
        if (t0 <= 0) throw new IllegalArgumentException("Expected positive integer T_0, but got " + t0);
        if (tMult < 1) throw new IllegalArgumentException("Expected integer T_mult >= 1, but got " + tMult);
        this.t0 = t0;
        this.tI = t0;
        this.tMult = tMult;
        this.etaMin = etaMin;
        this.tCur = lastEpoch;
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] r = new double[baseLrs.length];
        for (int i = 0; i < r.length; i++) r[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * tCur / tI)) / 2;
        return r;
    }

    /** Advances one epoch (or batch): {@code T_cur + 1}, restarting with {@code T_i * tMult} when it reaches {@code T_i}. */
    @Override public void step() {
        if (lastEpoch < 0) {
            step(0.0);
            return;
        }
        tCur = tCur + 1;
        if (tCur >= tI) {
            tCur = tCur % tI;
            tI = tI * tMult;
        }
        lastEpoch = lastEpoch + 1;
        applyLrs(computeLr());
    }

    /** {@link #step(double)} at an integer epoch (also what {@link SequentialLR} calls at a milestone, with 0). */
    @Override public void step(int epoch) { step((double) epoch); }

    /**
     * Jumps to {@code epoch} (fractional epochs allowed): for {@code epoch >= t0}, {@code T_cur = epoch mod t0}
     * when {@code tMult == 1}, else {@code n = floor(log_tMult(epoch / t0 (tMult - 1) + 1))},
     * {@code T_cur = epoch - t0 (tMult^n - 1) / (tMult - 1)}, {@code T_i = t0 tMult^n}; below {@code t0},
     * {@code T_i = t0} and {@code T_cur = epoch}.
     *
     * @throws IllegalArgumentException for a negative epoch
     */
    public void step(double epoch) {
        if (!(epoch >= 0)) throw new IllegalArgumentException("Expected non-negative epoch, but got " + epoch);
        if (epoch >= t0) {
            if (tMult == 1) {
                tCur = epoch % t0;
            } else {
                int n = (int) (Math.log(epoch / t0 * (tMult - 1) + 1) / Math.log(tMult));
                long pow = 1;
                for (int k = 0; k < n; k++) pow *= tMult;
                tCur = epoch - (double) (t0 * (pow - 1)) / (tMult - 1);
                tI = (double) (t0 * pow);
            }
        } else {
            tI = t0;
            tCur = epoch;
        }
        lastEpoch = (int) Math.floor(epoch);
        applyLrs(computeLr());
    }

    /** Epochs since the last restart ({@code T_cur}). */
    public double tCur() { return tCur; }

    /** The current period ({@code T_i}). */
    public double tI() { return tI; }

    @Override protected void saveState(Map<String, Object> m) {
        m.put("T_0", t0);
        m.put("T_i", tI);
        m.put("T_mult", tMult);
        m.put("eta_min", etaMin);
        m.put("T_cur", tCur);
    }

    @Override protected void loadState(Map<String, ?> m) {
        t0 = intOf(m, "T_0");
        tI = doubleOf(m, "T_i");
        tMult = intOf(m, "T_mult");
        etaMin = doubleOf(m, "eta_min");
        tCur = doubleOf(m, "T_cur");
    }
}
