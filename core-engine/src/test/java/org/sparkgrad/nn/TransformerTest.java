package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** Transformer: PyTorch's keys and initialisation, encoder-then-decoder, causality, shape errors, masks, gradients. */
class TransformerTest {
    private static final Generator G = new Generator(43);
    private static final TransformerEncoderLayer.Activation RELU = TransformerEncoderLayer.Activation.RELU;
    private static final TransformerEncoderLayer.Activation GELU = TransformerEncoderLayer.Activation.GELU;

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64); }

    private static void close(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.contiguous().toDoubleArray(), actual.contiguous().toDoubleArray(), tol);
    }

    private static Transformer small(double dropout, boolean normFirst, boolean batchFirst, long seed) {
        Transformer t = new Transformer(8, 2, 2, 2, 16, dropout, GELU, 1e-5, batchFirst, normFirst, true, new Generator(seed));
        t.to(DType.FLOAT64);
        return t;
    }

    @Test
    void stateDictKeysAreThoseOfPyTorch() {
        // PyTorch: nn.Transformer(8, 2, 1, 1, 16).state_dict().keys()
        List<String> expected = new ArrayList<>();
        for (String k : new String[] {"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}) {
            expected.add("encoder.layers.0." + k);
        }
        expected.addAll(List.of("encoder.norm.weight", "encoder.norm.bias"));
        for (String k : new String[] {"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias", "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias",
                "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
                "norm3.weight", "norm3.bias"}) {
            expected.add("decoder.layers.0." + k);
        }
        expected.addAll(List.of("decoder.norm.weight", "decoder.norm.bias"));
        Transformer t = new Transformer(8, 2, 1, 1, 16, 0.1, RELU, 1e-5, true, false, true, G);
        assertEquals(expected, List.copyOf(t.stateDict().keySet()));
        assertEquals(List.of("encoder", "decoder"), List.copyOf(t.namedChildren().keySet()));
        // bias = false: no biases anywhere, the final norms included
        Transformer nb = new Transformer(8, 2, 1, 1, 16, 0.1, RELU, 1e-5, true, false, false, G);
        assertTrue(nb.stateDict().keySet().stream().noneMatch(k -> k.endsWith("bias")), nb.stateDict().keySet().toString());
        assertEquals(expected.stream().filter(k -> !k.endsWith("bias")).toList(), List.copyOf(nb.stateDict().keySet()));
    }

    @Test
    void defaultsAreThoseOfPyTorch() {
        // sum(p.numel() for p in nn.Transformer().parameters()) == 44140544
        Transformer t = new Transformer();
        assertEquals(44_140_544L, t.numParameters());
        assertEquals(512, t.dModel);
        assertEquals(8, t.nhead);
        assertTrue(t.batchFirst);
        assertEquals(6, t.encoder.numLayers);
        assertEquals(6, t.decoder.numLayers);
        TransformerDecoderLayer l = t.decoder.layer(5);
        assertEquals(2048, l.dimFeedforward);
        assertEquals(0.1, l.dropout.p);
        assertEquals(RELU, l.activation);
        assertFalse(l.normFirst);
        assertEquals(1e-5, t.encoder.norm.eps);
    }

    @Test
    void everyMatrixIsRedrawnXavierUniformAsPyTorchsResetParameters() {
        Transformer t = new Transformer(8, 2, 2, 2, 16, 0.1, RELU, 1e-5, true, false, true, new Generator(5));
        // reference: the same construction from the same generator, then xavier_uniform_ on every >1-D parameter in order
        Generator g = new Generator(5);
        TransformerEncoder enc = new TransformerEncoder(new TransformerEncoderLayer(8, 2, 16, 0.1, RELU, 1e-5, true, false, true, g), 2,
                new LayerNorm(new int[] {8}, 1e-5, true, true));
        TransformerDecoder dec = new TransformerDecoder(new TransformerDecoderLayer(8, 2, 16, 0.1, RELU, 1e-5, true, false, true, g), 2,
                new LayerNorm(new int[] {8}, 1e-5, true, true));
        for (Module m : new Module[] {enc, dec}) for (Tensor p : m.parameters()) if (p.dim() > 1) Init.xavierUniform_(p, 1.0, g);
        Map<String, Tensor> sd = t.stateDict();
        for (Map.Entry<String, Tensor> e : enc.stateDict().entrySet()) close(e.getValue(), sd.get("encoder." + e.getKey()), 0);
        for (Map.Entry<String, Tensor> e : dec.stateDict().entrySet()) close(e.getValue(), sd.get("decoder." + e.getKey()), 0);
        // within the Xavier bound, different per layer; 1-D parameters stay as cloned (equal in every layer)
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            Tensor p = e.getValue();
            if (p.dim() < 2) continue;
            double bound = Math.sqrt(6.0 / (p.size(0) + p.size(1)));
            for (double v : p.toDoubleArray()) assertTrue(Math.abs(v) <= bound, e.getKey());
        }
        assertFalse(Arrays.equals(sd.get("encoder.layers.0.linear1.weight").toDoubleArray(), sd.get("encoder.layers.1.linear1.weight").toDoubleArray()));
        assertFalse(Arrays.equals(sd.get("decoder.layers.0.multihead_attn.in_proj_weight").toDoubleArray(),
                sd.get("decoder.layers.1.multihead_attn.in_proj_weight").toDoubleArray()));
        close(sd.get("encoder.layers.0.linear1.bias"), sd.get("encoder.layers.1.linear1.bias"), 0);
        close(sd.get("decoder.layers.0.linear2.bias"), sd.get("decoder.layers.1.linear2.bias"), 0);
    }

    @Test
    void forwardIsTheDecoderOverTheEncodedSource() {
        for (boolean normFirst : new boolean[] {false, true}) {
            Transformer t = small(0.1, normFirst, true, 3);
            t.eval();
            Tensor src = r(2, 6, 8), tgt = r(2, 4, 8);
            Tensor srcKpm = Tensor.fromArray(new boolean[] {false, false, false, false, false, true, false, false, false, false, true, true}, 2, 6);
            Tensor tgtMask = Transformer.generateSquareSubsequentMask(4);
            Tensor memMask = Tensor.fromArray(new boolean[] {
                false, false, true, false, false, false,
                false, false, false, false, false, false,
                false, true, false, false, false, false,
                false, false, false, false, true, false}, 4, 6);
            Tensor tgtKpm = Tensor.fromArray(new boolean[] {false, false, false, true, false, false, false, false}, 2, 4);
            Tensor memory = t.encoder.forward(src, null, srcKpm, false);
            Tensor ref = t.decoder.forward(tgt, memory, tgtMask, memMask, tgtKpm, srcKpm, false, false);
            Tensor y = t.forward(src, tgt, null, tgtMask, memMask, srcKpm, tgtKpm, srcKpm, false, false, false);
            assertFalse(y.hasNaN());
            close(ref, y, 1e-12);
            close(t.decoder.forward(tgt, t.encoder.forward(src)), t.forward(src, tgt), 1e-12);
            // the causal flags equal the explicit masks
            close(t.forward(src, tgt, Transformer.generateSquareSubsequentMask(6), tgtMask, null, null, null, null, false, false, false),
                    t.forward(src, tgt, null, null, null, null, null, null, true, true, false), 1e-12);
        }
    }

    @Test
    void withACausalTargetMaskPositionTDoesNotDependOnLaterTargets() {
        int tl = 5;
        for (boolean normFirst : new boolean[] {false, true}) {
            Transformer t = small(0.1, normFirst, true, 4);
            t.eval();
            Tensor src = r(2, 6, 8), tgt = r(2, tl, 8);
            Tensor mask = Transformer.generateSquareSubsequentMask(tl);
            for (boolean useFlag : new boolean[] {false, true}) {
                Tensor y = useFlag ? t.forward(src, tgt, null, null, null, null, null, null, false, true, false)
                        : t.forward(src, tgt, null, mask, null, null, null, null, false, false, false);
                for (int p = 0; p < tl - 1; p++) {
                    // change every target position after p
                    Tensor changed = Tensor.cat(1, tgt.narrow(1, 0, p + 1), r(2, tl - p - 1, 8));
                    Tensor y2 = useFlag ? t.forward(src, changed, null, null, null, null, null, null, false, true, false)
                            : t.forward(src, changed, null, mask, null, null, null, null, false, false, false);
                    close(y.narrow(1, 0, p + 1), y2.narrow(1, 0, p + 1), 1e-12);
                    assertFalse(Arrays.equals(y.narrow(1, p + 1, tl - p - 1).contiguous().toDoubleArray(),
                            y2.narrow(1, p + 1, tl - p - 1).contiguous().toDoubleArray()), "later positions see the change");
                }
            }
            // without the mask, the first position does depend on later targets
            Tensor y = t.forward(src, tgt);
            Tensor y2 = t.forward(src, Tensor.cat(1, tgt.narrow(1, 0, 1), r(2, tl - 1, 8)));
            assertFalse(Arrays.equals(y.narrow(1, 0, 1).contiguous().toDoubleArray(), y2.narrow(1, 0, 1).contiguous().toDoubleArray()));
        }
    }

    @Test
    void squareSubsequentMaskIsPyTorchs() {
        Tensor m = Transformer.generateSquareSubsequentMask(4);
        double inf = Double.NEGATIVE_INFINITY;
        assertEquals(DType.FLOAT32, m.dtype());
        assertArrayEquals(new int[] {4, 4}, m.shape());
        assertArrayEquals(new double[] {0, inf, inf, inf, 0, 0, inf, inf, 0, 0, 0, inf, 0, 0, 0, 0}, m.toDoubleArray(), 0);
        assertArrayEquals(new double[] {0}, Transformer.generateSquareSubsequentMask(1).toDoubleArray(), 0);
        assertArrayEquals(new int[] {0, 0}, Transformer.generateSquareSubsequentMask(0).shape());
        assertEquals(DType.FLOAT64, Transformer.generateSquareSubsequentMask(3, DType.FLOAT64, Device.CPU).dtype());
        assertThrows(IllegalArgumentException.class, () -> Transformer.generateSquareSubsequentMask(-1));
        assertThrows(IllegalArgumentException.class, () -> Transformer.generateSquareSubsequentMask(2, DType.BOOL, Device.CPU));
    }

    @Test
    void batchAndFeatureMismatchesAreRejectedNamingBothShapes() {
        Transformer bf = new Transformer(8, 2, 1, 1, 16, 0.0, RELU, 1e-5, true, false, true, G);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bf.forward(Tensor.randn(2, 5, 8), Tensor.randn(3, 4, 8)));
        assertTrue(e.getMessage().contains("the batch number of src and tgt must be equal"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 5, 8]") && e.getMessage().contains("[3, 4, 8]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bf.forward(Tensor.randn(2, 5, 8), Tensor.randn(2, 4, 6)));
        assertTrue(e.getMessage().contains("the feature number of src and tgt must be equal to d_model"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 5, 8]") && e.getMessage().contains("[2, 4, 6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bf.forward(Tensor.randn(2, 5, 6), Tensor.randn(2, 4, 8)));
        assertTrue(e.getMessage().contains("the feature number"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bf.forward(Tensor.randn(5, 6), Tensor.randn(4, 6)));
        assertTrue(e.getMessage().contains("the feature number") && e.getMessage().contains("[5, 6]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> bf.forward(Tensor.randn(2, 5, 8), Tensor.randn(4, 8)));
        assertTrue(e.getMessage().contains("[2, 5, 8]") && e.getMessage().contains("[4, 8]"), e.getMessage());
        // sequence first: the batch is dim 1, so (5, 2, 8) and (4, 2, 8) agree while (5, 2, 8) and (2, 4, 8) do not
        Transformer sf = new Transformer(8, 2, 1, 1, 16, 0.0, RELU, 1e-5, false, false, true, G);
        assertArrayEquals(new int[] {4, 2, 8}, sf.forward(Tensor.randn(5, 2, 8), Tensor.randn(4, 2, 8)).shape());
        e = assertThrows(IllegalArgumentException.class, () -> sf.forward(Tensor.randn(5, 2, 8), Tensor.randn(2, 4, 8)));
        assertTrue(e.getMessage().contains("the batch number"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Transformer(10, 4, 1, 1, 16, 0.0, RELU, 1e-5, true, false, true, G));
        assertThrows(IllegalArgumentException.class, () -> new Transformer(8, 2, 0, 1, 16, 0.0, RELU, 1e-5, true, false, true, G));
    }

    @Test
    void sequenceFirstAndUnbatchedLayoutsMatchBatchFirst() {
        Transformer bf = small(0.0, false, true, 6);
        Transformer sf = small(0.0, false, false, 7);
        sf.loadStateDict(bf.stateDict(), true);
        Tensor src = r(3, 6, 8), tgt = r(3, 4, 8);
        Tensor srcKpm = Tensor.fromArray(new boolean[] {
            false, false, false, false, false, true,
            false, false, false, false, false, false,
            false, false, false, true, true, true}, 3, 6);
        close(bf.forward(src, tgt, null, null, null, srcKpm, null, srcKpm, false, true, false),
                sf.forward(src.transpose(0, 1), tgt.transpose(0, 1), null, null, null, srcKpm, null, srcKpm, false, true, false).transpose(0, 1),
                1e-12);
        close(bf.forward(src, tgt).select(0, 1), bf.forward(src.select(0, 1).contiguous(), tgt.select(0, 1).contiguous()), 1e-12);
    }

    @Test
    void dropoutOnlyInTraining() {
        Transformer t = small(0.3, false, true, 8);
        Tensor src = r(2, 5, 8), tgt = r(2, 3, 8);
        t.eval();
        Tensor e = t.forward(src, tgt);
        close(e, t.forward(src, tgt), 0);
        t.train();
        Tensor a = t.forward(src, tgt);
        assertFalse(Arrays.equals(e.toDoubleArray(), a.toDoubleArray()));
        assertFalse(Arrays.equals(a.toDoubleArray(), t.forward(src, tgt).toDoubleArray()));
        Transformer p0 = small(0.0, false, true, 8);
        Tensor tr = p0.forward(src, tgt);
        p0.eval();
        close(p0.forward(src, tgt), tr, 1e-12);
    }

    @Test
    void gradcheckTinyTransformer() {
        Transformer t = new Transformer(4, 2, 1, 1, 4, 0.0, GELU, 1e-5, true, true, true, G);
        t.to(DType.FLOAT64);
        Tensor src = r(1, 3, 4).requiresGrad_(), tgt = r(1, 2, 4).requiresGrad_();
        Tensor srcKpm = Tensor.fromArray(new boolean[] {false, false, true}, 1, 3);
        GradCheck.Result res = GradCheck.check(in -> t.forward(in[0], in[1], null, null, null, srcKpm, null, srcKpm, false, true, false), src, tgt);
        assertTrue(res.ok, res.toString());
    }
}
