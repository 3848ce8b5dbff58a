package org.sparkgrad.train;

/**
 * Learning-rate schedules as closed forms of the global step, for distributed training where the step
 * count is the state (the stateful schedulers of {@code org.sparkgrad.optim.lr} serve local loops).
 * Spec strings: {@code constant}; {@code cosine} (PyTorch CosineAnnealingLR over all steps, eta_min 0);
 * {@code step:S:G} (StepLR, step size S, gamma G); {@code exponential:G}; {@code warmup_cosine:W} (linear
 * warm-up over W steps from 0, then cosine); {@code onecycle} (OneCycleLR, cos, pct_start 0.3, div_factor
 * 25, final_div_factor 1e4; Smith and Topin 2018).
 */
public final class LrSchedules {
    private LrSchedules() {}

    /**
     * The learning rate at {@code step} (0-based) of {@code total} steps.
     *
     * @throws IllegalArgumentException for an unknown or malformed spec
     */
    public static double lr(String spec, double base, long step, long total) {
        String[] p = spec.trim().split(":");
        double t = Math.max(total, 1);
        try {
            switch (p[0]) {
                case "constant":
                    return base;
                case "cosine":
                    return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(step, total) / t));
                case "step":
                    return base * Math.pow(Double.parseDouble(p[2]), Math.floor(step / Double.parseDouble(p[1])));
                case "exponential":
                    return base * Math.pow(Double.parseDouble(p[1]), step);
                case "warmup_cosine": {
                    double w = Double.parseDouble(p[1]);
                    if (step < w) return base * (step + 1) / w;
                    return base * 0.5 * (1 + Math.cos(Math.PI * Math.min(step - w, t - w) / Math.max(1, t - w)));
                }
                case "onecycle": {
                    double maxLr = base, initial = maxLr / 25, minLr = initial / 1e4;
                    double up = 0.3 * t - 1, down = t - 1;
                    if (step <= up) return cosAnneal(initial, maxLr, step / Math.max(up, 1e-12));
                    return cosAnneal(maxLr, minLr, (step - up) / Math.max(down - up, 1e-12));
                }
                default:
                    break;
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("malformed learning-rate schedule '" + spec + "'", e);
        }
        throw new IllegalArgumentException("unknown learning-rate schedule '" + spec
                + "'; expected constant, cosine, step:S:G, exponential:G, warmup_cosine:W or onecycle");
    }

    private static double cosAnneal(double start, double end, double pct) {
        return end + (start - end) / 2 * (Math.cos(Math.PI * Math.min(pct, 1)) + 1);
    }
}
