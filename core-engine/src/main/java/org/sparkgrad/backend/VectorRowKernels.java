package org.sparkgrad.backend;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 row primitives of the attention kernels ({@link CpuAttentionKernels}) on the JDK Vector API: maximum,
 * scaling and the softmax gradient of one row. Only called when {@link FastMath#VECTOR}; primitive signatures, so
 * no other class needs the {@code jdk.incubator.vector} module to load.
 */
final class VectorRowKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();

    private VectorRowKernels() {}

    /** {@code max(p[o .. o + n))} ({@code -inf} for n = 0; NaN propagates). */
    static float max(float[] p, int o, int n) {
        int j = 0, ub = S.loopBound(n);
        float m = Float.NEGATIVE_INFINITY;
        if (ub > 0) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; j < ub; j += VL) acc = acc.max(FloatVector.fromArray(S, p, o + j));
            m = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; j < n; j++) m = Math.max(m, p[o + j]);
        return m;
    }

    /** {@code p[o + j] *= s} for {@code j < n}. */
    static void scale(float[] p, int o, int n, float s) {
        int j = 0, ub = S.loopBound(n);
        for (; j < ub; j += VL) FloatVector.fromArray(S, p, o + j).mul(s).intoArray(p, o + j);
        for (; j < n; j++) p[o + j] *= s;
    }

    /** {@code a[ao + j] *= b[bo + j]} for {@code j < n}. */
    static void mul(float[] a, int ao, float[] b, int bo, int n) {
        int j = 0, ub = S.loopBound(n);
        for (; j < ub; j += VL) FloatVector.fromArray(S, a, ao + j).mul(FloatVector.fromArray(S, b, bo + j)).intoArray(a, ao + j);
        for (; j < n; j++) a[ao + j] *= b[bo + j];
    }

    /** The softmax gradient in place: {@code z = p * (z - sum(z * p))} over {@code n} elements. */
    static void softmaxGrad(float[] z, int zo, float[] p, int po, int n) {
        int j = 0, ub = S.loopBound(n);
        double dot = 0;
        if (ub > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; j < ub; j += VL) acc = FloatVector.fromArray(S, z, zo + j).fma(FloatVector.fromArray(S, p, po + j), acc);
            dot = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; j < n; j++) dot += z[zo + j] * p[po + j];
        float d = (float) dot;
        j = 0;
        for (; j < ub; j += VL) {
            FloatVector pv = FloatVector.fromArray(S, p, po + j);
            FloatVector.fromArray(S, z, zo + j).sub(d).mul(pv).intoArray(z, zo + j);
        }
        for (; j < n; j++) z[zo + j] = p[po + j] * (z[zo + j] - d);
    }
}
