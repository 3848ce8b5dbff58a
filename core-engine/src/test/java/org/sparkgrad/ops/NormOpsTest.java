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
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** Float64 gradchecks, float32/float64 agreement, reference formulas and errors of {@link NormOps}. */
class NormOpsTest {
    private static final Generator G = new Generator(7);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_(); }

    /** Positive running variance. */
    private static Tensor pos(int... shape) { return Tensor.rand(G, shape).to(DType.FLOAT64).add(0.5); }

    private static Arguments a(String name, Function<Tensor[], Tensor> f, Tensor... in) { return Arguments.of(name, f, in); }

    static Stream<Arguments> ops() {
        return Stream.of(
                a("layer_norm_affine", t -> NormOps.layerNorm(t[0], new int[] {5}, t[1], t[2], 1e-5), r(2, 3, 5), r(5), r(5)),
                a("layer_norm_plain", t -> NormOps.layerNorm(t[0], new int[] {5}, null, null, 1e-5), r(4, 5)),
                a("layer_norm_2d_shape", t -> NormOps.layerNorm(t[0], new int[] {3, 4}, t[1], t[2], 1e-5), r(2, 3, 4), r(3, 4), r(3, 4)),
                a("layer_norm_weight_only", t -> NormOps.layerNorm(t[0], new int[] {4}, t[1], null, 1e-3), r(3, 4), r(4)),
                a("layer_norm_bias_only", t -> NormOps.layerNorm(t[0], new int[] {4}, null, t[1], 1e-3), r(3, 4), r(4)),
                a("layer_norm_noncontiguous", t -> NormOps.layerNorm(t[0].transpose(0, 1), new int[] {3}, t[1], t[2], 1e-5), r(3, 4), r(3), r(3)),
                a("rms_norm_weight", t -> NormOps.rmsNorm(t[0], new int[] {6}, t[1], 1e-6), r(2, 2, 6), r(6)),
                a("rms_norm_plain_default_eps", t -> NormOps.rmsNorm(t[0], new int[] {2, 3}, null, null), r(3, 2, 3)),
                a("batch_norm_train_2d", t -> NormOps.batchNorm(t[0], null, null, t[1], t[2], true, 0.1, 1e-5), r(6, 3), r(3), r(3)),
                a("batch_norm_train_4d", t -> NormOps.batchNorm(t[0], null, null, t[1], t[2], true, 0.1, 1e-5), r(2, 3, 2, 2), r(3), r(3)),
                a("batch_norm_train_plain_3d", t -> NormOps.batchNorm(t[0], null, null, null, null, true, 0.1, 1e-5), r(3, 2, 4)),
                a("batch_norm_eval", t -> NormOps.batchNorm(t[0], t[3].detach(), t[4].detach(), t[1], t[2], false, 0.1, 1e-5),
                        r(4, 3, 2), r(3), r(3), Tensor.randn(G, 3).to(DType.FLOAT64), pos(3)),
                a("group_norm_affine", t -> NormOps.groupNorm(t[0], 2, t[1], t[2], 1e-5), r(2, 4, 3), r(4), r(4)),
                a("group_norm_4d", t -> NormOps.groupNorm(t[0], 3, t[1], t[2], 1e-5), r(2, 6, 2, 2), r(6), r(6)),
                a("group_norm_plain_one_group", t -> NormOps.groupNorm(t[0], 1, null, null, 1e-5), r(2, 3, 4)),
                a("batch_norm_train_updating_running_stats", t -> NormOps.batchNorm(t[0], Tensor.zeros(DType.FLOAT64, 3),
                        Tensor.ones(DType.FLOAT64, 3), t[1], t[2], true, 0.1, 1e-5), r(4, 3, 2), r(3), r(3)),
                a("batch_norm_eval_plain", t -> NormOps.batchNorm(t[0], t[1].detach(), t[2].detach(), null, null, false, 0.1, 1e-5),
                        r(4, 3), Tensor.randn(G, 3).to(DType.FLOAT64), pos(3)),
                a("layer_norm_3d_shape_noncontiguous", t -> NormOps.layerNorm(t[0].permute(2, 0, 1), new int[] {2, 3}, t[1], t[2], 1e-5),
                        r(2, 3, 4), r(2, 3), r(2, 3)),
                a("rms_norm_noncontiguous", t -> NormOps.rmsNorm(t[0].t(), new int[] {4}, t[1], 1e-6), r(4, 3), r(4)),
                a("group_norm_5d", t -> NormOps.groupNorm(t[0], 2, t[1], t[2], 1e-5), r(2, 4, 2, 1, 2), r(4), r(4)));
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
        Tensor[] f32 = new Tensor[inputs.length], f64 = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            f32[i] = inputs[i].detach().to(DType.FLOAT32).requiresGrad_();
            f64[i] = inputs[i].detach().requiresGrad_();
        }
        Tensor y32 = f.apply(f32), y64 = f.apply(f64);
        assertClose(y64.toDoubleArray(), y32.toDoubleArray(), 1e-4, name + " output");
        Tensor seed = Tensor.randn(new Generator(3), y64.shape()).to(DType.FLOAT64);
        y32.backward(seed.to(DType.FLOAT32));
        y64.backward(seed);
        for (int i = 0; i < inputs.length; i++) {
            if (f64[i].grad() == null) continue;
            assertClose(f64[i].grad().toDoubleArray(), f32[i].grad().toDoubleArray(), 1e-3, name + " grad " + i);
        }
    }

    static void assertClose(double[] expected, double[] actual, double rtol, String what) {
        assertEquals(expected.length, actual.length, what);
        double max = 0;
        for (double v : expected) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= rtol * (Math.abs(expected[i]) + max),
                    what + " element " + i + ": " + actual[i] + " vs " + expected[i]);
        }
    }

    @Test
    void float32KernelsMatchFloat64OnLargerInputsWithAnOffsetMean() {
        // long rows and planes run the vectorised float32 loops (and their remainders); the offset mean tests precision
        Tensor x = Tensor.randn(G, 4, 6, 7, 11).to(DType.FLOAT64).mul(2).add(100).requiresGrad_();
        Tensor w = r(6), b = r(6), lw = r(77), lb = r(77);
        Function<Tensor[], Tensor> f = t -> NormOps.batchNorm(t[0], null, null, t[1], t[2], true, 0.1, 1e-5)
                .add(NormOps.groupNorm(t[0], 3, t[1], t[2], 1e-5))
                .add(NormOps.layerNorm(t[0], new int[] {7, 11}, t[3].view(7, 11), t[4].view(7, 11), 1e-5))
                .add(NormOps.rmsNorm(t[0].sub(100), new int[] {7, 11}, t[3].view(7, 11), 1e-6))
                .add(NormOps.batchNorm(t[0], t[1].detach().mul(0).add(100), t[1].detach().abs().add(1), t[1], t[2], false, 0.1, 1e-5));
        float32MatchesFloat64("large", f, new Tensor[] {x, w, b, lw, lb});
    }

    @Test
    void layerNormMatchesItsDefinition() {
        Tensor x = Tensor.randn(G, 3, 8).to(DType.FLOAT64).mul(3).add(10);
        Tensor w = Tensor.randn(G, 8).to(DType.FLOAT64), b = Tensor.randn(G, 8).to(DType.FLOAT64);
        Tensor y = NormOps.layerNorm(x, new int[] {8}, w, b, 1e-5);
        Tensor mean = x.mean(-1, true), var = x.var(new int[] {-1}, false, true);
        Tensor ref = x.sub(mean).div(var.add(1e-5).sqrt()).mul(w).add(b);
        assertClose(ref.toDoubleArray(), y.toDoubleArray(), 1e-12, "layer_norm");
    }

    @Test
    void layerNormKeepsPrecisionWithAnOffsetMeanInFloat32() {
        Tensor x64 = Tensor.randn(G, 4, 256).to(DType.FLOAT64).add(1000);
        Tensor y64 = NormOps.layerNorm(x64, new int[] {256}, null, null, 1e-5);
        Tensor y32 = NormOps.layerNorm(x64.to(DType.FLOAT32), new int[] {256}, null, null, 1e-5);
        assertClose(y64.toDoubleArray(), y32.toDoubleArray(), 1e-4, "offset mean");
    }

    @Test
    void rmsNormMatchesItsDefinitionAndDefaultsEpsToMachineEpsilon() {
        Tensor x = Tensor.randn(G, 2, 5).to(DType.FLOAT64), w = Tensor.randn(G, 5).to(DType.FLOAT64);
        Tensor y = NormOps.rmsNorm(x, new int[] {5}, w, null);
        Tensor ref = x.mul(x.square().mean(-1, true).add(Math.ulp(1.0)).rsqrt()).mul(w);
        assertClose(ref.toDoubleArray(), y.toDoubleArray(), 1e-12, "rms_norm");
        assertEquals(Math.ulp(1.0f), DType.FLOAT32.finfoEps(), 0);
        assertEquals(1.1920928955078125e-07, DType.FLOAT32.finfoEps(), 0);
        // torch.finfo for the 16-bit dtypes, from their bit patterns
        assertEquals(org.sparkgrad.tensor.HalfFloat.halfToFloat((short) 0x3c01) - 1.0, DType.FLOAT16.finfoEps(), 0);
        assertEquals(org.sparkgrad.tensor.HalfFloat.bfloat16ToFloat((short) 0x3f81) - 1.0, DType.BFLOAT16.finfoEps(), 0);
        assertEquals(-org.sparkgrad.tensor.HalfFloat.halfToFloat((short) 0x7bff), DType.FLOAT16.finfoMin(), 0);
        assertEquals(-org.sparkgrad.tensor.HalfFloat.bfloat16ToFloat((short) 0x7f7f), DType.BFLOAT16.finfoMin(), 0);
        assertEquals(-Double.MAX_VALUE, DType.FLOAT64.finfoMin(), 0);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, DType.INT64::finfoEps);
    }

    @Test
    void batchNormUpdatesRunningStatsWithTheUnbiasedVarianceOnlyInTraining() {
        Tensor x = Tensor.randn(G, 5, 2, 3).to(DType.FLOAT64);
        Tensor rm = Tensor.fromArray(new double[] {0.5, -1}), rv = Tensor.fromArray(new double[] {2, 3});
        Tensor y = NormOps.batchNorm(x, rm, rv, null, null, true, 0.25, 1e-5);
        Tensor mean = x.mean(new int[] {0, 2}, false);
        Tensor unbiased = x.var(new int[] {0, 2}, true, false), biased = x.var(new int[] {0, 2}, false, false);
        double[] m = mean.toDoubleArray(), uv = unbiased.toDoubleArray();
        assertArrayEquals(new double[] {0.75 * 0.5 + 0.25 * m[0], 0.75 * -1 + 0.25 * m[1]}, rm.toDoubleArray(), 1e-12);
        assertArrayEquals(new double[] {0.75 * 2 + 0.25 * uv[0], 0.75 * 3 + 0.25 * uv[1]}, rv.toDoubleArray(), 1e-12);
        Tensor ref = x.sub(mean.view(1, 2, 1)).div(biased.view(1, 2, 1).add(1e-5).sqrt());
        assertClose(ref.toDoubleArray(), y.toDoubleArray(), 1e-12, "train output");
        // evaluation: the running statistics normalise and stay unchanged
        double[] rmBefore = rm.toDoubleArray(), rvBefore = rv.toDoubleArray();
        Tensor ye = NormOps.batchNorm(x, rm, rv, null, null, false, 0.25, 1e-5);
        assertArrayEquals(rmBefore, rm.toDoubleArray(), 0);
        assertArrayEquals(rvBefore, rv.toDoubleArray(), 0);
        Tensor refE = x.sub(rm.view(1, 2, 1)).div(rv.view(1, 2, 1).add(1e-5).sqrt());
        assertClose(refE.toDoubleArray(), ye.toDoubleArray(), 1e-12, "eval output");
    }

    @Test
    void groupNormMatchesItsDefinition() {
        Tensor x = Tensor.randn(G, 2, 6, 5).to(DType.FLOAT64);
        Tensor w = Tensor.randn(G, 6).to(DType.FLOAT64), b = Tensor.randn(G, 6).to(DType.FLOAT64);
        Tensor y = NormOps.groupNorm(x, 3, w, b, 1e-5);
        Tensor g = x.reshape(2, 3, 10);
        Tensor ref = g.sub(g.mean(-1, true)).div(g.var(new int[] {-1}, false, true).add(1e-5).sqrt()).reshape(2, 6, 5)
                .mul(w.view(1, 6, 1)).add(b.view(1, 6, 1));
        assertClose(ref.toDoubleArray(), y.toDoubleArray(), 1e-12, "group_norm");
    }

    @Test
    void noGraphIsRecordedUnderNoGrad() {
        Tensor x = r(2, 4), w = r(4);
        try (GradMode.Guard g = GradMode.noGrad()) {
            assertTrue(NormOps.layerNorm(x, new int[] {4}, w, null, 1e-5).gradFn() == null);
        }
        assertTrue(NormOps.layerNorm(x, new int[] {4}, w, null, 1e-5).gradFn() != null);
    }

    @Test
    void badInputsAreRejectedNamingTheShapes() {
        Tensor x = Tensor.randn(G, 2, 3, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NormOps.layerNorm(x, new int[] {4}, null, null, 1e-5));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[2, 3, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NormOps.layerNorm(x, new int[] {5}, Tensor.ones(4), null, 1e-5));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NormOps.layerNorm(x, new int[] {5}, Tensor.ones(DType.FLOAT64, 5), null, 1e-5));
        assertThrows(IllegalArgumentException.class, () -> NormOps.layerNorm(x, new int[0], null, null, 1e-5));
        e = assertThrows(IllegalArgumentException.class, () -> NormOps.groupNorm(Tensor.randn(G, 2, 5, 3), 2, null, null, 1e-5));
        assertTrue(e.getMessage().contains("[2, 5, 3]") && e.getMessage().contains("num_groups=2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NormOps.batchNorm(Tensor.randn(G, 1, 3), null, null, null, null, true, 0.1, 1e-5));
        assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NormOps.batchNorm(x, null, null, null, null, false, 0.1, 1e-5));
        e = assertThrows(IllegalArgumentException.class, () -> NormOps.batchNorm(x, null, null, Tensor.ones(4), null, true, 0.1, 1e-5));
        assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[2, 3, 5]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NormOps.layerNorm(Tensor.fromArray(new long[] {1, 2}, 1, 2), new int[] {2}, null, null, 1e-5));
    }
}
