package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sparkgrad.backend.CpuBackend;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * CudaOps on a recording device: every kernel family outside the SPI (conv data movement, pooling, norms,
 * optimizers, random) launches only kernels of the committed PTX with matching parameter lists, within launch
 * limits, and returns the documented shapes.
 */
class CudaOpsWiringTest {
    private static final RecordingOps OPS = new RecordingOps();
    private static final CudaDevice DEV = new CudaDevice(0,
            new CudaRuntime.DeviceInfo(0, "recording", 8, 0, 108, 40L << 30), OPS);
    private static final CudaBackend GPU = new CudaBackend(i -> DEV);
    private static final Set<String> USED = new TreeSet<>();

    private static Tensor gpu(DType dt, int... shape) {
        Tensor h = Tensor.zeros(dt, shape);
        return new Tensor(GPU.upload(new CpuBackend().download(h), Device.cuda(0)), shape);
    }

    private static void verify(String what) {
        List<RecordingOps.Launch> ls = new ArrayList<>(OPS.launches);
        OPS.launches.clear();
        assertFalse(ls.isEmpty(), what + ": no launch");
        for (RecordingOps.Launch l : ls) {
            try {
                assertNull(PtxSignatures.mismatch(l), what);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            LaunchConfig c = l.cfg();
            assertTrue(c.threadsPerBlock() <= 1024 && c.threadsPerBlock() % 32 == 0 && c.gridY() <= 65535, what + " " + c);
            USED.add(l.module() + "/" + l.name());
        }
    }

    @Test
    void convolutionDataMovementForOneToFourSpatialDims() {
        int[][] ins = {{9}, {7, 8}, {5, 6, 7}, {4, 5, 4, 5}};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (int[] in : ins) {
                int nd = in.length;
                int[] k = new int[nd], s = new int[nd], p = new int[nd], dl = new int[nd];
                for (int i = 0; i < nd; i++) {
                    k[i] = 2 + i % 2;
                    s[i] = 1 + i % 2;
                    p[i] = i % 2;
                    dl[i] = 1 + (i == 0 ? 1 : 0);
                }
                WindowGeometry g = WindowGeometry.conv(in, k, s, p, dl);
                int[] xs = new int[nd + 2];
                xs[0] = 2;
                xs[1] = 3;
                System.arraycopy(in, 0, xs, 2, nd);
                Tensor col = CudaOps.im2col(gpu(dt, xs), g);
                assertArrayEquals(new int[] {2, (int) (3 * g.kernelProduct()), (int) g.outputProduct()}, col.shape());
                verify("im2col " + nd + "-d " + dt);
                Tensor im = CudaOps.col2im(col, 3, g);
                assertArrayEquals(xs, im.shape());
                verify("col2im " + nd + "-d " + dt);
            }
        }
        WindowGeometry g = WindowGeometry.conv(new int[] {5}, new int[] {3}, new int[] {1}, new int[] {0}, new int[] {1});
        assertThrows(IllegalArgumentException.class, () -> CudaOps.im2col(gpu(DType.FLOAT32, 2, 3, 6), g));
        assertThrows(IllegalArgumentException.class, () -> CudaOps.im2col(gpu(DType.INT64, 2, 3, 5), g));
        OPS.launches.clear();
    }

    @Test
    void pooling() {
        for (int nd = 1; nd <= 4; nd++) {
            int[] in = new int[nd], k = new int[nd], s = new int[nd], p = new int[nd], dl = new int[nd], out = new int[nd];
            int[] xs = new int[nd + 2];
            xs[0] = 2;
            xs[1] = 3;
            for (int i = 0; i < nd; i++) {
                in[i] = 6 + i;
                k[i] = 2;
                s[i] = 2;
                p[i] = 1;
                dl[i] = 1;
                out[i] = 2;
                xs[i + 2] = in[i];
            }
            WindowGeometry g = WindowGeometry.pool(in, k, s, p, dl, true);
            Tensor x = gpu(DType.FLOAT32, xs);
            Tensor[] mp = CudaOps.maxPool(x, g);
            assertEquals(DType.INT64, mp[1].dtype());
            assertArrayEquals(mp[0].shape(), mp[1].shape());
            verify("max pool " + nd + "-d");
            assertArrayEquals(xs, CudaOps.maxPoolBackward(mp[0], mp[1], g).shape());
            verify("max pool backward " + nd + "-d");
            Tensor ap = CudaOps.avgPool(x, g, false, 0);
            verify("avg pool " + nd + "-d");
            assertArrayEquals(xs, CudaOps.avgPoolBackward(ap, g, true, 3).shape());
            verify("avg pool backward " + nd + "-d");
            WindowGeometry ag = WindowGeometry.adaptive(in, out);
            Tensor aa = CudaOps.adaptiveAvgPool(x, ag);
            verify("adaptive avg " + nd + "-d");
            assertArrayEquals(xs, CudaOps.adaptiveAvgPoolBackward(aa, ag).shape());
            verify("adaptive avg backward " + nd + "-d");
            Tensor[] am = CudaOps.adaptiveMaxPool(x, ag);
            verify("adaptive max " + nd + "-d");
            assertArrayEquals(xs, CudaOps.adaptiveMaxPoolBackward(am[0], am[1], ag).shape());
            verify("adaptive max backward " + nd + "-d");
        }
    }

