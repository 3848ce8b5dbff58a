package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** LayerNorm, RMSNorm, BatchNorm1d/2d/3d and GroupNorm modules: state names, running statistics, modes, errors. */
class NormModulesTest {
    private static final Generator G = new Generator(5);

    private static List<String> keys(Module m) { return List.copyOf(m.stateDict().keySet()); }

    @Test
    void stateDictKeysAreThoseOfPyTorch() {
        assertEquals(List.of("weight", "bias"), keys(new LayerNorm(8)));
        assertEquals(List.of("weight"), keys(new LayerNorm(new int[] {8}, 1e-5, true, false)));
        assertEquals(List.of(), keys(new LayerNorm(new int[] {8}, 1e-5, false, true)));
        assertEquals(List.of("weight"), keys(new RMSNorm(8)));
        assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"), keys(new BatchNorm2d(4)));
        assertEquals(List.of("weight", "bias"), keys(new BatchNorm1d(4, 1e-5, 0.1, true, false)));
        assertEquals(List.of("running_mean", "running_var", "num_batches_tracked"), keys(new BatchNorm3d(4, 1e-5, 0.1, false, true)));
        assertEquals(List.of("weight", "bias"), keys(new GroupNorm(2, 4)));
        Map<String, Tensor> sd = new BatchNorm1d(3).stateDict();
        assertEquals(DType.INT64, sd.get("num_batches_tracked").dtype());
        assertEquals(0, sd.get("num_batches_tracked").dim());
        assertArrayEquals(new double[] {1, 1, 1}, sd.get("running_var").toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 1, 1}, sd.get("weight").toDoubleArray(), 0);
    }

    @Test
    void reprsLookLikePyTorch() {
        assertEquals("LayerNorm((8,), eps=1e-05, elementwise_affine=True)", new LayerNorm(8).toString());
        assertEquals("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)", new BatchNorm2d(4).toString());
        assertEquals("GroupNorm(2, 4, eps=1e-05, affine=True)", new GroupNorm(2, 4).toString());
        assertEquals("RMSNorm((3, 4), eps=None, elementwise_affine=True)", new RMSNorm(3, 4).toString());
    }

    @Test
    void batchNormTracksRunningStatisticsAcrossBatches() {
        BatchNorm1d bn = new BatchNorm1d(3);
        double[] rm = new double[3], rv = {1, 1, 1};
        for (int step = 0; step < 3; step++) {
            Tensor x = Tensor.randn(G, 8, 3).mul(2).add(step);
            bn.forward(x);
            double[] mean = x.mean(0).toDoubleArray(), var = x.var(0, true, false).toDoubleArray();
            for (int c = 0; c < 3; c++) {
                rm[c] = 0.9 * rm[c] + 0.1 * mean[c];
                rv[c] = 0.9 * rv[c] + 0.1 * var[c];
            }
        }
        assertArrayEquals(rm, bn.runningMean().toDoubleArray(), 1e-5);
        assertArrayEquals(rv, bn.runningVar().toDoubleArray(), 1e-5);
        assertEquals(3, bn.numBatchesTracked().item(), 0);
    }

    @Test
    void batchNormWithoutMomentumKeepsACumulativeAverage() {
        BatchNorm2d bn = new BatchNorm2d(2, 1e-5, null, true, true);
        Tensor a = Tensor.randn(G, 4, 2, 3, 3), b = Tensor.randn(G, 4, 2, 3, 3).add(3);
        bn.forward(a);
        bn.forward(b);
        double[] expected = a.mean(new int[] {0, 2, 3}, false).add(b.mean(new int[] {0, 2, 3}, false)).div(2).toDoubleArray();
        assertArrayEquals(expected, bn.runningMean().toDoubleArray(), 1e-5);
    }

    @Test
    void batchNormEvaluationUsesRunningStatisticsAndLeavesThemAlone() {
        BatchNorm1d bn = new BatchNorm1d(2);
        bn.forward(Tensor.randn(G, 6, 2, 4).add(1));
        bn.eval();
        double[] rm = bn.runningMean().toDoubleArray(), rv = bn.runningVar().toDoubleArray();
        Tensor x = Tensor.randn(G, 3, 2, 4);
        Tensor y = bn.forward(x);
        assertArrayEquals(rm, bn.runningMean().toDoubleArray(), 0);
        assertEquals(1, bn.numBatchesTracked().item(), 0);
        Tensor ref = x.sub(bn.runningMean().view(1, 2, 1)).div(bn.runningVar().view(1, 2, 1).add(1e-5).sqrt());
        assertArrayEquals(ref.toFloatArray(), y.toFloatArray(), 1e-5f);
        assertArrayEquals(rv, bn.runningVar().toDoubleArray(), 0);
        // without tracked statistics, evaluation normalises with the batch statistics
        BatchNorm1d untracked = new BatchNorm1d(2, 1e-5, 0.1, false, false);
        untracked.eval();
        Tensor yu = untracked.forward(x);
        Tensor refU = x.sub(x.mean(new int[] {0, 2}, true)).div(x.var(new int[] {0, 2}, false, true).add(1e-5).sqrt());
        assertArrayEquals(refU.toFloatArray(), yu.toFloatArray(), 1e-5f);
        assertNull(untracked.runningMean());
    }

    @Test
    void normModulesTrainTheirAffineParameters() {
        LayerNorm ln = new LayerNorm(4);
        GroupNorm gn = new GroupNorm(2, 4);
        BatchNorm2d bn = new BatchNorm2d(4);
        RMSNorm rms = new RMSNorm(4);
        Tensor x = Tensor.randn(G, 2, 4, 3, 4);
        ln.forward(x).add(gn.forward(x)).add(bn.forward(x)).add(rms.forward(x)).square().sum().backward();
        for (Module m : new Module[] {ln, gn, bn, rms}) {
            for (Tensor p : m.parameters()) {
                assertTrue(p.grad() != null && p.grad().abs().sum().item() > 0, m + " " + java.util.Arrays.toString(p.shape()));
            }
        }
    }

    @Test
    void wrongInputsAreRejectedNamingTheShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(Tensor.randn(G, 2, 3, 4)));
        assertTrue(e.getMessage().contains("4D") && e.getMessage().contains("[2, 3, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm1d(3).forward(Tensor.randn(G, 2, 4)));
        assertTrue(e.getMessage().contains("[2, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm3d(3).forward(Tensor.randn(G, 2, 3, 4, 4)));
        assertThrows(IllegalArgumentException.class, () -> new GroupNorm(3, 4));
        e = assertThrows(IllegalArgumentException.class, () -> new GroupNorm(2, 4).forward(Tensor.randn(G, 2, 6, 3)));
        assertTrue(e.getMessage().contains("[2, 6, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LayerNorm(5).forward(Tensor.randn(G, 2, 4)));
        assertTrue(e.getMessage().contains("[2, 4]"), e.getMessage());
    }

    @Test
    void modulesFollowDtypeConversion() {
        BatchNorm1d bn = new BatchNorm1d(2);
        bn.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, bn.runningMean().dtype());
        assertEquals(DType.INT64, bn.numBatchesTracked().dtype());
        Tensor y = bn.forward(Tensor.randn(G, 4, 2).to(DType.FLOAT64));
        assertEquals(DType.FLOAT64, y.dtype());
        assertEquals(1, bn.numBatchesTracked().item(), 0);
    }

    /**
     * PyTorch 2.x: {@code F.batch_norm} only rejects exactly one value per channel in training
     * ({@code _verify_batch_size}: {@code size[0] * prod(size[2:]) == 1}); an empty batch goes through
     * {@code _batch_norm_impl_index}, which returns an empty output and leaves the running statistics alone (the
     * module still counts the batch in {@code num_batches_tracked}).
     */
    @Test
    void batchNormOfAnEmptyBatchGivesAnEmptyOutputAndKeepsTheRunningStatistics() {
        BatchNorm1d bn = new BatchNorm1d(3);
        bn.to(DType.FLOAT64);
        Tensor x = Tensor.zeros(DType.FLOAT64, 0, 3).requiresGrad_(true);
        Tensor y = bn.forward(x);
        assertArrayEquals(new int[] {0, 3}, y.shape());
        assertArrayEquals(new double[] {0, 0, 0}, bn.runningMean().toDoubleArray(), 0);
        assertArrayEquals(new double[] {1, 1, 1}, bn.runningVar().toDoubleArray(), 0);
        assertEquals(1, bn.numBatchesTracked().item(), 0);
        y.sum().backward();
        assertArrayEquals(new int[] {0, 3}, x.grad().shape());
        BatchNorm2d bn2 = new BatchNorm2d(2);
        assertArrayEquals(new int[] {0, 2, 4, 4}, bn2.forward(Tensor.zeros(0, 2, 4, 4)).shape());
        bn2.eval();
        assertArrayEquals(new int[] {0, 2, 4, 4}, bn2.forward(Tensor.zeros(0, 2, 4, 4)).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(2).forward(Tensor.zeros(1, 2, 1, 1)));
        assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
    }
}
