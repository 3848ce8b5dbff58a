package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * The Vector API elementwise loops equal the scalar loops bit for bit (ReLU, its gradient, axpy), over lengths that
 * are not multiples of the vector length, with offsets, NaN, signed zeros and infinities; and the fused
 * {@code add_(other, alpha)} path that uses them.
 */
class VectorEltwiseTest {
    private static float[] data(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        float[] special = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE};
        for (int i = 0; i < special.length && 3 * i < n; i++) x[3 * i] = special[i];
        return x;
    }

    @Test
    void reluForwardAndBackwardMatchTheScalarLoops() {
        if (!FastMath.VECTOR) return; // scalar loops only: nothing to compare
        for (int n : new int[] {0, 1, 7, 16, 17, 33, 1000, 4099}) {
            float[] x = data(n + 7, n), g = data(n + 3, n + 1);
            float[] a = new float[n + 2], b = new float[n + 2];
            VectorEltwise.relu(x, 5, a, 2, n + 2); // out[i] = max(in[off + i], 0) for i in [from, to)
            for (int i = 2; i < n + 2; i++) b[i] = Math.max(x[5 + i], 0f);
            assertArrayEquals(b, a, "relu n=" + n);
            float[] r1 = new float[n], r2 = new float[n];
            VectorEltwise.reluBackward(g, 3, x, 2, r1, 0, Math.max(0, n - 3));
            for (int i = 0; i < Math.max(0, n - 3); i++) r2[i] = x[2 + i] <= 0 ? 0f : g[3 + i];
            assertArrayEquals(r2, r1, "relu backward n=" + n);
        }
    }

    @Test
    void axpyMatchesTheScalarLoop() {
        for (int n : new int[] {0, 1, 15, 16, 31, 257, 5003}) {
            float[] x = data(n + 4, 7 * n), y1 = data(n + 1, 11 * n), y2 = y1.clone();
            CpuKernels.axpy(-0.37f, x, 4, y1, 1, n);
            for (int i = 0; i < n; i++) y2[1 + i] += -0.37f * x[4 + i];
            assertArrayEquals(y2, y1, "axpy n=" + n);
        }
    }

    @Test
    void blockedVectorSumIsAccurateInDouble() {
        for (int n : new int[] {64, 100, 1024, 1025, 100_000}) {
            float[] f = data(n, 3 * n);
            for (int i = 0; i < n; i += 3) if (!Float.isFinite(f[i])) f[i] = 1.5f;
            double exact = 0, abs = 0;
            for (int i = 0; i < n; i++) {
                exact += f[i];
                abs += Math.abs(f[i]);
            }
            // float accumulation within a block: error bounded by a few float roundings of the magnitudes summed
            assertEquals(exact, CpuKernels.sumF(f, 0, n), 1e-6 * abs, "n=" + n);
        }
        float[] big = new float[100_000];
        java.util.Arrays.fill(big, 1e-3f);
        big[0] = 1e4f; // only the first block carries the large term: the other 97 blocks keep their small terms
        double exact = 1e4 + 99_999 * (double) 1e-3f;
        assertEquals(exact, CpuKernels.sumF(big, 0, big.length), 1e-6 * exact);
    }

    @Test
    void fusedAddScaledEqualsMulThenAddAndChecksShapes() {
        Generator gen = new Generator(5);
        for (int n : new int[] {3, 40_000, 100_000}) { // serial and parallel ranges
            Tensor p = Tensor.randn(gen, n), d = Tensor.randn(gen, n);
            float[] expect = p.toFloatArray(), dv = d.toFloatArray();
            for (int i = 0; i < n; i++) expect[i] += (float) -0.01 * dv[i];
            p.add_(d, -0.01);
            assertArrayEquals(expect, p.toFloatArray());
        }
        // broadcast and non-contiguous operands take the general path
        Tensor m = Tensor.zeros(3, 4), row = Tensor.arange(4);
        m.add_(row, 2.0);
        assertArrayEquals(new float[] {0, 2, 4, 6, 0, 2, 4, 6, 0, 2, 4, 6}, m.toFloatArray());
        Tensor t = Tensor.zeros(4, 3);
        t.add_(Tensor.ones(3, 4).transpose(0, 1), 0.5);
        assertEquals(6f, t.sum().item(), 0f);
        // float64 operand into a float32 tensor
        Tensor f = Tensor.ones(2);
        f.add_(Tensor.fromArray(new double[] {1, 2}), 3);
        assertArrayEquals(new float[] {4, 7}, f.toFloatArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add_(Tensor.ones(3, 3), 2));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[3, 3]"), e.getMessage());
        Tensor leaf = Tensor.ones(2).requiresGrad_(true);
        assertThrows(IllegalStateException.class, () -> leaf.add_(Tensor.ones(2), 2));
        try (GradMode.Guard ng = GradMode.noGrad()) {
            leaf.add_(Tensor.ones(2), 2);
        }
        assertArrayEquals(new float[] {3, 3}, leaf.toFloatArray());
        int v0 = leaf.version();
        try (GradMode.Guard ng = GradMode.noGrad()) {
            leaf.add_(Tensor.ones(2), -1);
        }
        assertTrue(leaf.version() > v0, "add_ bumps the version counter");
    }
}
