package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkgrad.ops.ConvOps;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.ops.PoolOps;
import org.sparkgrad.nn.spec.NetworkSpec;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

class ConvLayersTest {
    private static int[] a(int... v) { return v; }

    @Test
    void convLayersHavePyTorchShapesNamesAndInitBounds() {
        Generator g = new Generator(1);
        Conv2d c = new Conv2d(6, 16, a(5, 3), null, a(2, 1), null, 2, true, g);
        assertArrayEquals(a(16, 3, 5, 3), c.weight.shape());
        assertArrayEquals(a(16), c.bias.shape());
        assertEquals(List.of("weight", "bias"), List.copyOf(c.stateDict().keySet()));
        double bound = 1 / Math.sqrt(3 * 5 * 3); // fan_in = C_in/groups * kH * kW
        double wmax = 0, bmax = 0;
        for (double v : c.weight.toDoubleArray()) wmax = Math.max(wmax, Math.abs(v));
        for (double v : c.bias.toDoubleArray()) bmax = Math.max(bmax, Math.abs(v));
        assertTrue(wmax <= bound && wmax > 0.8 * bound, "weight range " + wmax + " vs bound " + bound);
        assertTrue(bmax <= bound && bmax > 0, "bias range " + bmax);
        assertEquals("Conv2d(6, 16, kernel_size=(5, 3), stride=(1, 1), padding=(2, 1), groups=2)", c.toString());
        ConvTranspose1d t = new ConvTranspose1d(4, 6, a(3), a(2), null, a(1), 2, false, null, g);
        assertArrayEquals(a(4, 3, 3), t.weight.shape());
        assertNull(t.bias);
        assertEquals("ConvTranspose1d(4, 6, kernel_size=(3,), stride=(2,), output_padding=(1,), groups=2, bias=False)", t.toString());
        assertEquals("Conv4d(2, 3, kernel_size=(3, 3, 3, 3), stride=(1, 1, 1, 1), padding=same)",
                new Conv4d(2, 3, a(3), "same", null, 1, true, g).toString());
    }

    @Test
    void layersComputeTheirFunctionalOps() {
        Generator g = new Generator(2);
        Tensor x = Tensor.randn(g, 2, 3, 6, 5, 4, 5);
        Conv4d c = new Conv4d(3, 4, a(3, 2, 3, 2), a(1, 2, 1, 1), a(1, 0, 1, 0), null, 1, true, g);
        Tensor y = c.forward(x);
        assertArrayEquals(ConvOps.convNd(x, c.weight, c.bias, a(1, 2, 1, 1), a(1, 0, 1, 0), null, 1).toDoubleArray(), y.toDoubleArray(), 0);
        assertArrayEquals(a(2, 4, 6, 2, 4, 4), y.shape());
        y.sum().backward();
        assertNotNull(c.weight.grad());
        assertArrayEquals(c.weight.shape(), c.weight.grad().shape());
        Tensor img = Tensor.randn(g, 1, 2, 7, 7);
        assertArrayEquals(PoolOps.maxPoolNd(img, 2, a(3), a(2), a(1), null, true).toDoubleArray(),
                new MaxPool2d(a(3), a(2), a(1), null, true).forward(img).toDoubleArray(), 0);
        assertArrayEquals(PoolOps.avgPoolNd(img, 2, a(2), null, null, false, true, null).toDoubleArray(),
                new AvgPool2d(2).forward(img).toDoubleArray(), 0);
        assertArrayEquals(a(1, 2, 3, 2), new AdaptiveAvgPool2d(a(3, 2)).forward(img).shape());
        Tensor[] mi = new AdaptiveMaxPool2d(2).forwardWithIndices(img);
        assertEquals(DType.INT64, mi[1].dtype());
        assertArrayEquals(a(1, 2, 4, 4, 4, 4), new MaxPool4d(2, 1, 1).forward(Tensor.randn(g, 1, 2, 3, 3, 3, 3)).shape());
    }

    @Test
    void convTransposeForwardWithOutputSizePicksTheOutputPadding() {
        Generator g = new Generator(3);
        ConvTranspose2d up = new ConvTranspose2d(4, 2, 3, 2, 1);
        Tensor x = Tensor.randn(g, 1, 4, 5, 5);
        assertArrayEquals(a(1, 2, 9, 9), up.forward(x).shape());
        assertArrayEquals(a(1, 2, 10, 9), up.forward(x, a(10, 9)).shape());
        assertThrows(IllegalArgumentException.class, () -> up.forward(x, a(11, 9)));
    }

