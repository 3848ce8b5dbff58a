package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sparkgrad.cuda.conformance.ConformanceDevices;
import org.sparkgrad.optim.Adam;
import org.sparkgrad.optim.AdamW;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * Numeric checks of the CudaOps kernels on a real GPU (skipped, with the discovery's reason, without one).
 * Oracles independent of the kernels: adjoint identities of linear ops, a direct N-d convolution, the engine's
 * CPU optimizers and autograd, the Philox Java twin.
 */
class CudaOpsGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach
    void needsAGpu() {
        ConformanceDevices.assume(GPU);
    }

    private static double[] rnd(int n, long seed) {
        Random r = new Random(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
        return v;
    }

    private static double dot(Tensor a, Tensor b) {
        double[] x = a.to(Device.CPU).toDoubleArray(), y = b.to(Device.CPU).toDoubleArray();
        assertEquals(x.length, y.length);
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }

    private static int[] shape(int n, int c, int[] spatial) {
        int[] s = new int[spatial.length + 2];
        s[0] = n;
        s[1] = c;
        System.arraycopy(spatial, 0, s, 2, spatial.length);
        return s;
    }

    private static int prod(int[] a) {
        int p = 1;
        for (int v : a) p *= v;
        return p;
    }

    /** Direct convolution (N, C, *in) * (O, C, *k) -> (N, O, *out), no groups. */
    private static double[] directConv(double[] x, double[] w, int n, int c, int o, WindowGeometry g, int[] stride,
                                       int[] pad, int[] dil) {
        int[] in = g.in(), k = g.kernel(), out = g.out();
        int nd = in.length, ip = prod(in), kp = prod(k), op = prod(out);
        double[] y = new double[n * o * op];
        int[] oc = new int[nd], kc = new int[nd];
        for (int b = 0; b < n; b++)
            for (int f = 0; f < o; f++)
                for (int of = 0; of < op; of++) {
                    unflatten(of, out, oc);
                    double s = 0;
                    for (int ch = 0; ch < c; ch++)
                        for (int kf = 0; kf < kp; kf++) {
                            unflatten(kf, k, kc);
                            int xf = 0;
                            boolean inside = true;
                            for (int dd = 0; dd < nd; dd++) {
                                int xi = oc[dd] * stride[dd] - pad[dd] + kc[dd] * dil[dd];
                                inside &= xi >= 0 && xi < in[dd];
                                xf = xf * in[dd] + xi;
                            }
                            if (inside) s += x[(b * c + ch) * ip + xf] * w[(f * c + ch) * kp + kf];
                        }
                    y[(b * o + f) * op + of] = s;
                }
        return y;
    }

    private static void unflatten(int flat, int[] sizes, int[] out) {
        for (int d = sizes.length - 1; d >= 0; d--) {
            out[d] = flat % sizes[d];
            flat /= sizes[d];
        }
    }

    @Test
    void convolutionByIm2colAndGemmMatchesDirectConvolutionInOneToFourDims() {
        int[][] ins = {{11}, {7, 8}, {5, 6, 7}, {4, 5, 4, 5}};
        for (int[] in : ins) {
            int nd = in.length, n = 2, c = 3, o = 4;
            int[] k = new int[nd], s = new int[nd], p = new int[nd], dl = new int[nd];
            for (int i = 0; i < nd; i++) {
                k[i] = 2 + i % 2;
                s[i] = 1 + i % 2;
                p[i] = i % 2;
                dl[i] = 1 + (i == 0 ? 1 : 0);
            }
            WindowGeometry g = WindowGeometry.conv(in, k, s, p, dl);
            double[] x = rnd(n * c * prod(in), 1), w = rnd(o * c * prod(k), 2);
            Tensor col = CudaOps.im2col(Tensor.fromArray(x, shape(n, c, in)).to(GPU), g);   // (N, C*kp, op)
            Tensor wm = Tensor.fromArray(w, o, c * prod(k)).to(GPU);
            Tensor y = wm.matmul(col);                                                      // (N, O, op)
            double[] want = directConv(x, w, n, c, o, g, s, p, dl);
            double[] got = y.to(Device.CPU).toDoubleArray();
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-10, nd + "-d conv element " + i);
            // col2im is im2col's adjoint: <im2col(x), c> == <x, col2im(c)>
            Tensor cr = Tensor.fromArray(rnd((int) col.numel(), 3), col.shape()).to(GPU);
            Tensor xt = Tensor.fromArray(x, shape(n, c, in)).to(GPU);
            assertEquals(dot(col, cr), dot(xt, CudaOps.col2im(cr, c, g)), 1e-9, nd + "-d col2im adjoint");
        }
    }

    @Test
    void poolingAgainstReferencesAndAdjoints() {
        int[] in = {7, 9};
        WindowGeometry g = WindowGeometry.pool(in, new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 2}, true);
        double[] x = rnd(2 * 3 * 63, 4);
        Tensor xt = Tensor.fromArray(x, 2, 3, 7, 9).to(GPU);
        Tensor[] mp = CudaOps.maxPool(xt, g);
        double[] v = mp[0].to(Device.CPU).toDoubleArray();
        long[] idx = mp[1].to(Device.CPU).toLongArray();
        int[] out = g.out();
        for (int pl = 0; pl < 6; pl++)
            for (int oy = 0; oy < out[0]; oy++)
                for (int ox = 0; ox < out[1]; ox++) {
                    double best = Double.NEGATIVE_INFINITY;
                    int at = -1;
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 2; kx++) {
                            int iy = oy * 2 - 1 + ky, ix = ox * 2 - 1 + kx * 2;
                            if (iy < 0 || iy >= 7 || ix < 0 || ix >= 9) continue;
                            double e = x[pl * 63 + iy * 9 + ix];
                            if (at < 0 || e > best) {
                                best = e;
                                at = iy * 9 + ix;
                            }
                        }
                    int o = (pl * out[0] + oy) * out[1] + ox;
                    assertEquals(best, v[o], 0, "max pool value " + o);
                    assertEquals(at, idx[o], "max pool index " + o);
                }
        // max pool backward routes each gradient to its argmax: <maxpool(x), g> == <x, backward(g)>
        Tensor gr = Tensor.fromArray(rnd((int) mp[0].numel(), 5), mp[0].shape()).to(GPU);
        assertEquals(dot(mp[0], gr), dot(xt, CudaOps.maxPoolBackward(gr, mp[1], g)), 1e-9, "max pool backward");
        WindowGeometry ga = WindowGeometry.pool(in, new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true);
        for (boolean include : new boolean[] {false, true}) {
            Tensor ap = CudaOps.avgPool(xt, ga, include, 0);
            Tensor g2 = Tensor.fromArray(rnd((int) ap.numel(), 6), ap.shape()).to(GPU);
            assertEquals(dot(ap, g2), dot(xt, CudaOps.avgPoolBackward(g2, ga, include, 0)), 1e-9, "avg pool adjoint");
        }
        WindowGeometry ad = WindowGeometry.adaptive(in, new int[] {3, 4});
        Tensor aa = CudaOps.adaptiveAvgPool(xt, ad);
        Tensor g3 = Tensor.fromArray(rnd((int) aa.numel(), 7), aa.shape()).to(GPU);
        assertEquals(dot(aa, g3), dot(xt, CudaOps.adaptiveAvgPoolBackward(g3, ad)), 1e-9, "adaptive avg adjoint");
        double[] first = aa.to(Device.CPU).toDoubleArray();
        double s = 0;
        for (int iy = 0; iy < 3; iy++) for (int ix = 0; ix < 3; ix++) s += x[iy * 9 + ix];   // window [0,3)x[0,3)
        assertEquals(s / 9, first[0], 1e-12, "adaptive avg window");
    }

    @Test
    void layerNormMatchesTheEngineOnTheCpu() {
        double[] x = rnd(6 * 10, 8), w = rnd(10, 9), b = rnd(10, 10), gy = rnd(60, 11);
        Tensor xc = Tensor.fromArray(x, 6, 10).requiresGrad_();
        Tensor wc = Tensor.fromArray(w, 10).requiresGrad_(), bc = Tensor.fromArray(b, 10).requiresGrad_();
        Tensor mean = xc.mean(1, true);
        Tensor var = xc.var(new int[] {1}, false, true);
        Tensor yc = xc.sub(mean).div(var.add(1e-5).sqrt()).mul(wc).add(bc);
        yc.backward(Tensor.fromArray(gy, 6, 10));
        Tensor[] f = CudaOps.layerNorm(Tensor.fromArray(x, 6, 10).to(GPU), 10, Tensor.fromArray(w, 10).to(GPU),
                Tensor.fromArray(b, 10).to(GPU), 1e-5);
        assertArrayEquals(yc.detach().toDoubleArray(), f[0].to(Device.CPU).toDoubleArray(), 1e-12);
        Tensor[] bw = CudaOps.layerNormBackward(Tensor.fromArray(gy, 6, 10).to(GPU), Tensor.fromArray(x, 6, 10).to(GPU),
                f[1], f[2], Tensor.fromArray(w, 10).to(GPU));
        assertArrayEquals(xc.grad().toDoubleArray(), bw[0].to(Device.CPU).toDoubleArray(), 1e-11);
        assertArrayEquals(wc.grad().toDoubleArray(), bw[1].to(Device.CPU).toDoubleArray(), 1e-11);
        assertArrayEquals(bc.grad().toDoubleArray(), bw[2].to(Device.CPU).toDoubleArray(), 1e-11);
    }

    @Test
    void fusedOptimizerStepsMatchTheEnginesOptimizers() {
        double[] p0 = rnd(50, 12);
        double[][] grads = {rnd(50, 13), rnd(50, 14), rnd(50, 15)};
        // Adam with amsgrad and L2 decay; AdamW; SGD with Nesterov momentum
        Tensor pa = Tensor.fromArray(p0.clone(), 50).requiresGrad_();
        Tensor pw = Tensor.fromArray(p0.clone(), 50).requiresGrad_();
        Tensor ps = Tensor.fromArray(p0.clone(), 50).requiresGrad_();
        Adam adam = new Adam(List.of(pa)).lr(0.01).weightDecay(0.1).amsgrad(true);
        AdamW adamw = new AdamW(List.of(pw)).lr(0.01).weightDecay(0.05);
        SGD sgd = new SGD(List.of(ps), 0.1).momentum(0.9).nesterov(true).weightDecay(0.01);
        Tensor ga = Tensor.fromArray(p0.clone(), 50).to(GPU), gw = Tensor.fromArray(p0.clone(), 50).to(GPU);
        Tensor gs = Tensor.fromArray(p0.clone(), 50).to(GPU);
        Tensor m1 = Tensor.zeros(DType.FLOAT64, 50).to(GPU), v1 = Tensor.zeros(DType.FLOAT64, 50).to(GPU);
        Tensor x1 = Tensor.zeros(DType.FLOAT64, 50).to(GPU), m2 = Tensor.zeros(DType.FLOAT64, 50).to(GPU);
        Tensor v2 = Tensor.zeros(DType.FLOAT64, 50).to(GPU), buf = Tensor.zeros(DType.FLOAT64, 50).to(GPU);
        for (int step = 1; step <= 3; step++) {
            double[] g = grads[step - 1];
            pa.setGrad(Tensor.fromArray(g, 50));
            pw.setGrad(Tensor.fromArray(g, 50));
            ps.setGrad(Tensor.fromArray(g, 50));
            adam.step();
            adamw.step();
            sgd.step();
            Tensor gg = Tensor.fromArray(g, 50).to(GPU);
            CudaOps.adamStep(ga, gg, m1, v1, x1, 0.01, 0.9, 0.999, 1e-8, 0.1, false, true, false, step);
            CudaOps.adamStep(gw, gg, m2, v2, null, 0.01, 0.9, 0.999, 1e-8, 0.05, true, false, false, step);
            CudaOps.sgdStep(gs, gg, buf, 0.1, 0.9, 0, 0.01, true, false, step == 1);
        }
        assertArrayEquals(pa.detach().toDoubleArray(), ga.to(Device.CPU).toDoubleArray(), 1e-13, "adam amsgrad");
        assertArrayEquals(pw.detach().toDoubleArray(), gw.to(Device.CPU).toDoubleArray(), 1e-13, "adamw");
        assertArrayEquals(ps.detach().toDoubleArray(), gs.to(Device.CPU).toDoubleArray(), 1e-13, "sgd nesterov");
    }

    @Test
    void randomStreamsAndDropoutMasksMatchThePhiloxTwin() {
        int n = 10_001;
        Tensor u = Tensor.zeros(DType.FLOAT32, n).to(GPU);
        CudaOps.uniform_(u, 0, 1, 1234, 5);
        float[] got = u.to(Device.CPU).toFloatArray();
        for (int i = 0; i < n; i++) assertEquals(Philox.uniformFloat(1234, 5, i), got[i], 0, "uniform " + i);
        Tensor x = Tensor.ones(n).to(GPU);
        Tensor[] d = CudaOps.dropout(x, 0.3, 99, 0);
        boolean[] mask = d[1].to(Device.CPU).toBooleanArray();
        float[] y = d[0].to(Device.CPU).toFloatArray();
        int kept = 0;
        for (int i = 0; i < n; i++) {
            assertEquals(Philox.uniformFloat(99, 0, i) < 0.7f, mask[i], "mask " + i);
            assertEquals(mask[i] ? 1 / 0.7f : 0f, y[i], 1e-6f);
            if (mask[i]) kept++;
        }
        assertTrue(Math.abs(kept / (double) n - 0.7) < 0.02, "keep rate " + kept / (double) n);
        Tensor z = Tensor.zeros(DType.FLOAT64, n).to(GPU);
        CudaOps.normal_(z, 0, 1, 7, 0);
        double[] zs = z.to(Device.CPU).toDoubleArray();
        double mean = 0, m2 = 0;
        for (double v : zs) mean += v / n;
        for (double v : zs) m2 += (v - mean) * (v - mean) / n;
        assertEquals(0, mean, 0.05);
        assertEquals(1, m2, 0.05);
    }
}
