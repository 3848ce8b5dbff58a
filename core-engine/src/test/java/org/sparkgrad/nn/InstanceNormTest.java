package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * InstanceNorm1d/2d/3d and {@link F#instanceNorm} against plain-double arithmetic of PyTorch 1.13's definition
 * (aten/src/ATen/native/Normalization.cpp {@code instance_norm}: batch norm of the input viewed as {@code (1, N*C, *)}
 * with repeated weight/bias/running statistics, the running statistics then averaged over the batch; torch/nn/modules/
 * instancenorm.py for the module defaults, unbatched inputs and errors). No golden fixture covers instance norm.
 */
class InstanceNormTest {
    private static final Generator G = new Generator(11);

    /** Plain-double instance norm of x (N, C, S) flattened: per (n, c), biased variance. */
    private static double[] reference(double[] x, int n, int c, int s, double[] w, double[] b, double eps) {
        double[] y = new double[x.length];
        for (int i = 0; i < n * c; i++) {
            double mean = 0, var = 0;
            for (int k = 0; k < s; k++) mean += x[i * s + k];
            mean /= s;
            for (int k = 0; k < s; k++) var += (x[i * s + k] - mean) * (x[i * s + k] - mean);
            var /= s;
            int ch = i % c;
            for (int k = 0; k < s; k++) {
                double xh = (x[i * s + k] - mean) / Math.sqrt(var + eps);
                y[i * s + k] = w == null ? xh : xh * w[ch] + b[ch];
            }
        }
        return y;
    }

    /** The per-channel running update: momentum-average of the batch mean of each plane's mean / unbiased variance. */
    private static double[][] runningUpdate(double[] x, int n, int c, int s, double[] rm, double[] rv, double m) {
        double[] nm = new double[c], nv = new double[c];
        for (int ch = 0; ch < c; ch++) {
            double accM = 0, accV = 0;
            for (int i = 0; i < n; i++) {
                int p = (i * c + ch) * s;
                double mean = 0, var = 0;
                for (int k = 0; k < s; k++) mean += x[p + k];
                mean /= s;
                for (int k = 0; k < s; k++) var += (x[p + k] - mean) * (x[p + k] - mean);
                accM += (1 - m) * rm[ch] + m * mean;
                accV += (1 - m) * rv[ch] + m * var / (s - 1);
            }
            nm[ch] = accM / n;
            nv[ch] = accV / n;
        }
        return new double[][] {nm, nv};
    }

    private static double[] data(Tensor t) { return t.toDouble().toDoubleArray(); }

    @Test
    void normalisesEachPlaneOfEveryRank() {
        int n = 2, c = 3;
        int[][] spatial = {{5}, {3, 4}, {2, 3, 2}};
        Module[] mods = {new InstanceNorm1d(c), new InstanceNorm2d(c), new InstanceNorm3d(c)};
        for (int r = 0; r < 3; r++) {
            int[] shape = new int[2 + spatial[r].length];
            shape[0] = n;
            shape[1] = c;
            int s = 1;
            for (int k = 0; k < spatial[r].length; k++) {
                shape[2 + k] = spatial[r][k];
                s *= spatial[r][k];
            }
            Tensor x = Tensor.randn(G, shape).mul(3).add(1.5).to(DType.FLOAT64);
            Tensor y = mods[r].forward(x);
            assertArrayEquals(shape, y.shape());
            assertArrayEquals(reference(data(x), n, c, s, null, null, 1e-5), data(y), 1e-12, "rank " + (r + 1));
            // eval without tracked statistics still normalises with the input's
            mods[r].eval();
            assertArrayEquals(reference(data(x), n, c, s, null, null, 1e-5), data(mods[r].forward(x)), 1e-12);
        }
    }

    @Test
    void affineAppliesPerChannelWeightAndBias() {
        InstanceNorm2d m = new InstanceNorm2d(3, 1e-3, 0.1, true, false);
        double[] w = {0.5, -2, 1.25}, b = {0.1, 0.2, -0.3};
        m.weight.setData(Tensor.fromArray(new float[] {0.5f, -2f, 1.25f}, 3));
        m.bias.setData(Tensor.fromArray(new float[] {0.1f, 0.2f, -0.3f}, 3));
        Tensor x = Tensor.randn(G, 2, 3, 4, 4);
        Tensor y = m.forward(x);
        double[] wf = new double[3], bf = new double[3];
        for (int i = 0; i < 3; i++) {
            wf[i] = (float) w[i];
            bf[i] = (float) b[i];
        }
        assertArrayEquals(reference(data(x), 2, 3, 16, wf, bf, 1e-3), data(y), 2e-5);
        y.square().sum().backward();
        assertArrayEquals(new int[] {3}, m.weight.grad().shape());
        assertArrayEquals(new int[] {3}, m.bias.grad().shape());
    }

    @Test
    void trackedRunningStatisticsAverageThePlaneStatisticsOverTheBatchAndServeEvaluation() {
        int n = 3, c = 2, s = 6;
        InstanceNorm1d m = new InstanceNorm1d(c, 1e-5, 0.3, false, true);
        Tensor x1 = Tensor.randn(G, n, c, s).mul(2).add(0.7).to(DType.FLOAT64);
        Tensor x2 = Tensor.randn(G, n, c, s).mul(0.5).sub(1.0).to(DType.FLOAT64);
        m.to(DType.FLOAT64);
        double[] rm = {0, 0}, rv = {1, 1};
        for (Tensor x : new Tensor[] {x1, x2}) {
            Tensor y = m.forward(x);
            assertArrayEquals(reference(data(x), n, c, s, null, null, 1e-5), data(y), 1e-12, "training uses the planes' statistics");
            double[][] up = runningUpdate(data(x), n, c, s, rm, rv, 0.3);
            rm = up[0];
            rv = up[1];
            assertArrayEquals(rm, data(m.runningMean()), 1e-14);
            assertArrayEquals(rv, data(m.runningVar()), 1e-14);
        }
        assertEquals(0, m.buffer("num_batches_tracked").item(), "PyTorch's instance norm never advances num_batches_tracked");
        m.eval();
        Tensor x3 = Tensor.randn(G, 1, c, s).to(DType.FLOAT64);
        Tensor y3 = m.forward(x3);
        double[] xv = data(x3), expect = new double[xv.length];
        for (int i = 0; i < xv.length; i++) {
            int ch = i / s;
            expect[i] = (xv[i] - rm[ch]) / Math.sqrt(rv[ch] + 1e-5);
        }
        assertArrayEquals(expect, data(y3), 1e-12);
        assertArrayEquals(rm, data(m.runningMean()), 0, "evaluation leaves the running statistics alone");
        // a single spatial element is fine in evaluation with running statistics
        assertArrayEquals(new int[] {4, c, 1}, m.forward(Tensor.randn(G, 4, c, 1).to(DType.FLOAT64)).shape());
    }

    @Test
    void unbatchedInputIsTreatedAsABatchOfOne() {
        InstanceNorm2d m = new InstanceNorm2d(3, 1e-5, 0.1, true, true);
        Tensor x = Tensor.randn(G, 3, 4, 5);
        Tensor y = m.forward(x);
        assertArrayEquals(new int[] {3, 4, 5}, y.shape());
        InstanceNorm2d ref = new InstanceNorm2d(3, 1e-5, 0.1, true, true);
        assertArrayEquals(ref.forward(x.unsqueeze(0)).toFloatArray(), y.toFloatArray(), 0f);
        assertArrayEquals(ref.runningVar().toFloatArray(), m.runningVar().toFloatArray(), 0f);
    }

    @Test
    void gradcheckThroughInputWeightAndBias() {
        Tensor x = Tensor.randn(G, 2, 3, 5).to(DType.FLOAT64).requiresGrad_();
        Tensor w = Tensor.randn(G, 3).to(DType.FLOAT64).requiresGrad_();
        Tensor b = Tensor.randn(G, 3).to(DType.FLOAT64).requiresGrad_();
        Tensor up = Tensor.randn(G, 2, 3, 5).to(DType.FLOAT64);
        GradCheck.Result r = GradCheck.check(t -> F.instanceNorm(t[0], null, null, t[1], t[2], true, 0.1, 1e-5).mul(up), x, w, b);
        assertTrue(r.ok, r.message);
        Tensor x2 = Tensor.randn(G, 2, 2, 3, 3).to(DType.FLOAT64).requiresGrad_();
        GradCheck.Result r2 = GradCheck.check(t -> F.instanceNorm(t[0], null, null, null, null, true, 0.1, 1e-5).square(), x2);
        assertTrue(r2.ok, r2.message);
        // evaluation with running statistics: a per-channel affine map of x
        Tensor rm = Tensor.fromArray(new double[] {0.3, -0.2, 1.0}, 3), rv = Tensor.fromArray(new double[] {2.0, 0.5, 1.5}, 3);
        GradCheck.Result r3 = GradCheck.check(t -> F.instanceNorm(t[0], rm, rv, t[1], t[2], false, 0.1, 1e-5), x, w, b);
        assertTrue(r3.ok, r3.message);
    }

    @Test
    void stateReprAndErrorsFollowPyTorch() {
        assertEquals(List.of(), List.copyOf(new InstanceNorm2d(4).stateDict().keySet()));
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
                List.copyOf(new InstanceNorm1d(4, 1e-5, 0.1, true, true).stateDict().keySet()));
        assertNull(new InstanceNorm3d(4).runningMean());
        assertEquals("InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)", new InstanceNorm2d(4).toString());
        assertEquals("InstanceNorm3d(2, eps=0.001, momentum=0.2, affine=True, track_running_stats=True)",
                new InstanceNorm3d(2, 1e-3, 0.2, true, true).toString());
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> new InstanceNorm1d(3).forward(Tensor.zeros(2, 3, 4, 5)));
        assertTrue(rank.getMessage().contains("expected 2D or 3D input (got 4D input"), rank.getMessage());
        IllegalArgumentException spatial = assertThrows(IllegalArgumentException.class, () -> new InstanceNorm2d(3).forward(Tensor.zeros(2, 3, 1, 1)));
        assertTrue(spatial.getMessage().contains("Expected more than 1 spatial element when training, got input size [2, 3, 1, 1]"),
                spatial.getMessage());
        IllegalArgumentException ch = assertThrows(IllegalArgumentException.class,
                () -> new InstanceNorm1d(3, 1e-5, 0.1, true, false).forward(Tensor.zeros(2, 4, 5)));
        assertTrue(ch.getMessage().contains("expected input's size at dim=1 to match num_features (3), but got: 4"), ch.getMessage());
        // without affine and tracking, num_features is not used (PyTorch warns only)
        assertArrayEquals(new int[] {2, 4, 5}, new InstanceNorm1d(3).forward(Tensor.randn(G, 2, 4, 5)).shape());
        IllegalArgumentException noStats = assertThrows(IllegalArgumentException.class,
                () -> F.instanceNorm(Tensor.zeros(2, 3, 4), null, null, null, null, false, 0.1, 1e-5));
        assertTrue(noStats.getMessage().contains("Expected running_mean and running_var to be defined"), noStats.getMessage());
    }
}
