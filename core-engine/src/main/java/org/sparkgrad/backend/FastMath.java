package org.sparkgrad.backend;

/**
 * Float32 transcendental loops for softmax and exact GELU. With the {@code jdk.incubator.vector} module they run on
 * {@link VectorMath}; otherwise on loops written so that HotSpot's auto-vectoriser (SuperWord) compiles their
 * arithmetic to SIMD code: each function runs branch-free passes of multiplies and adds over a block (range
 * reduction and polynomial) and one short scalar pass that builds the power of two from the exponent bits (the one
 * step SuperWord cannot vectorise). Both are about an order of magnitude faster than {@link Math#exp} per element.
 *
 * <p>exp: Cody-Waite reduction {@code x = k ln2 + r}, {@code |r| <= ln2 / 2}, and the degree-7 polynomial of Cephes'
 * {@code expf} (relative error below 2e-7); inputs below -87.3 give 0 (the true value is a float32 denormal, below
 * 1.2e-38); the callers only need arguments up to 0 (softmax rows shifted by their maximum, Gaussian tails).
 * erfc: Numerical Recipes' Chebyshev-fitted {@code erfcc} (Press et al., "Numerical Recipes", 2nd ed., section 6.2), fractional error below 1.2e-7 everywhere,
 * so GELU keeps float32 relative accuracy in both tails.
 */
final class FastMath {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
    private static final float LO = -87.3f, HI = 88.0f;
    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;
    /** Cap on |x| in the GELU tails: {@code exp(-TAIL_CAP^2 / 2)} underflows float32 to 0. */
    static final float TAIL_CAP = 16f;
    /** Elements per block of the two-pass loops (the scratch arrays are this long). */
    static final int BLOCK = 256;

    /**
     * Whether the {@link VectorMath} versions run: the {@code jdk.incubator.vector} module is present (JVM flag
     * {@code --add-modules=jdk.incubator.vector}) and not disabled with {@code -Dsparkgrad.vector=false}.
     */
    static final boolean VECTOR = detectVector();

