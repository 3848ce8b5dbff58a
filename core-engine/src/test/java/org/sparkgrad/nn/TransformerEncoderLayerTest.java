package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** TransformerEncoderLayer: PyTorch's names, pre/post-norm formulas, layouts, gradients. */
class TransformerEncoderLayerTest {
    private static final Generator G = new Generator(23);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64); }

    private static void close(Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.contiguous().toDoubleArray(), actual.contiguous().toDoubleArray(), tol);
    }

    @Test
    void stateDictKeysAndChildrenAreThoseOfPyTorch() {
        assertEquals(List.of("self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
                "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"),
                List.copyOf(new TransformerEncoderLayer(8, 2).stateDict().keySet()));
        assertEquals(List.of("self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"),
                List.copyOf(new TransformerEncoderLayer(8, 2).namedChildren().keySet()));
        TransformerEncoderLayer noBias = new TransformerEncoderLayer(8, 2, 16, 0.0, TransformerEncoderLayer.Activation.RELU, 1e-5, true,
                false, false, G);
        assertEquals(List.of("self_attn.in_proj_weight", "self_attn.out_proj.weight", "linear1.weight", "linear2.weight", "norm1.weight",
                "norm2.weight"), List.copyOf(noBias.stateDict().keySet()));
    }

    @Test
    void sequenceFirstLayoutMatchesBatchFirst() {
        TransformerEncoderLayer bf = new TransformerEncoderLayer(8, 2, 16, 0.0, TransformerEncoderLayer.Activation.GELU, 1e-5, true, true, true, G);
        TransformerEncoderLayer sf = new TransformerEncoderLayer(8, 2, 16, 0.0, TransformerEncoderLayer.Activation.GELU, 1e-5, false, true, true, G);
        bf.to(DType.FLOAT64);
        sf.to(DType.FLOAT64);
        sf.loadStateDict(bf.stateDict(), true);
        Tensor x = r(3, 5, 8);
        close(bf.forward(x), sf.forward(x.transpose(0, 1)).transpose(0, 1), 1e-12);
    }

    @Test
    void badSizesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TransformerEncoderLayer(10, 4));
        assertTrue(e.getMessage().contains("divisible"), e.getMessage());
    }

    @Test
    void postAndPreNormFollowPyTorchsFormulas() {
        for (boolean normFirst : new boolean[] {false, true}) {
            for (TransformerEncoderLayer.Activation act : TransformerEncoderLayer.Activation.values()) {
                TransformerEncoderLayer layer = new TransformerEncoderLayer(8, 2, 16, 0.1, act, 1e-5, true, normFirst, true, new Generator(4));
                layer.to(DType.FLOAT64);
                layer.eval();
                Tensor x = r(2, 5, 8);
                java.util.function.UnaryOperator<Tensor> ff = t -> {
                    Tensor hh = layer.linear1.forward(t);
                    return layer.linear2.forward(act == TransformerEncoderLayer.Activation.GELU ? hh.gelu() : hh.relu());
                };
                Tensor ref;
                if (normFirst) {
                    Tensor h1 = x.add(layer.selfAttn.forward(layer.norm1.forward(x)));
                    ref = h1.add(ff.apply(layer.norm2.forward(h1)));
                } else {
                    Tensor h1 = layer.norm1.forward(x.add(layer.selfAttn.forward(x)));
                    ref = layer.norm2.forward(h1.add(ff.apply(h1)));
                }
                close(ref, layer.forward(x), 1e-12);
                // dropout makes training mode stochastic
                layer.train();
                assertTrue(!java.util.Arrays.equals(ref.toDoubleArray(), layer.forward(x).toDoubleArray()));
            }
        }
    }

    @Test
    void gradcheckWithMasks() {
        TransformerEncoderLayer layer = new TransformerEncoderLayer(4, 2, 6, 0.0, TransformerEncoderLayer.Activation.GELU, 1e-5, true, true, true, G);
        layer.to(DType.FLOAT64);
        Tensor x = r(2, 3, 4).requiresGrad_();
        Tensor kpm = Tensor.fromArray(new boolean[] {false, false, true, false, false, false}, 2, 3);
        GradCheck.Result res = GradCheck.check(t -> layer.forward(t[0], null, kpm, true), x);
        assertTrue(res.ok, res.toString());
    }

}
