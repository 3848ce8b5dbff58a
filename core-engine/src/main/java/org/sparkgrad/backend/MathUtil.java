package org.sparkgrad.backend;

/**
 * Special functions not in {@link Math}: the error function family ({@code erf}, {@code erfc}, {@code erfinv}), the
 * inverse hyperbolic functions and {@code log2}, each to within a few ulp of the correctly rounded double over its
 * whole domain, with the IEEE edge values of C's {@code <math.h>} (which PyTorch's CPU kernels call).
 */
public final class MathUtil {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double SQRT_PI = Math.sqrt(Math.PI);
    private static final double LN2 = 0.6931471805599453;
    private static final double INV_LN2 = 1 / LN2;
    private static final double SQRT2 = Math.sqrt(2);
    /** 2^28: beyond it {@code sqrt(x^2 + 1) == |x|} in double. */
    private static final double TWO_28 = 0x1p28;

    private MathUtil() {}

    /**
     * Error function to near double precision: for {@code |x| < 1} the everywhere-positive series
     * {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (2n+1)!!} (Abramowitz and Stegun 7.1.6),
     * which has no cancellation; beyond, {@code 1 - erfc(|x|)} (the continued fraction of {@link #erfc}), since the
     * series' rounding grows with its length there (up to 16 ulp, and above 1 for x in [5.67, 6)). Odd, including
     * the sign of zero ({@code erf(-0.0) = -0.0}, as C's erf); {@code |erf(x)| = 1} to double precision for
     * {@code |x| >= 6}.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax >= 6) return Math.copySign(1.0, x);
        if (ax >= 1) return Math.copySign(1 - erfc(ax), x);
        double x2 = ax * ax;
        double term = ax, sum = ax;
        for (int n = 1; n < 200; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        double r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        return Math.copySign(r, x);
    }

    /**
     * Complementary error function {@code erfc(x) = 1 - erf(x)} without the cancellation of that difference: for
     * {@code |x| < 1} it is {@code 1 - erf(x)} (at most one binade lost), for {@code x >= 1} the continued fraction
     * {@code erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))} (Abramowitz and Stegun
     * 7.1.14) evaluated by the modified Lentz method, with {@code exp(-x^2)} from an exact split of {@code x^2}; for
     * {@code x <= -1}, {@code 2 - erfc(-x)}. Relative error below 3e-15; {@code erfc(+inf) = 0}, {@code erfc(-inf) = 2},
     * underflows to 0 beyond {@code x = 27.3}.
     */
    public static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        if (x < 0) return 2 - erfc(-x);
        if (x < 1) return 1 - erf(x);
        if (x == Double.POSITIVE_INFINITY || x > 28) return 0;
        final double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 500; n++) {
            double a = 0.5 * n;
            d = x + a * d;
            if (d == 0) d = tiny;
            c = x + a / c;
            if (c == 0) c = tiny;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return expNegSquare(x) / SQRT_PI / f;
    }

    /** {@code exp(-x*x)} with {@code x*x} split into an exactly squared head and a small tail (fdlibm's erfc trick). */
    private static double expNegSquare(double x) {
        double hi = Double.longBitsToDouble(Double.doubleToRawLongBits(x) & 0xFFFFFFFFF8000000L);
        double lo = x - hi;
        return Math.exp(-hi * hi) * Math.exp(-lo * (x + hi));
    }

    /**
     * Inverse error function on {@code [-1, 1]}: {@code erf(erfinv(y)) = y}; {@code erfinv(+-1) = +-inf}, NaN outside
     * {@code [-1, 1]} (as {@code torch.erfinv}). An initial estimate from Winitzki's closed-form approximation
     * (relative error about 2e-3) is refined by Halley steps on {@code erf(x) - y}, written as {@code (1 - y) - erfc(x)}
     * for {@code y > 0.5} so that arguments close to 1 keep their precision; below {@code 1e-8} the first Taylor term
     * {@code sqrt(pi)/2 y} is exact to double precision. Relative error below 3e-15.
     */
    public static double erfinv(double y) {
        if (Double.isNaN(y) || Math.abs(y) > 1) return Double.NaN;
        double ay = Math.abs(y);
        if (ay == 1) return Math.copySign(Double.POSITIVE_INFINITY, y);
        if (ay < 1e-8) return 0.5 * SQRT_PI * y;
        final double a = 0.147;
        double l = ay < 0.5 ? Math.log1p(-ay * ay) : Math.log((1 - ay) * (1 + ay));
        double t = 2 / (Math.PI * a) + 0.5 * l;
        double x = Math.sqrt(Math.sqrt(t * t - l / a) - t);
        for (int i = 0; i < 8; i++) {
            double f = ay <= 0.5 ? erf(x) - ay : (1 - ay) - erfc(x);
            double u = f / (TWO_OVER_SQRT_PI * Math.exp(-x * x));
            double dx = u / (1 + x * u);
            x -= dx;
            if (!(Math.abs(dx) > 1e-17 * x)) break;
        }
        return Math.copySign(x, y);
    }

    /**
     * Inverse hyperbolic sine, fdlibm's {@code s_asinh.c} formulas: {@code log1p(|x| + x^2 / (1 + sqrt(1 + x^2)))} up
     * to 2, {@code log(2|x| + 1 / (sqrt(x^2 + 1) + |x|))} up to 2^28, {@code log|x| + ln 2} beyond; odd.
     */
    public static double asinh(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) return x;
        double ax = Math.abs(x);
        if (ax < 0x1p-28) return x;
        double r;
        if (ax > TWO_28) r = Math.log(ax) + LN2;
        else if (ax > 2) r = Math.log(2 * ax + 1 / (Math.sqrt(x * x + 1) + ax));
        else r = Math.log1p(ax + x * x / (1 + Math.sqrt(1 + x * x)));
        return Math.copySign(r, x);
    }

    /**
     * Inverse hyperbolic cosine (fdlibm's {@code e_acosh.c}): NaN below 1, 0 at 1, {@code log1p(t + sqrt(2t + t^2))}
     * with {@code t = x - 1} up to 2, {@code log(2x - 1 / (x + sqrt(x^2 - 1)))} up to 2^28, {@code log x + ln 2} beyond.
     */
    public static double acosh(double x) {
        if (Double.isNaN(x)) return x;
        if (x < 1) return Double.NaN;
        if (x == Double.POSITIVE_INFINITY) return x;
        if (x > TWO_28) return Math.log(x) + LN2;
        if (x > 2) return Math.log(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
        double t = x - 1;
        return Math.log1p(t + Math.sqrt(2 * t + t * t));
    }

    /**
     * Inverse hyperbolic tangent (fdlibm's {@code e_atanh.c}): {@code 0.5 log1p(2|x| + 2x^2 / (1 - |x|))} below 0.5,
     * {@code 0.5 log1p(2|x| / (1 - |x|))} above; {@code +-inf} at {@code +-1}, NaN beyond; odd.
     */
    public static double atanh(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax > 1) return Double.NaN;
        if (ax == 1) return Math.copySign(Double.POSITIVE_INFINITY, x);
        if (ax < 0x1p-28) return x;
        double r = ax < 0.5 ? 0.5 * Math.log1p(2 * ax + 2 * ax * ax / (1 - ax)) : 0.5 * Math.log1p(2 * ax / (1 - ax));
        return Math.copySign(r, x);
    }

    /**
     * Base-2 logarithm, exact at powers of two (so {@code log2(8) == 3}, as C's {@code log2}, where {@code log(x)/ln 2}
     * can miss by an ulp): {@code x = m 2^e} with {@code m} in {@code [sqrt(1/2), sqrt(2))}, {@code e + log(m)/ln 2}.
     * {@code log2(0) = -inf}, NaN below 0, {@code log2(inf) = inf}.
     */
    public static double log2(double x) {
        if (!(x > 0) || x == Double.POSITIVE_INFINITY) return x == 0 ? Double.NEGATIVE_INFINITY : (x > 0 ? x : Double.NaN);
        int adj = 0;
        if (x < Double.MIN_NORMAL) {
            x *= 0x1p54;
            adj = -54;
        }
        int e = Math.getExponent(x);
        double m = Math.scalb(x, -e);
        if (m > SQRT2) {
            m *= 0.5;
            e++;
        }
        return (e + adj) + Math.log(m) * INV_LN2;
    }
}