    private static boolean detectVector() {
        if ("false".equalsIgnoreCase(System.getProperty("sparkgrad.vector"))) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            return VectorMath.VL >= 4;
        } catch (Throwable t) {
            return false;
        }
    }

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[9][BLOCK]);

    private FastMath() {}

    /** Per-thread scratch arrays of {@link #BLOCK} floats. */
    static float[][] scratch() { return SCRATCH.get(); }

    /**
     * Vectorisable half of exp: for {@code i < n}, {@code mant[i] = exp(r)} and {@code k[i] = k} with
     * {@code exp(x[i]) = mant[i] * 2^k[i]}. (Every array is indexed by the loop variable alone: with a different
     * offset per array SuperWord cannot rule out overlap and leaves the loop scalar.)
     */
    private static void expParts(float[] x, float[] mant, float[] k, int n) {
        for (int i = 0; i < n; i++) {
            float v = Math.min(Math.max(x[i], LO), HI);
            float kk = (v * LOG2E + ROUND) - ROUND;
            float r = v - kk * LN2_HI - kk * LN2_LO;
            float p = 1.9875691500e-4f;
            p = p * r + 1.3981999507e-3f;
            p = p * r + 8.3334519073e-3f;
            p = p * r + 4.1665795894e-2f;
            p = p * r + 1.6666665459e-1f;
            p = p * r + 5.0000001201e-1f;
            mant[i] = p * r * r + r + 1f;
            k[i] = kk;
        }
    }

    /**
     * {@code k[i] = 2^k[i]} for integral floats in [-126, 127]: the one scalar loop (bit construction), branch free.
     */
    private static void pow2(float[] k, int n) {
        for (int i = 0; i < n; i++) k[i] = Float.intBitsToFloat(((int) k[i] + 127) << 23);
    }

    /** 1 when {@code v >= LO}, 0 below (for arguments that differ from LO by more than 1e-30), without a branch. */
    private static float aboveLo(float v) {
        return Math.min(Math.max((v - LO) * 1e30f, 0f), 1f);
    }

    /** 1 for {@code x > 0} (beyond 1e-30), 0 for {@code x <= 0}, without a branch. */
    private static float positive(float x) {
        return Math.min(Math.max(x * 1e30f, 0f), 1f);
    }

    /**
     * {@code y[yo + i] = exp(x[xo + i] - shift)} for {@code i < n}, for arguments {@code x - shift <= 88} (softmax rows:
     * {@code shift} is the row maximum); returns the sum of the results (accumulated in double). In place is allowed.
     */
    static double expShifted(float[] x, int xo, float shift, float[] y, int yo, int n) {
        return VECTOR ? VectorMath.expShifted(x, xo, shift, y, yo, n) : expShiftedScalar(x, xo, shift, y, yo, n);
    }

    /** {@link #expShifted} without the Vector API. */
    static double expShiftedScalar(float[] x, int xo, float shift, float[] y, int yo, int n) {
        float[][] s = scratch();
        float[] a = s[0], k = s[1], t = s[2];
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int b = 0; b < n; b += BLOCK) {
            int m = Math.min(BLOCK, n - b);
            System.arraycopy(x, xo + b, t, 0, m);
            for (int i = 0; i < m; i++) t[i] -= shift;
            expParts(t, a, k, m);
            pow2(k, m);
            for (int i = 0; i < m; i++) a[i] *= k[i] * aboveLo(t[i]);
            int i = 0;
            for (; i + 3 < m; i += 4) {
                s0 += a[i];
                s1 += a[i + 1];
                s2 += a[i + 2];
                s3 += a[i + 3];
            }
            for (; i < m; i++) s0 += a[i];
            System.arraycopy(a, 0, y, yo + b, m);
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Vectorisable half of {@code exp(hi + lo)} with {@code |lo|} small against {@code hi}: the reduction
     * {@code r = (hi - k ln2_hi) - k ln2_lo + lo} keeps lo's bits, so a large argument that is known as an exact
     * {@code hi} plus a correction loses no accuracy to rounding.
     */
    private static void expParts2(float[] hi, float[] lo, float[] mant, float[] k, int n) {
        for (int i = 0; i < n; i++) {
            float h = hi[i], l = lo[i];
            float v = Math.min(Math.max(h + l, LO), HI);
            float kk = (v * LOG2E + ROUND) - ROUND;
            float r = (h - kk * LN2_HI) - kk * LN2_LO + l;
            float p = 1.9875691500e-4f;
            p = p * r + 1.3981999507e-3f;
            p = p * r + 8.3334519073e-3f;
            p = p * r + 4.1665795894e-2f;
            p = p * r + 1.6666665459e-1f;
            p = p * r + 5.0000001201e-1f;
            mant[i] = p * r * r + r + 1f;
            k[i] = kk;
        }
    }

    /**
     * {@code -x^2 / 2} as {@code hi + lo} with {@code hi} exact: Dekker's split {@code x = xh + xl}, xh with 12
     * significant bits, so {@code xh^2} is exact in float. Writes hi into {@code hi}, lo into {@code lo}.
     */
    private static void halfSquare(float[] x, float[] hi, float[] lo, int n) {
        for (int i = 0; i < n; i++) {
            // |x| is capped at TAIL_CAP: exp(-x^2/2) is 0 in float32 from |x| = 13.2 on, and a larger |x| would overflow
            // the split (4097 x) or the reduction's polynomial into inf * 0 = NaN
            float v = Math.min(Math.max(x[i], -TAIL_CAP), TAIL_CAP);
            float c = 4097f * v;
            float xh = c - (c - v), xl = v - xh;
            hi[i] = -0.5f * xh * xh;
            lo[i] = -(xh * xl + 0.5f * xl * xl);
        }
    }

    /**
     * {@code erfc(|x| / sqrt 2) / 2 = mant * 2^k} (the tail probability {@code Phi(-|x|)}), vectorisable; the Chebyshev
     * part of Numerical Recipes' erfcc is added to the exact {@code -x^2/2}. {@code t} is scratch.
     */
    private static void tailParts(float[] x, float[] hi, float[] lo, float[] t, float[] mant, float[] k, int n) {
        halfSquare(x, hi, lo, n);
        for (int i = 0; i < n; i++) {
            float z = Math.abs(x[i]) * INV_SQRT2;
            float tt = 1f / (1f + 0.5f * z);
            float c = 0.17087277f;
            c = c * tt - 0.82215223f;
            c = c * tt + 1.48851587f;
            c = c * tt - 1.13520398f;
            c = c * tt + 0.27886807f;
            c = c * tt - 0.18628806f;
            c = c * tt + 0.09678418f;
            c = c * tt + 0.37409196f;
            c = c * tt + 1.00002368f;
            c = c * tt - 1.26551223f;
            lo[i] += c;
            t[i] = 0.5f * tt;
        }
        expParts2(hi, lo, mant, k, n);
        for (int i = 0; i < n; i++) mant[i] *= t[i];
    }

    /**
     * Exact GELU {@code y = x Phi(x)} over {@code [from, to)} (out indexed from 0 like the unary kernels), with
     * {@code Phi(x) = 1 - T} for {@code x > 0} and {@code T} otherwise, {@code T = Phi(-|x|)} (no cancellation in the
     * lower tail); branch free, so random signs cost no mispredictions.
     */
    static void gelu(float[] in, int off, float[] out, int from, int to) {
        if (VECTOR) VectorMath.gelu(in, off, out, from, to);
        else geluScalar(in, off, out, from, to);
    }

    /** {@link #gelu} without the Vector API. */
    static void geluScalar(float[] in, int off, float[] out, int from, int to) {
        float[][] s = scratch();
        float[] hi = s[0], lo = s[1], t = s[2], mant = s[3], k = s[4], xs = s[5];
        for (int b = from; b < to; b += BLOCK) {
            int m = Math.min(BLOCK, to - b);
            System.arraycopy(in, off + b, xs, 0, m);
            tailParts(xs, hi, lo, t, mant, k, m);
            pow2(k, m);
            for (int i = 0; i < m; i++) {
                float x = xs[i];
                float tail = mant[i] * k[i] * aboveLo(hi[i] + lo[i]);
                t[i] = x * (tail + positive(x) * (1f - 2f * tail));
            }
            System.arraycopy(t, 0, out, b, m);
        }
    }

    /** Backward of exact GELU: {@code r = g (Phi(x) + x phi(x))}, {@code phi(x) = exp(-x^2/2) / sqrt(2 pi)}. */
    static void geluBackward(float[] g, int go, float[] xa, int xo, float[] r, int from, int to) {
        if (VECTOR) VectorMath.geluBackward(g, go, xa, xo, r, from, to);
        else geluBackwardScalar(g, go, xa, xo, r, from, to);
    }

    /** {@link #geluBackward} without the Vector API. */
    static void geluBackwardScalar(float[] g, int go, float[] xa, int xo, float[] r, int from, int to) {
        float[][] s = scratch();
        float[] hi = s[0], lo = s[1], t = s[2], mant = s[3], k = s[4], e2 = s[5], k2 = s[6], xs = s[7], gs = s[8];
        for (int b = from; b < to; b += BLOCK) {
            int m = Math.min(BLOCK, to - b);
            System.arraycopy(xa, xo + b, xs, 0, m);
            System.arraycopy(g, go + b, gs, 0, m);
            halfSquare(xs, hi, lo, m);
            expParts2(hi, lo, e2, k2, m);
            for (int i = 0; i < m; i++) e2[i] *= aboveLo(hi[i] + lo[i]);
            tailParts(xs, hi, lo, t, mant, k, m);
            pow2(k, m);
            pow2(k2, m);
            for (int i = 0; i < m; i++) {
                float x = xs[i];
                float tail = mant[i] * k[i] * aboveLo(hi[i] + lo[i]);
                float cdf = tail + positive(x) * (1f - 2f * tail);
                float pdf = INV_SQRT_2PI * e2[i] * k2[i];
                t[i] = gs[i] * (cdf + x * pdf);
            }
            System.arraycopy(t, 0, r, b, m);
        }
    }
}
