package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.Generator;

class BlasTest {
    private static float[] rand(int n, Generator g) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) g.nextGaussian();
        return a;
    }

    private static double naive(boolean ta, boolean tb, float[] a, int lda, float[] b, int ldb, int i, int j, int k) {
        double s = 0;
        for (int p = 0; p < k; p++) s += (double) (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
        return s;
    }

    @Test
    void describesTheLiveImplementation() {
        assertFalse(Blas.description().isEmpty());
    }

    @Test
    void tiledJavaGemmMatchesNaiveProductForAllTransposes() {
        Generator g = new Generator(7);
        int m = 300, n = 270, k = 530; // not multiples of the tile
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = rand(m * k, g), b = rand(k * n, g), c = new float[m * n];
                int lda = ta ? m : k, ldb = tb ? k : n;
                Blas.sgemmTiled(Blas.javaBlas(), ta, tb, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
                for (int i = 0; i < m; i += 37) {
                    for (int j = 0; j < n; j += 29) {
                        assertEquals(naive(ta, tb, a, lda, b, ldb, i, j, k), c[i * n + j], 2e-3, "ta=" + ta + " tb=" + tb);
                    }
                }
            }
        }
    }

    @Test
    void liveGemmMatchesNaiveProduct() {
        Generator g = new Generator(3);
        int m = 65, n = 33, k = 129;
        float[] a = rand(m * k, g), b = rand(k * n, g), c = new float[m * n];
        Blas.sgemm(false, true, m, n, k, 1f, a, 0, k, rand(n * k, new Generator(3)), 0, k, 0f, c, 0, n);
        float[] bt = rand(n * k, new Generator(3));
        for (int i = 0; i < m; i += 7) for (int j = 0; j < n; j += 5) assertEquals(naive(false, true, a, k, bt, k, i, j, k), c[i * n + j], 1e-3);
    }
}