    @Test
    void norms() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = gpu(dt, 4, 6, 10);
            Tensor w = gpu(dt, 10), b = gpu(dt, 10);
            Tensor[] ln = CudaOps.layerNorm(x, 10, w, b, 1e-5);
            assertArrayEquals(new int[] {4, 6, 10}, ln[0].shape());
            assertArrayEquals(new int[] {24}, ln[2].shape());
            verify("layer norm " + dt);
            Tensor[] lb = CudaOps.layerNormBackward(gpu(dt, 4, 6, 10), x, ln[1], ln[2], w);
            assertArrayEquals(new int[] {10}, lb[1].shape());
            assertArrayEquals(new int[] {10}, lb[2].shape());
            verify("layer norm backward " + dt);
            Tensor[] noAffine = CudaOps.layerNorm(x, 60, null, null, 1e-5);
            verify("layer norm without affine " + dt);
            Tensor[] nb = CudaOps.layerNormBackward(gpu(dt, 4, 6, 10), x, noAffine[1], noAffine[2], null);
            assertNull(nb[1]);
            verify("layer norm backward without affine " + dt);
            Tensor[] rn = CudaOps.rmsNorm(x, 10, w, 1e-6);
            verify("rms norm " + dt);
            Tensor[] rb = CudaOps.rmsNormBackward(gpu(dt, 4, 6, 10), x, rn[1], w);
            assertArrayEquals(new int[] {10}, rb[1].shape());
            verify("rms norm backward " + dt);
        }
        assertThrows(IllegalArgumentException.class, () -> CudaOps.layerNorm(gpu(DType.FLOAT32, 3, 7), 4, null, null, 1e-5));
    }

    @Test
    void optimizerSteps() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor p = gpu(dt, 1000), g = gpu(dt, 1000), s1 = gpu(dt, 1000), s2 = gpu(dt, 1000), s3 = gpu(dt, 1000);
            CudaOps.sgdStep(p, g, s1, 0.1, 0.9, 0, 1e-4, true, false, true);
            verify("sgd " + dt);
            CudaOps.sgdStep(p, g, null, 0.1, 0, 0, 0, false, false, false);
            verify("plain sgd " + dt);
            CudaOps.adamStep(p, g, s1, s2, s3, 1e-3, 0.9, 0.999, 1e-8, 0.01, true, true, false, 3);
            verify("adamw amsgrad " + dt);
            CudaOps.adamStep(p, g, s1, s2, null, 1e-3, 0.9, 0.999, 1e-8, 0, false, false, true, 1);
            verify("adam " + dt);
            CudaOps.rmspropStep(p, g, s1, s2, s3, 1e-2, 0.99, 1e-8, 0, 0.9, true, false);
            verify("rmsprop " + dt);
            CudaOps.adagradStep(p, g, s1, 1e-2, 0.1, 1e-10, 0, false, 4);
            verify("adagrad " + dt);
        }
        assertThrows(IllegalArgumentException.class,
                () -> CudaOps.adamStep(gpu(DType.FLOAT32, 4), gpu(DType.FLOAT32, 5), gpu(DType.FLOAT32, 4),
                        gpu(DType.FLOAT32, 4), null, 1e-3, 0.9, 0.999, 1e-8, 0, false, false, false, 1));
        OPS.launches.clear();
    }

    @Test
    void randomAndDropout() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor t = gpu(dt, 1001);
            CudaOps.uniform_(t, -1, 1, 42, 0);
            verify("uniform " + dt);
            CudaOps.normal_(t, 0, 1, 42, CudaOps.philoxBlocks(1001, dt));
            verify("normal " + dt);
            Tensor[] d = CudaOps.dropout(t, 0.25, 7, 0);
            assertEquals(DType.BOOL, d[1].dtype());
            verify("dropout " + dt);
        }
        assertEquals(251, CudaOps.philoxBlocks(1001, DType.FLOAT32));
        assertEquals(501, CudaOps.philoxBlocks(1001, DType.FLOAT64));
    }

    @AfterAll
    static void everyFamilyLaunched() {
        for (String k : new String[] {"conv/sg_im2col_", "conv/sg_col2im_", "pool/sg_maxpool_fwd_", "pool/sg_maxpool_bwd_",
                "pool/sg_avgpool_fwd_", "pool/sg_avgpool_bwd_", "pool/sg_adaptive_avgpool_fwd_",
                "pool/sg_adaptive_avgpool_bwd_", "pool/sg_adaptive_maxpool_fwd_", "pool/sg_adaptive_maxpool_bwd_",
                "norm/sg_layernorm_fwd_", "norm/sg_layernorm_bwd_input_", "norm/sg_layernorm_bwd_params_",
                "norm/sg_rmsnorm_fwd_", "norm/sg_rmsnorm_bwd_input_", "optim/sg_sgd_step_", "optim/sg_adam_step_",
                "optim/sg_rmsprop_step_", "optim/sg_adagrad_step_", "random/sg_rand_uniform_", "random/sg_rand_normal_",
                "random/sg_dropout_"}) {
            assertTrue(USED.stream().anyMatch(u -> u.startsWith(k)), k + " never launched: " + USED);
        }
    }
}
