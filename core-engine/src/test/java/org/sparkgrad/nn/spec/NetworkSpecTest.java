package org.sparkgrad.nn.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.nn.Module;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

class NetworkSpecTest {
    private static int[] out(String spec, int... inShape) {
        Module m = NetworkSpec.parse(spec).build(1);
        m.eval();
        try (GradMode.Guard g = GradMode.noGrad()) {
            return m.forward(Tensor.randn(new Generator(2), inShape)).shape();
        }
    }

    @Test
    void buildsEveryLayerFamilyFromJson() {
        assertArrayEquals(new int[] {4, 10}, out("[{\"type\":\"Conv2d\",\"in_channels\":1,\"out_channels\":6,\"kernel_size\":5,\"padding\":2},"
                + "{\"type\":\"BatchNorm2d\",\"num_features\":6},{\"type\":\"ReLU\"},{\"type\":\"MaxPool2d\",\"kernel_size\":2},"
                + "{\"type\":\"Flatten\"},{\"type\":\"Linear\",\"in_features\":1176,\"out_features\":10}]", 4, 1, 28, 28));
        assertArrayEquals(new int[] {2, 4, 3, 8, 8, 8}, out("[{\"type\":\"Conv4d\",\"in_channels\":1,\"out_channels\":4,"
                + "\"kernel_size\":3,\"padding\":1},{\"type\":\"GroupNorm\",\"num_groups\":2,\"num_channels\":4},{\"type\":\"GELU\"}]",
                2, 1, 3, 8, 8, 8));
        assertArrayEquals(new int[] {2, 5, 16}, out("[{\"type\":\"LayerNorm\",\"normalized_shape\":[16]},"
                + "{\"type\":\"TransformerEncoderLayer\",\"d_model\":16,\"nhead\":4,\"dim_feedforward\":32,\"dropout\":0.0},"
                + "{\"type\":\"RMSNorm\",\"normalized_shape\":16}]", 2, 5, 16));
        assertArrayEquals(new int[] {2, 3, 8, 8}, out("[{\"type\":\"InstanceNorm2d\",\"num_features\":3,\"affine\":true},"
                + "{\"type\":\"PReLU\",\"num_parameters\":3},{\"type\":\"SELU\"},{\"type\":\"CELU\",\"alpha\":0.5},"
                + "{\"type\":\"Hardswish\"},{\"type\":\"Hardsigmoid\"},{\"type\":\"Softsign\"},{\"type\":\"Tanhshrink\"},"
                + "{\"type\":\"Softshrink\"},{\"type\":\"Hardshrink\",\"lambd\":0.1},{\"type\":\"Threshold\",\"threshold\":0.1,"
                + "\"value\":-1},{\"type\":\"Upsample\",\"scale_factor\":2,\"mode\":\"bilinear\",\"align_corners\":false}]", 2, 3, 4, 4));
        assertArrayEquals(new int[] {2, 3, 2}, out("[{\"type\":\"GLU\"},{\"type\":\"InstanceNorm1d\",\"num_features\":3}]", 2, 3, 4));
        assertArrayEquals(new int[] {1, 2, 3, 6, 6}, out("{\"type\":\"Upsample\",\"size\":[3,6,6],\"mode\":\"trilinear\"}", 1, 2, 2, 3, 3));
        // the deprecated PyTorch 2-D upsampling modules build from their class names too
        assertArrayEquals(new int[] {2, 3, 8, 12}, out("[{\"type\":\"UpsamplingNearest2d\",\"scale_factor\":2},"
                + "{\"type\":\"UpsamplingBilinear2d\",\"size\":[8,12]}]", 2, 3, 4, 5));
        assertArrayEquals(new int[] {1, 1, 6, 7}, out("{\"type\":\"UpsamplingBilinear2d\",\"scale_factor\":[1.5,1.5]}", 1, 1, 4, 5));
        IllegalArgumentException noValue = assertThrows(IllegalArgumentException.class,
                () -> NetworkSpec.parse("{\"type\":\"Threshold\",\"threshold\":0.1}"));
        assertTrue(noValue.getMessage().contains("'value'"), noValue.getMessage());
        String stack = "{\"type\":\"TransformerEncoder\",\"num_layers\":2,\"norm\":{\"type\":\"LayerNorm\",\"normalized_shape\":[16]},"
                + "\"encoder_layer\":{\"type\":\"TransformerEncoderLayer\",\"d_model\":16,\"nhead\":4,\"dim_feedforward\":32,\"dropout\":0.0}}";
        assertArrayEquals(new int[] {2, 5, 16}, out(stack, 2, 5, 16));
        Module enc = NetworkSpec.parse(stack).build(1);
        assertTrue(enc.stateDict().containsKey("layers.1.self_attn.in_proj_weight") && enc.stateDict().containsKey("norm.weight"),
                enc.stateDict().keySet().toString());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> NetworkSpec.parse(
                "{\"type\":\"TransformerEncoder\",\"num_layers\":2,\"encoder_layer\":{\"type\":\"ReLU\"}}"));
        assertTrue(bad.getMessage().contains("must be a TransformerEncoderLayer"), bad.getMessage());
        Module gpt = NetworkSpec.parse("{\"type\":\"GPT\",\"vocab_size\":11,\"block_size\":8,\"n_layer\":1,\"n_head\":2,\"n_embd\":8}").build(3);
        try (GradMode.Guard g = GradMode.noGrad()) {
            assertArrayEquals(new int[] {2, 5, 11}, gpt.forward(Tensor.zeros(DType.INT64, 2, 5)).shape());
        }
    }

    @Test
    void sameSeedSameWeightsAndMlpHelper() {
        NetworkSpec s = NetworkSpec.mlp("ReLU", 4, 8, 3);
        assertEquals(s.build(5).stateDict().get("0.weight").toString(), s.build(5).stateDict().get("0.weight").toString());
        assertEquals(3, s.build(0).children().size());
        assertTrue(NetworkSpec.layerTypes().contains("Conv4d") && NetworkSpec.layerTypes().contains("GPT"));
    }

    @Test
    void badSpecsAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkSpec.parse("[{\"type\":\"Nope\"}]"));
        assertTrue(e.getMessage().contains("unknown layer type 'Nope'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NetworkSpec.parse("[{\"type\":\"Linear\",\"in_features\":3}]"));
        assertTrue(e.getMessage().contains("out_features"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NetworkSpec.parse("{not json"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }
}
