package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** TransformerDecoder: PyTorch's keys, deep-copied layers, the stack = layers one by one (same memory) then norm. */
class TransformerDecoderTest {
    private static final Generator G = new Generator(41);
    private static final TransformerEncoderLayer.Activation RELU = TransformerEncoderLayer.Activation.RELU;

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64); }

    private static void close(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.contiguous().toDoubleArray(), actual.contiguous().toDoubleArray(), tol);
    }

    private static TransformerDecoderLayer layer(double dropout, boolean normFirst) {
        return new TransformerDecoderLayer(8, 2, 16, dropout, RELU, 1e-5, true, normFirst, true, new Generator(9));
    }

    @Test
    void stateDictKeysAreThoseOfPyTorch() {
        // PyTorch: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2, nn.LayerNorm(8)).state_dict().keys()
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (String k : new String[] {"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                    "self_attn.out_proj.bias", "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias", "multihead_attn.out_proj.weight",
                    "multihead_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight",
                    "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias"}) {
                expected.add("layers." + i + "." + k);
            }
        }
        expected.add("norm.weight");
        expected.add("norm.bias");
        assertEquals(expected, List.copyOf(new TransformerDecoder(layer(0.1, false), 2, new LayerNorm(8)).stateDict().keySet()));
        TransformerDecoder bare = new TransformerDecoder(layer(0.1, false), 2);
        assertEquals(expected.subList(0, 36), List.copyOf(bare.stateDict().keySet()));
        assertNull(bare.norm);
    }

    @Test
    void layersAreDeepCopiesEqualAtFirstButIndependent() {
        TransformerDecoderLayer template = layer(0.1, false);
        TransformerDecoder dec = new TransformerDecoder(template, 3, null);
        Map<String, Tensor> t = template.namedParameters();
        for (int i = 0; i < 3; i++) {
            Map<String, Tensor> p = dec.layer(i).namedParameters();
            assertEquals(t.keySet(), p.keySet());
            for (String k : t.keySet()) {
                assertNotSame(t.get(k), p.get(k), k);
                close(t.get(k), p.get(k), 0);
            }
        }
        Tensor before = dec.layer(2).multiheadAttn.inProjWeight.clone();
        try (GradMode.Guard g = GradMode.noGrad()) {
            dec.layer(1).multiheadAttn.inProjWeight.add_(1.0);
            template.multiheadAttn.inProjWeight.add_(1.0);
        }
        close(before, dec.layer(2).multiheadAttn.inProjWeight, 0);
        close(before, dec.layer(0).multiheadAttn.inProjWeight, 0);
        close(before.add(1.0), dec.layer(1).multiheadAttn.inProjWeight, 0);
    }

    @Test
    void forwardIsTheLayersOneByOneThenTheNorm() {
        for (boolean normFirst : new boolean[] {false, true}) {
            LayerNorm norm = new LayerNorm(8);
            TransformerDecoder dec = new TransformerDecoder(layer(0.1, normFirst), 3, norm);
            dec.to(DType.FLOAT64);
            try (GradMode.Guard g = GradMode.noGrad()) {
                for (Tensor p : dec.parameters()) p.add_(Tensor.randn(G, p.shape()).to(DType.FLOAT64).mul(0.1));
            }
            dec.eval();
            Map<String, Tensor> sd = dec.stateDict();
            List<TransformerDecoderLayer> ref = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                TransformerDecoderLayer l = layer(0.0, normFirst);
                l.to(DType.FLOAT64);
                l.loadStateDict(TransformerEncoderTest.sub(sd, "layers." + i + "."), true);
                ref.add(l);
            }
            LayerNorm refNorm = new LayerNorm(8);
            refNorm.to(DType.FLOAT64);
            refNorm.loadStateDict(TransformerEncoderTest.sub(sd, "norm."), true);
            Tensor tgt = r(2, 4, 8), mem = r(2, 6, 8);
            Tensor tgtMask = Transformer.generateSquareSubsequentMask(4, DType.FLOAT64, org.sparkgrad.tensor.Device.CPU);
            Tensor memKpm = Tensor.fromArray(new boolean[] {false, false, false, false, true, true, false, false, false, false, false, true}, 2, 6);
            Tensor memMask = Tensor.fromArray(new boolean[] {
                false, true, false, false, false, false,
                false, false, false, true, false, false,
                false, false, false, false, false, false,
                true, false, false, false, false, false}, 4, 6);
            Tensor h = tgt;
            for (TransformerDecoderLayer l : ref) h = l.forward(h, mem, tgtMask, memMask, null, memKpm, false, false);
            close(refNorm.forward(h), dec.forward(tgt, mem, tgtMask, memMask, null, memKpm, false, false), 1e-12);
            h = tgt;
            for (TransformerDecoderLayer l : ref) h = l.forward(h, mem);
            close(refNorm.forward(h), dec.forward(tgt, mem), 1e-12);
        }
    }

    @Test
    void gradcheckTwoLayersWithNorm() {
        TransformerDecoder dec = new TransformerDecoder(new TransformerDecoderLayer(4, 2, 6, 0.0, RELU, 1e-5, true, true, true, G), 2,
                new LayerNorm(4));
        dec.to(DType.FLOAT64);
        Tensor tgt = r(1, 3, 4).requiresGrad_(), mem = r(1, 2, 4).requiresGrad_();
        GradCheck.Result res = GradCheck.check(in -> dec.forward(in[0], in[1], null, null, null, null, true, false), tgt, mem);
        assertTrue(res.ok, res.toString());
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new TransformerDecoder(layer(0.1, false), 0));
        assertThrows(IllegalArgumentException.class, () -> new TransformerDecoder(layer(0.1, false), -1, new LayerNorm(8)));
        assertThrows(NullPointerException.class, () -> new TransformerDecoder(null, 1));
    }
}