    @Test
    void badLayerArgumentsAreRejected() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Conv2d(5, 4, a(3), null, null, null, 2, true, new Generator(0)))
                .getMessage().contains("in_channels (5) must be divisible by groups (2)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Conv1d(2, 4, a(3), "same", null, 0, true, new Generator(0)))
                .getMessage().contains("groups must be a positive integer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Conv3d(2, 4, a(3), "full", null, 1, true, new Generator(0)))
                .getMessage().contains("Invalid padding string 'full'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 2, 2)).getMessage().contains("half of kernel"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ConvTranspose2d(2, 2, a(3), a(1), null, a(1), 1, true, null,
                new Generator(0))).getMessage().contains("output padding"));
    }

    @Test
    void aLeNetLikeNetworkLearns() {
        Generator g = new Generator(4);
        Sequential net = new Sequential(
                new Conv2d(1, 6, a(5), null, a(2), null, 1, true, g), new ReLU(), new MaxPool2d(2),
                new Conv2d(6, 16, a(5), null, null, null, 1, true, g), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(16 * 5 * 5, 10, true, g));
        Tensor x = Tensor.randn(g, 16, 1, 28, 28);
        Tensor target = Tensor.randint(0, 10, g, 16);
        SGD opt = new SGD(net.parameters(), 0.1);
        double first = 0, last = 0;
        for (int step = 0; step < 40; step++) {
            opt.zeroGrad();
            Tensor loss = Losses.crossEntropy(net.forward(x), target);
            loss.backward();
            opt.step();
            if (step == 0) first = loss.item();
            last = loss.item();
        }
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
    }

    @Test
    void networkSpecBuildsConvolutionalNetworks() {
        String json = "[{\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 4, \"kernel_size\": 3, \"padding\": \"same\"},"
                + "{\"type\": \"ReLU\"}, {\"type\": \"MaxPool2d\", \"kernel_size\": 2},"
                + "{\"type\": \"Conv2d\", \"in_channels\": 4, \"out_channels\": 6, \"kernel_size\": [3, 2], \"stride\": [1, 2], \"bias\": false},"
                + "{\"type\": \"AdaptiveAvgPool2d\", \"output_size\": [2, null]},"
                + "{\"type\": \"Flatten\"}]";
        Module net = NetworkSpec.parse(json).build(9);
        assertTrue(net.toString().contains("Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=same)"), net.toString());
        assertTrue(net.toString().contains("MaxPool2d(kernel_size=(2, 2)"), net.toString());
        assertEquals(List.of("0.weight", "0.bias", "3.weight"), List.copyOf(net.stateDict().keySet()));
        assertArrayEquals(a(3, 6 * 2 * 2), net.forward(Tensor.randn(new Generator(1), 3, 1, 8, 8)).shape());
        assertTrue(NetworkSpec.layerTypes().containsAll(List.of("Conv4d", "ConvTranspose3d", "AvgPool4d", "AdaptiveMaxPool2d")));
    }

    @Test
    void networkSpecAcceptsValidPaddingWithStrideAndRejectsUnsupportedPaddingModes() {
        // PyTorch: nn.Conv2d(1, 2, 3, stride=2, padding='valid') is legal and means padding 0
        Module net = NetworkSpec.parse("[{\"type\": \"Conv2d\", \"in_channels\": 1, \"out_channels\": 2, \"kernel_size\": 3, "
                + "\"stride\": 2, \"padding\": \"valid\"}]").build(1);
        assertArrayEquals(a(1, 2, 3, 3), net.forward(Tensor.randn(new Generator(1), 1, 1, 8, 8)).shape());
        // a reflect/circular/replicate padding_mode must not silently become zero padding
        String m = assertThrows(IllegalArgumentException.class, () -> NetworkSpec.parse("[{\"type\": \"Conv1d\", \"in_channels\": 1, "
                + "\"out_channels\": 2, \"kernel_size\": 3, \"padding\": 1, \"padding_mode\": \"reflect\"}]")).getMessage();
        assertTrue(m.contains("padding_mode='reflect' is not supported"), m);
        NetworkSpec.parse("[{\"type\": \"Conv1d\", \"in_channels\": 1, \"out_channels\": 2, \"kernel_size\": 3, \"padding_mode\": \"zeros\"}]");
        assertThrows(IllegalArgumentException.class, () -> NetworkSpec.parse("[{\"type\": \"Conv1d\", \"in_channels\": 1, "
                + "\"out_channels\": 2, \"kernel_size\": 3, \"stride\": 2, \"padding\": \"same\"}]"));
    }

    @Test
    void convTransposeOutputSizeFollowsPyTorchsValidRange() {
        // stride 1, dilation 2: min size (4-1) + 2*2 + 1 = 8; PyTorch's valid range is [8, 8 + stride - 1] = [8, 8]
        ConvTranspose1d t = new ConvTranspose1d(2, 3, a(3), a(1), null, null, 1, true, a(2), new Generator(1));
        Tensor x = Tensor.randn(new Generator(2), 1, 2, 4);
        assertArrayEquals(a(1, 3, 8), t.forward(x, a(8)).shape());
        String m = assertThrows(IllegalArgumentException.class, () -> t.forward(x, a(9))).getMessage();
        assertTrue(m.contains("range from 8 to 8"), m);
        // stride 2: [9, 10]; the full size (N, C, L) is accepted too
        ConvTranspose1d s = new ConvTranspose1d(2, 3, a(3), a(2), null, null, 1, true, null, new Generator(1));
        assertArrayEquals(a(1, 3, 10), s.forward(x, a(1, 3, 10)).shape());
        assertArrayEquals(a(3, 9), s.forward(x.squeeze(0), a(3, 9)).shape());
        assertThrows(IllegalArgumentException.class, () -> s.forward(x, a(11)));
    }
}
