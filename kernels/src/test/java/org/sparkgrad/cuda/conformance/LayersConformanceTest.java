package org.sparkgrad.cuda.conformance;

import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertClose;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assertOn;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.assume;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.tensor;
import static org.sparkgrad.cuda.conformance.ConformanceDevices.values;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.backend.Backend;
import org.sparkgrad.backend.Backends;
import org.sparkgrad.backend.PoolWindows;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * Conv/pool, norm, attention and linear SPI methods of each backend against the CPU backend's results (whose
 * values core-engine's own suites prove against PyTorch formulas). On the CPU this is the identity; on cuda:0 it
 * checks the native kernels' values, which the recording-device wiring tests cannot.
 */
class LayersConformanceTest {
    private static final Backend CPU = Backends.cpu();

    private static Tensor t(DType dt, long seed, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        return tensor(dt, values(n, seed), shape);
    }

    private static void close(String what, Tensor want, Tensor got, Device d, DType dt) {
        if (want == null) return;
        assertOn(d, got);
        assertClose(what, want.toDoubleArray(), got, dt == DType.FLOAT64 ? 1e-9 : 1e-4);
    }

    private static Tensor on(Tensor t, Device d) {
        return t == null ? null : t.to(d);
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void convolutionAndPooling(Device d) {
        assume(d);
        Backend be = Backends.forDevice(d);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = t(dt, 1, 2, 4, 7, 6), w = t(dt, 2, 6, 2, 3, 2), b = t(dt, 3, 6);
            int[] s = {2, 1}, p = {1, 1}, dil = {1, 2};
            Tensor y = CPU.conv(x, w, b, s, p, dil, 2);
            close("conv " + dt, y, be.conv(on(x, d), on(w, d), on(b, d), s, p, dil, 2), d, dt);
            Tensor g = t(dt, 4, y.shape());
            close("conv backward input " + dt, CPU.convBackwardInput(g, w, new int[] {7, 6}, s, p, dil, 2),
                    be.convBackwardInput(on(g, d), on(w, d), new int[] {7, 6}, s, p, dil, 2), d, dt);
            close("conv backward weight " + dt, CPU.convBackwardWeight(x, g, new int[] {3, 2}, s, p, dil, 2),
                    be.convBackwardWeight(on(x, d), on(g, d), new int[] {3, 2}, s, p, dil, 2), d, dt);
            for (PoolWindows pw : new PoolWindows[] {
                    PoolWindows.regular(new int[] {7, 6}, new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true, false, null),
                    PoolWindows.regular(new int[] {7, 6}, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0}, new int[] {1, 1}, false, true, 5),
                    PoolWindows.adaptive(new int[] {7, 6}, new int[] {3, 4})}) {
                Tensor[] m = CPU.maxPool(x, pw), mg = be.maxPool(on(x, d), pw);
                close("max pool " + dt, m[0], mg[0], d, dt);
                close("max pool indices " + dt, m[1], mg[1], d, DType.FLOAT64);
                Tensor go = t(dt, 5, m[0].shape());
                close("max pool backward " + dt, CPU.maxPoolBackward(go, m[1], x.shape()),
                        be.maxPoolBackward(on(go, d), on(m[1], d), x.shape()), d, dt);
                close("avg pool " + dt, CPU.avgPool(x, pw), be.avgPool(on(x, d), pw), d, dt);
                close("avg pool backward " + dt, CPU.avgPoolBackward(go, pw, x.shape()), be.avgPoolBackward(on(go, d), pw, x.shape()), d, dt);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void normalisation(Device d) {
        assume(d);
        Backend be = Backends.forDevice(d);
        boolean[] all = {true, true, true};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = t(dt, 11, 3, 4, 5), w = t(dt, 12, 4, 5), b = t(dt, 13, 4, 5), g = t(dt, 14, 3, 4, 5);
            for (boolean rms : new boolean[] {false, true}) {
                Tensor[] c = CPU.layerNorm(x, 20, w, b, 1e-5, rms), r = be.layerNorm(on(x, d), 20, on(w, d), on(b, d), 1e-5, rms);
                for (int i = 0; i < 3; i++) close("layer norm rms=" + rms + " [" + i + "]", c[i], r[i], d, dt);
                boolean[] need = rms ? new boolean[] {true, true, false} : all;
                Tensor[] cb = CPU.layerNormBackward(g, x, c[1], c[2], w, 20, rms, need);
                Tensor[] rb = be.layerNormBackward(on(g, d), on(x, d), on(c[1], d), on(c[2], d), on(w, d), 20, rms, need);
                for (int i = 0; i < 3; i++) close("layer norm backward rms=" + rms + " [" + i + "]", cb[i], rb[i], d, dt);
            }
            Tensor x4 = t(dt, 15, 2, 4, 3, 2), w4 = t(dt, 16, 4), b4 = t(dt, 17, 4), g4 = t(dt, 18, 2, 4, 3, 2);
            for (boolean training : new boolean[] {true, false}) {
                Tensor rm = t(dt, 19, 4), rv = t(dt, 20, 4).abs().add(0.5);
                Tensor rmd = on(rm, d), rvd = on(rv, d);
                Tensor[] c = CPU.batchNorm(x4, w4, b4, rm, rv, training, 0.1, 1e-5);
                Tensor[] r = be.batchNorm(on(x4, d), on(w4, d), on(b4, d), rmd, rvd, training, 0.1, 1e-5);
                for (int i = 0; i < 3; i++) close("batch norm training=" + training + " [" + i + "]", c[i], r[i], d, dt);
                close("running mean", rm, rmd, d, dt);
                close("running var", rv, rvd, d, dt);
                Tensor[] cb = CPU.batchNormBackward(g4, x4, w4, c[1], c[2], training, all);
                Tensor[] rb = be.batchNormBackward(on(g4, d), on(x4, d), on(w4, d), on(c[1], d), on(c[2], d), training, all);
                for (int i = 0; i < 3; i++) close("batch norm backward training=" + training + " [" + i + "]", cb[i], rb[i], d, dt);
            }
            Tensor[] c = CPU.groupNorm(x4, 2, w4, b4, 1e-5), r = be.groupNorm(on(x4, d), 2, on(w4, d), on(b4, d), 1e-5);
            for (int i = 0; i < 3; i++) close("group norm [" + i + "]", c[i], r[i], d, dt);
            Tensor[] cb = CPU.groupNormBackward(g4, x4, c[1], c[2], w4, 2, all);
            Tensor[] rb = be.groupNormBackward(on(g4, d), on(x4, d), on(c[1], d), on(c[2], d), on(w4, d), 2, all);
            for (int i = 0; i < 3; i++) close("group norm backward [" + i + "]", cb[i], rb[i], d, dt);
        }
    }

    @ParameterizedTest
    @MethodSource("org.sparkgrad.cuda.conformance.ConformanceDevices#devices")
    void attentionAndLinear(Device d) {
        assume(d);
        Backend be = Backends.forDevice(d);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor q = t(dt, 21, 2, 3, 4, 6), k = t(dt, 22, 2, 3, 5, 6), v = t(dt, 23, 2, 3, 5, 7);
            Tensor mask = t(dt, 24, 2, 1, 4, 5).gt(Tensor.scalar(-1.5, dt)), keep = t(dt, 25, 2, 3, 4, 5).abs();
            Tensor grad = t(dt, 26, 2, 3, 4, 7);
            for (boolean causal : new boolean[] {false, true}) {
                Tensor cp = Tensor.zeros(dt, 2, 3, 4, 5), co = Tensor.zeros(dt, 2, 3, 4, 7);
                CPU.attentionForward(q, k, v, mask, causal, 0.4, keep, cp, co);
                Tensor rp = Tensor.zeros(dt, d, 2, 3, 4, 5), ro = Tensor.zeros(dt, d, 2, 3, 4, 7);
                be.attentionForward(on(q, d), on(k, d), on(v, d), on(mask, d), causal, 0.4, on(keep, d), rp, ro);
                close("attention probs causal=" + causal, cp, rp, d, dt);
                close("attention out causal=" + causal, co, ro, d, dt);
                Tensor[] c = {Tensor.zeros(dt, 2, 3, 4, 6), Tensor.zeros(dt, 2, 3, 5, 6), Tensor.zeros(dt, 2, 3, 5, 7), Tensor.zeros(dt, 2, 3, 4, 5)};
                Tensor[] r = {Tensor.zeros(dt, d, 2, 3, 4, 6), Tensor.zeros(dt, d, 2, 3, 5, 6), Tensor.zeros(dt, d, 2, 3, 5, 7),
                        Tensor.zeros(dt, d, 2, 3, 4, 5)};
                CPU.attentionBackward(grad, q, k, v, cp, keep, 0.4, causal, c[0], c[1], c[2], c[3]);
                be.attentionBackward(on(grad, d), on(q, d), on(k, d), on(v, d), on(cp, d), on(keep, d), 0.4, causal, r[0], r[1], r[2], r[3]);
                for (int i = 0; i < 4; i++) close("attention backward causal=" + causal + " [" + i + "]", c[i], r[i], d, dt);
                Tensor s = t(dt, 27, 2, 3, 4, 5);
                close("masked softmax causal=" + causal, CPU.maskedSoftmax_(s.contiguousCopy(), 0.7, mask, causal),
                        be.maskedSoftmax_(on(s, d).contiguousCopy(), 0.7, on(mask, d), causal), d, dt);
            }
            Tensor x = t(dt, 28, 5, 4), w = t(dt, 29, 3, 4), b = t(dt, 30, 3), g = t(dt, 31, 5, 3);
            close("linear " + dt, CPU.linear(x, w, b), be.linear(on(x, d), on(w, d), on(b, d)), d, dt);
            Tensor[] c = CPU.linearBackward(g, x, w, new boolean[] {true, true, true});
            Tensor[] r = be.linearBackward(on(g, d), on(x, d), on(w, d), new boolean[] {true, true, true});
            for (int i = 0; i < 3; i++) close("linear backward [" + i + "]", c[i], r[i], d, dt);
        }
    }
}
