package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/** cumsum / cumprod / logcumsumexp / cummax / cummin against plain-loop references, edge cases and exact gradients. */
class ScansTest {
    private static final Generator G = new Generator(7);

    interface RowScan {
        /** Scans one row in place; idx receives indices (may be ignored). */
        void scan(double[] row, long[] idx);
    }

    /** Reference: applies {@code f} to every 1-D line of x along dim (plain loops over a row-major copy). */
    static double[][] reference(Tensor x, int dim, RowScan f) {
        int[] sh = x.shape();
        int d = Shape.wrapDim(dim, sh.length);
        double[] v = x.toDoubleArray();
        double[] out = new double[v.length];
        double[] idxOut = new double[v.length];
        int len = sh[d], inner = 1, outer = 1;
        for (int i = d + 1; i < sh.length; i++) inner *= sh[i];
        for (int i = 0; i < d; i++) outer *= sh[i];
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                double[] row = new double[len];
                long[] idx = new long[len];
                for (int k = 0; k < len; k++) row[k] = v[(o * len + k) * inner + in];
                f.scan(row, idx);
                for (int k = 0; k < len; k++) {
                    out[(o * len + k) * inner + in] = row[k];
                    idxOut[(o * len + k) * inner + in] = idx[k];
                }
            }
        }
        return new double[][] {out, idxOut};
    }

    static final RowScan SUM = (r, i) -> { for (int k = 1; k < r.length; k++) r[k] += r[k - 1]; };
    static final RowScan PROD = (r, i) -> { for (int k = 1; k < r.length; k++) r[k] *= r[k - 1]; };
    static final RowScan LSE = (r, i) -> {
        // naive: log(sum exp) of the prefix, shifted by the prefix max
        double[] x = r.clone();
        for (int k = 0; k < r.length; k++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= k; j++) m = Math.max(m, x[j]);
            double s = 0;
            for (int j = 0; j <= k; j++) s += Math.exp(x[j] - m);
            r[k] = m + Math.log(s);
        }
    };

    static RowScan extremum(boolean max) {
        return (r, idx) -> {
            double best = r[0];
            long at = 0;
            for (int k = 0; k < r.length; k++) {
                double v = r[k];
                if (Double.isNaN(v) || (!Double.isNaN(best) && (max ? v >= best : v <= best))) {
                    best = v;
                    at = k;
                }
                r[k] = best;
                idx[k] = at;
            }
        };
    }

    @Test
    void valuesMatchLoopReferencesOnEveryDimAndDtype() {
        Tensor x64 = Tensor.randn(G, 3, 4, 5).to(DType.FLOAT64);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = x64.to(dt);
            double tol = dt == DType.FLOAT32 ? 1e-5 : 1e-12;
            for (int dim : new int[] {0, 1, 2, -1, -3}) {
                assertArrayEquals(reference(x, dim, SUM)[0], x.cumsum(dim).toDoubleArray(), tol, "cumsum " + dim);
                assertArrayEquals(reference(x, dim, PROD)[0], x.cumprod(dim).toDoubleArray(), tol, "cumprod " + dim);
                assertArrayEquals(reference(x, dim, LSE)[0], x.logcumsumexp(dim).toDoubleArray(), tol * 10, "logcumsumexp " + dim);
                for (boolean max : new boolean[] {true, false}) {
                    double[][] ref = reference(x, dim, extremum(max));
                    Tensor[] r = max ? x.cummax(dim) : x.cummin(dim);
                    assertArrayEquals(ref[0], r[0].toDoubleArray(), 0, "cumextremum " + dim);
                    assertArrayEquals(ref[1], r[1].toDoubleArray(), 0, "cumextremum idx " + dim);
                    assertEquals(DType.INT64, r[1].dtype());
                    assertEquals(dt, r[0].dtype());
                }
            }
            assertEquals(dt, x.cumsum(1).dtype());
        }
        // a strided (transposed) input
        Tensor t = x64.transpose(0, 2);
        assertArrayEquals(reference(t, 1, SUM)[0], t.cumsum(1).toDoubleArray(), 1e-12);
    }

    @Test
    void integerAndBoolInputsScanInInt64() {
        Tensor xi = Tensor.fromArray(new long[] {3, -1, 4, 1, -5, 9}, 2, 3);
        Tensor s = xi.cumsum(1);
        assertEquals(DType.INT64, s.dtype());
        assertArrayEquals(new long[] {3, 2, 6, 1, -4, 5}, s.toLongArray());
        assertArrayEquals(new long[] {3, -3, -12, 1, -5, -45}, xi.cumprod(1).toLongArray());
        assertArrayEquals(new long[] {3, -1, 4, 4, -6, 13}, xi.cumsum(0).toLongArray());
        Tensor[] m = xi.cummax(1);
        assertEquals(DType.INT64, m[0].dtype());
        assertArrayEquals(new long[] {3, 3, 4, 1, 1, 9}, m[0].toLongArray());
        assertArrayEquals(new long[] {0, 0, 2, 0, 0, 2}, m[1].toLongArray());
        Tensor b = Tensor.fromArray(new boolean[] {true, false, true, true});
        assertEquals(DType.INT64, b.cumsum(0).dtype());
        assertArrayEquals(new long[] {1, 1, 2, 3}, b.cumsum(0).toLongArray());
        Tensor[] bm = b.cummin(0);
        assertEquals(DType.BOOL, bm[0].dtype());
        assertArrayEquals(new boolean[] {true, false, false, false}, bm[0].toBooleanArray());
        assertArrayEquals(new long[] {0, 1, 1, 1}, bm[1].toLongArray());
        // dtype= casts first
        assertEquals(DType.FLOAT64, xi.cumsum(1, DType.FLOAT64).dtype());
        assertArrayEquals(new double[] {3, 2, 6, 1, -4, 5}, xi.cumsum(1, DType.FLOAT64).toDoubleArray(), 0);
        assertThrows(IllegalArgumentException.class, () -> xi.logcumsumexp(0));
    }

    @Test
    void cummaxTiesReportTheLastIndexAndNaNSticks() {
        Tensor x = Tensor.fromArray(new double[] {1, 3, 3, 2, 3, Double.NaN, 5, Double.NaN, 0});
        Tensor[] r = x.cummax(0);
        assertArrayEquals(new long[] {0, 1, 2, 2, 4, 5, 5, 7, 7}, r[1].toLongArray());
        double[] v = r[0].toDoubleArray();
        assertEquals(3, v[4]);
        for (int i = 5; i < 9; i++) assertTrue(Double.isNaN(v[i]));
        Tensor[] m = Tensor.fromArray(new double[] {2, 1, 1, 4}).cummin(0);
        assertArrayEquals(new long[] {0, 1, 2, 2}, m[1].toLongArray());
        // NaN propagates through cumsum/logcumsumexp from its position on
        double[] ls = Tensor.fromArray(new double[] {0, Double.NaN, 1}).logcumsumexp(0).toDoubleArray();
        assertEquals(0, ls[0], 0);
        assertTrue(Double.isNaN(ls[1]) && Double.isNaN(ls[2]));
    }

    @Test
    void logcumsumexpIsStableForLargeAndInfiniteInputs() {
        Tensor x = Tensor.fromArray(new double[] {1000, 1000, -1000, 1001});
        double[] r = x.logcumsumexp(0).toDoubleArray();
        assertEquals(1000, r[0], 1e-12);
        assertEquals(1000 + Math.log(2), r[1], 1e-12);
        assertEquals(1000 + Math.log(2), r[2], 1e-12);
        assertEquals(1001 + Math.log1p(2 * Math.exp(-1)), r[3], 1e-12);
        float[] f = x.toFloat().logcumsumexp(0).toFloatArray();
        for (float v : f) assertTrue(Float.isFinite(v));
        double[] inf = Tensor.fromArray(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, 0, Double.POSITIVE_INFINITY})
                .logcumsumexp(0).toDoubleArray();
        assertEquals(Double.NEGATIVE_INFINITY, inf[0]);
        assertEquals(Double.NEGATIVE_INFINITY, inf[1]);
        assertEquals(0, inf[2], 0);
        assertEquals(Double.POSITIVE_INFINITY, inf[3]);
        // the gradient of a large-valued input stays finite: d/dx sum(logcumsumexp(x))
        Tensor y = Tensor.fromArray(new double[] {1000, 1000, 999}).requiresGrad_();
        y.logcumsumexp(0).sum().backward();
        double e = Math.exp(-1);
        double[] expect = {1 + 0.5 + 1 / (2 + e), 0.5 + 1 / (2 + e), e / (2 + e)};
        assertArrayEquals(expect, y.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void cumprodGradientIsExactWithOneAndTwoZeros() {
        // d/dx_k sum_j g_j prod_{i<=j} x_i, computed by brute force per element
        double[][] cases = {{2, 3, 0, 4, 5}, {0, 2, 3, 4, 5}, {2, 0, 3, 0, 5}, {0, 0, 1, 2, 3}, {1.5, -2, 0.5, 3, 2}, {2, 3, 4, 5, 0}};
        double[] g = {0.3, -1.1, 0.7, 2.0, -0.4};
        for (double[] xs : cases) {
            Tensor x = Tensor.fromArray(xs.clone()).requiresGrad_();
            x.cumprod(0).backward(Tensor.fromArray(g.clone()));
            double[] expect = new double[xs.length];
            for (int k = 0; k < xs.length; k++) {
                for (int j = k; j < xs.length; j++) {
                    double p = g[j];
                    for (int i = 0; i <= j; i++) if (i != k) p *= xs[i];
                    expect[k] += p;
                }
            }
            assertArrayEquals(expect, x.grad().toDoubleArray(), 1e-12, java.util.Arrays.toString(xs));
        }
        // along an inner dim with a zero per row
        Tensor x = Tensor.fromArray(new double[] {1, 0, 2, 0, 3, 0, 4, 5, 6}, 3, 3).requiresGrad_();
        x.cumprod(0).sum().backward();
        // column 0: (1, 0, 4): d/dx0 = 1 + 0 + 0 = 1, d/dx1 = x0 + x0 * x2 = 1 + 4 = 5, d/dx2 = 0
        // column 1: (0, 3, 5): d/dx0 = 1 + 3 + 15 = 19; others 0
        // column 2: (2, 0, 6): d/dx0 = 1, d/dx1 = 2 + 12 = 14, d/dx2 = 0
        assertArrayEquals(new double[] {1, 19, 1, 5, 0, 14, 0, 0, 0}, x.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void cumsumGradientIsTheReversedCumulativeSum() {
        Tensor x = Tensor.randn(G, 2, 4).to(DType.FLOAT64).requiresGrad_();
        x.cumsum(1).backward(Tensor.fromArray(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 4));
        assertArrayEquals(new double[] {10, 9, 7, 4, 26, 21, 15, 8}, x.grad().toDoubleArray(), 1e-12);
        Tensor y = Tensor.randn(G, 2, 4).to(DType.FLOAT64).requiresGrad_();
        Tensor[] m = y.cummax(1);
        m[0].sum().backward();
        // each position's gradient counts how many prefix maxima it is
        long[] idx = m[1].toLongArray();
        double[] expect = new double[8];
        for (int r = 0; r < 2; r++) for (int k = 0; k < 4; k++) expect[r * 4 + (int) idx[r * 4 + k]] += 1;
        assertArrayEquals(expect, y.grad().toDoubleArray(), 0);
    }

    @Test
    void emptyDimsScalarsAndBadDims() {
        Tensor e = Tensor.zeros(DType.FLOAT64, 2, 0, 3);
        assertArrayEquals(new int[] {2, 0, 3}, e.cumsum(1).shape());
        assertArrayEquals(new int[] {2, 0, 3}, e.cumprod(0).shape());
        assertArrayEquals(new int[] {2, 0, 3}, e.logcumsumexp(2).shape());
        Tensor[] m = e.cummax(1);
        assertArrayEquals(new int[] {2, 0, 3}, m[1].shape());
        Tensor s = Tensor.scalar(2.5, DType.FLOAT64).requiresGrad_();
        Tensor c = s.cumsum(0);
        assertEquals(0, c.dim());
        assertEquals(2.5, c.item());
        assertEquals(2.5, s.cumprod(-1).item());
        assertEquals(2.5, s.logcumsumexp(0).item(), 1e-15);
        Tensor[] sm = s.cummax(0);
        assertEquals(0, sm[1].dim());
        assertEquals(0L, sm[1].toLongArray()[0]);
        s.logcumsumexp(0).backward();
        assertEquals(1, s.grad().item(), 1e-15);
        Tensor x = Tensor.zeros(2, 3);
        assertThrows(IndexOutOfBoundsException.class, () -> x.cumsum(2));
        assertThrows(IndexOutOfBoundsException.class, () -> x.cummax(-3));
        assertFalse(Tensor.zeros(DType.FLOAT64, 3).cumsum(0).requiresGrad());
    }
}
