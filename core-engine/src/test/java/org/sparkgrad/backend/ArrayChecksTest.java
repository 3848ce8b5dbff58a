package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link ArrayChecks#firstNonFinite} finds the first NaN / ±Inf at every position (inside a vector block, in the
 * scalar tail, at the range ends), ignores values outside the range, treats ±0, subnormals and ±MAX_VALUE as finite,
 * and agrees with a plain loop on both the vector and the scalar path.
 */
class ArrayChecksTest {

    private static int reference(float[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Float.isNaN(a[i]) || Float.isInfinite(a[i])) return i;
        }
        return -1;
    }

    private static int reference(double[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Double.isNaN(a[i]) || Double.isInfinite(a[i])) return i;
        }
        return -1;
    }

    @Test
    void findsEveryNonFiniteKindAtEveryPosition() {
        float[] bad = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc00001)};
        double[] badD = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        Random r = new Random(3);
        for (int n : new int[] {0, 1, 5, 16, 63, 64, 65, 200}) {
            float[] a = new float[n];
            double[] d = new double[n];
            float[] edge = {0f, -0f, Float.MIN_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE};
            for (int i = 0; i < n; i++) {
                a[i] = i % 7 == 0 ? edge[i % edge.length] : (float) r.nextGaussian();
                d[i] = i % 7 == 0 ? -Double.MAX_VALUE : r.nextGaussian();
            }
            assertEquals(-1, ArrayChecks.firstNonFinite(a, 0, n), "all finite, n=" + n);
            assertEquals(-1, ArrayChecks.firstNonFinite(d, 0, n), "all finite (double), n=" + n);
            for (int p = 0; p < n; p++) {
                for (float b : bad) {
                    float keep = a[p];
                    a[p] = b;
                    a[n - 1] = n - 1 == p ? b : Float.NaN; // a later one must not win
                    assertEquals(p, ArrayChecks.firstNonFinite(a, 0, n), "n=" + n + " p=" + p + " " + b);
                    assertEquals(reference(a, p > 0 ? 1 : 0, n), ArrayChecks.firstNonFinite(a, p > 0 ? 1 : 0, n));
                    a[p] = keep;
                    a[n - 1] = 1f;
                }
                for (double b : badD) {
                    double keep = d[p];
                    d[p] = b;
                    assertEquals(p, ArrayChecks.firstNonFinite(d, 0, n), "double n=" + n + " p=" + p + " " + b);
                    d[p] = keep;
                }
            }
        }
    }

    @Test
    void onlyTheGivenRangeIsChecked() {
        float[] a = new float[100];
        double[] d = new double[100];
        a[10] = Float.NaN;
        a[90] = Float.POSITIVE_INFINITY;
        d[10] = Double.NaN;
        assertEquals(-1, ArrayChecks.firstNonFinite(a, 11, 90));
        assertEquals(90, ArrayChecks.firstNonFinite(a, 11, 100));
        assertEquals(10, ArrayChecks.firstNonFinite(a, 10, 11));
        assertEquals(-1, ArrayChecks.firstNonFinite(a, 50, 50));
        assertEquals(-1, ArrayChecks.firstNonFinite(d, 11, 100));
        assertEquals(reference(d, 0, 100), ArrayChecks.firstNonFinite(d, 0, 100));
        assertThrows(IndexOutOfBoundsException.class, () -> ArrayChecks.firstNonFinite(a, 5, 101));
        assertThrows(IndexOutOfBoundsException.class, () -> ArrayChecks.firstNonFinite(d, 6, 5));
    }
}
