package org.sparkgrad.cuda.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.sparkgrad.cuda.CudaRuntime;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * The backends every conformance suite runs against: the CPU always, cuda:0 when CUDA is available (skipped with
 * the discovery's reason otherwise). Expected values are computed independently in plain Java, so running the
 * suites on the CPU here also proves the expectations.
 */
public final class ConformanceDevices {
    private ConformanceDevices() {
    }

    /** Parameter source: {@code @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")}. */
    public static Stream<Device> devices() {
        return Stream.of(Device.CPU, Device.cuda(0));
    }

    /** Skips (JUnit assumption) when {@code d} is a GPU and CUDA is unavailable, with the reason. */
    public static void assume(Device d) {
        if (d.isCpu()) return;
        Assumptions.assumeTrue(CudaRuntime.isAvailable(),
                () -> "CUDA backend skipped: " + CudaRuntime.unavailableReason().orElse("unavailable"));
    }

    public static Tensor on(Device d, Tensor t) {
        return t.to(d);
    }

    /** f32 / f64 data from doubles. */
    public static Tensor tensor(DType dt, double[] data, int... shape) {
        Tensor t = Tensor.fromArray(data, shape);
        return dt == DType.FLOAT64 ? t : t.to(dt);
    }

    /** Deterministic pseudo-random values in [-2, 2). */
    public static double[] values(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextDouble() * 4 - 2;
        return v;
    }

    public static double tol(DType dt) {
        return dt == DType.FLOAT64 ? 1e-10 : 2e-5;
    }

    /** |actual - expected| <= tol * (1 + |expected|) elementwise, NaN matching NaN, after moving to the host. */
    public static void assertClose(String what, double[] expected, Tensor actual, double tol) {
        assertTrue(actual.device().isCpu() || actual.device().type() == Device.Type.CUDA);
        double[] a = actual.to(Device.CPU).toDoubleArray();
        assertEquals(expected.length, a.length, what + ": element count");
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(expected[i])) {
                assertTrue(Double.isNaN(a[i]), what + " element " + i + ": expected NaN, got " + a[i]);
                continue;
            }
            if (Double.isInfinite(expected[i])) {
                assertEquals(expected[i], a[i], what + " element " + i);
                continue;
            }
            double err = Math.abs(a[i] - expected[i]);
            assertTrue(err <= tol * (1 + Math.abs(expected[i])),
                    what + " element " + i + ": " + a[i] + " != expected " + expected[i] + " (tol " + tol + ")");
        }
    }

    public static void assertShape(int[] expected, Tensor t) {
        assertArrayEquals(expected, t.shape(), "shape");
    }

    /** The result is where it was computed: on the device under test. */
    public static void assertOn(Device d, Tensor t) {
        assertEquals(d, t.device(), "result device");
    }
}
