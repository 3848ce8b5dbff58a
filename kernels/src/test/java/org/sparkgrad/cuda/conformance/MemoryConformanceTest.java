package org.sparkgrad.cuda.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertClose;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertOn;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assume;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/** Memory and movement: to(device) and back for every dtype, contiguous copies of views, copy_ with casts. */
class MemoryConformanceTest {
    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void roundTripsEveryDtype(Device d) {
        assume(d);
        float[] f = {1.5f, -2.25f, Float.MAX_VALUE, Float.MIN_VALUE, Float.NaN};
        double[] g = {Math.PI, -0.0, Double.MAX_VALUE, Double.NEGATIVE_INFINITY};
        long[] l = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE};
        boolean[] b = {true, false, false, true};
        assertArrayEquals(f, Tensor.fromArray(f, 5).to(d).to(Device.CPU).toFloatArray());
        assertArrayEquals(g, Tensor.fromArray(g, 4).to(d).to(Device.CPU).toDoubleArray());
        assertArrayEquals(l, Tensor.fromArray(l, 2, 2).to(d).to(Device.CPU).toLongArray());
        assertArrayEquals(b, Tensor.fromArray(b, 4).to(d).to(Device.CPU).toBooleanArray());
        Tensor on = Tensor.fromArray(g, 4).to(d);
        assertOn(d, on);
        assertEquals(DType.FLOAT64, on.dtype());
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void viewsBecomeContiguousInRowMajorOrder(Device d) {
        assume(d);
        double[] v = new double[24];
        for (int i = 0; i < 24; i++) v[i] = i;
        Tensor x = Tensor.fromArray(v, 2, 3, 4).to(d).permute(2, 0, 1);   // (4, 2, 3)
        double[] want = new double[24];
        int k = 0;
        for (int c = 0; c < 4; c++) for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) want[k++] = a * 12 + b * 4 + c;
        assertClose("permute().contiguous()", want, x.contiguous(), 0);
        assertClose("element order of a view on download", want, x, 0);
        Tensor sliced = Tensor.fromArray(v, 4, 6).to(d).slice(1, 1, 5).slice(0, 1, 3);
        assertClose("slices", new double[] {7, 8, 9, 10, 13, 14, 15, 16}, sliced, 0);
        Tensor expanded = Tensor.fromArray(new double[] {1, 2}, 2, 1).to(d).expand(2, 3);
        assertClose("expand", new double[] {1, 1, 1, 2, 2, 2}, expanded.contiguous(), 0);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void copyIntoViewsCastsAndBroadcasts(Device d) {
        assume(d);
        Tensor dst = Tensor.zeros(DType.FLOAT64, 3, 4).to(d);
        dst.narrow(1, 1, 2).copy_(Tensor.fromArray(new long[] {5, -6}, 2).to(d));
        assertClose("copy_ with cast and broadcast", new double[] {0, 5, -6, 0, 0, 5, -6, 0, 0, 5, -6, 0}, dst, 0);
        Tensor cat = Tensor.cat(0, Tensor.ones(1, 2).to(d), Tensor.zeros(2, 2).to(d));
        assertClose("cat", new double[] {1, 1, 0, 0, 0, 0}, cat, 0);
        Tensor cloned = dst.clone();
        dst.fill_(0);
        assertClose("clone is a copy", new double[] {0, 5, -6, 0, 0, 5, -6, 0, 0, 5, -6, 0}, cloned, 0);
    }
}
