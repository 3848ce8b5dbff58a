package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** MHA / SDPA against a plain-loop double reference for mask, layout and weight cases the golden fixtures do not cover. */
class MultiheadAttentionLoopReferenceTest {
    static final Random R = new Random(7);

    static double[] rnd(int n) { double[] a = new double[n]; for (int i = 0; i < n; i++) a[i] = R.nextGaussian(); return a; }

    /** out (B,L,E) and per-head probs (B,H,L,S); add[b][h][i][j] additive mask (may be -inf); batch-first inputs. */
    static double[][] refMha(double[] q, double[] k, double[] v, int b, int l, int s, int e, int h, double[] w, double[] bi,
                             double[] ow, double[] ob, double[][][][] add) {
        int hd = e / h;
        double[] qp = proj(q, b * l, e, w, bi, 0), kp = proj(k, b * s, e, w, bi, e), vp = proj(v, b * s, e, w, bi, 2 * e);
        double[] probs = new double[b * h * l * s], att = new double[b * l * e];
        for (int n = 0; n < b; n++) for (int hh = 0; hh < h; hh++) for (int i = 0; i < l; i++) {
            double[] z = new double[s]; double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < s; j++) {
                double d = 0;
                for (int c = 0; c < hd; c++) d += qp[(n * l + i) * e + hh * hd + c] * kp[(n * s + j) * e + hh * hd + c];
                z[j] = d / Math.sqrt(hd) + (add == null ? 0 : add[n][hh][i][j]);
                mx = Math.max(mx, z[j]);
            }
            double sum = 0;
            for (int j = 0; j < s; j++) { z[j] = Math.exp(z[j] - mx); sum += z[j]; }
            for (int j = 0; j < s; j++) probs[((n * h + hh) * l + i) * s + j] = z[j] / sum;
            for (int c = 0; c < hd; c++) {
                double acc = 0;
                for (int j = 0; j < s; j++) acc += z[j] / sum * vp[(n * s + j) * e + hh * hd + c];
                att[(n * l + i) * e + hh * hd + c] = acc;
            }
        }
        double[] out = new double[b * l * e];
        for (int r = 0; r < b * l; r++) for (int o = 0; o < e; o++) {
            double acc = ob == null ? 0 : ob[o];
            for (int c = 0; c < e; c++) acc += att[r * e + c] * ow[o * e + c];
            out[r * e + o] = acc;
        }
        return new double[][] {out, probs};
    }

    static double[] proj(double[] x, int rows, int e, double[] w, double[] bi, int rowOff) {
        double[] y = new double[rows * e];
        for (int r = 0; r < rows; r++) for (int o = 0; o < e; o++) {
            double acc = bi == null ? 0 : bi[rowOff + o];
            for (int c = 0; c < e; c++) acc += x[r * e + c] * w[(rowOff + o) * e + c];
            y[r * e + o] = acc;
        }
        return y;
    }

    static double[] avg(double[] probs, int b, int h, int l, int s) {
        double[] a = new double[b * l * s];
        for (int n = 0; n < b; n++) for (int hh = 0; hh < h; hh++) for (int x = 0; x < l * s; x++) a[n * l * s + x] += probs[(n * h + hh) * l * s + x] / h;
        return a;
    }

    static Tensor t(double[] a, int... shape) { return Tensor.fromArray(a, shape); }

    static void close(double[] exp, Tensor act, double tol) {
        double[] a = act.contiguous().toDoubleArray();
        assertEquals(exp.length, a.length);
        for (int i = 0; i < a.length; i++) assertEquals(exp[i], a[i], tol, "at " + i);
    }

    final int b = 2, l = 3, s = 4, e = 6, h = 3;
    final double[] w = rnd(3 * e * e), bi = rnd(3 * e), ow = rnd(e * e), ob = rnd(e);
    final double[] q = rnd(b * l * e), k = rnd(b * s * e), v = rnd(b * s * e);

    MultiheadAttention.Output f(Tensor kpm, Tensor am, boolean needW, boolean avg, boolean causal) {
        return MultiheadAttention.multiHeadAttentionForward(t(q, b, l, e), t(k, b, s, e), t(v, b, s, e), h, t(w, 3 * e, e), t(bi, 3 * e),
                t(ow, e, e), t(ob, e), kpm, needW, am, avg, causal, 0, null);
    }

    @Test
    void floatKpmPlus3dBoolAttnMaskWithWeights() {
        double[] kpm = new double[b * s];
        kpm[1] = -1.5; kpm[s + 3] = Double.NEGATIVE_INFINITY; kpm[2] = 0.7;
        boolean[] am = new boolean[b * h * l * s];
        am[5] = true; am[l * s * 4 + 2] = true; am[l * s * 5 + 7] = true;
        double[][][][] add = new double[b][h][l][s];
        for (int n = 0; n < b; n++) for (int hh = 0; hh < h; hh++) for (int i = 0; i < l; i++) for (int j = 0; j < s; j++) {
            add[n][hh][i][j] = kpm[n * s + j] + (am[((n * h + hh) * l + i) * s + j] ? Double.NEGATIVE_INFINITY : 0);
        }
        double[][] ref = refMha(q, k, v, b, l, s, e, h, w, bi, ow, ob, add);
        for (boolean needW : new boolean[] {false, true}) {
            MultiheadAttention.Output o = f(t(kpm, b, s), Tensor.fromArray(am, b * h, l, s), needW, false, false);
            close(ref[0], o.output, 1e-10);
            if (needW) { assertArrayEquals(new int[] {b, h, l, s}, o.weights.shape()); close(ref[1], o.weights, 1e-12); }
        }
        MultiheadAttention.Output o = f(t(kpm, b, s), Tensor.fromArray(am, b * h, l, s), true, true, false);
        assertArrayEquals(new int[] {b, l, s}, o.weights.shape());
        close(avg(ref[1], b, h, l, s), o.weights, 1e-12);
    }

    @Test
    void float2dMaskBoolKpmAndCausal() {
        double[] am = rnd(l * s);
        boolean[] kpm = new boolean[b * s];
        kpm[0] = true; kpm[s + 2] = true;
        double[][][][] add = new double[b][h][l][s];
        for (int n = 0; n < b; n++) for (int hh = 0; hh < h; hh++) for (int i = 0; i < l; i++) for (int j = 0; j < s; j++) {
            add[n][hh][i][j] = am[i * s + j] + (kpm[n * s + j] ? Double.NEGATIVE_INFINITY : 0) + (j > i ? Double.NEGATIVE_INFINITY : 0);
        }
        double[][] ref = refMha(q, k, v, b, l, s, e, h, w, bi, ow, ob, add);
        for (boolean needW : new boolean[] {false, true}) {
            MultiheadAttention.Output o = f(Tensor.fromArray(kpm, b, s), t(am, l, s), needW, true, true);
            close(ref[0], o.output, 1e-10);
            if (needW) close(avg(ref[1], b, h, l, s), o.weights, 1e-12);
        }
    }

    @Test
    void moduleSequenceFirstSelfAttentionWithMasks() {
        MultiheadAttention m = new MultiheadAttention(e, h, 0.0, true, false, new Generator(1));
        m.to(DType.FLOAT64);
        try (org.sparkgrad.autograd.GradMode.Guard g = org.sparkgrad.autograd.GradMode.noGrad()) {
            m.inProjWeight.copy_(t(w, 3 * e, e)); m.inProjBias.copy_(t(bi, 3 * e)); m.outProj.weight.copy_(t(ow, e, e)); m.outProj.bias.copy_(t(ob, e));
        }
        double[] x = rnd(b * s * e);
        boolean[] am = new boolean[s * s];
        am[1] = true; am[7] = true;
        boolean[] kpm = new boolean[b * s];
        kpm[3] = true;
        double[][][][] add = new double[b][h][s][s];
        for (int n = 0; n < b; n++) for (int hh = 0; hh < h; hh++) for (int i = 0; i < s; i++) for (int j = 0; j < s; j++) {
            add[n][hh][i][j] = (am[i * s + j] || kpm[n * s + j]) ? Double.NEGATIVE_INFINITY : 0;
        }
        double[][] ref = refMha(x, x, x, b, s, s, e, h, w, bi, ow, ob, add);
        // sequence-first: (S, B, E)
        Tensor xs = t(x, b, s, e).transpose(0, 1).contiguous();
        for (boolean needW : new boolean[] {false, true}) {
            MultiheadAttention.Output o = m.forward(xs, xs, xs, Tensor.fromArray(kpm, b, s), needW, Tensor.fromArray(am, s, s), true, false);
            assertArrayEquals(new int[] {s, b, e}, o.output.shape());
            close(ref[0], o.output.transpose(0, 1), 1e-10);
            if (needW) { assertArrayEquals(new int[] {b, s, s}, o.weights.shape()); close(avg(ref[1], b, h, s, s), o.weights, 1e-12); }
        }
        // unbatched (S, E), kpm (S), 3-D mask (H, S, S)
        double[] x0 = java.util.Arrays.copyOf(x, s * e);
        boolean[] am3 = new boolean[h * s * s];
        am3[2] = true; am3[s * s + 4] = true;
        double[][][][] add0 = new double[1][h][s][s];
        for (int hh = 0; hh < h; hh++) for (int i = 0; i < s; i++) for (int j = 0; j < s; j++) {
            add0[0][hh][i][j] = (am3[(hh * s + i) * s + j] || kpm[j]) ? Double.NEGATIVE_INFINITY : 0;
        }
        double[][] ref0 = refMha(x0, x0, x0, 1, s, s, e, h, w, bi, ow, ob, add0);
        Tensor xu = t(x0, s, e);
        for (boolean needW : new boolean[] {false, true}) {
            MultiheadAttention.Output o = m.forward(xu, xu, xu, Tensor.fromArray(java.util.Arrays.copyOf(kpm, s), s), needW,
                    Tensor.fromArray(am3, h, s, s), false, false);
            assertArrayEquals(new int[] {s, e}, o.output.shape());
            close(ref0[0], o.output, 1e-10);
            if (needW) { assertArrayEquals(new int[] {h, s, s}, o.weights.shape()); close(ref0[1], o.weights, 1e-12); }
        }
    }

    @Test
    void float32Path() {
        double[][] ref = refMha(q, k, v, b, l, s, e, h, w, bi, ow, ob, null);
        for (boolean needW : new boolean[] {false, true}) {
            MultiheadAttention.Output o = MultiheadAttention.multiHeadAttentionForward(t(q, b, l, e).to(DType.FLOAT32), t(k, b, s, e).to(DType.FLOAT32),
                    t(v, b, s, e).to(DType.FLOAT32), h, t(w, 3 * e, e).to(DType.FLOAT32), t(bi, 3 * e).to(DType.FLOAT32),
                    t(ow, e, e).to(DType.FLOAT32), t(ob, e).to(DType.FLOAT32), null, needW, null, true, false, 0, null);
            close(ref[0], o.output, 1e-4);
        }
    }

    @Test
    void dropoutOnlyInTraining() {
        MultiheadAttention m = new MultiheadAttention(e, h, 0.5, true, true, new Generator(1));
        m.to(DType.FLOAT64);
        Tensor x = t(q, b, l, e);
        m.eval();
        Tensor a = m.forward(x), c = m.forward(x);
        close(a.toDoubleArray(), c, 0);
        MultiheadAttention.Output ow1 = m.forward(x, x, x, null, true, null, true, false);
        close(a.toDoubleArray(), ow1.output, 1e-12);
        m.train();
        MultiheadAttention.Output tr = m.forward(x, x, x, null, true, null, false, false);
        double[] p = tr.weights.toDoubleArray();
        boolean zero = false, two = false;
        for (double d : p) { if (d == 0) zero = true; if (d > 1.0 + 1e-9) two = true; }
        assertTrue(zero);
    }
}
