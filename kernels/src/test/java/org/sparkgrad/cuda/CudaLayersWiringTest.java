package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sparkgrad.backend.CpuBackend;
import org.sparkgrad.backend.PoolWindows;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * The conv/pool, norm, attention and linear SPI methods of CudaBackend on a recording device (no GPU): each must
 * run natively (no tensor data downloaded, which is what the SPI's host defaults do), launch only kernels of the
 * committed PTX with argument lists matching their PTX parameter lists, and return what the CPU backend returns in
 * shape and dtype. Values are checked on a GPU by {@code conformance/LayersConformanceTest}.
 */
class CudaLayersWiringTest {
    private static final RecordingOps OPS = new RecordingOps();
    private static final CudaDevice DEV = new CudaDevice(0,
            new CudaRuntime.DeviceInfo(0, "recording", 9, 0, 132, 80L << 30), OPS);
    private static final CudaBackend GPU = new CudaBackend(i -> DEV);
    private static final CpuBackend CPU = new CpuBackend();
    private static final Device CUDA0 = Device.cuda(0);
    private static final Set<String> KERNELS_USED = new TreeSet<>();
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

    private static Tensor host(DType dt, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        if (dt == DType.BOOL) {
            boolean[] b = new boolean[n];
            for (int i = 0; i < n; i++) b[i] = (i % 3) != 1;
            return Tensor.fromArray(b, shape);
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = ((i * 7) % 11) * 0.3 - 1.5 + i * 0.01;
        Tensor t = Tensor.fromArray(v, shape);
        return dt == DType.FLOAT64 ? t : t.to(dt);
    }

    private static Tensor positive(DType dt, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = 0.5 + (i % 5) * 0.25;
        Tensor t = Tensor.fromArray(v, shape);
        return dt == DType.FLOAT64 ? t : t.to(dt);
    }

    private static Tensor toGpu(Tensor h) {
        CpuStorage s = CPU.download(h);
        return new Tensor(GPU.upload(s, CUDA0), h.shape());
    }

    private static Tensor[] pair(Tensor h) {
        return new Tensor[] {h, h == null ? null : toGpu(h)};
    }

    private static Tensor[] pair(DType dt, int... shape) {
        return pair(host(dt, shape));
    }

    /** A (rows, cols) buffer seen as its transpose (cols, rows): a non-contiguous operand. */
    private static Tensor[] transposed(DType dt, int rows, int cols) {
        Tensor h = host(dt, rows, cols), g = toGpu(h);
        int[] shape = {cols, rows}, strides = {1, cols};
        return new Tensor[] {new Tensor(h.storage(), 0, shape, strides), new Tensor(g.storage(), 0, shape, strides)};
    }

    @BeforeEach
    void reset() {
        OPS.launches.clear();
        OPS.bytesDownloaded = 0;
    }

    /** Launches valid and natively computed: at most {@code flagBytes} downloaded (index-kernel error flags). */
    private static void verifyLaunches(String what, boolean expectLaunch, long flagBytes) {
        List<RecordingOps.Launch> ls = new ArrayList<>(OPS.launches);
        OPS.launches.clear();
        assertTrue(OPS.bytesDownloaded <= flagBytes, what + ": " + OPS.bytesDownloaded
                + " bytes downloaded: computed on the host instead of the GPU");
        OPS.bytesDownloaded = 0;
        if (expectLaunch) assertFalse(ls.isEmpty(), what + ": no kernel launched");
        for (RecordingOps.Launch l : ls) {
            String problem;
            try {
                problem = PtxSignatures.mismatch(l);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            assertNull(problem, what + ": " + problem);
            LaunchConfig c = l.cfg();
            assertTrue(c.gridX() >= 1 && c.gridY() >= 1 && c.gridZ() >= 1, what + ": empty grid " + c);
            assertTrue(c.gridY() <= 65535 && c.gridZ() <= 65535, what + ": grid too large " + c);
            assertTrue(c.threadsPerBlock() <= 1024 && c.threadsPerBlock() % 32 == 0, what + ": bad block " + c);
            KERNELS_USED.add(l.module() + "/" + l.name());
        }
    }

    private static void sameShape(String what, Tensor cpu, Tensor gpu) {
        if (cpu == null) {
            assertNull(gpu, what + ": expected null");
            return;
        }
        assertNotNull(gpu, what + ": missing result");
        assertArrayEquals(cpu.shape(), gpu.shape(), what + ": shape");
        assertEquals(cpu.dtype(), gpu.dtype(), what + ": dtype");
        assertTrue(gpu.storage() instanceof CudaStorage, what + ": result is not on the GPU");
    }

    private static void same(String what, Tensor cpu, Tensor gpu) {
        sameShape(what, cpu, gpu);
        verifyLaunches(what, gpu.numel() > 0, 0);
    }

    private static void sameAll(String what, Tensor[] cpu, Tensor[] gpu) {
        assertEquals(cpu.length, gpu.length, what + ": result count");
        for (int i = 0; i < cpu.length; i++) sameShape(what + " [" + i + "]", cpu[i], gpu[i]);
        verifyLaunches(what, true, 0);
    }

    private static int[] a(int... v) {
        return v;
    }

    // ------------------------------------------------------------------ convolution
    @Test
    void im2colAndCol2im() {
        for (DType dt : FLOATS) {
            int[][][] cases = {
                {a(2, 3, 9), a(3), a(2), a(1), a(2)},
                {a(2, 3, 6, 5), a(3, 2), a(1, 2), a(1, 0), a(1, 2)},
                {a(1, 2, 4, 5, 3), a(2, 2, 2), a(2, 1, 1), a(0, 1, 1), a(1, 1, 2)}};
            for (int[][] c : cases) {
                Tensor[] x = pair(dt, c[0]);
                String what = dt + " " + java.util.Arrays.toString(c[0]);
                Tensor hc = CPU.im2col(x[0], c[1], c[2], c[3], c[4]);
                Tensor gc = GPU.im2col(x[1], c[1], c[2], c[3], c[4]);
                same("im2col " + what, hc, gc);
                int[] in = java.util.Arrays.copyOfRange(c[0], 2, c[0].length);
                same("col2im " + what, CPU.col2im(hc, in, c[1], c[2], c[3], c[4]), GPU.col2im(gc, in, c[1], c[2], c[3], c[4]));
            }
        }
    }

    @Test
    void convForwardAndBackwards() {
        for (DType dt : FLOATS) {
            // {x shape, w shape, stride, padding, dilation, groups}
            int[][][] cases = {
                {a(2, 4, 9), a(6, 2, 3), a(2), a(1), a(1), a(2)},
                {a(2, 3, 7, 6), a(5, 3, 3, 2), a(1, 2), a(1, 0), a(2, 1), a(1)},
                {a(3, 4, 5, 6), a(4, 1, 3, 3), a(1, 1), a(1, 1), a(1, 1), a(4)},
                {a(1, 2, 4, 4, 3), a(2, 2, 2, 2, 2), a(1, 1, 1), a(0, 1, 0), a(1, 1, 1), a(1)}};
            for (int[][] c : cases) {
                int groups = c[5][0];
                String what = dt + " x" + java.util.Arrays.toString(c[0]) + " w" + java.util.Arrays.toString(c[1]) + " g" + groups;
                Tensor[] x = pair(dt, c[0]), w = pair(dt, c[1]), b = pair(dt, c[1][0]);
                for (boolean bias : new boolean[] {true, false}) {
                    Tensor hy = CPU.conv(x[0], w[0], bias ? b[0] : null, c[2], c[3], c[4], groups);
                    Tensor gy = GPU.conv(x[1], w[1], bias ? b[1] : null, c[2], c[3], c[4], groups);
                    same("conv bias=" + bias + " " + what, hy, gy);
                }
                Tensor[] g = pair(dt, CPU.conv(x[0], w[0], null, c[2], c[3], c[4], groups).shape());
                int[] in = java.util.Arrays.copyOfRange(c[0], 2, c[0].length);
                int[] k = java.util.Arrays.copyOfRange(c[1], 2, c[1].length);
                same("conv backward input " + what, CPU.convBackwardInput(g[0], w[0], in, c[2], c[3], c[4], groups),
                        GPU.convBackwardInput(g[1], w[1], in, c[2], c[3], c[4], groups));
                same("conv backward weight " + what, CPU.convBackwardWeight(x[0], g[0], k, c[2], c[3], c[4], groups),
                        GPU.convBackwardWeight(x[1], g[1], k, c[2], c[3], c[4], groups));
            }
            // a non-contiguous input (a transposed view) and a strided bias
            Tensor[] xt = transposed(dt, 6, 8);
            Tensor[] x = {new Tensor(xt[0].storage(), 0, a(2, 4, 6), a(4, 1, 8)), new Tensor(xt[1].storage(), 0, a(2, 4, 6), a(4, 1, 8))};
            Tensor[] w = pair(dt, 3, 4, 2), bb = pair(dt, 6);
            Tensor[] b = {new Tensor(bb[0].storage(), 1, a(3), a(2)), new Tensor(bb[1].storage(), 1, a(3), a(2))};
            same("conv of strided views " + dt, CPU.conv(x[0], w[0], b[0], a(1), a(0), a(1), 1),
                    GPU.conv(x[1], w[1], b[1], a(1), a(0), a(1), 1));
        }
    }

    // ------------------------------------------------------------------ pooling
    private static List<PoolWindows> windows() {
        List<PoolWindows> ws = new ArrayList<>();
        ws.add(PoolWindows.regular(a(9), a(3), a(2), a(1), a(1), false, true, null));
        ws.add(PoolWindows.regular(a(7, 6), a(3, 2), a(2, 2), a(1, 1), a(1, 1), true, false, null));
        ws.add(PoolWindows.regular(a(7, 6), a(3, 2), a(2, 2), a(1, 1), a(1, 1), true, true, null));
        ws.add(PoolWindows.regular(a(6, 5), a(2, 2), a(2, 1), a(0, 1), a(1, 1), false, true, 3));
        ws.add(PoolWindows.regular(a(4, 5, 6), a(2, 3, 2), a(2, 1, 2), a(1, 1, 0), a(1, 1, 1), true, false, null));
        ws.add(PoolWindows.adaptive(a(7), a(3)));
        ws.add(PoolWindows.adaptive(a(7, 5), a(3, 4)));
        ws.add(PoolWindows.adaptive(a(5, 4, 6), a(2, 4, 4)));
        return ws;
    }

    @Test
    void everyPoolWindowMapsToTheKernelGeometry() {
        for (PoolWindows w : windows()) {
            assertNotNull(CudaBackend.poolPlan(w, true), "avg windows");
            assertNotNull(CudaBackend.poolPlan(w, false), "max windows");
        }
        PoolWindows dilated = PoolWindows.regular(a(9, 8), a(3, 2), a(1, 2), a(1, 1), a(2, 3), true, false, null);
        CudaBackend.PoolPlan p = CudaBackend.poolPlan(dilated, false);
        assertNotNull(p, "dilated max pooling");
        assertArrayEquals(dilated.outputSize, p.geometry.out());
        assertEquals(3, CudaBackend.poolPlan(windows().get(3), true).divisorOverride);
        assertTrue(CudaBackend.poolPlan(windows().get(2), true).countIncludePad);
        assertTrue(CudaBackend.poolPlan(windows().get(7), true).adaptive, "irregular bins use the adaptive kernels");
        assertFalse(CudaBackend.poolPlan(windows().get(6), true).adaptive, "adaptive bins of constant size and stride are regular windows");
    }

    @Test
    void maxAndAvgPoolingWithBackward() {
        for (DType dt : FLOATS) {
            for (PoolWindows w : windows()) {
                int[] shape = new int[w.spatialDims() + 2];
                shape[0] = 2;
                shape[1] = 3;
                System.arraycopy(w.inputSize, 0, shape, 2, w.spatialDims());
                String what = dt + " in" + java.util.Arrays.toString(w.inputSize) + " out" + java.util.Arrays.toString(w.outputSize);
                Tensor[] x = pair(dt, shape);
                Tensor[] hm = CPU.maxPool(x[0], w), gm = GPU.maxPool(x[1], w);
                sameAll("max_pool " + what, hm, gm);
                Tensor[] g = pair(dt, hm[0].shape());
                Tensor[] idx = pair(hm[1]);
                Tensor hb = CPU.maxPoolBackward(g[0], idx[0], shape), gb = GPU.maxPoolBackward(g[1], idx[1], shape);
                sameShape("max_pool backward " + what, hb, gb);
                verifyLaunches("max_pool backward " + what, true, 4);   // the scatter's 4-byte index-error flag
                same("avg_pool " + what, CPU.avgPool(x[0], w), GPU.avgPool(x[1], w));
                same("avg_pool backward " + what, CPU.avgPoolBackward(g[0], w, shape), GPU.avgPoolBackward(g[1], w, shape));
            }
        }
    }

    // ------------------------------------------------------------------ normalisation
    @Test
    void layerAndRmsNorm() {
        for (DType dt : FLOATS) {
            for (boolean rms : new boolean[] {false, true}) {
                for (boolean affine : new boolean[] {true, false}) {
                    String what = (rms ? "rms_norm " : "layer_norm ") + dt + " affine=" + affine;
                    Tensor[] x = pair(dt, 4, 3, 8), w = affine ? pair(dt, 3, 8) : new Tensor[2], b = affine ? pair(dt, 3, 8) : new Tensor[2];
                    Tensor[] hy = CPU.layerNorm(x[0], 24, w[0], b[0], 1e-5, rms);
                    Tensor[] gy = GPU.layerNorm(x[1], 24, w[1], b[1], 1e-5, rms);
                    sameAll(what, hy, gy);
                    Tensor[] g = pair(dt, 4, 3, 8), mean = pair(hy[1]), rstd = pair(hy[2]);
                    for (boolean[] need : new boolean[][] {{true, true, true}, {true, false, false}, {false, true, false}}) {
                        if (rms && need[2]) need = new boolean[] {true, true, false};
                        sameAll(what + " backward need=" + java.util.Arrays.toString(need),
                                CPU.layerNormBackward(g[0], x[0], mean[0], rstd[0], w[0], 24, rms, need),
                                GPU.layerNormBackward(g[1], x[1], mean[1], rstd[1], w[1], 24, rms, need));
                    }
                }
            }
        }
    }

    @Test
    void batchNormTrainingAndEvaluation() {
        for (DType dt : FLOATS) {
            for (int[] shape : new int[][] {{4, 3}, {2, 3, 5}, {2, 3, 4, 2}}) {
                String what = dt + " " + java.util.Arrays.toString(shape);
                Tensor[] x = pair(dt, shape), w = pair(dt, 3), b = pair(dt, 3);
                Tensor[] rm = pair(dt, 3), rv = pair(positive(dt, 3));
                for (boolean training : new boolean[] {true, false}) {
                    Tensor[] hy = CPU.batchNorm(x[0], w[0], b[0], rm[0], rv[0], training, 0.1, 1e-5);
                    Tensor[] gy = GPU.batchNorm(x[1], w[1], b[1], rm[1], rv[1], training, 0.1, 1e-5);
                    sameAll("batch_norm training=" + training + " " + what, hy, gy);
                    Tensor[] g = pair(dt, shape), sm = pair(hy[1]), si = pair(hy[2]);
                    for (boolean[] need : new boolean[][] {{true, true, true}, {true, false, false}, {false, true, true}}) {
                        sameAll("batch_norm backward training=" + training + " " + what,
                                CPU.batchNormBackward(g[0], x[0], w[0], sm[0], si[0], training, need),
                                GPU.batchNormBackward(g[1], x[1], w[1], sm[1], si[1], training, need));
                    }
                }
                sameAll("batch_norm without affine or running stats " + what,
                        CPU.batchNorm(x[0], null, null, null, null, true, 0.1, 1e-5),
                        GPU.batchNorm(x[1], null, null, null, null, true, 0.1, 1e-5));
            }
        }
    }

    @Test
    void groupNorm() {
        for (DType dt : FLOATS) {
            for (boolean affine : new boolean[] {true, false}) {
                String what = dt + " affine=" + affine;
                Tensor[] x = pair(dt, 2, 6, 4, 3), w = affine ? pair(dt, 6) : new Tensor[2], b = affine ? pair(dt, 6) : new Tensor[2];
                Tensor[] hy = CPU.groupNorm(x[0], 3, w[0], b[0], 1e-5), gy = GPU.groupNorm(x[1], 3, w[1], b[1], 1e-5);
                sameAll("group_norm " + what, hy, gy);
                Tensor[] g = pair(dt, 2, 6, 4, 3), mean = pair(hy[1]), rstd = pair(hy[2]);
                for (boolean[] need : new boolean[][] {{true, true, true}, {true, false, false}, {false, true, true}}) {
                    sameAll("group_norm backward " + what, CPU.groupNormBackward(g[0], x[0], mean[0], rstd[0], w[0], 3, need),
                            GPU.groupNormBackward(g[1], x[1], mean[1], rstd[1], w[1], 3, need));
                }
            }
        }
    }

    // ------------------------------------------------------------------ attention
    @Test
    void maskedSoftmaxWithMasksAndCausal() {
        for (DType dt : FLOATS) {
            Tensor[][] masks = {{null, null}, pair(DType.BOOL, 4, 5), pair(dt, 1, 4, 5), pair(DType.BOOL, 2, 1, 5)};
            for (Tensor[] m : masks) {
                for (boolean causal : new boolean[] {false, true}) {
                    String what = dt + " mask=" + (m[0] == null ? "none" : m[0].dtype() + java.util.Arrays.toString(m[0].shape()))
                            + " causal=" + causal;
                    Tensor[] s = pair(dt, 2, 4, 5);
                    Tensor hs = CPU.maskedSoftmax_(s[0], 0.5, m[0], causal), gs = GPU.maskedSoftmax_(s[1], 0.5, m[1], causal);
                    assertTrue(gs == s[1], "masked softmax works in place");
                    same("masked softmax " + what, hs, gs);
                }
            }
            Tensor[] g = pair(dt, 2, 4, 5), p = pair(dt, 2, 4, 5);
            same("masked softmax backward " + dt, CPU.maskedSoftmaxBackward(g[0], p[0], 0.5), GPU.maskedSoftmaxBackward(g[1], p[1], 0.5));
        }
    }

    @Test
    void attentionForwardAndBackward() {
        for (DType dt : FLOATS) {
            for (boolean causal : new boolean[] {false, true}) {
                for (boolean withKeep : new boolean[] {false, true}) {
                    String what = dt + " causal=" + causal + " keep=" + withKeep;
                    int bsz = 2, h = 3, l = 4, s = 5, e = 6, ev = 7;
                    Tensor[] q = pair(dt, bsz, h, l, e), k = pair(dt, bsz, h, s, e), v = pair(dt, bsz, h, s, ev);
                    Tensor[] mask = pair(DType.BOOL, bsz, 1, l, s), keep = withKeep ? pair(dt, bsz, h, l, s) : new Tensor[2];
                    // out: a permuted view (B, H, L, Ev) of a (B, L, H, Ev) buffer, as multi-head attention writes it
                    int[] oShape = {bsz, h, l, ev}, oStrides = {l * h * ev, ev, h * ev, 1};
                    Tensor hp = Tensor.zeros(dt, bsz, h, l, s), gp = toGpu(hp);
                    Tensor hob = Tensor.zeros(dt, bsz * l * h * ev), gob = toGpu(hob);
                    Tensor ho = new Tensor(hob.storage(), 0, oShape, oStrides), go = new Tensor(gob.storage(), 0, oShape, oStrides);
                    OPS.launches.clear();
                    OPS.bytesDownloaded = 0;
                    CPU.attentionForward(q[0], k[0], v[0], mask[0], causal, 0.4, keep[0], hp, ho);
                    GPU.attentionForward(q[1], k[1], v[1], mask[1], causal, 0.4, keep[1], gp, go);
                    verifyLaunches("attention forward " + what, true, 0);
                    Tensor[] grad = pair(dt, bsz, h, l, ev), probs = pair(hp);
                    Tensor[] dst = {toGpu(Tensor.zeros(dt, bsz, h, l, e)), toGpu(Tensor.zeros(dt, bsz, h, s, e)),
                            toGpu(Tensor.zeros(dt, bsz, h, s, ev)), toGpu(Tensor.zeros(dt, bsz, h, l, s))};
                    OPS.launches.clear();
                    GPU.attentionBackward(grad[1], q[1], k[1], v[1], probs[1], keep[1], 0.4, causal, dst[0], dst[1], dst[2], dst[3]);
                    verifyLaunches("attention backward " + what, true, 0);
                    GPU.attentionBackward(grad[1], q[1], k[1], v[1], probs[1], keep[1], 0.4, causal, null, null, dst[2], null);
                    verifyLaunches("attention backward (only gv) " + what, true, 0);
                }
            }
        }
    }

    // ------------------------------------------------------------------ linear
    @Test
    void linearAndBackward() {
        for (DType dt : FLOATS) {
            Tensor[] x = pair(dt, 5, 4), w = pair(dt, 3, 4), wt = transposed(dt, 4, 3), b = pair(dt, 3);
            same("linear " + dt, CPU.linear(x[0], w[0], b[0]), GPU.linear(x[1], w[1], b[1]));
            same("linear transposed weight, no bias " + dt, CPU.linear(x[0], wt[0], null), GPU.linear(x[1], wt[1], null));
            Tensor[] g = pair(dt, 5, 3);
            for (boolean[] need : new boolean[][] {{true, true, true}, {false, true, false}, {true, false, true}}) {
                sameAll("linear backward " + dt, CPU.linearBackward(g[0], x[0], w[0], need), GPU.linearBackward(g[1], x[1], w[1], need));
            }
        }
    }

    @AfterAll
    static void everyLayerKernelFamilyWasExercised() {
        for (String family : new String[] {"conv/sg_im2col_", "conv/sg_col2im_", "gemm/sg_gemm_", "pool/sg_maxpool_fwd_",
                "pool/sg_avgpool_fwd_", "pool/sg_avgpool_bwd_", "pool/sg_adaptive_maxpool_fwd_", "pool/sg_adaptive_avgpool_fwd_",
                "pool/sg_adaptive_avgpool_bwd_", "index/sg_scatter_add_", "norm/sg_layernorm_fwd_", "norm/sg_rmsnorm_fwd_",
                "norm/sg_layernorm_bwd_input_", "norm/sg_rmsnorm_bwd_input_", "norm/sg_layernorm_bwd_params_",
                "softmax/sg_softmax_fwd_lastdim_", "softmax/sg_softmax_bwd_", "elementwise/sg_where_", "reduce/sg_reduce_"}) {
            assertTrue(KERNELS_USED.stream().anyMatch(k -> k.startsWith(family)), family + " never launched: " + KERNELS_USED);
        }
    }
}
