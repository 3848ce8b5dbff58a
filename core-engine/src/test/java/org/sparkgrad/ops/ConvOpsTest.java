package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.CpuConvKernels;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;
import org.sparkgrad.testing.GoldenRunner;

class ConvOpsTest {
    private static final Generator G = new Generator(2024);

    private static Tensor r(int... shape) { return Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_(); }

    private static int[] a(int... v) { return v; }

    static Path golden(String file) throws Exception {
        return Paths.get(ConvOpsTest.class.getResource("/golden/" + file).toURI());
    }

    // ------------------------------------------------------------------------------------------ golden parity
    @Test
    void convGoldenCasesMatchPyTorchInFloat32AndFloat64() throws Exception {
        GoldenRunner r = new GoldenRunner().runFile(golden("conv.json"));
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(0, r.skipped(), () -> "skipped: " + r.skippedOps());
        assertEquals(35, r.passed());
    }

    @Test
    void convGoldenCasesAlsoPassOnTheIm2colGemmPath() throws Exception {
        boolean was = CpuConvKernels.vectorKernelsEnabled();
        if (was) CpuConvKernels.setVectorKernelsEnabled(false);
        try {
            GoldenRunner r = new GoldenRunner().runFile(golden("conv.json"));
            assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
            assertEquals(35, r.passed());
        } finally {
            if (was) CpuConvKernels.setVectorKernelsEnabled(true);
        }
    }

