package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkgrad.ops.NormOpsTest.assertClose;

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

/** Float64 gradchecks, reference formulas and errors of {@link AttentionOps}. */
class AttentionOpsTest {
    private static final Generator G = new Generator(11);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_(); }

    private static Tensor bool(int seed, double pTrue, int... shape) {
        Generator g = new Generator(seed);
        boolean[] b = new boolean[org.sparkgrad.tensor.Shape.numel(shape)];
        for (int i = 0; i < b.length; i++) b[i] = g.nextDouble() < pTrue;
        for (int i = 0; i < b.length; i += shape[shape.length - 1]) b[i] = true; // every query sees key 0
        return Tensor.fromArray(b, shape);
    }

    private static Arguments a(String name, Function<Tensor[], Tensor> f, Tensor... in) { return Arguments.of(name, f, in); }

    /** softmax(q k^T * scale + mask) v by elementary ops. */
    static Tensor reference(Tensor q, Tensor k, Tensor v, Tensor boolMask, boolean causal, double scale) {
        Tensor s = q.matmul(k.mT()).mul(scale);
        int l = q.size(-2), n = k.size(-2);
        if (causal) {
            boolean[] keep = new boolean[l * n];
            for (int i = 0; i < l; i++) for (int j = 0; j < n; j++) keep[i * n + j] = j <= i;
            s = s.maskedFill(Tensor.fromArray(keep, l, n).logicalNot(), Double.NEGATIVE_INFINITY);
        }
        if (boolMask != null) s = s.maskedFill(boolMask.logicalNot(), Double.NEGATIVE_INFINITY);
        return s.softmax(-1).matmul(v);
    }

    static Stream<Arguments> ops() {
        Tensor m1 = bool(1, 0.6, 3, 5);
        Tensor m2 = bool(2, 0.5, 2, 1, 4, 4);
        return Stream.of(
                a("sdpa_4d", t -> AttentionOps.scaledDotProductAttention(t[0], t[1], t[2]), r(2, 2, 3, 4), r(2, 2, 5, 4), r(2, 2, 5, 4)),
                a("sdpa_3d_value_dim", t -> AttentionOps.scaledDotProductAttention(t[0], t[1], t[2]), r(2, 3, 4), r(2, 5, 4), r(2, 5, 2)),
                a("sdpa_causal", t -> AttentionOps.scaledDotProductAttention(t[0], t[1], t[2], null, 0, true, null, null),
                        r(1, 2, 4, 3), r(1, 2, 4, 3), r(1, 2, 4, 3)),
                a("sdpa_bool_mask", t -> AttentionOps.scaledDotProductAttention(t[0], t[1], t[2], m1, 0, false, 0.7, null),
                        r(2, 3, 4), r(2, 5, 4), r(2, 5, 3)),
                a("sdpa_float_mask_with_grad", t -> AttentionOps.scaledDotProductAttention(t[0], t[1], t[2], t[3], 0, false, null, null),
                        r(2, 3, 4), r(2, 5, 4), r(2, 5, 3), r(3, 5)),
                a("sdpa_broadcast_batch", t -> AttentionOps.scaledDotProductAttention(t[0], t[1], t[2]), r(2, 2, 3, 4), r(1, 2, 5, 4), r(2, 1, 5, 2)),
                a("sdpa_strided_inputs", t -> AttentionOps.scaledDotProductAttention(t[0].transpose(1, 2), t[1].transpose(1, 2), t[2].transpose(1, 2)),
                        r(2, 3, 2, 4), r(2, 5, 2, 4), r(2, 5, 2, 4)),
                a("sdpa_dropout_seeded", t -> AttentionOps.scaledDotProductAttention(t[0], t[1], t[2], null, 0.3, false, null, new Generator(5)),
                        r(2, 3, 4), r(2, 4, 4), r(2, 4, 3)),
                a("packed_causal", t -> AttentionOps.packedSelfAttention(t[0], 2, null, 0, true, null, null), r(2, 4, 3 * 6)),
                a("packed_bool_mask", t -> AttentionOps.packedSelfAttention(t[0], 2, m2, 0, false, null, null), r(2, 4, 3 * 4)),
                a("packed_dropout_seeded", t -> AttentionOps.packedSelfAttention(t[0], 3, null, 0.25, true, null, new Generator(9)), r(1, 3, 3 * 6)),
                a("masked_softmax", t -> AttentionOps.maskedSoftmax(t[0], m1, false, 0.5), r(2, 3, 5)),
                a("masked_softmax_causal_float_mask", t -> AttentionOps.maskedSoftmax(t[0], t[1], true, 1.3), r(2, 4, 4), r(4, 4)),
                a("sdpa_2d_no_batch", t -> AttentionOps.scaledDotProductAttention(t[0], t[1], t[2]), r(3, 4), r(5, 4), r(5, 2)),
                a("attention_causal_and_bool_mask", t -> AttentionOps.attention(t[0], t[1], t[2], bool(3, 0.6, 4, 4), 0, true, null, null),
                        r(2, 4, 3), r(2, 4, 3), r(2, 4, 3)),
                a("attention_causal_and_float_mask_with_grad", t -> AttentionOps.attention(t[0], t[1], t[2], t[3], 0, true, 0.8, null),
                        r(2, 2, 3, 3), r(2, 2, 4, 3), r(2, 2, 4, 2), r(2, 1, 3, 4)),
                a("packed_float_mask_with_grad", t -> AttentionOps.packedSelfAttention(t[0], 2, t[1], 0, false, 0.6, null), r(2, 3, 3 * 4), r(3, 3)),
                a("packed_noncontiguous", t -> AttentionOps.packedSelfAttention(t[0].transpose(0, 1), 1, null, 0, false, null, null), r(3, 2, 3 * 2)));
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
            if (f64[i].grad() != null) assertClose(f64[i].grad().toDoubleArray(), f32[i].grad().toDoubleArray(), 1e-3, name + " grad " + i);
        }
    }

    @Test
    void sdpaMatchesTheDefinition() {
        Tensor q = r(2, 3, 4, 5), k = r(2, 3, 6, 5), v = r(2, 3, 6, 2);
        Tensor m = bool(4, 0.5, 4, 6);
        assertClose(reference(q, k, v, null, false, 1 / Math.sqrt(5)).toDoubleArray(),
                AttentionOps.scaledDotProductAttention(q, k, v).contiguous().toDoubleArray(), 1e-12, "plain");
        assertClose(reference(q, k, v, m, false, 0.3).toDoubleArray(),
                AttentionOps.scaledDotProductAttention(q, k, v, m, 0, false, 0.3, null).contiguous().toDoubleArray(), 1e-12, "mask");
        Tensor kk = r(2, 3, 4, 5), vv = r(2, 3, 4, 2);
        assertClose(reference(q, kk, vv, null, true, 1 / Math.sqrt(5)).toDoubleArray(),
                AttentionOps.scaledDotProductAttention(q, kk, vv, null, 0, true, null, null).contiguous().toDoubleArray(), 1e-12, "causal");
        // a float mask of 0 / -inf is the same as the bool mask
        Tensor fm = Tensor.zeros(DType.FLOAT64, 4, 6).maskedFill(m.logicalNot(), Double.NEGATIVE_INFINITY);
        assertClose(reference(q, k, v, m, false, 0.3).toDoubleArray(),
                AttentionOps.scaledDotProductAttention(q, k, v, fm, 0, false, 0.3, null).contiguous().toDoubleArray(), 1e-12, "float mask");
    }

    @Test
    void longSequencesUseBlockedProductsWithTheSameResult() {
        // 300 x 300 scores with E = 8 are computed in row blocks of 109 (and the causal blocks skip the upper triangle)
        for (boolean causal : new boolean[] {false, true}) {
            Tensor q = r(1, 2, 300, 8), k = r(1, 2, 300, 8), v = r(1, 2, 300, 6);
            Tensor fused = AttentionOps.scaledDotProductAttention(q, k, v, null, 0, causal, null, null);
            Tensor ref = reference(q, k, v, null, causal, 1 / Math.sqrt(8));
            assertClose(ref.toDoubleArray(), fused.contiguous().toDoubleArray(), 1e-12, "causal=" + causal);
            Tensor seed = Tensor.randn(G, 1, 2, 300, 6).to(DType.FLOAT64);
            Tensor[] g1 = org.sparkgrad.autograd.Autograd.grad(new Tensor[] {fused}, new Tensor[] {q, k, v}, new Tensor[] {seed}, false, false);
            Tensor[] g2 = org.sparkgrad.autograd.Autograd.grad(new Tensor[] {ref}, new Tensor[] {q, k, v}, new Tensor[] {seed}, false, false);
            for (int i = 0; i < 3; i++) assertClose(g2[i].toDoubleArray(), g1[i].toDoubleArray(), 1e-10, "causal=" + causal + " grad " + i);
        }
    }

    @Test
    void fourDimensionalOutputIsLaidOutForAFreeHeadMerge() {
        Tensor q = r(2, 3, 4, 5);
        Tensor o = AttentionOps.scaledDotProductAttention(q, q, q);
        assertTrue(o.transpose(1, 2).isContiguous());
    }

    @Test
    void packedSelfAttentionEqualsSplitHeadsSdpa() {
        int b = 2, t = 5, h = 3, hd = 4, c = h * hd;
        Tensor qkv = r(b, t, 3 * c);
        Tensor packed = AttentionOps.packedSelfAttention(qkv, h, null, 0, true, null, null);
        Tensor q = qkv.narrow(2, 0, c).view(b, t, h, hd).transpose(1, 2);
        Tensor k = qkv.narrow(2, c, c).view(b, t, h, hd).transpose(1, 2);
        Tensor v = qkv.narrow(2, 2 * c, c).view(b, t, h, hd).transpose(1, 2);
        Tensor ref = reference(q, k, v, null, true, 1 / Math.sqrt(hd)).transpose(1, 2).reshape(b, t, c);
        assertClose(ref.toDoubleArray(), packed.toDoubleArray(), 1e-12, "packed");
        Tensor seed = Tensor.randn(G, b, t, c).to(DType.FLOAT64);
        Tensor g1 = org.sparkgrad.autograd.Autograd.grad(new Tensor[] {packed}, new Tensor[] {qkv}, new Tensor[] {seed}, false, false)[0];
        Tensor g2 = org.sparkgrad.autograd.Autograd.grad(new Tensor[] {ref}, new Tensor[] {qkv}, new Tensor[] {seed}, false, false)[0];
        assertClose(g2.toDoubleArray(), g1.toDoubleArray(), 1e-10, "packed grad");
    }

    @Test
    void fullyMaskedRowsGiveNaNAsPyTorch() {
        Tensor q = r(1, 2, 3), k = r(1, 3, 3);
        Tensor mask = Tensor.fromArray(new boolean[] {false, false, false, true, true, false}, 2, 3);
        double[] out = AttentionOps.scaledDotProductAttention(q, k, k, mask, 0, false, null, null).toDoubleArray();
        for (int j = 0; j < 3; j++) assertTrue(Double.isNaN(out[j]));
        for (int j = 3; j < 6; j++) assertTrue(Double.isFinite(out[j]));
    }

    @Test
    void dropoutIsReproducibleWithASeededGeneratorAndOneKeepsNothing() {
        Tensor q = r(2, 4, 3);
        double[] a = AttentionOps.scaledDotProductAttention(q, q, q, null, 0.5, false, null, new Generator(1)).toDoubleArray();
        double[] b = AttentionOps.scaledDotProductAttention(q, q, q, null, 0.5, false, null, new Generator(1)).toDoubleArray();
        double[] c = AttentionOps.scaledDotProductAttention(q, q, q, null, 0.5, false, null, new Generator(2)).toDoubleArray();
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, 0);
        assertTrue(!java.util.Arrays.equals(a, c));
        for (double x : AttentionOps.scaledDotProductAttention(q, q, q, null, 1.0, false, null, new Generator(1)).toDoubleArray()) {
            assertEquals(0.0, x, 0);
        }
    }

    @Test
    void badInputsAreRejectedNamingTheShapes() {
        Tensor q = r(2, 3, 4), k = r(2, 5, 4), v = r(2, 5, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionOps.scaledDotProductAttention(q, k, v, Tensor.ones(DType.BOOL, 3, 4), 0, false, null, null));
        assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[2, 3, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttentionOps.scaledDotProductAttention(q, r(2, 5, 3), v));
        assertTrue(e.getMessage().contains("[2, 3, 4]") && e.getMessage().contains("[2, 5, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AttentionOps.scaledDotProductAttention(q, k, r(2, 6, 4)));
        assertTrue(e.getMessage().contains("[2, 5, 4]") && e.getMessage().contains("[2, 6, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AttentionOps.scaledDotProductAttention(q, k, v, Tensor.ones(DType.BOOL, 3, 5), 0, true, null, null));
        assertThrows(IllegalArgumentException.class, () -> AttentionOps.scaledDotProductAttention(q, k.to(DType.FLOAT32), v));
        e = assertThrows(IllegalArgumentException.class, () -> AttentionOps.packedSelfAttention(r(2, 3, 10), 2, null, 0, true, null, null));
        assertTrue(e.getMessage().contains("[2, 3, 10]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AttentionOps.scaledDotProductAttention(q, k, v, null, 1.5, false, null, null));
    }
}
