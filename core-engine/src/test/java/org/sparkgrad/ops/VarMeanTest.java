package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/** var_mean / std_mean against plain loops: dims, correction, keepdim. */
class VarMeanTest {
    @Test
    void bothResultsMatchLoops() {
        double[] v = {1, 4, 2, 8, 5, 7, 3, 3, 9, 0, 6, 2};
        Tensor x = Tensor.fromArray(v, 3, 4);
        for (double corr : new double[] {0, 1, 2}) {
            Tensor[] vm = x.varMean(new int[] {1}, corr, false);
            Tensor[] sm = x.stdMean(new int[] {-1}, corr, true);
            assertArrayEquals(new int[] {3}, vm[0].shape());
            assertArrayEquals(new int[] {3, 1}, sm[0].shape());
            assertArrayEquals(new int[] {3, 1}, sm[1].shape());
            for (int r = 0; r < 3; r++) {
                double mean = 0, ss = 0;
                for (int c = 0; c < 4; c++) mean += v[r * 4 + c] / 4;
                for (int c = 0; c < 4; c++) ss += (v[r * 4 + c] - mean) * (v[r * 4 + c] - mean);
                assertEquals(mean, vm[1].toDoubleArray()[r], 1e-12);
                assertEquals(ss / (4 - corr), vm[0].toDoubleArray()[r], 1e-12);
                assertEquals(Math.sqrt(ss / (4 - corr)), sm[0].toDoubleArray()[r], 1e-12);
                assertEquals(mean, sm[1].toDoubleArray()[r], 1e-12);
            }
        }
        double mean = 0, ss = 0;
        for (double e : v) mean += e / v.length;
        for (double e : v) ss += (e - mean) * (e - mean);
        Tensor[] all = x.varMean(true);
        assertEquals(0, all[0].dim());
        assertEquals(ss / (v.length - 1), all[0].item(), 1e-12);
        assertEquals(mean, all[1].item(), 1e-12);
        Tensor[] allKeep = x.stdMean(null, 0, true);
        assertArrayEquals(new int[] {1, 1}, allKeep[0].shape());
        assertEquals(Math.sqrt(ss / v.length), allKeep[0].item(), 1e-12);
        assertEquals(DType.FLOAT32, x.toFloat().varMean(false)[1].dtype());
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new long[] {1, 2}).varMean(true));
    }

    /**
     * Reducing an empty dim: the mean is 0/0 = NaN, as torch.var_mean(torch.zeros(0, 3), 0) gives (nan, nan); the
     * contiguous float32 leading-dims fast path of the CPU mean returned zeros there.
     */
    @Test
    void emptyReducedDimGivesNaN() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.zeros(dt, 0, 3);
            for (Tensor[] r : new Tensor[][] {x.varMean(new int[] {0}, 1, false), x.stdMean(new int[] {0}, 0, true)}) {
                for (Tensor t : r) {
                    assertEquals(3, t.numel());
                    for (double d : t.toDoubleArray()) assertEquals(Double.NaN, d, dt + " " + java.util.Arrays.toString(t.shape()));
                }
            }
            assertEquals(Double.NaN, Tensor.zeros(dt, 0, 2, 3).mean(new int[] {0, 1}, false).toDoubleArray()[2], dt.toString());
            assertEquals(0.0, Tensor.zeros(dt, 0, 3).sum(new int[] {0}, false).toDoubleArray()[1], dt.toString());
        }
    }
}
