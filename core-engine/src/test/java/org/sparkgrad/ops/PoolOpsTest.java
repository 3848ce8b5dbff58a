package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;
import org.sparkgrad.testing.GoldenRunner;

class PoolOpsTest {
    private static final Generator G = new Generator(77);

    /** float64 input with all-distinct values spaced >= 0.01 apart (max pooling has no ties near a kink). */
    private static Tensor distinct(int... shape) {
        Tensor p = Tensor.randperm(Tensor.zeros(shape).numel(), G).to(DType.FLOAT64).mul(0.01).sub(1);
        return p.reshape(shape).detach().requiresGrad_();
    }

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_(); }

    private static int[] a(int... v) { return v; }

    @Test
    void poolingGoldenCasesMatchPyTorchInFloat32AndFloat64() throws Exception {
        GoldenRunner r = new GoldenRunner().runFile(ConvOpsTest.golden("pooling.json"));
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        assertEquals(28, r.passed());
    }

    static Stream<Arguments> ops() {
        return Stream.of(
                g("max_pool1d_pad_dil", t -> PoolOps.maxPoolNd(t[0], 1, a(3), a(2), a(1), a(2), false), distinct(2, 2, 11)),
                g("max_pool2d_ceil", t -> PoolOps.maxPoolNd(t[0], 2, a(3, 2), a(2, 2), a(1, 0), null, true), distinct(1, 2, 7, 7)),
                g("max_pool3d", t -> PoolOps.maxPoolNd(t[0], 3, a(2), null, null, null, false), distinct(1, 2, 4, 4, 5)),
                g("max_pool4d_overlapping", t -> PoolOps.maxPoolNd(t[0], 4, a(2, 3, 2, 2), a(1, 2, 1, 2), a(1, 1, 0, 1), null, false),
                        distinct(1, 1, 3, 4, 3, 4)),
                g("max_pool2d_unbatched", t -> PoolOps.maxPoolNd(t[0], 2, a(2), a(1), null, null, false), distinct(2, 4, 4)),
                g("avg_pool1d_excl_pad_ceil", t -> PoolOps.avgPoolNd(t[0], 1, a(3), a(2), a(1), true, false, null), r(2, 2, 8)),
                g("avg_pool2d_incl_pad", t -> PoolOps.avgPoolNd(t[0], 2, a(3), a(2), a(1), false, true, null), r(1, 2, 5, 6)),
                g("avg_pool2d_divisor_override", t -> PoolOps.avgPoolNd(t[0], 2, a(2, 3), a(1, 2), null, false, true, 5), r(1, 1, 4, 7)),
                g("avg_pool3d_ceil", t -> PoolOps.avgPoolNd(t[0], 3, a(2), null, null, true, true, null), r(1, 2, 3, 5, 4)),
                g("avg_pool4d_excl_pad", t -> PoolOps.avgPoolNd(t[0], 4, a(3, 2, 3, 2), a(2, 1, 2, 2), a(1, 1, 1, 0), false, false, null),
                        r(1, 1, 4, 3, 5, 4)),
                g("adaptive_avg_pool1d", t -> PoolOps.adaptiveAvgPoolNd(t[0], 1, a(4)), r(2, 3, 9)),
                g("adaptive_avg_pool2d_overlapping", t -> PoolOps.adaptiveAvgPoolNd(t[0], 2, a(4, 3)), r(1, 2, 6, 5)),
                g("adaptive_avg_pool3d_keep_dim", t -> PoolOps.adaptiveAvgPoolNd(t[0], 3, a(2, -1, 3)), r(1, 2, 5, 2, 4)),
                g("adaptive_max_pool2d", t -> PoolOps.adaptiveMaxPoolNd(t[0], 2, a(2, 3)), distinct(2, 2, 5, 7)),
                g("adaptive_max_pool3d_unbatched", t -> PoolOps.adaptiveMaxPoolNd(t[0], 3, a(2, 3, 2)), distinct(2, 4, 5, 3)),
                g("adaptive_max_pool1d_overlapping", t -> PoolOps.adaptiveMaxPoolNd(t[0], 1, a(4)), distinct(2, 2, 7)),
                g("max_pool2d_with_indices_noncontiguous", t -> PoolOps.maxPoolNdWithIndices(t[0].transpose(2, 3), 2, a(2), a(1), a(1), null, false)[0],
                        distinct(1, 2, 4, 5)),
                g("avg_pool2d_noncontiguous", t -> PoolOps.avgPoolNd(t[0].transpose(1, 3), 2, a(2), a(1), null, false, true, null), r(1, 4, 3, 2)),
                g("adaptive_avg_pool4d", t -> PoolOps.adaptiveAvgPoolNd(t[0], 4, a(2, 1, 2, 3)), r(1, 1, 3, 2, 3, 4)));
    }

    private static Arguments g(String name, Function<Tensor[], Tensor> f, Tensor... inputs) {
        return Arguments.of(name, f, inputs);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void gradcheck(String name, Function<Tensor[], Tensor> f, Tensor[] inputs) {
        GradCheck.Result res = GradCheck.check(f, inputs);
        assertTrue(res.ok, name + ": " + res);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ops")
    void float32MatchesFloat64(String name, Function<Tensor[], Tensor> f, Tensor[] inputs) {
        Tensor[] f32 = {inputs[0].detach().to(DType.FLOAT32)};
        assertArrayEquals(f.apply(inputs).toDoubleArray(), f.apply(f32).toDoubleArray(), 1e-5, name);
    }

    @Test
    void maxPoolIndicesAreFlatPositionsInTheInputPlane() {
        // one 3x4 plane, 2x2 windows with stride 2: maxima at (1,1)=5, (0,3)=3
        Tensor x = Tensor.fromArray(new double[] {0, 1, 2, 3, 4, 5, 1, 0, 0, 0, 0, 0}, 1, 1, 3, 4);
        Tensor[] r = PoolOps.maxPoolNdWithIndices(x, 2, a(2), null, null, null, false);
        assertArrayEquals(new double[] {5, 3}, r[0].toDoubleArray(), 0);
        assertArrayEquals(new long[] {5, 3}, r[1].toLongArray());
        assertEquals(DType.INT64, r[1].dtype());
        Tensor[] c = PoolOps.maxPoolNdWithIndices(x, 2, a(2), null, null, null, true);
        assertArrayEquals(a(1, 1, 2, 2), c[0].shape());
        assertArrayEquals(new long[] {5, 3, 8, 10}, c[1].toLongArray()); // last row: window of one row, first of equal zeros
    }

    @Test
    void maxPoolGradientGoesToTheMaxAndAccumulatesOverSharedMaxima() {
        Tensor x = Tensor.fromArray(new double[] {0, 9, 0, 0, 0}, 1, 1, 5).requiresGrad_();
        PoolOps.maxPoolNd(x, 1, a(2), a(1), null, null, false).sum().backward(); // windows [0,1] [1,2] [2,3] [3,4]
        assertArrayEquals(new double[] {0, 2, 1, 1, 0}, x.grad().toDoubleArray(), 0);
    }

    @Test
    void maxPoolPropagatesNaNLikePyTorch() {
        Tensor x = Tensor.fromArray(new double[] {1, Double.NaN, 3, 4}, 1, 1, 4);
        Tensor[] r = PoolOps.maxPoolNdWithIndices(x, 1, a(2), null, null, null, false);
        assertTrue(Double.isNaN(r[0].toDoubleArray()[0]));
        assertEquals(1, r[1].toLongArray()[0]);
        assertEquals(4.0, r[0].toDoubleArray()[1], 0);
    }

    @Test
    void adaptiveBinsFollowFloorAndCeil() {
        // L = 5, out = 3: bins [0,2) [1,4) [3,5)
        Tensor x = Tensor.fromArray(new double[] {1, 2, 3, 4, 5}, 1, 5);
        assertArrayEquals(new double[] {1.5, 3, 4.5}, PoolOps.adaptiveAvgPoolNd(x, 1, a(3)).toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {2, 4, 5}, PoolOps.adaptiveMaxPoolNd(x, 1, a(3)).toDoubleArray(), 0);
    }

    @Test
    void avgPoolDivisorRules() {
        Tensor x = Tensor.ones(DType.FLOAT64, 1, 1, 3, 3);
        // 3x3 window, stride 2, padding 1: corner window covers 2x2 real cells and 5 padding cells
        assertEquals(4.0 / 9, PoolOps.avgPoolNd(x, 2, a(3), a(2), a(1), false, true, null).toDoubleArray()[0], 1e-12);
        assertEquals(1.0, PoolOps.avgPoolNd(x, 2, a(3), a(2), a(1), false, false, null).toDoubleArray()[0], 1e-12);
        assertEquals(4.0 / 7, PoolOps.avgPoolNd(x, 2, a(3), a(2), a(1), false, true, 7).toDoubleArray()[0], 1e-12);
    }

    private static String error(Runnable r) { return assertThrows(IllegalArgumentException.class, r::run).getMessage(); }

    @Test
    void badArgumentsNameTheShapes() {
        Tensor x = r(1, 2, 4, 4);
        assertTrue(error(() -> PoolOps.maxPoolNd(x, 2, a(2), null, a(2), null, false)).contains("pad should be at most half of kernel size"));
        assertTrue(error(() -> PoolOps.avgPoolNd(x, 2, a(3), null, a(2), false, true, null)).contains("pad should be at most half"));
        String small = error(() -> PoolOps.maxPoolNd(x, 2, a(5), null, null, null, false));
        assertTrue(small.contains("[1, 2, 4, 4]") && small.contains("too small"), small);
        assertTrue(error(() -> PoolOps.maxPoolNd(r(2, 4), 2, a(2, 2), null, null, null, false)).contains("[2, 4]"));
        assertTrue(error(() -> PoolOps.adaptiveAvgPoolNd(x, 2, a(0, 2))).contains("output_size must be positive"));
        assertTrue(error(() -> PoolOps.adaptiveAvgPoolNd(Tensor.zeros(DType.FLOAT64, 1, 2, 0, 3), 2, a(1, 1))).contains("non-zero size"));
        assertTrue(error(() -> PoolOps.maxPoolNd(x, 2, a(2), a(0), null, null, false)).contains("non-positive stride"));
        assertTrue(error(() -> PoolOps.avgPoolNd(x, 2, a(2), null, null, false, true, 0)).contains("divisor must be not zero"));
        assertTrue(error(() -> PoolOps.maxPoolNd(Tensor.zeros(DType.INT64, 1, 1, 4, 4), 2, a(2), null, null, null, false)).contains("int64"));
    }
}
