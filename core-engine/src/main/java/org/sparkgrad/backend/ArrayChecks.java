package org.sparkgrad.backend;

/**
 * Whole-array checks used on data paths (e.g. arrow-io's NaN/Inf policy), vectorised with the JDK Vector API when
 * {@link FastMath#VECTOR} is on and a plain loop otherwise; both give the same answer.
 */
public final class ArrayChecks {
    private ArrayChecks() {}

    /**
     * Index of the first NaN or ±Inf in {@code a[from, to)}, or -1 when all are finite.
     *
     * @throws IndexOutOfBoundsException if {@code [from, to)} is not inside {@code a}
     */
    public static int firstNonFinite(float[] a, int from, int to) {
        java.util.Objects.checkFromToIndex(from, to, a.length);
        int i = from;
        if (FastMath.VECTOR) {
            i = VectorEltwise.skipFinite(a, from, to);
        }
        for (; i < to; i++) {
            float x = a[i];
            if (x - x != 0f) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Index of the first NaN or ±Inf in {@code a[from, to)}, or -1 when all are finite.
     *
     * @throws IndexOutOfBoundsException if {@code [from, to)} is not inside {@code a}
     */
    public static int firstNonFinite(double[] a, int from, int to) {
        java.util.Objects.checkFromToIndex(from, to, a.length);
        int i = from;
        if (FastMath.VECTOR) {
            i = VectorEltwise.skipFinite(a, from, to);
        }
        for (; i < to; i++) {
            double x = a[i];
            if (x - x != 0d) {
                return i;
            }
        }
        return -1;
    }
}
