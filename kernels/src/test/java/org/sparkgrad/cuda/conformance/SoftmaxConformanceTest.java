package org.sparkgrad.cuda.conformance;

import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** Softmax family: softmax / log-softmax along every dim, numerical stability, gradients. */
class SoftmaxConformanceTest {
    private static final int[] SHAPE = {3, 4, 5};

    private static double[] reference(double[] x, int dim, boolean log) {
        int outer = 1, inner = 1, len = SHAPE[dim];
        for (int i = 0; i < dim; i++) outer *= SHAPE[i];
        for (int i = dim + 1; i < 3; i++) inner *= SHAPE[i];
        double[] y = new double[x.length];
        for (int o = 0; o < outer; o++)
            for (int in = 0; in < inner; in++) {
                double m = Double.NEGATIVE_INFINITY, s = 0;
                for (int j = 0; j < len; j++) m = Math.max(m, x[(o * len + j) * inner + in]);
                for (int j = 0; j < len; j++) s += Math.exp(x[(o * len + j) * inner + in] - m);
                for (int j = 0; j < len; j++) {
                    int k = (o * len + j) * inner + in;
                    y[k] = log ? x[k] - m - Math.log(s) : Math.exp(x[k] - m) / s;
                }
            }
        return y;
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void softmaxAndLogSoftmaxAlongEveryDim(Device d) {
        assume(d);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            double[] x = values(60, 11);
            if (dt == DType.FLOAT32) for (int i = 0; i < x.length; i++) x[i] = (float) x[i];
            Tensor t = tensor(dt, x, SHAPE).to(d);
            double tol = dt == DType.FLOAT32 ? 1e-6 : 1e-13;
            for (int dim = 0; dim < 3; dim++) {
                Tensor y = t.softmax(dim);
                assertOn(d, y);
                assertClose("softmax dim " + dim + " " + dt, reference(x, dim, false), y, tol);
                assertClose("log_softmax dim " + dim + " " + dt, reference(x, dim, true), t.logSoftmax(dim), tol);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void stableForHugeLogitsAndLongRows(Device d) {
        assume(d);
        Tensor big = Tensor.fromArray(new float[] {1000, 1001, 999}, 1, 3).to(d);
        double e0 = Math.exp(-1), e2 = Math.exp(-2), s = e0 + 1 + e2;
        assertClose("softmax of huge logits", new double[] {e0 / s, 1 / s, e2 / s}, big.softmax(1), 1e-6);
        assertFalse(big.logSoftmax(1).hasNaN());
        int len = 5000;
        double[] row = values(len, 12);
        Tensor r = Tensor.fromArray(row, 2, len / 2).to(d);
        double[] sums = r.softmax(1).sum(1).to(Device.CPU).toDoubleArray();
        assertClose("rows sum to one", new double[] {1, 1}, Tensor.fromArray(sums, 2), 1e-12);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void softmaxGradients(Device d) {
        assume(d);
        double[] x = values(60, 13), w = values(60, 14);
        for (int dim = 0; dim < 3; dim++) {
            for (boolean log : new boolean[] {false, true}) {
                Tensor t = Tensor.fromArray(x, SHAPE).to(d).detach().requiresGrad_();
                Tensor y = log ? t.logSoftmax(dim) : t.softmax(dim);
                y.mul(Tensor.fromArray(w, SHAPE).to(d)).sum().backward();
                double[] yv = reference(x, dim, log);
                double[] want = new double[60];
                int outer = 1, inner = 1, len = SHAPE[dim];
                for (int i = 0; i < dim; i++) outer *= SHAPE[i];
                for (int i = dim + 1; i < 3; i++) inner *= SHAPE[i];
                for (int o = 0; o < outer; o++)
                    for (int in = 0; in < inner; in++) {
                        double dot = 0;
                        for (int j = 0; j < len; j++) {
                            int k = (o * len + j) * inner + in;
                            dot += log ? w[k] : w[k] * yv[k];
                        }
                        for (int j = 0; j < len; j++) {
                            int k = (o * len + j) * inner + in;
                            want[k] = log ? w[k] - Math.exp(yv[k]) * dot : yv[k] * (w[k] - dot);
                        }
                    }
                assertClose((log ? "log_softmax" : "softmax") + " backward dim " + dim, want, t.grad(), 1e-12);
            }
        }
    }
}
