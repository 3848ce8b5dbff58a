package org.sparkgrad.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkgrad.amp.Autocast;
import org.sparkgrad.nn.F;
import org.sparkgrad.nn.Linear;
import org.sparkgrad.nn.Module;
import org.sparkgrad.nn.ReLU;
import org.sparkgrad.nn.Sequential;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

class LocalTrainerTest {
    private static Module net() {
        return new Sequential(new Linear(2, 16, true, new Generator(7)), new ReLU(), new Linear(16, 2, true, new Generator(8)));
    }

    /** Final loss of 150 Adam steps on a quadrant problem (labels = sign(x0 * x1)). */
    private static double train(DType autocast) {
        Generator g = new Generator(4);
        Tensor x = Tensor.randn(g, 128, 2);
        Tensor y = x.select(1, 0).mul(x.select(1, 1)).gt(0).toLong();
        Module m = net();
        Optimizer opt = Optimizers.create("adam", m.parameters(), 0.02, Map.of());
        LocalTrainer t = new LocalTrainer(m, opt, "cross_entropy", autocast);
        double first = t.step(x, y, 0.02), last = first;
        for (int i = 1; i < 150; i++) last = t.step(x, y, 0.02);
        for (Tensor p : m.parameters()) assertEquals(DType.FLOAT32, p.dtype(), "float32 master weights");
        assertTrue(last < 0.3 * first, autocast + ": " + first + " -> " + last);
        assertTrue(!Autocast.isEnabled(Device.Type.CPU), "the region is closed after the step");
        return last;
    }

    @Test
    void mixedPrecisionTrainsLikeFloat32() {
        double f32 = train(null), bf16 = train(DType.BFLOAT16), f16 = train(DType.FLOAT16);
        assertTrue(Math.abs(bf16 - f32) < 0.1, "bfloat16 " + bf16 + " vs float32 " + f32);
        assertTrue(Math.abs(f16 - f32) < 0.05, "float16 " + f16 + " vs float32 " + f32);
    }

    @Test
    void float16UsesALossScalerAndBFloat16DoesNot() {
        Module m = net();
        Optimizer opt = Optimizers.create("sgd", m.parameters(), 0.1, Map.of());
        assertNotNull(new LocalTrainer(m, opt, "mse", DType.FLOAT16).scaler());
        assertNull(new LocalTrainer(m, opt, "mse", DType.BFLOAT16).scaler());
        assertNull(new LocalTrainer(m, opt, "mse").scaler());
        assertThrows(IllegalArgumentException.class, () -> new LocalTrainer(m, opt, "mse", DType.FLOAT64));
    }

    @Test
    void aRegressionTargetIsNotRoundedToTheSixteenBitOutput() {
        Tensor out = Tensor.fromArray(new float[] {1f, 2f}, 2).bfloat16();
        Tensor target = Tensor.fromArray(new float[] {1.001f, 2.003f}, 2);
        Tensor l;
        try (Autocast ac = Autocast.enable(Device.Type.CPU)) {
            l = Objectives.loss("mse", out, target);
        }
        assertEquals(DType.FLOAT32, l.dtype());
        assertEquals(F.mseLoss(out.toFloat(), target).item(), l.item(), 0.0);
        // outside a region a 16-bit model's loss stays in its own dtype, as before
        assertEquals(DType.BFLOAT16, Objectives.loss("mse", out, target).dtype());
    }

    @Test
    void aFloat64TargetTrainsUnderAutocast() {
        Module m = new Linear(4, 1, true, new Generator(2));
        LocalTrainer t = new LocalTrainer(m, Optimizers.create("sgd", m.parameters(), 0.1, Map.of()), "mse", DType.BFLOAT16);
        double l = t.step(Tensor.randn(new Generator(3), 8, 4), Tensor.randn(new Generator(4), 8).toDouble(), 0.1);
        assertTrue(Double.isFinite(l));
    }

    @Test
    void theFloat16ScalerStartsWhereItIsToldAndCountsSkippedSteps() {
        Module m = net();
        Optimizer opt = Optimizers.create("sgd", m.parameters(), 0.1, Map.of());
        LocalTrainer t = new LocalTrainer(m, opt, "cross_entropy", DType.FLOAT16, 0x1p40);
        assertEquals(0x1p40, t.scaler().getScale(), 0.0);
        Tensor x = Tensor.randn(new Generator(5), 16, 2).mul(10);
        Tensor y = Tensor.fromArray(new long[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 16);
        for (int i = 0; i < 30; i++) t.step(x, y, 0.1);
        assertTrue(t.skippedSteps() > 0, "2^40 overflows float16 gradients");
        assertTrue(t.scaler().getScale() < 0x1p40, "and backs off: " + t.scaler().getScale());
        assertTrue(t.skippedSteps() < 30);
    }
}
