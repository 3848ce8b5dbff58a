package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.testing.GoldenCase;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** TransformerEncoder: PyTorch's keys, deep-copied layers, the stack = layers one by one then norm, PyTorch golden values. */
class TransformerEncoderTest {
    private static final Generator G = new Generator(31);
    private static final TransformerEncoderLayer.Activation RELU = TransformerEncoderLayer.Activation.RELU;
    private static final TransformerEncoderLayer.Activation GELU = TransformerEncoderLayer.Activation.GELU;

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64); }

    private static void close(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.contiguous().toDoubleArray(), actual.contiguous().toDoubleArray(), tol);
    }

    private static TransformerEncoderLayer layer(double dropout, boolean normFirst, boolean batchFirst) {
        return new TransformerEncoderLayer(8, 2, 16, dropout, GELU, 1e-5, batchFirst, normFirst, true, new Generator(7));
    }

    /** The entries of {@code state} under {@code prefix}, with the prefix removed. */
    static Map<String, Tensor> sub(Map<String, Tensor> state, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
        }
        return out;
    }

    @Test
    void stateDictKeysAreThoseOfPyTorch() {
        // PyTorch: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, nn.LayerNorm(8)).state_dict().keys()
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (String k : new String[] {"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                    "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
                    "norm2.weight", "norm2.bias"}) {
                expected.add("layers." + i + "." + k);
            }
        }
        expected.add("norm.weight");
        expected.add("norm.bias");
        TransformerEncoder enc = new TransformerEncoder(layer(0.1, false, true), 2, new LayerNorm(8));
        assertEquals(expected, List.copyOf(enc.stateDict().keySet()));
        assertEquals(List.of("layers", "norm"), List.copyOf(enc.namedChildren().keySet()));
        // no final norm: no norm keys and no "norm" child (PyTorch's self.norm = None is not a module)
        TransformerEncoder bare = new TransformerEncoder(layer(0.1, false, true), 2);
        assertEquals(expected.subList(0, 24), List.copyOf(bare.stateDict().keySet()));
        assertEquals(List.of("layers"), List.copyOf(bare.namedChildren().keySet()));
        assertNull(bare.norm);
    }

    @Test
    void layersAreDeepCopiesEqualAtFirstButIndependent() {
        TransformerEncoderLayer template = layer(0.1, true, true);
        template.to(DType.FLOAT64);
        template.eval();
        template.linear2.bias.requiresGrad_(false);
        TransformerEncoder enc = new TransformerEncoder(template, 3, null);
        assertEquals(3, enc.layers.size());
        Map<String, Tensor> t = template.namedParameters();
        for (int i = 0; i < 3; i++) {
            TransformerEncoderLayer li = enc.layer(i);
            assertNotSame(template, li);
            Map<String, Tensor> p = li.namedParameters();
            assertEquals(t.keySet(), p.keySet());
            for (String k : t.keySet()) {
                assertNotSame(t.get(k), p.get(k), k);
                assertEquals(DType.FLOAT64, p.get(k).dtype(), k);
                assertEquals(t.get(k).requiresGrad(), p.get(k).requiresGrad(), k);
                close(t.get(k), p.get(k), 0);
            }
            for (Module m : li.modules()) assertFalse(m.isTraining());
        }
        // the template is not part of the stack
        java.util.Set<Tensor> own = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        own.addAll(enc.parameters());
        assertTrue(t.values().stream().noneMatch(own::contains));
        // changing one layer (or the template) changes no other
        Tensor before1 = enc.layer(1).linear1.weight.clone(), before2 = enc.layer(2).selfAttn.inProjWeight.clone();
        try (GradMode.Guard g = GradMode.noGrad()) {
            enc.layer(0).linear1.weight.add_(1.0);
            enc.layer(0).selfAttn.inProjWeight.mul_(2.0);
            template.linear1.weight.add_(5.0);
            template.selfAttn.inProjWeight.mul_(3.0);
        }
        close(before1, enc.layer(1).linear1.weight, 0);
        close(before2, enc.layer(2).selfAttn.inProjWeight, 0);
        close(before1.add(1.0), enc.layer(0).linear1.weight, 0);
        // gradients reach each layer's own tensors
        enc.train();
        Tensor x = r(2, 4, 8);
        enc.forward(x).sum().backward();
        for (int i = 0; i < 3; i++) assertTrue(enc.layer(i).linear1.weight.grad() != null, "layer " + i);
        assertNull(template.linear1.weight.grad());
    }

    @Test
    void forwardIsTheLayersOneByOneThenTheNorm() {
        for (boolean normFirst : new boolean[] {false, true}) {
            TransformerEncoderLayer template = layer(0.1, normFirst, true);
            LayerNorm norm = new LayerNorm(8);
            TransformerEncoder enc = new TransformerEncoder(template, 3, norm);
            enc.to(DType.FLOAT64);
            // make the layers differ (as training would), so that their order matters
            try (GradMode.Guard g = GradMode.noGrad()) {
                for (int i = 0; i < 3; i++) for (Tensor p : enc.layer(i).parameters()) p.add_(Tensor.randn(G, p.shape()).to(DType.FLOAT64).mul(0.1));
                norm.weight.add_(r(8).mul(0.1));
                norm.bias.add_(r(8).mul(0.1));
            }
            enc.eval();
            // reference: independently built layers loaded from the stack's state dict under PyTorch's key prefixes
            Map<String, Tensor> sd = enc.stateDict();
            List<TransformerEncoderLayer> ref = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                TransformerEncoderLayer l = layer(0.0, normFirst, true);
                l.to(DType.FLOAT64);
                l.loadStateDict(sub(sd, "layers." + i + "."), true);
                l.eval();
                ref.add(l);
            }
            LayerNorm refNorm = new LayerNorm(8);
            refNorm.to(DType.FLOAT64);
            refNorm.loadStateDict(sub(sd, "norm."), true);

            Tensor x = r(2, 5, 8);
            Tensor mask = Tensor.fromArray(new boolean[] {
                false, true, false, false, false,
                false, false, true, false, false,
                false, false, false, false, true,
                false, true, false, false, false,
                false, false, false, true, false}, 5, 5);
            Tensor kpm = Tensor.fromArray(new boolean[] {false, false, false, false, true, false, false, false, true, true}, 2, 5);
            for (boolean causal : new boolean[] {false, true}) {
                Tensor h = x;
                for (TransformerEncoderLayer l : ref) h = l.forward(h, mask, kpm, causal);
                close(refNorm.forward(h), enc.forward(x, mask, kpm, causal), 1e-12);
            }
            Tensor h = x;
            for (TransformerEncoderLayer l : ref) h = l.forward(h);
            close(refNorm.forward(h), enc.forward(x), 1e-12);
        }
    }

    @Test
    void sequenceFirstAndUnbatchedLayoutsMatchBatchFirst() {
        TransformerEncoder bf = new TransformerEncoder(layer(0.0, false, true), 2, new LayerNorm(8));
        TransformerEncoder sf = new TransformerEncoder(layer(0.0, false, false), 2, new LayerNorm(8));
        bf.to(DType.FLOAT64);
        sf.to(DType.FLOAT64);
        sf.loadStateDict(bf.stateDict(), true);
        Tensor x = r(3, 4, 8);
        Tensor kpm = Tensor.fromArray(new boolean[] {false, false, false, true, false, false, false, false, false, false, true, true}, 3, 4);
        close(bf.forward(x, null, kpm, true), sf.forward(x.transpose(0, 1), null, kpm, true).transpose(0, 1), 1e-12);
        close(bf.forward(x).select(0, 1), bf.forward(x.select(0, 1).contiguous()), 1e-12);
    }

    @Test
    void dropoutOnlyInTrainingAndReplayableBySeed() {
        TransformerEncoder enc = new TransformerEncoder(layer(0.3, false, true), 2, new LayerNorm(8));
        enc.to(DType.FLOAT64);
        Tensor x = r(2, 5, 8);
        enc.eval();
        Tensor e1 = enc.forward(x), e2 = enc.forward(x);
        close(e1, e2, 0);
        enc.train();
        enc.manualSeed(11);
        Tensor t1 = enc.forward(x);
        Tensor t2 = enc.forward(x);
        assertFalse(Arrays.equals(e1.toDoubleArray(), t1.toDoubleArray()));
        assertFalse(Arrays.equals(t1.toDoubleArray(), t2.toDoubleArray()));
        enc.manualSeed(11);
        close(t1, enc.forward(x), 0);
        // p = 0: training equals evaluation
        TransformerEncoder noDrop = new TransformerEncoder(layer(0.0, false, true), 2, null);
        noDrop.to(DType.FLOAT64);
        Tensor tr = noDrop.forward(x);
        noDrop.eval();
        close(noDrop.forward(x), tr, 1e-12);
    }

    @Test
    void badArgumentsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TransformerEncoder(layer(0.1, false, true), 0));
        assertTrue(e.getMessage().contains("num_layers"), e.getMessage());
        assertThrows(NullPointerException.class, () -> new TransformerEncoder(null, 2));
        TransformerEncoder enc = new TransformerEncoder(layer(0.1, false, true), 1);
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> enc.forward(Tensor.randn(2, 5, 8), null, Tensor.zeros(DType.BOOL, 2, 4), false));
        assertTrue(m.getMessage().contains("[2, 4]"), m.getMessage());
    }

    @Test
    void gradcheckWithMasks() {
        TransformerEncoder enc = new TransformerEncoder(new TransformerEncoderLayer(4, 2, 6, 0.0, RELU, 1e-5, true, false, true, G), 2,
                new LayerNorm(4));
        enc.to(DType.FLOAT64);
        Tensor x = r(2, 3, 4).requiresGrad_();
        Tensor kpm = Tensor.fromArray(new boolean[] {false, false, true, false, false, false}, 2, 3);
        Tensor mask = Tensor.fromArray(new double[] {0, Double.NEGATIVE_INFINITY, -0.5, 0, 0, Double.NEGATIVE_INFINITY, 0.25, 0, 0}, 3, 3);
        GradCheck.Result res = GradCheck.check(t -> enc.forward(t[0], mask, kpm, false), x);
        assertTrue(res.ok, res.toString());
    }

    /**
     * The fixture's {@code gpt_block} (PyTorch, float64) is a pre-norm, exact-GELU, causal encoder layer without dropout:
     * a one-layer TransformerEncoder loaded with its weights under PyTorch's names must give its output and gradients.
     */
    @Test
    void oneLayerPreNormStackMatchesPyTorchGoldenBlock() throws Exception {
        JsonNode c = null;
        try (InputStream in = TransformerEncoderTest.class.getResourceAsStream("/golden/attention.json")) {
            for (JsonNode n : new ObjectMapper().readTree(in).path("cases")) if ("gpt_block_gelu_none".equals(n.path("name").asText())) c = n;
        }
        assertTrue(c != null, "gpt_block_gelu_none not in attention.json");
        Map<String, String> names = new LinkedHashMap<>();
        names.put("ln1_weight", "norm1.weight");
        names.put("ln1_bias", "norm1.bias");
        names.put("attn_in_proj_weight", "self_attn.in_proj_weight");
        names.put("attn_in_proj_bias", "self_attn.in_proj_bias");
        names.put("attn_out_proj_weight", "self_attn.out_proj.weight");
        names.put("attn_out_proj_bias", "self_attn.out_proj.bias");
        names.put("ln2_weight", "norm2.weight");
        names.put("ln2_bias", "norm2.bias");
        names.put("mlp_fc1_weight", "linear1.weight");
        names.put("mlp_fc1_bias", "linear1.bias");
        names.put("mlp_fc2_weight", "linear2.weight");
        names.put("mlp_fc2_bias", "linear2.bias");
        JsonNode in = c.path("inputs");
        int d = in.path("x").path("shape").get(2).asInt(), ff = in.path("mlp_fc1_weight").path("shape").get(0).asInt();
        TransformerEncoder enc = new TransformerEncoder(new TransformerEncoderLayer(d, c.path("args").path("n_heads").asInt(), ff, 0.0, GELU,
                c.path("args").path("eps").asDouble(), true, true, true, G), 1, null);
        enc.to(DType.FLOAT64);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : names.entrySet()) sd.put("layers.0." + e.getValue(), GoldenCase.toTensor(in.path(e.getKey()), DType.FLOAT64));
        enc.loadStateDict(sd, true);
        Tensor x = GoldenCase.toTensor(in.path("x"), DType.FLOAT64).requiresGrad_();
        Tensor y = enc.forward(x, null, null, true);
        goldenClose(GoldenCase.toTensor(c.path("output"), DType.FLOAT64), y, "output");
        y.backward(GoldenCase.toTensor(c.path("upstream_grad"), DType.FLOAT64));
        goldenClose(GoldenCase.toTensor(c.path("grads").path("x"), DType.FLOAT64), x.grad(), "grad x");
        Map<String, Tensor> params = enc.namedParameters();
        for (Map.Entry<String, String> e : names.entrySet()) {
            goldenClose(GoldenCase.toTensor(c.path("grads").path(e.getKey()), DType.FLOAT64), params.get("layers.0." + e.getValue()).grad(),
                    "grad " + e.getKey());
        }
    }

    /** The fixture README's metric {@code |a - e| <= rtol (|e| + max|e|)}, at a float64 tolerance. */
    private static void goldenClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double[] e = expected.contiguous().toDoubleArray(), a = actual.contiguous().toDoubleArray();
        double max = 0;
        for (double v : e) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < e.length; i++) {
            assertTrue(Math.abs(a[i] - e[i]) <= 1e-9 * (Math.abs(e[i]) + max), what + "[" + i + "]: expected " + e[i] + ", got " + a[i]);
        }
    }
}
