package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** sort / argsort / msort / topk / kthvalue / median against plain-loop references; ties, NaN, edges, gradients. */
class SortingTest {
    private static final Generator G = new Generator(11);

    /** Reference stable sort of one row: positions ordered by value (NaN largest), ties by position. */
    static Integer[] order(double[] row, boolean descending) {
        Integer[] p = new Integer[row.length];
        for (int i = 0; i < p.length; i++) p[i] = i;
        Comparator<Integer> byValue = (a, b) -> {
            double x = row[a], y = row[b];
            boolean nx = Double.isNaN(x), ny = Double.isNaN(y);
            if (nx || ny) return Boolean.compare(nx, ny);
            return x < y ? -1 : x > y ? 1 : 0;
        };
        Arrays.sort(p, descending ? byValue.reversed() : byValue); // Arrays.sort on objects is stable
        return p;
    }

    /** Applies the reference along dim of a row-major (outer, len, inner) layout: {values, indices}. */
    static double[][] refSort(Tensor x, int d, boolean descending) {
        int[] sh = x.shape();
        double[] v = x.toDoubleArray();
        int len = sh[d], inner = 1, outer = 1;
        for (int i = d + 1; i < sh.length; i++) inner *= sh[i];
        for (int i = 0; i < d; i++) outer *= sh[i];
        double[] vals = new double[v.length], idx = new double[v.length];
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                double[] row = new double[len];
                for (int k = 0; k < len; k++) row[k] = v[(o * len + k) * inner + in];
                Integer[] p = order(row, descending);
                for (int k = 0; k < len; k++) {
                    vals[(o * len + k) * inner + in] = row[p[k]];
                    idx[(o * len + k) * inner + in] = p[k];
                }
            }
        }
        return new double[][] {vals, idx};
    }

    private static double[] asDouble(long[] l) {
        double[] d = new double[l.length];
        for (int i = 0; i < l.length; i++) d[i] = l[i];
        return d;
    }

    @Test
    void sortMatchesStableReferenceOnEveryDimWithTiesAndNaN() {
        // few distinct values: many ties; plus NaNs and signed zeros
        double[] data = new double[3 * 5 * 4];
        double[] pool = {1, -2, 3, Double.NaN, 0.0, -0.0, 1, 3};
        for (int i = 0; i < data.length; i++) data[i] = pool[(i * 7 + i / 3) % pool.length];
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = Tensor.fromArray(data.clone(), 3, 5, 4).to(dt);
            for (int dim : new int[] {0, 1, 2, -1}) {
                int d = dim < 0 ? dim + 3 : dim;
                for (boolean desc : new boolean[] {false, true}) {
                    double[][] ref = refSort(x, d, desc);
                    Tensor[] r = x.sort(dim, desc, true);
                    assertArrayEquals(ref[0], r[0].toDoubleArray(), 0, "values dim " + dim + " desc " + desc);
                    assertArrayEquals(ref[1], asDouble(r[1].toLongArray()), 0, "indices dim " + dim + " desc " + desc);
                    assertArrayEquals(ref[1], asDouble(x.argsort(dim, desc, true).toLongArray()), 0);
                    assertEquals(dt, r[0].dtype());
                    assertEquals(DType.INT64, r[1].dtype());
                }
            }
        }
        // random floats on a strided view, long rows (merge path)
        Tensor y = Tensor.randn(G, 70, 3).to(DType.FLOAT64).t();
        double[][] ref = refSort(y, 1, false);
        assertArrayEquals(ref[0], y.sort(1, false)[0].toDoubleArray(), 0);
        assertArrayEquals(ref[1], asDouble(y.sort(1, false)[1].toLongArray()), 0);
    }

    @Test
    void nanSortsAsTheLargestValue() {
        Tensor x = Tensor.fromArray(new double[] {2, Double.NaN, -1, Double.NaN, 5});
        Tensor[] a = x.sort();
        assertArrayEquals(new long[] {2, 0, 4, 1, 3}, a[1].toLongArray());
        Tensor[] d = x.sort(0, true, true);
        assertArrayEquals(new long[] {1, 3, 4, 0, 2}, d[1].toLongArray());
        assertTrue(Double.isNaN(d[0].toDoubleArray()[0]));
        Tensor[] top = x.topk(2);
        assertTrue(Double.isNaN(top[0].toDoubleArray()[0]) && Double.isNaN(top[0].toDoubleArray()[1]));
        Tensor[] low = x.topk(2, 0, false, true);
        assertArrayEquals(new double[] {-1, 2}, low[0].toDoubleArray(), 0);
        assertEquals(5, x.kthvalue(3)[0].item());
        assertTrue(Double.isNaN(x.kthvalue(4)[0].item()));
    }

    @Test
    void integerAndBoolSort() {
        Tensor x = Tensor.fromArray(new long[] {5, -3, 5, 0, 9, -3});
        Tensor[] r = x.sort(0, false, true);
        assertArrayEquals(new long[] {-3, -3, 0, 5, 5, 9}, r[0].toLongArray());
        assertArrayEquals(new long[] {1, 5, 3, 0, 2, 4}, r[1].toLongArray());
        assertArrayEquals(new long[] {4, 0, 2, 3, 1, 5}, x.argsort(0, true, true).toLongArray());
        Tensor[] t = x.topk(3);
        assertArrayEquals(new long[] {9, 5, 5}, t[0].toLongArray());
        assertArrayEquals(new long[] {4, 0, 2}, t[1].toLongArray());
        assertEquals(0L, x.median().toLongArray()[0]);
        Tensor b = Tensor.fromArray(new boolean[] {true, false, true, false});
        Tensor[] bs = b.sort(0, false, true);
        assertEquals(DType.BOOL, bs[0].dtype());
        assertArrayEquals(new boolean[] {false, false, true, true}, bs[0].toBooleanArray());
        assertArrayEquals(new long[] {1, 3, 0, 2}, bs[1].toLongArray());
    }

    @Test
    void topkKthvalueAndMedianAgainstReferences() {
        Tensor x = Tensor.randn(G, 4, 6, 3).to(DType.FLOAT64);
        for (int dim : new int[] {0, 1, -1}) {
            int d = dim < 0 ? dim + 3 : dim;
            int n = x.size(d);
            double[][] asc = refSort(x, d, false), desc = refSort(x, d, true);
            for (int k : new int[] {0, 1, n}) {
                Tensor[] t = x.topk(k, dim, true, true);
                int[] sh = x.shape();
                sh[d] = k;
                assertArrayEquals(sh, t[0].shape());
                assertArrayEquals(narrow(desc[0], x.shape(), d, 0, k), t[0].toDoubleArray(), 0);
                assertArrayEquals(narrow(desc[1], x.shape(), d, 0, k), asDouble(t[1].toLongArray()), 0);
                Tensor[] s = x.topk(k, dim, false, false);
                assertArrayEquals(narrow(asc[0], x.shape(), d, 0, k), s[0].toDoubleArray(), 0);
            }
            for (int k = 1; k <= n; k++) {
                Tensor[] kv = x.kthvalue(k, dim, true);
                assertArrayEquals(narrow(asc[0], x.shape(), d, k - 1, 1), kv[0].toDoubleArray(), 0);
                assertArrayEquals(narrow(asc[1], x.shape(), d, k - 1, 1), asDouble(kv[1].toLongArray()), 0);
            }
            Tensor[] med = x.median(dim, false);
            int[] sh = x.shape();
            int[] expectShape = new int[2];
            for (int i = 0, j = 0; i < 3; i++) if (i != d) expectShape[j++] = sh[i];
            assertArrayEquals(expectShape, med[0].shape());
            assertArrayEquals(narrow(asc[0], x.shape(), d, (n - 1) / 2, 1), med[0].toDoubleArray(), 0);
            assertArrayEquals(narrow(asc[1], x.shape(), d, (n - 1) / 2, 1), asDouble(med[1].toLongArray()), 0);
        }
        double[] all = x.toDoubleArray().clone();
        Arrays.sort(all);
        assertEquals(all[(all.length - 1) / 2], x.median().item(), 0);
        assertArrayEquals(refSort(x, 0, false)[0], x.msort().toDoubleArray(), 0);
    }

    /** Elements of a row-major array of {@code shape} whose position along d is in [start, start + len). */
    private static double[] narrow(double[] v, int[] shape, int d, int start, int len) {
        int inner = 1, outer = 1;
        for (int i = d + 1; i < shape.length; i++) inner *= shape[i];
        for (int i = 0; i < d; i++) outer *= shape[i];
        double[] out = new double[outer * len * inner];
        int k = 0;
        for (int o = 0; o < outer; o++) for (int p = start; p < start + len; p++) for (int in = 0; in < inner; in++) {
            out[k++] = v[(o * shape[d] + p) * inner + in];
        }
        return out;
    }

    @Test
    void medianPropagatesNaNWithTheFirstNaNIndexAndIsTheLowerMedian() {
        Tensor x = Tensor.fromArray(new double[] {3, 1, Double.NaN, 2, Double.NaN, 0, 4, 1, 2, 3}, 2, 5);
        Tensor[] m = x.median(1, true);
        assertArrayEquals(new int[] {2, 1}, m[0].shape());
        assertTrue(Double.isNaN(m[0].toDoubleArray()[0]));
        assertEquals(2L, m[1].toLongArray()[0]);
        // row 2: 0 4 1 2 3 -> sorted 0 1 2 3 4, median 2 at index 3
        assertEquals(2, m[0].toDoubleArray()[1], 0);
        assertEquals(3L, m[1].toLongArray()[1]);
        assertTrue(Double.isNaN(x.median().item()));
        // even count: lower median; ties resolve to the first position in order
        Tensor e = Tensor.fromArray(new double[] {4, 1, 3, 2});
        assertEquals(2, e.median().item(), 0);
        Tensor t = Tensor.fromArray(new double[] {5, 2, 2, 7, 2});
        assertEquals(2, t.median(0, false)[0].item(), 0);
        // PyTorch orders equal values by position: the rank-2 element of (2@1, 2@2, 2@4, 5@0, 7@3) is 2@4
        assertEquals(4L, t.median(0, false)[1].toLongArray()[0]);
    }

    @Test
    void gradientsFlowThroughTheSelectedValues() {
        Tensor x = Tensor.fromArray(new double[] {0.5, -1, 2, 0.1, 3, -2}, 2, 3).requiresGrad_();
        Tensor[] s = x.sort(1, true);
        s[0].backward(Tensor.fromArray(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
        // row 0 desc: 2 (i2), 0.5 (i0), -1 (i1); row 1: 3 (i1), 0.1 (i0), -2 (i2)
        assertArrayEquals(new double[] {2, 3, 1, 5, 4, 6}, x.grad().toDoubleArray(), 0);
        Tensor y = Tensor.fromArray(new double[] {0.5, -1, 2, 0.1, 3, -2}, 2, 3).requiresGrad_();
        y.topk(2, 1, false, true)[0].sum().backward();
        assertArrayEquals(new double[] {1, 1, 0, 1, 0, 1}, y.grad().toDoubleArray(), 0);
        Tensor z = Tensor.fromArray(new double[] {0.5, -1, 2, 0.1, 3, -2}, 2, 3).requiresGrad_();
        z.kthvalue(2, 0, false)[0].sum().backward();
        assertArrayEquals(new double[] {1, 0, 1, 0, 1, 0}, z.grad().toDoubleArray(), 0);
        // global median: evenly shared among ties
        Tensor w = Tensor.fromArray(new double[] {1, 2, 2, 3, 2}).requiresGrad_();
        w.median().backward();
        assertArrayEquals(new double[] {0, 1 / 3.0, 1 / 3.0, 0, 1 / 3.0}, w.grad().toDoubleArray(), 1e-15);
        // median(dim): only the index (the rank-2 element in (value, position) order 1@0, 2@1, 2@2, 2@4, 3@3)
        Tensor v = Tensor.fromArray(new double[] {1, 2, 2, 3, 2}).requiresGrad_();
        v.median(0, false)[0].backward();
        assertArrayEquals(new double[] {0, 0, 1, 0, 0}, v.grad().toDoubleArray(), 0);
    }

    @Test
    void edgeCasesAndClearErrors() {
        Tensor e = Tensor.zeros(DType.FLOAT64, 3, 0);
        Tensor[] s = e.sort(1, false);
        assertArrayEquals(new int[] {3, 0}, s[0].shape());
        assertArrayEquals(new int[] {3, 0}, e.topk(0, 1, true, true)[0].shape());
        assertArrayEquals(new int[] {3, 0}, e.sort(0, true)[1].shape());
        Tensor sc = Tensor.scalar(4, DType.FLOAT64).requiresGrad_();
        Tensor[] ss = sc.sort();
        assertEquals(0, ss[0].dim());
        assertEquals(4, ss[0].item());
        assertEquals(0L, ss[1].toLongArray()[0]);
        assertEquals(4, sc.topk(1)[0].item());
        assertEquals(4, sc.kthvalue(1)[0].item());
        assertEquals(4, sc.median().item());
        assertEquals(4, sc.median(0, false)[0].item());
        sc.topk(1)[0].backward();
        assertEquals(1, sc.grad().item());
        Tensor x = Tensor.zeros(2, 3);
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> x.topk(4, 1, true, true));
        assertTrue(k.getMessage().contains("[2, 3]") && k.getMessage().contains("k = 4"), k.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.topk(-1));
        assertThrows(IllegalArgumentException.class, () -> x.kthvalue(0));
        assertThrows(IllegalArgumentException.class, () -> x.kthvalue(4, 1, false));
        assertThrows(IllegalArgumentException.class, () -> e.median(1, false));
        assertThrows(IllegalArgumentException.class, () -> e.median());
        assertThrows(IndexOutOfBoundsException.class, () -> x.sort(2, false));
        assertThrows(IllegalArgumentException.class, () -> Tensor.fromArray(new boolean[] {true, false}).median());
        // k = size: everything, sorted
        assertArrayEquals(new double[] {3, 2, 1}, Tensor.fromArray(new double[] {2, 3, 1}).topk(3)[0].toDoubleArray(), 0);
    }
}
