package org.sparkgrad.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 loops of {@link FastMath} on the JDK Vector API (exp through the JIT's vector intrinsic): softmax
 * exponentials and exact GELU forward/backward, a few times faster than the auto-vectorised two-pass versions. Only
 * {@link FastMath} calls this class, and only when the {@code jdk.incubator.vector} module is present; every
 * signature is primitive so no other class needs the module to load. Same algorithms and accuracy as
 * {@link FastMath}: {@code Phi(-|x|)} from Numerical Recipes' Chebyshev erfc with {@code -x^2/2} split exactly
 * (Dekker) and the rounding of the exponent's argument corrected to first order.
 */
final class VectorMath {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    static final int VL = S.length();
    private static final float INV_SQRT2 = 0.70710678118654752f, INV_SQRT_2PI = 0.39894228040143268f;

    private VectorMath() {}

    // The loop bodies are written out flat: helper methods returning vectors are not always inlined by C2, and a
    // vector that crosses a call boundary is boxed on the heap (several times slower).

    /** Exact GELU {@code out[i] = x Phi(x)} with {@code x = in[off + i]}, {@code i in [from, to)}. */
    static void gelu(float[] in, int off, float[] out, int from, int to) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = from, ub = from + S.loopBound(to - from);
        for (; i < ub; i += VL) {
            FloatVector x = FloatVector.fromArray(S, in, off + i);
            // the tail uses |x| capped at FastMath.TAIL_CAP (where it is already 0), so a huge |x| cannot overflow the split
            FloatVector xc = x.max(-FastMath.TAIL_CAP).min(FastMath.TAIL_CAP);
            // -x^2/2 = hi + (lo - c): Dekker split, xh with 12 significant bits so xh^2 is exact
            FloatVector c4097 = xc.mul(4097f);
            FloatVector xh = c4097.sub(c4097.sub(xc)), xl = xc.sub(xh);
            FloatVector hi = xh.mul(xh).mul(-0.5f);
            FloatVector t = one.div(xc.abs().mul(0.5f * INV_SQRT2).add(1f));
            FloatVector c = t.mul(0.17087277f).sub(0.82215223f);
            c = c.mul(t).add(1.48851587f);
            c = c.mul(t).sub(1.13520398f);
            c = c.mul(t).add(0.27886807f);
            c = c.mul(t).sub(0.18628806f);
            c = c.mul(t).add(0.09678418f);
            c = c.mul(t).add(0.37409196f);
            c = c.mul(t).add(1.00002368f);
            c = c.mul(t).sub(1.26551223f);
            FloatVector lo = c.sub(xh.mul(xl).add(xl.mul(xl).mul(0.5f)));
            FloatVector arg = hi.add(lo);
            FloatVector err = hi.sub(arg).add(lo);
            // Phi(-|x|) = erfc(|x|/sqrt2)/2, the exponential corrected for the rounding of its argument
            FloatVector tail = arg.lanewise(VectorOperators.EXP).mul(err.add(1f)).mul(t).mul(0.5f);
            FloatVector cdf = tail.blend(one.sub(tail), x.compare(VectorOperators.GT, 0f));
            x.mul(cdf).intoArray(out, i);
        }
        if (i < to) FastMath.geluScalar(in, off, out, i, to);
    }

    /** {@code r[i] = g[go + i] (Phi(x) + x phi(x))} with {@code x = xa[xo + i]}, {@code i in [from, to)}. */
    static void geluBackward(float[] g, int go, float[] xa, int xo, float[] r, int from, int to) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = from, ub = from + S.loopBound(to - from);
        for (; i < ub; i += VL) {
            FloatVector x = FloatVector.fromArray(S, xa, xo + i);
            FloatVector xc = x.max(-FastMath.TAIL_CAP).min(FastMath.TAIL_CAP); // as in gelu
            FloatVector c4097 = xc.mul(4097f);
            FloatVector xh = c4097.sub(c4097.sub(xc)), xl = xc.sub(xh);
            FloatVector hi = xh.mul(xh).mul(-0.5f);
            FloatVector sqLo = xh.mul(xl).add(xl.mul(xl).mul(0.5f)).neg();
            // the density exp(-x^2/2) / sqrt(2 pi)
            FloatVector sqArg = hi.add(sqLo);
            FloatVector pdf = sqArg.lanewise(VectorOperators.EXP).mul(hi.sub(sqArg).add(sqLo).add(1f)).mul(INV_SQRT_2PI);
            FloatVector t = one.div(xc.abs().mul(0.5f * INV_SQRT2).add(1f));
            FloatVector c = t.mul(0.17087277f).sub(0.82215223f);
            c = c.mul(t).add(1.48851587f);
            c = c.mul(t).sub(1.13520398f);
            c = c.mul(t).add(0.27886807f);
            c = c.mul(t).sub(0.18628806f);
            c = c.mul(t).add(0.09678418f);
            c = c.mul(t).add(0.37409196f);
            c = c.mul(t).add(1.00002368f);
            c = c.mul(t).sub(1.26551223f);
            FloatVector lo = sqLo.add(c);
            FloatVector arg = hi.add(lo);
            FloatVector tail = arg.lanewise(VectorOperators.EXP).mul(hi.sub(arg).add(lo).add(1f)).mul(t).mul(0.5f);
            FloatVector cdf = tail.blend(one.sub(tail), x.compare(VectorOperators.GT, 0f));
            FloatVector.fromArray(S, g, go + i).mul(cdf.add(x.mul(pdf))).intoArray(r, i);
        }
        if (i < to) FastMath.geluBackwardScalar(g, go, xa, xo, r, i, to);
    }

    /** {@code y[yo + i] = exp(x[xo + i] - shift)} for {@code i < n}; returns the sum (lanes in float, rows in double). */
    static double expShifted(float[] x, int xo, float shift, float[] y, int yo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0, ub = S.loopBound(n);
        for (; i < ub; i += VL) {
            FloatVector e = FloatVector.fromArray(S, x, xo + i).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(y, yo + i);
            acc = acc.add(e);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[xo + i] - shift);
            y[yo + i] = e;
            sum += e;
        }
        return sum;
    }
}
