package org.sparkgrad.backend;

/** Special functions not in {@link Math}. */
public final class MathUtil {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

    private MathUtil() {}

    /**
     * Error function to near double precision, from the everywhere-positive series
     * {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (2n+1)!!} (Abramowitz and Stegun 7.1.6),
     * which has no cancellation; {@code |erf(x)| = 1} to double precision for {@code |x| >= 6}.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax >= 6) return Math.copySign(1.0, x);
        double x2 = ax * ax;
        double term = ax, sum = ax;
        for (int n = 1; n < 200; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        double r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        return x < 0 ? -r : r;
    }
}
