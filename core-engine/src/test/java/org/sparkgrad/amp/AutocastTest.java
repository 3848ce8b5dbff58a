package org.sparkgrad.amp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.sparkgrad.nn.F;
import org.sparkgrad.nn.Linear;
import org.sparkgrad.nn.Module;
import org.sparkgrad.nn.ReLU;
import org.sparkgrad.nn.Sequential;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

class AutocastTest {
    private static Tensor randn(long seed, int... shape) { return Tensor.randn(new Generator(seed), shape); }

    private static short[] bits(Tensor t) { return ((CpuStorage) t.contiguousCopy().storage()).h; }

    @Test
    void lowerPrecisionOpsRunInTheRegionsDType() {
        Tensor x = randn(1, 4, 6), w = randn(2, 3, 6), b = randn(3, 3), m = randn(4, 6, 5);
        Tensor img = randn(5, 2, 3, 6, 6), k = randn(6, 4, 3, 3, 3), kb = randn(7, 4);
        Tensor q = randn(8, 2, 5, 4), kk = randn(9, 2, 5, 4), v = randn(10, 2, 5, 4);
        for (DType dt : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            Tensor lin, mm, conv, att;
            try (Autocast ac = Autocast.enable(Device.Type.CPU, dt)) {
                assertTrue(Autocast.isEnabled(Device.Type.CPU));
                assertEquals(dt, Autocast.dtype(Device.Type.CPU));
                lin = F.linear(x, w, b);
                mm = x.matmul(m);
                conv = F.conv2d(img, k, kb, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
                att = F.scaledDotProductAttention(q, kk, v, null, 0.0, true, null, null);
            }
            assertFalse(Autocast.isEnabled(Device.Type.CPU));
            assertEquals(dt, lin.dtype());
            assertArrayEquals(bits(F.linear(x.to(dt), w.to(dt), b.to(dt))), bits(lin));
            assertArrayEquals(bits(x.to(dt).matmul(m.to(dt))), bits(mm));
            assertArrayEquals(bits(F.conv2d(img.to(dt), k.to(dt), kb.to(dt), new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1)), bits(conv));
            assertArrayEquals(bits(F.scaledDotProductAttention(q.to(dt), kk.to(dt), v.to(dt), null, 0.0, true, null, null)), bits(att));
            assertEquals(DType.FLOAT32, F.linear(x, w, b).dtype(), "no region, no cast");
        }
    }

    @Test
    void lossesRunInFloat32AndOtherOpsPromote() {
        Tensor logits = randn(1, 5, 4).bfloat16(), target = Tensor.fromArray(new long[] {0, 3, 1, 2, 3}, 5), y = randn(2, 5, 4);
        try (Autocast ac = Autocast.enable(Device.Type.CPU)) {
            Tensor ce = F.crossEntropy(logits, target);
            assertEquals(DType.FLOAT32, ce.dtype());
            assertEquals(Losses.crossEntropy(logits.toFloat(), target).item(), ce.item(), 0.0);
            Tensor mse = F.mseLoss(logits, y);
            assertEquals(DType.FLOAT32, mse.dtype());
            assertEquals(F.mseLoss(logits.toFloat(), y).item(), mse.item(), 0.0);
            assertEquals(DType.BFLOAT16, logits.relu().dtype(), "ops on neither list keep their input's dtype");
            assertEquals(DType.FLOAT32, logits.add(y).dtype(), "and promote as usual");
            Tensor d = randn(3, 2, 2).toDouble();
            assertEquals(DType.FLOAT64, d.matmul(d).dtype(), "float64 is never cast");
            assertEquals(DType.BFLOAT16, Autocast.lowerPrecision(randn(4, 2))[0].dtype());
            assertNull(Autocast.lowerPrecision((Tensor) null)[0]);
            assertEquals(DType.INT64, Autocast.lowerPrecision(target)[0].dtype());
        }
    }

    @Test
    void regionsNestAndRestore() {
        assertNull(Autocast.dtype(Device.Type.CPU));
        try (Autocast outer = Autocast.enable(Device.Type.CPU, DType.FLOAT16)) {
            try (Autocast off = Autocast.disable(Device.Type.CPU)) {
                assertFalse(Autocast.isEnabled(Device.Type.CPU));
                assertEquals(DType.FLOAT32, randn(1, 2, 2).matmul(randn(2, 2, 2)).dtype());
            }
            try (Autocast inner = Autocast.enable(Device.Type.CPU, DType.BFLOAT16)) {
                assertEquals(DType.BFLOAT16, Autocast.dtype(Device.Type.CPU));
                inner.close();
                inner.close(); // idempotent
                assertEquals(DType.FLOAT16, Autocast.dtype(Device.Type.CPU));
            }
            assertEquals(DType.FLOAT16, Autocast.dtype(Device.Type.CPU));
        }
        assertNull(Autocast.dtype(Device.Type.CPU));
    }

    @Test
    void regionsArePerThread() throws Exception {
        try (Autocast ac = Autocast.enable(Device.Type.CPU)) {
            AtomicReference<DType> seen = new AtomicReference<>(DType.BOOL);
            AtomicReference<Throwable> closing = new AtomicReference<>();
            Thread t = new Thread(() -> {
                seen.set(Autocast.dtype(Device.Type.CPU));
                try {
                    ac.close();
                } catch (Throwable e) {
                    closing.set(e);
                }
            });
            t.start();
            t.join();
            assertNull(seen.get(), "another thread is outside the region");
            assertTrue(closing.get() instanceof IllegalStateException, String.valueOf(closing.get()));
            assertTrue(Autocast.isEnabled(Device.Type.CPU));
        }
    }

    @Test
    void badRegionsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Autocast.enable(Device.Type.CPU, DType.FLOAT32));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Autocast.enable(Device.Type.CUDA, DType.FLOAT16));
        assertTrue(e.getMessage().contains("CPU only"), e.getMessage());
        assertFalse(Autocast.isEnabled(Device.Type.CPU));
    }

    @Test
    void gradientsReachFloat32ParametersThroughTheCasts() {
        Tensor x = randn(1, 8, 5);
        Linear a = new Linear(5, 4, true, new Generator(2)), b = new Linear(5, 4, true, new Generator(2));
        Tensor target = randn(3, 8, 4);
        Tensor loss;
        try (Autocast ac = Autocast.enable(Device.Type.CPU, DType.BFLOAT16)) {
            loss = F.mseLoss(a.forward(x), target);
        }
        loss.backward();
        // the same computation with explicit casts
        Tensor manual = F.mseLoss(F.linear(x.bfloat16(), b.weight.bfloat16(), b.bias.bfloat16()).toFloat(), target);
        manual.backward();
        assertEquals(manual.item(), loss.item(), 0.0);
        assertEquals(DType.FLOAT32, a.weight.grad().dtype());
        assertArrayEquals(b.weight.grad().toFloatArray(), a.weight.grad().toFloatArray());
        assertArrayEquals(b.bias.grad().toFloatArray(), a.bias.grad().toFloatArray());
    }

    @Test
    void mixedPrecisionTrainingWithAGradScalerConverges() {
        Generator g = new Generator(4);
        Tensor x = Tensor.randn(g, 128, 2);
        Tensor labels = x.select(1, 0).mul(x.select(1, 1)).gt(0).toLong(); // XOR-like quadrants: needs the hidden layer
        List<Double> finals = new ArrayList<>();
        for (boolean amp : new boolean[] {false, true}) {
            Module model = new Sequential(new Linear(2, 16, true, new Generator(7)), new ReLU(), new Linear(16, 2, true, new Generator(8)));
            SGD opt = new SGD(model.parameters(), 0.5);
            GradScaler scaler = new GradScaler();
            double loss0 = 0, loss = 0;
            for (int step = 0; step < 300; step++) {
                opt.zeroGrad();
                Tensor l;
                try (Autocast ac = amp ? Autocast.enable(Device.Type.CPU, DType.FLOAT16) : Autocast.disable(Device.Type.CPU)) {
                    l = F.crossEntropy(model.forward(x), labels);
                }
                assertEquals(DType.FLOAT32, l.dtype());
                if (amp) {
                    scaler.scale(l).backward();
                    scaler.step(opt);
                    scaler.update();
                } else {
                    l.backward();
                    opt.step();
                }
                if (step == 0) loss0 = l.item();
                loss = l.item();
            }
            for (Tensor p : model.parameters()) assertEquals(DType.FLOAT32, p.dtype(), "master weights stay float32");
            assertTrue(loss < 0.35 * loss0, (amp ? "amp" : "float32") + ": " + loss0 + " -> " + loss);
            finals.add(loss);
        }
        assertTrue(Math.abs(finals.get(0) - finals.get(1)) < 0.1, "float32 " + finals.get(0) + " vs mixed " + finals.get(1));
    }

    @Test
    void theScalerRefusesFloat16GradientsAsPyTorchDoes() {
        Tensor w = randn(1, 3).half().requiresGrad_();
        GradScaler scaler = new GradScaler();
        scaler.scale(w.toFloat().sum()).backward();
        assertEquals(DType.FLOAT16, w.grad().dtype());
        SGD opt = new SGD(List.of(w), 0.1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scaler.step(opt));
        assertEquals("Attempting to unscale FP16 gradients.", e.getMessage());
        Tensor b = randn(2, 3).bfloat16().requiresGrad_();
        GradScaler s2 = new GradScaler(8.0, 2.0, 0.5, 2000);
        s2.scale(b.toFloat().sum()).backward();
        assertTrue(s2.step(new SGD(List.of(b), 0.5)), "bfloat16 gradients are unscaled like float32 ones");
        assertArrayEquals(randn(2, 3).bfloat16().toFloat().sub(0.5).bfloat16().toFloatArray(), b.toFloatArray());
    }

    @Test
    void normLayersAndPReLUAfterALinearLayerRunUnderAutocast() {
        for (DType dt : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
            org.sparkgrad.nn.LayerNorm ln = new org.sparkgrad.nn.LayerNorm(8);
            org.sparkgrad.nn.RMSNorm rms = new org.sparkgrad.nn.RMSNorm(8);
            org.sparkgrad.nn.PReLU prelu = new org.sparkgrad.nn.PReLU();
            Linear lin = new Linear(4, 8, true, new Generator(1));
            Module net = new Sequential(lin, ln, rms, prelu, new Linear(8, 2, true, new Generator(2)));
            Tensor x = randn(3, 6, 4);
            Tensor h;
            Tensor loss;
            try (Autocast ac = Autocast.enable(Device.Type.CPU, dt)) {
                h = ln.forward(lin.forward(x));
                loss = F.crossEntropy(net.forward(x), Tensor.fromArray(new long[] {0, 1, 0, 1, 1, 0}, 6));
            }
            assertEquals(dt, h.dtype(), "layer_norm keeps its 16-bit input's dtype with float32 parameters (mixed type)");
            // the same numbers as the float32 layer norm of the rounded input, rounded once
            assertArrayEquals(bits(ln.forward(F.linear(x.to(dt), lin.weight.to(dt), lin.bias.to(dt)).toFloat()).to(dt)), bits(h));
            loss.backward();
            for (Tensor p : net.parameters()) {
                assertEquals(DType.FLOAT32, p.grad().dtype());
                for (float v : p.grad().toFloatArray()) assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void batchAndGroupNormKeepTheInputsSixteenBitDtype() {
        org.sparkgrad.nn.Conv2d conv = new org.sparkgrad.nn.Conv2d(2, 4, 3, 1, 1);
        org.sparkgrad.nn.BatchNorm2d bn = new org.sparkgrad.nn.BatchNorm2d(4);
        org.sparkgrad.nn.GroupNorm gn = new org.sparkgrad.nn.GroupNorm(2, 4);
        Tensor x = randn(4, 2, 2, 5, 5);
        try (Autocast ac = Autocast.enable(Device.Type.CPU)) {
            Tensor c = conv.forward(x);
            assertEquals(DType.BFLOAT16, c.dtype());
            Tensor b = bn.forward(c), g = gn.forward(c);
            assertEquals(DType.BFLOAT16, b.dtype());
            assertEquals(DType.BFLOAT16, g.dtype());
            b.sum().add(g.sum()).backward();
        }
        assertEquals(DType.FLOAT32, bn.runningMean().dtype(), "running statistics stay float32");
        assertEquals(DType.FLOAT32, bn.weight.grad().dtype());
        assertEquals(DType.FLOAT32, conv.weight.grad().dtype());
    }
}