    // ------------------------------------------------------------------------------------------ gradcheck (float64)
    static Stream<Arguments> ops() {
        return Stream.of(
                g("conv1d_stride_pad_dil", t -> ConvOps.conv1d(t[0], t[1], t[2], a(2), a(2), a(2), 1), r(2, 3, 9), r(4, 3, 3), r(4)),
                g("conv1d_groups", t -> ConvOps.conv1d(t[0], t[1], t[2], null, a(1), null, 2), r(1, 4, 6), r(6, 2, 3), r(6)),
                g("conv1d_same_even_kernel", t -> ConvOps.convNdPadding(t[0], t[1], t[2], null, "same", null, 1), r(1, 2, 7), r(3, 2, 4), r(3)),
                g("conv1d_unbatched", t -> ConvOps.conv1d(t[0], t[1], t[2], null, null, null, 1), r(2, 6), r(3, 2, 2), r(3)),
                g("conv2d", t -> ConvOps.conv2d(t[0], t[1], t[2], a(2, 1), a(1, 0), a(1, 2), 1), r(2, 2, 5, 6), r(3, 2, 3, 2), r(3)),
                g("conv2d_depthwise_no_bias", t -> ConvOps.conv2d(t[0], t[1], null, null, a(1), null, 2), r(1, 2, 4, 4), r(4, 1, 3, 3)),
                g("conv2d_same_dilated", t -> ConvOps.convNdPadding(t[0], t[1], t[2], null, "same", a(2, 1), 1), r(1, 2, 5, 4), r(2, 2, 2, 3), r(2)),
                g("conv3d", t -> ConvOps.conv3d(t[0], t[1], t[2], a(1, 2, 1), a(1), null, 1), r(1, 2, 3, 4, 3), r(2, 2, 2, 2, 2), r(2)),
                g("conv4d", t -> ConvOps.conv4d(t[0], t[1], t[2], a(1, 2, 1, 1), a(1, 0, 1, 0), a(1, 1, 2, 1), 1),
                        r(1, 2, 3, 3, 4, 3), r(2, 2, 2, 2, 2, 2), r(2)),
                g("conv4d_groups", t -> ConvOps.conv4d(t[0], t[1], t[2], null, a(1), null, 2), r(1, 2, 2, 2, 2, 3), r(2, 1, 2, 2, 2, 2), r(2)),
                g("conv5d", t -> ConvOps.convNd(t[0], t[1], t[2], null, a(1), null, 1), r(1, 1, 2, 2, 2, 2, 2), r(2, 1, 2, 1, 2, 1, 2), r(2)),
                g("conv_transpose1d", t -> ConvOps.convTranspose1d(t[0], t[1], t[2], a(2), a(1), a(1), 1, null), r(2, 3, 4), r(3, 2, 3), r(2)),
                g("conv_transpose2d_groups_dilation", t -> ConvOps.convTranspose2d(t[0], t[1], t[2], a(2, 1), a(1, 0), a(1, 0), 2, a(1, 2)),
                        r(1, 4, 3, 3), r(4, 1, 3, 2), r(2)),
                g("conv_transpose2d_output_padding_over_stride", t -> ConvOps.convTranspose2d(t[0], t[1], t[2], a(1), a(0), a(1), 1, a(2)),
                        r(1, 2, 3, 3), r(2, 2, 2, 2), r(2)),
                g("conv_transpose3d", t -> ConvOps.convTranspose3d(t[0], t[1], t[2], a(2), a(0, 1, 0), null, 1, null),
                        r(1, 2, 2, 2, 2), r(2, 2, 2, 2, 3), r(2)),
                g("conv_transpose4d_unbatched", t -> ConvOps.convTransposeNd(t[0], t[1], null, a(2, 1, 1, 2), null, a(1, 0, 0, 0), 1, null),
                        r(2, 2, 2, 2, 2), r(2, 1, 2, 2, 1, 2)),
                g("conv2d_groups_stride_dilation_pad", t -> ConvOps.conv2d(t[0], t[1], t[2], a(2, 1), a(2, 1), a(2, 1), 2), r(2, 4, 6, 5), r(4, 2, 2, 3), r(4)),
                g("conv2d_noncontiguous_input_weight", t -> ConvOps.conv2d(t[0].transpose(2, 3), t[1].transpose(2, 3), t[2], null, a(1), null, 1),
                        r(1, 2, 4, 5), r(3, 2, 2, 3), r(3)),
                g("conv1d_valid_stride", t -> ConvOps.convNdPadding(t[0], t[1], null, a(3), "valid", null, 1), r(2, 2, 10), r(2, 2, 3)),
                g("conv_transpose1d_groups_output_padding", t -> ConvOps.convTranspose1d(t[0], t[1], t[2], a(3), a(1), a(2), 2, a(1)),
                        r(2, 4, 3), r(4, 2, 2), r(4)));
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
        Tensor[] f32 = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) f32[i] = inputs[i].detach().to(DType.FLOAT32);
        double[] got = f.apply(f32).toDoubleArray(), want = f.apply(inputs).toDoubleArray();
        double max = 0;
        for (double v : want) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-5 * (Math.abs(want[i]) + max), name + " element " + i);
    }

    // ------------------------------------------------------------------------------------------ semantics
    @Test
    void unbatchedInputGivesTheFirstSampleOfTheBatchedResult() {
        Tensor x = r(3, 5, 6), w = r(4, 3, 2, 3), b = r(4);
        Tensor y = ConvOps.conv2d(x, w, b, null, a(1), null, 1);
        Tensor yb = ConvOps.conv2d(x.unsqueeze(0), w, b, null, a(1), null, 1);
        assertArrayEquals(a(4, 6, 6), y.shape());
        assertArrayEquals(yb.squeeze(0).toDoubleArray(), y.toDoubleArray(), 0);
    }

    @Test
    void samePaddingKeepsTheSizeAndValidMeansNoPadding() {
        Tensor x = r(1, 2, 7, 8), w = r(3, 2, 4, 3);
        assertArrayEquals(a(1, 3, 7, 8), ConvOps.convNdPadding(x, w, null, null, "same", a(1, 2), 1).shape());
        assertArrayEquals(ConvOps.conv2d(x, w, null, null, a(0), null, 1).toDoubleArray(),
                ConvOps.convNdPadding(x, w, null, null, "valid", null, 1).toDoubleArray(), 0);
    }

    @Test
    void transposedConvolutionIsTheAdjointOfConvolution() {
        // <conv(x, w), y> == <x, conv_transpose(y, w)> for every stride, padding, dilation and group count
        Tensor x = r(2, 4, 7, 6), w = r(6, 2, 3, 2);
        int[] s = a(2, 1), p = a(1, 0), d = a(1, 2), k = a(3, 2);
        Tensor cx = ConvOps.conv2d(x, w, null, s, p, d, 2);
        Tensor y = r(cx.shape());
        // output padding that makes the transposed output exactly x's size
        int[] op = new int[2];
        for (int i = 0; i < 2; i++) op[i] = x.size(i + 2) - ((cx.size(i + 2) - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1);
        Tensor ty = ConvOps.convTranspose2d(y, w, null, s, p, op, 2, d);
        assertArrayEquals(x.shape(), ty.shape());
        double lhs = cx.mul(y).sum().item(), rhs = x.mul(ty).sum().item();
        assertEquals(lhs, rhs, 1e-9 * Math.abs(lhs));
    }

    @Test
    void biasGradientSumsOverBatchAndSpace() {
        Tensor x = r(2, 1, 4, 4), w = r(3, 1, 3, 3), b = r(3);
        ConvOps.conv2d(x, w, b, null, a(1), null, 1).sum().backward();
        assertArrayEquals(new double[] {32, 32, 32}, b.grad().toDoubleArray(), 1e-12);
    }

    @Test
    void biasGradientOfAnEmptyBatchIsZeros() {
        // PyTorch: conv2d / conv_transpose2d of a (0, C, H, W) batch back-propagate a zero bias gradient
        Tensor x = r(0, 2, 5, 5), w = r(3, 2, 3, 3), b = r(3);
        ConvOps.conv2d(x, w, b, null, null, null, 1).sum().backward();
        assertArrayEquals(new double[] {0, 0, 0}, b.grad().toDoubleArray());
        assertArrayEquals(new int[] {3, 2, 3, 3}, w.grad().shape());
        Tensor xt = r(0, 2, 4), wt = r(2, 3, 3), bt = r(3);
        ConvOps.convTranspose1d(xt, wt, bt, a(2), null, null, 1, null).sum().backward();
        assertArrayEquals(new double[] {0, 0, 0}, bt.grad().toDoubleArray());
    }

    @Test
    void noGraphIsRecordedUnderNoGrad() {
        Tensor x = r(1, 1, 4, 4), w = r(1, 1, 2, 2);
        try (GradMode.Guard g = GradMode.noGrad()) {
            assertTrue(!ConvOps.conv2d(x, w, null, null, null, null, 1).requiresGrad());
        }
    }

    // ------------------------------------------------------------------------------------------ errors
    private static String error(Runnable r) { return assertThrows(IllegalArgumentException.class, r::run).getMessage(); }

    @Test
    void channelMismatchNamesBothShapes() {
        String m = error(() -> ConvOps.conv2d(r(2, 3, 8, 8), r(5, 4, 3, 3), null, null, null, null, 1));
        assertTrue(m.contains("weight of size [5, 4, 3, 3]") && m.contains("expected input[2, 3, 8, 8] to have 4 channels, but got 3 channels instead"), m);
        String t = error(() -> ConvOps.convTranspose2d(r(2, 5, 4, 4), r(3, 4, 3, 3), null, null, null, null, 1, null));
        assertTrue(t.contains("[3, 4, 3, 3]") && t.contains("input[2, 5, 4, 4] to have 3 channels, but got 5"), t);
    }

    @Test
    void wrongRankNamesInputAndWeight() {
        String m = error(() -> ConvOps.conv2d(r(2, 3, 8, 8, 8), r(4, 3, 3, 3), null, null, null, null, 1));
        assertTrue(m.contains("[2, 3, 8, 8, 8]") && m.contains("[4, 3, 3, 3]") && m.contains("3-D (unbatched) or 4-D (batched)"), m);
        String w = error(() -> ConvOps.conv3d(r(2, 3, 8, 8, 8), r(4, 3, 3, 3), null, null, null, null, 1));
        assertTrue(w.contains("5-D weight") && w.contains("[4, 3, 3, 3]") && w.contains("[2, 3, 8, 8, 8]"), w);
        String p = error(() -> PoolOps.maxPoolNd(r(2, 3), 2, a(2, 2), null, null, null, false));
        assertTrue(p.contains("[2, 3]") && p.contains("max_pool2d"), p);
    }

    @Test
    void groupsMustDivideChannels() {
        String m = error(() -> ConvOps.conv2d(r(1, 4, 5, 5), r(5, 2, 3, 3), null, null, null, null, 2));
        assertTrue(m.contains("Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [5, 2, 3, 3]"), m);
        String c = error(() -> ConvOps.conv2d(r(1, 5, 5, 5), r(4, 2, 3, 3), null, null, null, null, 2));
        assertTrue(c.contains("expected input[1, 5, 5, 5] to have 4 channels, but got 5"), c);
        assertTrue(error(() -> ConvOps.conv2d(r(1, 4, 5, 5), r(4, 4, 3, 3), null, null, null, null, 0)).contains("non-positive groups"));
    }

    @Test
    void kernelLargerThanPaddedInputIsRejected() {
        String m = error(() -> ConvOps.conv2d(r(1, 1, 3, 3), r(1, 1, 5, 5), null, null, a(0), null, 1));
        assertTrue(m.contains("Kernel size can't be greater than actual input size") && m.contains("[1, 1, 3, 3]") && m.contains("[1, 1, 5, 5]"), m);
        String d = error(() -> ConvOps.conv1d(r(1, 1, 5), r(1, 1, 3), null, null, null, a(3), 1));
        assertTrue(d.contains("Kernel size: (7)"), d);
    }

    @Test
    void badArgumentsAreRejected() {
        Tensor x = r(1, 2, 6, 6), w = r(3, 2, 3, 3);
        assertTrue(error(() -> ConvOps.conv2d(x, w, r(4), null, null, null, 1)).contains("bias of size [4]"));
        assertTrue(error(() -> ConvOps.conv2d(x, w, null, a(1, 2, 3), null, null, 1)).contains("stride=[1, 2, 3]"));
        assertTrue(error(() -> ConvOps.conv2d(x, w, null, a(0), null, null, 1)).contains("non-positive stride"));
        assertTrue(error(() -> ConvOps.conv2d(x, w, null, null, a(-1), null, 1)).contains("negative padding"));
        assertTrue(error(() -> ConvOps.convNdPadding(x, w, null, a(2), "same", null, 1)).contains("strided convolutions"));
        assertTrue(error(() -> ConvOps.convNdPadding(x, w, null, null, "full", null, 1)).contains("invalid padding string 'full'"));
        assertTrue(error(() -> ConvOps.conv2d(x, w.detach().to(DType.FLOAT32), null, null, null, null, 1)).contains("should be the same"));
        assertTrue(error(() -> ConvOps.convTranspose2d(r(1, 2, 3, 3), r(2, 2, 3, 3), null, a(2), null, a(2), 1, null))
                .contains("output padding must be smaller than either stride or dilation"));
    }
}
