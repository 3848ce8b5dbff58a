package org.sparkgrad.cuda.conformance;

import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertClose;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertOn;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertShape;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assume;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.tensor;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.values;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/** Linear algebra family: matmul against a naive triple loop, over layouts, tile edges, batches, gradients. */
class LinalgConformanceTest {
    /** C = A B for row-major A (m, k), B (k, n). */
    private static double[] naive(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
                c[i * n + j] = s;
            }
        return c;
    }

    private static double[] round(double[] v, DType dt) {
        double[] r = v.clone();
        if (dt == DType.FLOAT32) for (int i = 0; i < r.length; i++) r[i] = (float) r[i];
        return r;
    }

    private static double[] transpose(double[] a, int rows, int cols) {
        double[] t = new double[a.length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void matmulOverShapesAndLayouts(Device d) {
        assume(d);
        int[][] shapes = {{1, 1, 1}, {3, 5, 2}, {64, 64, 64}, {65, 130, 70}, {1, 200, 1}, {128, 3, 257}};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double tol = dt == DType.FLOAT32 ? 1e-4 : 1e-11;
            for (int[] s : shapes) {
                int m = s[0], k = s[1], n = s[2];
                double[] a = round(values(m * k, m + 31L * k), dt), b = round(values(k * n, k + 17L * n), dt);
                double[] want = naive(a, b, m, k, n);
                Tensor ta = tensor(dt, a, m, k).to(d), tb = tensor(dt, b, k, n).to(d);
                Tensor c = ta.matmul(tb);
                assertOn(d, c);
                assertShape(new int[] {m, n}, c);
                String w = dt + " " + m + "x" + k + "x" + n;
                assertClose("matmul " + w, want, c, tol * Math.sqrt(k));
                // the same product from transposed storage: (A^T)^T (B^T)^T
                Tensor at = tensor(dt, transpose(a, m, k), k, m).to(d).t();
                Tensor bt = tensor(dt, transpose(b, k, n), n, k).to(d).t();
                assertClose("matmul of transposed views " + w, want, at.matmul(bt), tol * Math.sqrt(k));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void batchedAndBroadcastMatmul(Device d) {
        assume(d);
        int batch = 3, m = 4, k = 5, n = 6;
        double[] a = values(batch * m * k, 1), b = values(k * n, 2);
        Tensor ta = Tensor.fromArray(a, batch, m, k).to(d);
        Tensor tb = Tensor.fromArray(b, k, n).to(d);
        Tensor c = ta.matmul(tb);   // rhs broadcast over the batch
        assertShape(new int[] {batch, m, n}, c);
        double[] want = new double[batch * m * n];
        for (int i = 0; i < batch; i++) {
            double[] ai = java.util.Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k);
            System.arraycopy(naive(ai, b, m, k, n), 0, want, i * m * n, m * n);
        }
        assertClose("batch-broadcast matmul", want, c, 1e-12);
        double[] b3 = values(batch * k * n, 3);
        Tensor bmm = ta.bmm(Tensor.fromArray(b3, batch, k, n).to(d));
        for (int i = 0; i < batch; i++) {
            double[] ai = java.util.Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k);
            double[] bi = java.util.Arrays.copyOfRange(b3, i * k * n, (i + 1) * k * n);
            System.arraycopy(naive(ai, bi, m, k, n), 0, want, i * m * n, m * n);
        }
        assertClose("bmm", want, bmm, 1e-12);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void matmulGradients(Device d) {
        assume(d);
        int m = 3, k = 4, n = 2;
        double[] a = values(m * k, 4), b = values(k * n, 5), g = values(m * n, 6);
        Tensor ta = Tensor.fromArray(a, m, k).to(d).detach().requiresGrad_();
        Tensor tb = Tensor.fromArray(b, k, n).to(d).detach().requiresGrad_();
        ta.matmul(tb).backward(Tensor.fromArray(g, m, n).to(d));
        // dA = G B^T, dB = A^T G
        assertClose("dA", naive(g, transpose(b, k, n), m, n, k), ta.grad(), 1e-12);
        assertClose("dB", naive(transpose(a, m, k), g, k, m, n), tb.grad(), 1e-12);
    }
}
