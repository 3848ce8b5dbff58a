package org.sparkgrad.backend;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 elementwise loops of the CPU backend on the JDK Vector API, for the ops a training step runs over every
 * activation and parameter: ReLU and its gradient, and {@code y += alpha * x}. Only called when
 * {@link FastMath#VECTOR}; primitive signatures, so no other class needs the {@code jdk.incubator.vector} module.
 * Results equal the scalar loops of {@link CpuKernels} bit for bit (same single-rounding float operations).
 */
final class VectorEltwise {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();

    private VectorEltwise() {}

    /** {@code out[i] = max(in[off + i], 0)} for {@code i} in {@code [from, to)}; NaN stays NaN (as {@link Math#max}). */
    static void relu(float[] in, int off, float[] out, int from, int to) {
        int i = from, ub = from + S.loopBound(to - from);
        FloatVector zero = FloatVector.zero(S);
        for (; i < ub; i += VL) FloatVector.fromArray(S, in, off + i).max(zero).intoArray(out, i);
        for (; i < to; i++) out[i] = Math.max(in[off + i], 0f);
    }

    /** {@code r[i] = x[xo + i] <= 0 ? 0 : g[go + i]} for {@code i} in {@code [from, to)} (NaN input passes g, as PyTorch's threshold_backward). */
    static void reluBackward(float[] g, int go, float[] x, int xo, float[] r, int from, int to) {
        int i = from, ub = from + S.loopBound(to - from);
        FloatVector zero = FloatVector.zero(S);
        for (; i < ub; i += VL) {
            FloatVector xv = FloatVector.fromArray(S, x, xo + i);
            FloatVector.fromArray(S, g, go + i).blend(zero, xv.compare(VectorOperators.LE, 0f)).intoArray(r, i);
        }
        for (; i < to; i++) r[i] = x[xo + i] <= 0 ? 0f : g[go + i];
    }

    /** {@code y[yo + i] += alpha * x[xo + i]} for {@code i} in {@code [0, n)}, the product rounded before the add. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0, ub = S.loopBound(n);
        for (; i < ub; i += VL) {
            FloatVector.fromArray(S, x, xo + i).mul(alpha).add(FloatVector.fromArray(S, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    /**
     * Start of the first vector block of {@code a[from, to)} that holds a NaN or ±Inf (or of the scalar tail, when
     * none does): every element before the returned index is finite.
     */
    static int skipFinite(float[] a, int from, int to) {
        // x - x is 0 for finite x and NaN otherwise; a sum of such terms is NaN as soon as one is, so four vectors
        // are tested with one mask reduction
        int step = 4 * VL;
        int i = from, ub = from + (to - from) / step * step;
        for (; i < ub; i += step) {
            FloatVector v0 = FloatVector.fromArray(S, a, i), v1 = FloatVector.fromArray(S, a, i + VL);
            FloatVector v2 = FloatVector.fromArray(S, a, i + 2 * VL), v3 = FloatVector.fromArray(S, a, i + 3 * VL);
            FloatVector acc = v0.sub(v0).add(v1.sub(v1)).add(v2.sub(v2).add(v3.sub(v3)));
            if (acc.compare(VectorOperators.NE, 0f).anyTrue()) {
                return i;
            }
        }
        return i;
    }

    /** {@link #skipFinite(float[], int, int)} for doubles. */
    static int skipFinite(double[] a, int from, int to) {
        var ds = DoubleVector.SPECIES_PREFERRED;
        int dl = ds.length(), step = 4 * dl;
        int i = from, ub = from + (to - from) / step * step;
        for (; i < ub; i += step) {
            DoubleVector v0 = DoubleVector.fromArray(ds, a, i), v1 = DoubleVector.fromArray(ds, a, i + dl);
            DoubleVector v2 = DoubleVector.fromArray(ds, a, i + 2 * dl), v3 = DoubleVector.fromArray(ds, a, i + 3 * dl);
            DoubleVector acc = v0.sub(v0).add(v1.sub(v1)).add(v2.sub(v2).add(v3.sub(v3)));
            if (acc.compare(VectorOperators.NE, 0d).anyTrue()) {
                return i;
            }
        }
        return i;
    }
}
