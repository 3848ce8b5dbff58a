package org.sparkgrad.cuda.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertClose;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertOn;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assume;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/** Indexing family: index_select (embedding), gather (nll), scatter / scatter_add, index_add (embedding grad). */
class IndexingConformanceTest {
    private static Tensor grid(Device d) {
        double[] v = new double[12];
        for (int i = 0; i < 12; i++) v[i] = i;
        return Tensor.fromArray(v, 4, 3).to(d);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void indexSelectAlongEachDim(Device d) {
        assume(d);
        Tensor x = grid(d);
        Tensor rows = x.indexSelect(0, Tensor.fromArray(new long[] {3, 0, 3}, 3).to(d));
        assertOn(d, rows);
        assertClose("index_select rows", new double[] {9, 10, 11, 0, 1, 2, 9, 10, 11}, rows, 0);
        Tensor cols = x.t().indexSelect(1, Tensor.fromArray(new long[] {1, 1}, 2).to(d));
        assertClose("index_select of a transposed view", new double[] {3, 3, 4, 4, 5, 5}, cols, 0);
        Tensor bad = Tensor.fromArray(new long[] {4}, 1).to(d);
        assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(0, bad).to(Device.CPU));
        // as torch.index_select / torch.gather / scatter_add: a negative index is out of range, not counted from the end
        Tensor neg = Tensor.fromArray(new long[] {-1}, 1).to(d);
        assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(0, neg).to(Device.CPU));
        Tensor neg2 = Tensor.fromArray(new long[] {0, -1, 0}, 1, 3).to(d);
        assertThrows(IndexOutOfBoundsException.class, () -> x.gather(0, neg2).to(Device.CPU));
        assertThrows(IndexOutOfBoundsException.class,
                () -> x.scatterAdd(0, neg2, Tensor.ones(org.sparkgrad.tensor.DType.FLOAT64, 1, 3).to(d)).to(Device.CPU));
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void gatherPicksClassScores(Device d) {
        assume(d);
        Tensor logp = grid(d);
        Tensor target = Tensor.fromArray(new long[] {2, 0, 1, 2}, 4, 1).to(d);
        assertClose("gather dim 1", new double[] {2, 3, 7, 11}, logp.gather(1, target), 0);
        Tensor idx0 = Tensor.fromArray(new long[] {3, 0, 1}, 1, 3).to(d);
        assertClose("gather dim 0", new double[] {9, 1, 5}, logp.gather(0, idx0), 0);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void scatterAndScatterAdd(Device d) {
        assume(d);
        Tensor idx = Tensor.fromArray(new long[] {0, 2, 0, 1, 1, 1}, 2, 3).to(d);
        Tensor src = Tensor.fromArray(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).to(d);
        Tensor added = Tensor.zeros(org.sparkgrad.tensor.DType.FLOAT64, 2, 3).to(d).scatterAdd(1, idx, src);
        assertClose("scatter_add with repeated indices", new double[] {4, 0, 2, 0, 15, 0}, added, 0);
        Tensor distinct = Tensor.fromArray(new long[] {2, 0, 1}, 1, 3).to(d);
        Tensor put = Tensor.zeros(org.sparkgrad.tensor.DType.FLOAT64, 2, 3).to(d)
                .scatter(1, distinct, Tensor.fromArray(new double[] {7, 8, 9}, 1, 3).to(d));
        assertClose("scatter", new double[] {8, 9, 7, 0, 0, 0}, put, 0);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void embeddingBackwardAccumulatesRepeatedRows(Device d) {
        assume(d);
        Tensor weight = Tensor.fromArray(new double[] {1, 2, 3, 4, 5, 6}, 3, 2).to(d).detach().requiresGrad_();
        Tensor ids = Tensor.fromArray(new long[] {2, 0, 2, 2}, 4).to(d);
        Tensor emb = weight.indexSelect(0, ids);
        emb.mul(Tensor.fromArray(new double[] {1, 10}, 2).to(d)).sum().backward();
        assertOn(d, weight.grad());
        assertClose("d weight", new double[] {1, 10, 0, 0, 3, 30}, weight.grad(), 0);
        Tensor gathered = weight.gather(1, Tensor.fromArray(new long[] {1, 0, 1}, 3, 1).to(d));
        assertArrayEquals(new int[] {3, 1}, gathered.shape());
    }
}
