package org.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.sparkgrad.io.SafeTensors;
import org.sparkgrad.nn.F;
import org.sparkgrad.nn.Linear;
import org.sparkgrad.nn.Module;
import org.sparkgrad.nn.ReLU;
import org.sparkgrad.nn.Sequential;
import org.sparkgrad.optim.SGD;

/**
 * float16 / bfloat16 tensors: storage, the float32-compute rule (each op's result equals the float32 op on the
 * widened inputs, rounded once), type promotion, autograd and save/load.
 */
class ReducedPrecisionTest {
    private static final DType[] HALVES = {DType.FLOAT16, DType.BFLOAT16};

    private static Tensor randn(long seed, int... shape) { return Tensor.randn(new Generator(seed), shape); }

    /** Bit patterns of a 16-bit tensor. */
    private static short[] bits(Tensor t) {
        assertTrue(t.dtype().isReducedPrecision(), t.dtype().toString());
        return ((CpuStorage) t.contiguousCopy().storage()).h;
    }

    /** {@code op} on 16-bit inputs must equal {@code op} on their float32 values, rounded to the 16-bit dtype once. */
    private static void computesInFloat32(DType dt, Function<Tensor[], Tensor> op, Tensor... inputs) {
        Tensor[] lo = new Tensor[inputs.length], wide = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            lo[i] = inputs[i].dtype() == DType.FLOAT32 ? inputs[i].to(dt) : inputs[i];
            wide[i] = lo[i].dtype() == dt ? lo[i].toFloat() : lo[i];
        }
        Tensor got = op.apply(lo);
        Tensor expected = op.apply(wide);
        assertEquals(dt, got.dtype());
        assertArrayEquals(expected.shape(), got.shape());
        assertArrayEquals(bits(expected.to(dt)), bits(got));
    }

    @Test
    void conversionsRoundAndWidenExactly() {
        Tensor x = Tensor.fromArray(new float[] {1f, 1f / 3, 65504f, 70000f, -0f, 1e-8f, Float.NaN}, 7);
        Tensor h = x.half();
        assertEquals(DType.FLOAT16, h.dtype());
        float[] back = h.toFloatArray();
        assertArrayEquals(new float[] {1f, 0.333251953125f, 65504f, Float.POSITIVE_INFINITY, -0f, 0f, Float.NaN}, back);
        Tensor b = x.bfloat16();
        assertEquals(DType.BFLOAT16, b.dtype());
        assertArrayEquals(new float[] {1f, 0.333984375f, 65536f, 70144f, -0f, 0x1.58p-27f, Float.NaN}, b.toFloatArray());
        assertEquals(1.0, h.get(0), 0.0);
        assertEquals(Tensor.fromArray(new double[] {0.1}, 1).half().toFloatArray()[0], HalfFloat.halfToFloat(HalfFloat.floatToHalf(0.1f)));
        assertTrue(h.toString().contains("float16"), h.toString());
        assertEquals(DType.FLOAT16, Tensor.zeros(DType.FLOAT16, Device.CPU, 2, 3).dtype());
        assertArrayEquals(new float[] {2.5f, 2.5f}, Tensor.full(2.5, DType.BFLOAT16, 2).toFloatArray());
    }

    @Test
    void opsComputeInFloat32AndRoundOnce() {
        for (DType dt : HALVES) {
            Tensor a = randn(1, 4, 6), b = randn(2, 4, 6), m = randn(3, 6, 5), row = randn(4, 6);
            computesInFloat32(dt, t -> t[0].add(t[1]), a, b);
            computesInFloat32(dt, t -> t[0].mul(t[1]), a, b);
            computesInFloat32(dt, t -> t[0].sub(t[1]), a, b);
            computesInFloat32(dt, t -> t[0].div(t[1]), a, b);
            computesInFloat32(dt, t -> t[0].add(t[1]), a, row); // broadcasting
            computesInFloat32(dt, t -> t[0].exp(), a);
            computesInFloat32(dt, t -> t[0].relu(), a);
            computesInFloat32(dt, t -> t[0].mul(0.1), a);
            computesInFloat32(dt, t -> t[0].sum(), a);
            computesInFloat32(dt, t -> t[0].mean(), a);
            computesInFloat32(dt, t -> t[0].softmax(1), a);
            computesInFloat32(dt, t -> t[0].matmul(t[1]), a, m);
            computesInFloat32(dt, t -> t[0].transpose(0, 1).matmul(t[1].transpose(0, 1).transpose(0, 1)), a.transpose(0, 1).contiguous(), b.transpose(0, 1).contiguous().transpose(0, 1).contiguous().transpose(0, 1));
            computesInFloat32(dt, t -> F.linear(t[0], t[1], t[2]), a, randn(5, 3, 6), randn(6, 3));
            computesInFloat32(dt, t -> F.layerNorm(t[0], new int[] {6}, t[1], t[2], 1e-5), a, randn(7, 6), randn(8, 6));
            computesInFloat32(dt, t -> F.conv2d(t[0], t[1], t[2], new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1),
                    randn(9, 2, 3, 5, 5), randn(10, 4, 3, 3, 3), randn(11, 4));
            computesInFloat32(dt, t -> F.scaledDotProductAttention(t[0], t[1], t[2], null, 0.0, true, null, null),
                    randn(12, 2, 5, 4), randn(13, 2, 5, 4), randn(14, 2, 5, 4));
            computesInFloat32(dt, t -> t[0].reshape(6, 4).transpose(0, 1), a); // views keep the storage format
        }
    }

    @Test
    void typePromotionFollowsPyTorch() {
        Tensor h = randn(1, 3).half(), b = randn(2, 3).bfloat16(), f = randn(3, 3), d = randn(4, 3).toDouble();
        assertEquals(DType.FLOAT16, h.add(h).dtype());
        assertEquals(DType.FLOAT32, h.add(f).dtype());
        assertEquals(DType.FLOAT32, f.add(h).dtype());
        assertEquals(DType.FLOAT64, h.add(d).dtype());
        assertEquals(DType.FLOAT32, h.add(b).dtype(), "float16 with bfloat16 promotes to float32");
        assertEquals(DType.FLOAT16, h.add(Tensor.fromArray(new long[] {1, 2, 3}, 3)).dtype());
        assertEquals(DType.FLOAT16, h.mul(2.5).dtype());
        assertEquals(DType.BOOL, h.gt(0).dtype());
        assertEquals(DType.INT64, h.argmax().dtype());
        assertArrayEquals(f.add(h.toFloat()).toFloatArray(), f.add(h).toFloatArray(), "mixed ops widen exactly");
    }

    @Test
    void inPlaceOpsKeepTheStorageFormat() {
        for (DType dt : HALVES) {
            Tensor x = randn(1, 2, 3).to(dt);
            Storage s = x.storage();
            Tensor expected = x.toFloat().add(randn(2, 2, 3).to(dt).toFloat()).to(dt);
            x.add_(randn(2, 2, 3).to(dt));
            assertSame(s, x.storage());
            assertEquals(dt, x.dtype());
            assertArrayEquals(bits(expected), bits(x));
            Tensor f = randn(3, 2, 3);
            Tensor y = x.clone();
            y.mul_(f); // a float32 operand: computed in float32, stored back rounded
            assertArrayEquals(bits(x.toFloat().mul(f).to(dt)), bits(y));
            Tensor v = x.transpose(0, 1); // a strided view written in place
            v.mul_(2.0);
            assertArrayEquals(bits(expected.mul(2.0)), bits(x));
        }
    }

    @Test
    void gradientsFlowThroughCastsAndIntoHalfLeaves() {
        Tensor w = randn(1, 3, 4).requiresGrad_();
        Tensor x = randn(2, 2, 4);
        Tensor loss = x.half().matmul(w.half().transpose(0, 1)).sum();
        assertEquals(DType.FLOAT16, loss.dtype());
        loss.backward();
        assertEquals(DType.FLOAT32, w.grad().dtype(), "the grad of a float32 leaf is float32");
        // d/dw sum(x w^T) = column sums of x broadcast over rows, rounded to float16 on the way
        Tensor colSum = x.half().sum(new int[] {0}, false).toFloat();
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) assertEquals(colSum.get(c), w.grad().get(r, c), 0.0);
        }
        Tensor hw = randn(3, 3, 4).bfloat16().requiresGrad_();
        Tensor l2 = hw.mul(hw).sum();
        l2.backward();
        assertEquals(DType.BFLOAT16, hw.grad().dtype(), "the grad of a bfloat16 leaf is bfloat16");
        assertArrayEquals(bits(hw.toFloat().mul(2.0).bfloat16()), bits(hw.grad()));
    }

    @Test
    void aBFloat16ModelTrainsLikeItsFloat32Twin() {
        Generator g = new Generator(5);
        Tensor x = Tensor.randn(g, 64, 3);
        Tensor y = x.matmul(Tensor.fromArray(new float[] {1.5f, -2f, 0.5f}, 3, 1)).add(0.3);
        double[] finals = new double[2];
        for (int run = 0; run < 2; run++) {
            Module model = new Sequential(new Linear(3, 8, true, new Generator(9)), new ReLU(), new Linear(8, 1, true, new Generator(10)));
            DType dt = run == 0 ? DType.FLOAT32 : DType.BFLOAT16;
            model.to(dt);
            for (Tensor p : model.parameters()) assertEquals(dt, p.dtype());
            SGD opt = new SGD(model.parameters(), 0.05);
            double first = 0, last = 0;
            for (int step = 0; step < 200; step++) {
                opt.zeroGrad();
                Tensor loss = F.mseLoss(model.forward(x.to(dt)), y.to(dt));
                loss.backward();
                opt.step();
                if (step == 0) first = loss.item();
                last = loss.item();
            }
            assertTrue(last < first * 0.05, dt + ": loss " + first + " -> " + last);
            finals[run] = last;
        }
        assertTrue(Math.abs(finals[1] - finals[0]) < 0.05, "bfloat16 final loss " + finals[1] + ", float32 " + finals[0]);
    }

    @Test
    void stateDictsSaveAndLoadInTheirOwnDType() {
        Module model = new Linear(4, 3, true, new Generator(2));
        model.half();
        Map<String, Tensor> sd = model.stateDict();
        byte[] bytes = SafeTensors.toBytes(sd, null);
        Map<String, Tensor> back = SafeTensors.fromBytes(bytes, "mem").tensors();
        for (String k : List.of("weight", "bias")) {
            assertEquals(DType.FLOAT16, back.get(k).dtype());
            assertArrayEquals(bits(sd.get(k)), bits(back.get(k)));
        }
        Module f32 = new Linear(4, 3, true, new Generator(3));
        f32.loadStateDict(back, true);
        assertEquals(DType.FLOAT32, f32.parameters().iterator().next().dtype(), "loading casts into the model's dtype");
        assertArrayEquals(sd.get("weight").toFloatArray(), f32.stateDict().get("weight").toFloatArray());
        assertNotEquals(0, bytes.length);
    }

    @Test
    void adamOnBFloat16ParametersCheckpointsAndResumesExactly() throws Exception {
        Tensor x = randn(1, 16, 4), y = randn(2, 16, 2);
        java.util.function.Supplier<Module> make = () -> new Linear(4, 2, true, new Generator(3)).bfloat16();
        Module a = make.get();
        org.sparkgrad.optim.Adam optA = new org.sparkgrad.optim.Adam(a.parameters());
        java.util.function.BiConsumer<Module, org.sparkgrad.optim.Adam> step = (m, o) -> {
            o.zeroGrad();
            F.mseLoss(m.forward(x.bfloat16()), y.bfloat16()).backward();
            o.step();
        };
        for (int i = 0; i < 3; i++) step.accept(a, optA);
        for (Tensor p : a.parameters()) assertEquals(DType.BFLOAT16, p.dtype());
        java.nio.file.Path file = java.nio.file.Files.createTempFile("bf16", ".ckpt");
        try {
            org.sparkgrad.io.Checkpoint.builder().modelState(a.stateDict()).optimizerState(optA.stateDict()).step(3).build().save(file);
            org.sparkgrad.io.Checkpoint ck = org.sparkgrad.io.Checkpoint.load(file);
            Module b = make.get();
            b.loadStateDict(ck.modelState(), true);
            org.sparkgrad.optim.Adam optB = new org.sparkgrad.optim.Adam(b.parameters());
            optB.loadStateDict(ck.optimizerState());
            for (int i = 0; i < 2; i++) {
                step.accept(a, optA);
                step.accept(b, optB);
            }
            for (String k : List.of("weight", "bias")) {
                assertEquals(DType.BFLOAT16, b.stateDict().get(k).dtype());
                assertArrayEquals(bits(a.stateDict().get(k)), bits(b.stateDict().get(k)), k + " after resuming");
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void batchNormUpdatesSixteenBitRunningStatisticsInPlace() {
        for (DType dt : HALVES) {
            org.sparkgrad.nn.BatchNorm1d lo = new org.sparkgrad.nn.BatchNorm1d(3), hi = new org.sparkgrad.nn.BatchNorm1d(3);
            lo.to(dt);
            Tensor x = randn(4, 8, 3).add(2.0);
            Storage s = lo.runningMean().storage();
            Tensor y = lo.forward(x.to(dt));
            hi.forward(x.to(dt).toFloat());
            assertEquals(dt, y.dtype());
            assertSame(s, lo.runningMean().storage(), "updated in place");
            assertEquals(dt, lo.runningVar().dtype());
            assertArrayEquals(bits(hi.runningMean().to(dt)), bits(lo.runningMean()));
            assertArrayEquals(bits(hi.runningVar().to(dt)), bits(lo.runningVar()));
        }
    }

    @Test
    void inPlaceScalarsAreNotRoundedFirst() {
        // PyTorch's mul/div kernels take a scalar in float32 (opmath): 3 * 0.1 in float16 is 0.300048828125, not 3 * half(0.1)
        Tensor h = Tensor.full(3, DType.FLOAT16, 1);
        assertEquals(0.300048828125f, h.mul_(0.1).toFloatArray()[0], 0f);
        Tensor b = Tensor.full(1.5, DType.BFLOAT16, 1);
        assertEquals(1.3515625f, b.mul_(0.9).toFloatArray()[0], 0f, "the momentum pattern buf.mul_(0.9)");
        assertArrayEquals(bits(Tensor.full(1.5, DType.BFLOAT16, 1).mul(0.9)), bits(Tensor.full(1.5, DType.BFLOAT16, 1).mul_(0.9)),
                "in place and out of place agree");
        Tensor d = Tensor.full(1, DType.FLOAT16, 1);
        assertEquals(HalfFloat.halfToFloat(HalfFloat.floatToHalf(1f / 3)), d.div_(3).toFloatArray()[0], 0f);
        Tensor a = Tensor.full(1, DType.FLOAT16, 1);
        assertEquals(HalfFloat.halfToFloat(HalfFloat.floatToHalf(1.0001f)), a.add_(1e-4).toFloatArray()[0], 0f);
    }

    @Test
    void normsAccumulateInFloat32() {
        assertEquals(300f, Tensor.full(300, DType.FLOAT16, 1).norm().toFloatArray()[0], 0f);
        assertEquals(316.25f, Tensor.full(10, DType.FLOAT16, 1000).norm().toFloatArray()[0], 0f);
        assertEquals(2e-4f, Tensor.full(1e-4, DType.FLOAT16, 4).norm().toFloatArray()[0], 1e-6f);
        assertEquals(DType.FLOAT16, Tensor.full(1, DType.FLOAT16, 4).norm().dtype());
        Tensor p = Tensor.zeros(2).half().requiresGrad_();
        p.setGrad(Tensor.fromArray(new float[] {300, 400}, 2).half());
        double total = org.sparkgrad.optim.ClipGrad.clipGradNorm(List.of(p), 1.0);
        assertEquals(500, total, 0.5);
        float[] g = p.grad().toFloatArray();
        assertEquals(0.6f, g[0], 1e-3f);
        assertEquals(0.8f, g[1], 1e-3f);
    }

    @Test
    void linearInterpolationPreservesAConstantImage() {
        for (DType dt : HALVES) {
            Tensor img = Tensor.full(100, dt, 1, 1, 4, 4);
            Tensor up = F.interpolate(img, new int[] {12, 12}, null, "bilinear", false, null);
            assertEquals(dt, up.dtype());
            for (float v : up.toFloatArray()) assertEquals(100f, v, 0f);
            Tensor x = randn(1, 1, 2, 5, 5).to(dt);
            assertArrayEquals(bits(F.interpolate(x.toFloat(), new int[] {9, 9}, null, "bilinear", true, null).to(dt)),
                    bits(F.interpolate(x, new int[] {9, 9}, null, "bilinear", true, null)), "computed in float32, rounded once");
        }
    }

    @Test
    void aFiniteFillBeyondFloat16IsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Tensor.full(1e6, DType.FLOAT16, 2));
        assertTrue(e.getMessage().contains("without overflow"), e.getMessage());
        assertEquals(Float.NEGATIVE_INFINITY, Tensor.full(Double.NEGATIVE_INFINITY, DType.FLOAT16, 1).toFloatArray()[0], 0f);
        assertEquals(65504f, Tensor.full(65519, DType.FLOAT16, 1).toFloatArray()[0], 0f, "rounds to the largest finite value");
        assertEquals(1e6f, Tensor.full(1e6, DType.BFLOAT16, 1).toFloatArray()[0], 1e4f, "bfloat16 has float32's range");
    }

    @Test
    void logcumsumexpBackwardInSixteenBitsIsFinite() {
        Tensor x = randn(6, 5).half().requiresGrad_();
        x.logcumsumexp(0).mul(Tensor.fromArray(new float[] {1, -2, 0.5f, 0, 3}, 5).half()).sum().backward();
        for (float v : x.grad().toFloatArray()) assertTrue(Float.isFinite(v), java.util.Arrays.toString(x.grad().toFloatArray()));
    }

    @Test
    void aDataLoaderBatchesSixteenBitSamplesInTheirDtype() {
        Tensor x = randn(1, 10, 3).bfloat16();
        Tensor y = Tensor.fromArray(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10);
        org.sparkgrad.data.DataLoader dl = org.sparkgrad.data.DataLoader.builder(new org.sparkgrad.data.TensorDataset(x, y))
                .batchSize(4).shuffle(true).seed(1).build();
        int rows = 0;
        for (org.sparkgrad.data.Batch b : dl) {
            assertEquals(DType.BFLOAT16, b.features().dtype());
            short[] got = bits(b.features());
            long[] idx = b.labels().toLongArray();
            for (int i = 0; i < idx.length; i++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(bits(x), (int) idx[i] * 3, (int) idx[i] * 3 + 3),
                        java.util.Arrays.copyOfRange(got, i * 3, i * 3 + 3));
            }
            rows += idx.length;
        }
        assertEquals(10, rows);
    }
}
