package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sparkgrad.ops.PoolOps;
import org.sparkgrad.tensor.Tensor;

/**
 * The vectorised max pooling (complete windows gathered per lane) returns the same values, bit for bit, and the same
 * indices as the scalar rule (greater or NaN wins, so the first of equal maxima and the last NaN) on random
 * geometries of 1 to 4 spatial dims with stride, padding, dilation and ceil mode, on data full of ties, signed zeros,
 * infinities and NaNs.
 */
class VectorPoolTest {
    private final boolean vectorWas = CpuConvKernels.vectorKernelsEnabled();

    @AfterEach
    void restore() {
        if (CpuConvVector.AVAILABLE) CpuConvKernels.setVectorKernelsEnabled(vectorWas);
    }

    private static Tensor data(Random r, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        float[] v = new float[n];
        float[] special = {Float.NaN, -0f, 0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(20);
            v[i] = c < special.length ? special[c] : (float) Math.round(r.nextGaussian() * 2) / 2; // many ties
        }
        return Tensor.fromArray(v, shape);
    }

    @Test
    void vectorAndScalarPoolingAgreeOnRandomGeometries() {
        assumeTrue(CpuConvVector.AVAILABLE && VectorPoolKernels.usable(), "Vector API not available");
        Random r = new Random(42);
        int vectorised = 0;
        for (int c = 0; c < 120; c++) {
            int nd = 1 + c % 4;
            int[] k = new int[nd], s = new int[nd], p = new int[nd], dil = new int[nd], in = new int[nd];
            for (int d = 0; d < nd; d++) {
                k[d] = 1 + r.nextInt(3);
                s[d] = 1 + r.nextInt(3);
                dil[d] = 1 + r.nextInt(2);
                p[d] = r.nextInt(k[d] / 2 + 1);
                in[d] = (dil[d] * (k[d] - 1) + 1) + r.nextInt(nd <= 2 ? 40 : 8);
            }
            boolean ceil = r.nextBoolean();
            int[] shape = new int[nd + 2];
            shape[0] = 1 + r.nextInt(2);
            shape[1] = 1 + r.nextInt(3);
            System.arraycopy(in, 0, shape, 2, nd);
            Tensor x = data(r, shape);
            CpuConvKernels.setVectorKernelsEnabled(false);
            Tensor[] ref = PoolOps.maxPoolNdWithIndices(x, nd, k, s, p, dil, ceil);
            CpuConvKernels.setVectorKernelsEnabled(true);
            Tensor[] got = PoolOps.maxPoolNdWithIndices(x, nd, k, s, p, dil, ceil);
            String what = "case " + c + " in " + Arrays.toString(shape) + " k " + Arrays.toString(k) + " s " + Arrays.toString(s) + " p "
                    + Arrays.toString(p) + " dil " + Arrays.toString(dil) + " ceil " + ceil;
            float[] a = ref[0].toFloatArray(), b = got[0].toFloatArray();
            int[] ab = new int[a.length], bb = new int[b.length];
            for (int i = 0; i < a.length; i++) {
                ab[i] = Float.floatToIntBits(a[i]);
                bb[i] = Float.floatToIntBits(b[i]);
            }
            assertArrayEquals(ab, bb, what + ": values");
            assertArrayEquals(ref[1].toLongArray(), got[1].toLongArray(), what + ": indices");
            if (CpuConvKernels.VectorPlan.of(org.sparkgrad.backend.PoolWindows.regular(in, k, s, p, dil, ceil, true, null)) != null) vectorised++;
        }
        assertTrue(vectorised > 20, "only " + vectorised + " cases took the vector path");
    }
}
