package org.sparkgrad.cuda.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertClose;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertOn;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assume;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.tensor;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.values;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/** Reductions family: sum/mean/prod/amax/amin/logsumexp/var/std/argmax over dims, keepdim, sizes, NaN, ties. */
class ReductionConformanceTest {
    private static final int A = 4, B = 5, C = 6;

    /** Reference reduction of a (4, 5, 6) row-major array over a dim subset; op: 0 sum, 1 max, 2 lse, 3 var(unbiased). */
    private static double[] reference(double[] x, boolean[] red, int op) {
        int[] sh = {A, B, C};
        int outN = 1;
        for (int d = 0; d < 3; d++) if (!red[d]) outN *= sh[d];
        double[] out = new double[outN];
        for (int o = 0; o < outN; o++) {
            java.util.List<Double> vals = new java.util.ArrayList<>();
            for (int i = 0; i < A * B * C; i++) {
                int[] c = {i / (B * C), (i / C) % B, i % C};
                int k = 0;
                for (int d = 0; d < 3; d++) if (!red[d]) k = k * sh[d] + c[d];
                if (k == o) vals.add(x[i]);
            }
            double s = 0, m = Double.NEGATIVE_INFINITY;
            for (double v : vals) {
                s += v;
                m = Math.max(m, v);
            }
            if (op == 0) out[o] = s;
            else if (op == 1) out[o] = m;
            else if (op == 2) {
                double e = 0;
                for (double v : vals) e += Math.exp(v - m);
                out[o] = m + Math.log(e);
            } else {
                double mean = s / vals.size(), ss = 0;
                for (double v : vals) ss += (v - mean) * (v - mean);
                out[o] = ss / (vals.size() - 1);
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void reductionsOverEveryDimSubset(Device d) {
        assume(d);
        double[] x = values(A * B * C, 5);
        int[][] subsets = {{0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}, {0, 1, 2}};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double[] xv = x.clone();
            if (dt == DType.FLOAT32) for (int i = 0; i < xv.length; i++) xv[i] = (float) xv[i];
            // a permuted view, so the kernels see non-contiguous kept and reduced dims
            Tensor t = tensor(dt, xv, A, B, C).to(d).permute(2, 0, 1).permute(1, 2, 0);
            double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-11;
            for (int[] dims : subsets) {
                boolean[] red = new boolean[3];
                for (int k : dims) red[k] = true;
                String w = dt + " dims " + java.util.Arrays.toString(dims);
                Tensor s = t.sum(dims, false);
                assertOn(d, s);
                assertClose("sum " + w, reference(xv, red, 0), s, tol);
                double[] mean = reference(xv, red, 0);
                int n = 1;
                for (int k : dims) n *= new int[] {A, B, C}[k];
                for (int i = 0; i < mean.length; i++) mean[i] /= n;
                assertClose("mean " + w, mean, t.mean(dims, false), tol);
                assertClose("amax " + w, reference(xv, red, 1), t.amax(dims, false), 0);
                assertClose("logsumexp " + w, reference(xv, red, 2), t.logsumexp(dims, false), tol);
                assertClose("var " + w, reference(xv, red, 3), t.var(dims, true, false), 1e-4);
                int[] keep = t.sum(dims, true).shape();
                for (int k = 0; k < 3; k++) assertEquals(red[k] ? 1 : new int[] {A, B, C}[k], keep[k], "keepdim " + w);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void largeAndEdgeReductions(Device d) {
        assume(d);
        int n = 1 << 20;
        Tensor ones = Tensor.ones(n).to(d);
        assertClose("sum of 2^20 ones (exact in f32)", new double[] {n}, ones.sum(), 0);
        double[] ramp = new double[n];
        for (int i = 0; i < n; i++) ramp[i] = i % 1000;
        Tensor r = Tensor.fromArray(ramp, n).to(d);
        double want = 0;
        for (double v : ramp) want += v;
        assertClose("f64 sum of 2^20", new double[] {want}, r.sum(), 1e-12);
        assertClose("max of 2^20", new double[] {999}, r.amax(), 0);
        assertArrayEquals(new long[] {999}, r.argmax().to(Device.CPU).toLongArray(), "first index of the max");
        // many short rows
        Tensor rows = Tensor.fromArray(ramp, n / 4, 4).to(d);
        Tensor rs = rows.sum(1);
        double[] got = rs.to(Device.CPU).toDoubleArray();
        for (int i = 0; i < 10; i++) {
            assertEquals(ramp[4 * i] + ramp[4 * i + 1] + ramp[4 * i + 2] + ramp[4 * i + 3], got[i], 0, "row " + i);
        }
        // NaN propagates through max, argmax points at it; ties resolve to the first index
        Tensor nan = Tensor.fromArray(new double[] {1, Double.NaN, 3, 3}, 4).to(d);
        assertClose("amax with NaN", new double[] {Double.NaN}, nan.amax(), 0);
        assertArrayEquals(new long[] {1}, nan.argmax().to(Device.CPU).toLongArray());
        Tensor ties = Tensor.fromArray(new double[] {3, 1, 3, 1}, 4).to(d);
        assertArrayEquals(new long[] {0}, ties.argmax().to(Device.CPU).toLongArray());
        assertArrayEquals(new long[] {1}, ties.argmin().to(Device.CPU).toLongArray());
        // empty reductions
        Tensor empty = Tensor.zeros(3, 0).to(d);
        assertClose("sum over an empty dim", new double[] {0, 0, 0}, empty.sum(1), 0);
        assertThrows(IllegalArgumentException.class, () -> empty.amax(1, false));
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void integerAndBoolReductions(Device d) {
        assume(d);
        Tensor l = Tensor.fromArray(new long[] {3, -1, 4, 1, -5, 9}, 2, 3).to(d);
        Tensor s = l.sum(1);
        assertEquals(DType.INT64, s.dtype());
        assertArrayEquals(new long[] {6, 5}, s.to(Device.CPU).toLongArray());
        assertArrayEquals(new long[] {4, 9}, l.amax(1, false).to(Device.CPU).toLongArray());
        assertArrayEquals(new long[] {-12, -45}, l.prod(1, false).to(Device.CPU).toLongArray());
        assertArrayEquals(new long[] {2, 2}, l.argmax(1, false).to(Device.CPU).toLongArray());
        Tensor b = Tensor.fromArray(new boolean[] {true, false, true, true}, 4).to(d);
        Tensor count = b.sum();
        assertEquals(DType.INT64, count.dtype());
        assertArrayEquals(new long[] {3}, count.to(Device.CPU).toLongArray());
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void reductionGradients(Device d) {
        assume(d);
        double[] v = values(12, 9);
        Tensor x = tensor(DType.FLOAT64, v, 3, 4).to(d).detach().requiresGrad_();
        x.logsumexp(1, false).sum().backward();
        double[] want = new double[12];
        for (int r = 0; r < 3; r++) {
            double m = Double.NEGATIVE_INFINITY, s = 0;
            for (int c = 0; c < 4; c++) m = Math.max(m, v[r * 4 + c]);
            for (int c = 0; c < 4; c++) s += Math.exp(v[r * 4 + c] - m);
            for (int c = 0; c < 4; c++) want[r * 4 + c] = Math.exp(v[r * 4 + c] - m) / s;
        }
        assertOn(d, x.grad());
        assertClose("d logsumexp / dx = softmax", want, x.grad(), 1e-12);
    }
}
