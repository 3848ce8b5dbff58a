package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** TransformerDecoderLayer: PyTorch's names, post/pre-norm formulas with masks, layouts, dropout, gradients, copies. */
class TransformerDecoderLayerTest {
    private static final Generator G = new Generator(37);
    private static final TransformerEncoderLayer.Activation RELU = TransformerEncoderLayer.Activation.RELU;
    private static final TransformerEncoderLayer.Activation GELU = TransformerEncoderLayer.Activation.GELU;

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64); }

    private static void close(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.contiguous().toDoubleArray(), actual.contiguous().toDoubleArray(), tol);
    }

    private static TransformerDecoderLayer layer(double dropout, TransformerEncoderLayer.Activation act, boolean normFirst, boolean batchFirst) {
        TransformerDecoderLayer l = new TransformerDecoderLayer(8, 2, 16, dropout, act, 1e-5, batchFirst, normFirst, true, new Generator(3));
        l.to(DType.FLOAT64);
        // non-trivial norm parameters and biases (PyTorch starts them at 1 / 0), so that a swapped norm would show
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (Tensor p : l.parameters()) if (p.dim() == 1) p.add_(Tensor.randn(G, p.shape()).to(DType.FLOAT64).mul(0.2));
        }
        return l;
    }

    @Test
    void stateDictKeysAndChildrenAreThoseOfPyTorch() {
        // PyTorch: nn.TransformerDecoderLayer(8, 2, 16).state_dict().keys() and named_children()
        assertEquals(List.of("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias", "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias",
                "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
                "norm3.weight", "norm3.bias"), List.copyOf(new TransformerDecoderLayer(8, 2).stateDict().keySet()));
        assertEquals(List.of("self_attn", "multihead_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "norm3", "dropout1", "dropout2",
                "dropout3"), List.copyOf(new TransformerDecoderLayer(8, 2).namedChildren().keySet()));
        TransformerDecoderLayer noBias = new TransformerDecoderLayer(8, 2, 16, 0.0, RELU, 1e-5, true, false, false, G);
        assertEquals(List.of("self_attn.in_proj_weight", "self_attn.out_proj.weight", "multihead_attn.in_proj_weight",
                "multihead_attn.out_proj.weight", "linear1.weight", "linear2.weight", "norm1.weight", "norm2.weight", "norm3.weight"),
                List.copyOf(noBias.stateDict().keySet()));
        TransformerDecoderLayer d = new TransformerDecoderLayer(8, 2);
        assertEquals(2048, d.dimFeedforward);
        assertEquals(0.1, d.dropout.p);
        assertEquals(1e-5, d.norm3.eps);
        assertTrue(d.batchFirst);
        assertFalse(d.normFirst);
    }

    /** Multi-head attention through the functional, explicit-softmax path (not the module's fused kernel). */
    private static Tensor mha(MultiheadAttention m, Tensor q, Tensor kv, Tensor mask, Tensor kpm, boolean causal) {
        return MultiheadAttention.multiHeadAttentionForward(q, kv, kv, m.numHeads, m.inProjWeight, m.inProjBias, m.outProj.weight,
                m.outProj.bias, kpm, true, mask, true, causal, 0.0, null).output;
    }

    private static Tensor ln(LayerNorm n, Tensor x) { return F.layerNorm(x, new int[] {8}, n.weight, n.bias, 1e-5); }

    private static Tensor ff(TransformerDecoderLayer l, TransformerEncoderLayer.Activation act, Tensor x) {
        Tensor h = F.linear(x, l.linear1.weight, l.linear1.bias);
        h = act == GELU ? h.gelu() : h.relu();
        return F.linear(h, l.linear2.weight, l.linear2.bias);
    }

    @Test
    void postAndPreNormFollowPyTorchsFormulasWithMasks() {
        int b = 2, t = 4, s = 5;
        Tensor tgtMask = Tensor.fromArray(new boolean[] {
            false, true, false, false,
            false, false, false, true,
            false, true, false, false,
            false, false, true, false}, t, t);
        Tensor memMask = Tensor.fromArray(new double[] {
            0, -1.5, 0, 0, 0.5,
            0, 0, Double.NEGATIVE_INFINITY, 0, 0,
            0.3, 0, 0, 0, 0,
            0, 0, 0, -2, 0}, t, s);
        Tensor tgtKpm = Tensor.fromArray(new boolean[] {false, false, false, true, false, false, false, false}, b, t);
        Tensor memKpm = Tensor.fromArray(new boolean[] {false, false, false, false, true, false, true, false, true, true}, b, s);
        for (boolean normFirst : new boolean[] {false, true}) {
            for (TransformerEncoderLayer.Activation act : TransformerEncoderLayer.Activation.values()) {
                for (boolean causal : new boolean[] {false, true}) {
                    TransformerDecoderLayer l = layer(0.1, act, normFirst, true);
                    l.eval();
                    Tensor x = r(b, t, 8), mem = r(b, s, 8);
                    Tensor ref;
                    if (normFirst) {
                        Tensor a = ln(l.norm1, x);
                        Tensor h1 = x.add(mha(l.selfAttn, a, a, tgtMask, tgtKpm, causal));
                        Tensor h2 = h1.add(mha(l.multiheadAttn, ln(l.norm2, h1), mem, memMask, memKpm, causal));
                        ref = h2.add(ff(l, act, ln(l.norm3, h2)));
                    } else {
                        Tensor h1 = ln(l.norm1, x.add(mha(l.selfAttn, x, x, tgtMask, tgtKpm, causal)));
                        Tensor h2 = ln(l.norm2, h1.add(mha(l.multiheadAttn, h1, mem, memMask, memKpm, causal)));
                        ref = ln(l.norm3, h2.add(ff(l, act, h2)));
                    }
                    String what = "normFirst=" + normFirst + " " + act + " causal=" + causal;
                    Tensor y = l.forward(x, mem, tgtMask, memMask, tgtKpm, memKpm, causal, causal);
                    assertFalse(y.hasNaN(), what);
                    assertArrayEquals(ref.contiguous().toDoubleArray(), y.contiguous().toDoubleArray(), 1e-12, what);
                    // without masks
                    Tensor plain;
                    if (normFirst) {
                        Tensor a = ln(l.norm1, x);
                        Tensor h1 = x.add(mha(l.selfAttn, a, a, null, null, false));
                        Tensor h2 = h1.add(mha(l.multiheadAttn, ln(l.norm2, h1), mem, null, null, false));
                        plain = h2.add(ff(l, act, ln(l.norm3, h2)));
                    } else {
                        Tensor h1 = ln(l.norm1, x.add(mha(l.selfAttn, x, x, null, null, false)));
                        Tensor h2 = ln(l.norm2, h1.add(mha(l.multiheadAttn, h1, mem, null, null, false)));
                        plain = ln(l.norm3, h2.add(ff(l, act, h2)));
                    }
                    assertArrayEquals(plain.contiguous().toDoubleArray(), l.forward(x, mem).contiguous().toDoubleArray(), 1e-12, what);
                }
            }
        }
    }

    @Test
    void memoryIsCausalOnlyAffectsTheCrossAttention() {
        TransformerDecoderLayer l = layer(0.0, RELU, false, true);
        Tensor x = r(1, 3, 8), mem = r(1, 3, 8);
        // cross-attention causal flag == an explicit (T, S) causal mask on the memory; self-attention flag == on the target
        Tensor causal = Transformer.generateSquareSubsequentMask(3);
        close(l.forward(x, mem, null, causal, null, null, false, false), l.forward(x, mem, null, null, null, null, false, true), 1e-12);
        close(l.forward(x, mem, causal, null, null, null, false, false), l.forward(x, mem, null, null, null, null, true, false), 1e-12);
        assertFalse(Arrays.equals(l.forward(x, mem).toDoubleArray(), l.forward(x, mem, null, null, null, null, false, true).toDoubleArray()));
    }

    @Test
    void sequenceFirstAndUnbatchedLayoutsMatchBatchFirst() {
        TransformerDecoderLayer bf = layer(0.0, GELU, true, true);
        TransformerDecoderLayer sf = layer(0.0, GELU, true, false);
        sf.loadStateDict(bf.stateDict(), true);
        Tensor x = r(3, 4, 8), mem = r(3, 6, 8);
        Tensor memKpm = Tensor.fromArray(new boolean[] {
            false, false, false, false, false, true,
            false, false, false, false, true, true,
            false, false, false, false, false, false}, 3, 6);
        close(bf.forward(x, mem, null, null, null, memKpm, true, false),
                sf.forward(x.transpose(0, 1), mem.transpose(0, 1), null, null, null, memKpm, true, false).transpose(0, 1), 1e-12);
        close(bf.forward(x, mem).select(0, 2), bf.forward(x.select(0, 2).contiguous(), mem.select(0, 2).contiguous()), 1e-12);
    }

    @Test
    void dropoutOnlyInTraining() {
        TransformerDecoderLayer l = layer(0.25, RELU, false, true);
        Tensor x = r(2, 4, 8), mem = r(2, 3, 8);
        l.eval();
        Tensor e = l.forward(x, mem);
        close(e, l.forward(x, mem), 0);
        l.train();
        Tensor t1 = l.forward(x, mem), t2 = l.forward(x, mem);
        assertFalse(Arrays.equals(e.toDoubleArray(), t1.toDoubleArray()));
        assertFalse(Arrays.equals(t1.toDoubleArray(), t2.toDoubleArray()));
        l.manualSeed(5);
        Tensor s1 = l.forward(x, mem);
        l.manualSeed(5);
        close(s1, l.forward(x, mem), 0);
        TransformerDecoderLayer p0 = layer(0.0, RELU, false, true);
        Tensor tr = p0.forward(x, mem);
        p0.eval();
        close(p0.forward(x, mem), tr, 1e-12);
    }

    @Test
    void gradcheckBothNormOrdersWithMasks() {
        for (boolean normFirst : new boolean[] {false, true}) {
            TransformerDecoderLayer l = new TransformerDecoderLayer(4, 2, 6, 0.0, GELU, 1e-5, true, normFirst, true, G);
            l.to(DType.FLOAT64);
            Tensor tgt = r(2, 3, 4).requiresGrad_(), mem = r(2, 2, 4).requiresGrad_();
            Tensor tgtKpm = Tensor.fromArray(new boolean[] {false, false, true, false, false, false}, 2, 3);
            Tensor memKpm = Tensor.fromArray(new boolean[] {false, true, false, false}, 2, 2);
            Tensor memMask = Tensor.fromArray(new double[] {0, -0.5, 0.25, 0, 0, 1}, 3, 2);
            GradCheck.Result res = GradCheck.check(in -> l.forward(in[0], in[1], null, memMask, tgtKpm, memKpm, true, false), tgt, mem);
            assertTrue(res.ok, "normFirst=" + normFirst + ": " + res);
        }
    }

    @Test
    void copyIsDeepAndKeepsConfigurationAndMode() {
        TransformerDecoderLayer l = layer(0.2, GELU, true, false);
        l.eval();
        TransformerDecoderLayer c = l.copy();
        assertEquals(l.dModel, c.dModel);
        assertEquals(l.activation, c.activation);
        assertEquals(l.normFirst, c.normFirst);
        assertEquals(l.batchFirst, c.batchFirst);
        assertEquals(0.2, c.dropout3.p);
        assertFalse(c.isTraining());
        Map<String, Tensor> a = l.namedParameters(), b = c.namedParameters();
        for (String k : a.keySet()) {
            assertNotSame(a.get(k), b.get(k), k);
            close(a.get(k), b.get(k), 0);
        }
        Tensor x = r(4, 2, 8), mem = r(3, 2, 8);
        close(l.forward(x, mem), c.forward(x, mem), 0);
        try (GradMode.Guard g = GradMode.noGrad()) {
            c.norm3.weight.mul_(2.0);
        }
        assertFalse(Arrays.equals(l.norm3.weight.toDoubleArray(), c.norm3.weight.toDoubleArray()));
    }

    @Test
    void badShapesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TransformerDecoderLayer(10, 4));
        TransformerDecoderLayer l = new TransformerDecoderLayer(8, 2, 16, 0.0, RELU, 1e-5, true, false, true, G);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.randn(2, 3, 8), Tensor.randn(2, 5, 6)));
        assertTrue(e.getMessage().contains("[2, 5, 6]"), e.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> l.forward(Tensor.randn(2, 3, 8), Tensor.randn(2, 5, 8),
                null, Tensor.zeros(3, 4), null, null, false, false));
        assertTrue(m.getMessage().contains("[3, 4]"), m.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> l.forward(Tensor.randn(2, 3, 8)));
    }
}
