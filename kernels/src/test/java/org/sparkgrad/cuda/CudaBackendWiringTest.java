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
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sparkgrad.backend.BinaryOp;
import org.sparkgrad.backend.CpuBackend;
import org.sparkgrad.backend.ReduceOp;
import org.sparkgrad.backend.UnaryOp;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * Runs the real CudaBackend on a recording device (no GPU): every SPI method with several dtypes, shapes and
 * strided views. Each call must (1) launch kernels, never compute on the CPU, (2) launch only kernels that exist
 * in the committed PTX, with arguments matching the kernel's PTX parameter list one by one (count, type, struct
 * size), (3) use launch configurations within CUDA's limits, and (4) return what the CPU backend returns in
 * shape, dtype and errors. Values are not computed here; the conformance suite checks them on a GPU.
 */
class CudaBackendWiringTest {
    private static final RecordingOps OPS = new RecordingOps();
    private static final CudaDevice DEV = new CudaDevice(0,
            new CudaRuntime.DeviceInfo(0, "recording", 9, 0, 132, 80L << 30), OPS);
    private static final CudaBackend GPU = new CudaBackend(i -> {
        if (i != 0) throw new IllegalArgumentException("no device " + i);
        return DEV;
    });
    private static final CpuBackend CPU = new CpuBackend();
    private static final Device CUDA0 = Device.cuda(0);
    private static final Set<String> KERNELS_USED = new TreeSet<>();

    // ------------------------------------------------------------------ helpers
    private static Tensor host(DType dt, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = ((i * 7) % 11) - 4.5 + i * 0.01;
        if (dt == DType.BOOL) {
            boolean[] b = new boolean[n];
            for (int i = 0; i < n; i++) b[i] = (i % 3) == 0;
            return Tensor.fromArray(b, shape);
        }
        if (dt == DType.INT64) {
            long[] l = new long[n];
            for (int i = 0; i < n; i++) l[i] = (i * 5) % 7 - 2;
            return Tensor.fromArray(l, shape);
        }
        Tensor t = Tensor.fromArray(v, shape);
        return dt == DType.FLOAT64 ? t : t.to(dt);
    }

    private static Tensor toGpu(Tensor h) {
        CpuStorage s = CPU.download(h);
        return new Tensor(GPU.upload(s, CUDA0), h.shape());
    }

    /** The same strided view of a host tensor and of its GPU copy. */
    private static Tensor[] view(Tensor h, int offset, int[] shape, int[] strides) {
        Tensor g = toGpu(h);
        return new Tensor[] {new Tensor(h.storage(), offset, shape, strides), new Tensor(g.storage(), offset, shape, strides)};
    }

    private static Tensor[] pair(DType dt, int... shape) {
        Tensor h = host(dt, shape);
        return new Tensor[] {h, toGpu(h)};
    }

    private static Tensor[] transposed(DType dt, int rows, int cols) {
        // a (rows, cols) contiguous buffer seen as (cols, rows)
        return view(host(dt, rows, cols), 0, new int[] {cols, rows}, new int[] {1, cols});
    }

    private static void verifyLaunches(String what, boolean expectLaunch) {
        List<RecordingOps.Launch> ls = new ArrayList<>(OPS.launches);
        OPS.launches.clear();
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

    private static void same(String what, Tensor cpu, Tensor gpu) {
        assertArrayEquals(cpu.shape(), gpu.shape(), what + ": shape");
        assertEquals(cpu.dtype(), gpu.dtype(), what + ": dtype");
        assertTrue(gpu.storage() instanceof CudaStorage, what + ": result is not on the GPU");
        verifyLaunches(what, gpu.numel() > 0);
    }

    private static void sameError(String what, Runnable cpu, Runnable gpu) {
        Class<? extends Throwable> c = assertThrows(RuntimeException.class, cpu::run, what + " (cpu)").getClass();
        Class<? extends Throwable> g = assertThrows(RuntimeException.class, gpu::run, what + " (cuda)").getClass();
        assertEquals(c, g, what + ": exception type");
        OPS.launches.clear();
    }

    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};
    private static final DType[] ALL = {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.BOOL};

    // ------------------------------------------------------------------ memory and movement
    @Test
    void memoryAndMovement() {
        for (DType dt : ALL) {
            Tensor h = host(dt, 3, 4);
            OPS.bytesUploaded = 0;
            Tensor g = toGpu(h);
            assertEquals(12L * dt.itemSize(), OPS.bytesUploaded, "upload moves the whole storage through pinned memory");
            OPS.bytesDownloaded = 0;
            CpuStorage back = GPU.download(g);
            assertEquals(12, back.size());
            assertEquals(dt, back.dtype());
            assertEquals(12L * dt.itemSize(), OPS.bytesDownloaded);
            verifyLaunches("download contiguous " + dt, false);

            Tensor[] t = transposed(dt, 3, 4);
            same("contiguous " + dt, CPU.contiguous(t[0]), GPU.contiguous(t[1]));
            GPU.download(t[1]);
            verifyLaunches("download of a view copies on the device first", true);

            Storage0(dt);
            for (DType to : ALL) {
                Tensor[] src = pair(dt, 4);
                Tensor hd = new Tensor(CPU.allocate(to, 12, Device.CPU), new int[] {3, 4});
                Tensor gd = new Tensor(GPU.allocate(to, 12, CUDA0), new int[] {3, 4});
                verifyLaunches("allocate zeroes with a memset, not a kernel", false);
                CPU.copy(src[0], hd);
                GPU.copy(src[1], gd);
                verifyLaunches("copy (broadcast, cast) " + dt + " -> " + to, true);
            }
            Tensor[] dst = view(host(dt, 4, 4), 1, new int[] {3, 2}, new int[] {4, 2});
            CPU.fill(dst[0], 2.5);
            GPU.fill(dst[1], 2.5);
            verifyLaunches("fill of a strided view " + dt, true);
        }
        // a host source copied into a device tensor is uploaded first
        Tensor gd = new Tensor(GPU.allocate(DType.FLOAT32, 6, CUDA0), new int[] {2, 3});
        GPU.copy(host(DType.FLOAT64, 3), gd);
        verifyLaunches("copy from a host tensor", true);
        sameError("copy with shapes that do not broadcast",
                () -> CPU.copy(host(DType.FLOAT32, 4), host(DType.FLOAT32, 2, 3)),
                () -> GPU.copy(toGpu(host(DType.FLOAT32, 4)), gd));
    }

    private static void Storage0(DType dt) {
        Tensor[] e = pair(dt, 0, 3);
        same("contiguous of an empty tensor " + dt, CPU.contiguous(e[0]), GPU.contiguous(e[1]));
    }

    // ------------------------------------------------------------------ elementwise
    @Test
    void everyUnaryOpAndItsBackward() {
        for (DType dt : FLOATS) {
            for (UnaryOp op : UnaryOp.values()) {
                double a = op == UnaryOp.CLAMP || op == UnaryOp.HARDTANH ? -1 : 0.5, b = op == UnaryOp.CLAMP ? Double.NaN : 2;
                if (op == UnaryOp.SOFTPLUS) b = 20;
                Tensor[] x = transposed(dt, 3, 5);
                Tensor cy = CPU.unary(op, x[0], a, b), gy = GPU.unary(op, x[1], a, b);
                same(op + " " + dt, cy, gy);
                if (op.returnsBool()) continue;
                Tensor[] g = pair(dt, 5, 3);
                Tensor cg = CPU.unaryBackward(op, g[0], x[0], cy, a, b);
                same(op + " backward with y " + dt, cg, GPU.unaryBackward(op, g[1], x[1], gy, a, b));
                // without y the GPU recomputes it where its gradient kernel needs it
                same(op + " backward without y " + dt, cg, GPU.unaryBackward(op, g[1], x[1], null, a, b));
            }
        }
        Tensor[] l = pair(DType.INT64, 6);
        same("NEG int64", CPU.unary(UnaryOp.NEG, l[0], 0, 0), GPU.unary(UnaryOp.NEG, l[1], 0, 0));
        same("MUL_SCALAR int64", CPU.unary(UnaryOp.MUL_SCALAR, l[0], 3, 0), GPU.unary(UnaryOp.MUL_SCALAR, l[1], 3, 0));
        Tensor[] m = pair(DType.BOOL, 6);
        same("LOGICAL_NOT bool", CPU.unary(UnaryOp.LOGICAL_NOT, m[0], 0, 0), GPU.unary(UnaryOp.LOGICAL_NOT, m[1], 0, 0));
        same("IS_NONFINITE int64", CPU.unary(UnaryOp.IS_NONFINITE, l[0], 0, 0),
                GPU.unary(UnaryOp.IS_NONFINITE, l[1], 0, 0));
    }

    @Test
    void everyBinaryOpOverDtypesAndBroadcasts() {
        DType[][] pairs = {{DType.FLOAT32, DType.FLOAT32}, {DType.FLOAT64, DType.FLOAT64}, {DType.INT64, DType.INT64},
                {DType.FLOAT32, DType.INT64}, {DType.BOOL, DType.BOOL}, {DType.INT64, DType.FLOAT64}};
        for (DType[] p : pairs) {
            for (BinaryOp op : BinaryOp.values()) {
                Tensor[] x = transposed(p[0], 3, 4);   // (4, 3) view
                Tensor[] y = pair(p[1], 3);             // broadcast along rows
                same(op + " " + p[0] + "," + p[1], CPU.binary(op, x[0], y[0]), GPU.binary(op, x[1], y[1]));
                Tensor[] col = pair(p[1], 4, 1);
                same(op + " column broadcast", CPU.binary(op, col[0], x[0]), GPU.binary(op, col[1], x[1]));
            }
        }
        Tensor[] x = pair(DType.FLOAT32, 2, 3);
        Tensor scalarHost = Tensor.scalar(2.0, DType.FLOAT32);
        same("0-d CPU tensor as a scalar operand", CPU.binary(BinaryOp.MUL, x[0], scalarHost),
                GPU.binary(BinaryOp.MUL, x[1], scalarHost));
        sameError("shapes that do not broadcast", () -> CPU.binary(BinaryOp.ADD, x[0], host(DType.FLOAT32, 4)),
                () -> GPU.binary(BinaryOp.ADD, x[1], toGpu(host(DType.FLOAT32, 4))));
        assertThrows(IllegalArgumentException.class, () -> GPU.binary(BinaryOp.ADD, x[1], host(DType.FLOAT32, 2, 3)),
                "a non-scalar host tensor is refused");
    }

    @Test
    void binaryInPlace() {
        for (DType dt : ALL) {
            for (BinaryOp op : new BinaryOp[] {BinaryOp.ADD, BinaryOp.MUL, BinaryOp.MAXIMUM, BinaryOp.LT}) {
                Tensor[] x = pair(dt, 4, 3);
                Tensor[] y = pair(DType.FLOAT32, 3);
                CPU.binaryInPlace(op, x[0], y[0]);
                GPU.binaryInPlace(op, x[1], y[1]);
                assertEquals(dt, x[1].dtype());
                verifyLaunches("in-place " + op + " on " + dt, true);
            }
        }
        Tensor[] x = pair(DType.FLOAT32, 4, 3);
        sameError("in-place with a larger operand", () -> CPU.binaryInPlace(BinaryOp.ADD, x[0], host(DType.FLOAT32, 2, 4, 3)),
                () -> GPU.binaryInPlace(BinaryOp.ADD, x[1], toGpu(host(DType.FLOAT32, 2, 4, 3))));
    }

    @Test
    void where() {
        for (DType a : ALL) {
            for (DType b : new DType[] {a, DType.FLOAT64}) {
                Tensor[] c = pair(DType.BOOL, 4, 1);
                Tensor[] x = transposed(a, 3, 4);
                Tensor[] y = pair(b, 3);
                same("where " + a + "," + b, CPU.where(c[0], x[0], y[0]), GPU.where(c[1], x[1], y[1]));
            }
        }
        Tensor[] c = pair(DType.FLOAT32, 3);
        sameError("where with a float condition", () -> CPU.where(c[0], c[0], c[0]), () -> GPU.where(c[1], c[1], c[1]));
    }

    // ------------------------------------------------------------------ reductions
    @Test
    void reductionsOverDimsDtypesAndSizes() {
        int[][] dimsList = {{}, {0}, {1}, {2}, {0, 2}, {0, 1, 2}};
        for (DType dt : ALL) {
            for (ReduceOp op : ReduceOp.values()) {
                boolean ok = dt.isFloatingPoint() || (op != ReduceOp.MEAN && op != ReduceOp.LOGSUMEXP);
                for (int[] dims : dimsList) {
                    for (boolean keep : new boolean[] {false, true}) {
                        Tensor[] x = view(host(dt, 4, 3, 5), 0, new int[] {3, 4, 5}, new int[] {5, 15, 1});
                        String what = op + " " + dt + " dims " + java.util.Arrays.toString(dims) + " keepdim " + keep;
                        if (!ok) {
                            sameError(what, () -> CPU.reduce(op, x[0], dims, keep), () -> GPU.reduce(op, x[1], dims, keep));
                            continue;
                        }
                        same(what, CPU.reduce(op, x[0], dims, keep), GPU.reduce(op, x[1], dims, keep));
                    }
                }
            }
        }
        Tensor[] big = pair(DType.FLOAT32, 1 << 20);
        same("full sum of 2^20 (split rows + finish kernel)", CPU.reduce(ReduceOp.SUM, big[0], new int[] {0}, false),
                GPU.reduce(ReduceOp.SUM, big[1], new int[] {0}, false));
        Tensor[] rows = pair(DType.FLOAT32, 100_000, 4);
        same("many short rows (one thread per output)", CPU.reduce(ReduceOp.AMAX, rows[0], new int[] {1}, false),
                GPU.reduce(ReduceOp.AMAX, rows[1], new int[] {1}, false));
        Tensor[] empty = pair(DType.FLOAT32, 3, 0);
        same("sum over an empty dim", CPU.reduce(ReduceOp.SUM, empty[0], new int[] {1}, false),
                GPU.reduce(ReduceOp.SUM, empty[1], new int[] {1}, false));
        sameError("amax over an empty dim", () -> CPU.reduce(ReduceOp.AMAX, empty[0], new int[] {1}, false),
                () -> GPU.reduce(ReduceOp.AMAX, empty[1], new int[] {1}, false));
    }

    @Test
    void varianceAndArgReductions() {
        for (DType dt : FLOATS) {
            Tensor[] x = transposed(dt, 6, 7);
            same("var " + dt, CPU.var(x[0], new int[] {1}, 1, false), GPU.var(x[1], new int[] {1}, 1, false));
            same("var keepdim " + dt, CPU.var(x[0], new int[] {0, 1}, 0, true), GPU.var(x[1], new int[] {0, 1}, 0, true));
        }
        for (DType dt : ALL) {
            for (boolean max : new boolean[] {true, false}) {
                Tensor[] x = transposed(dt, 6, 7);
                same("arg" + (max ? "max " : "min ") + dt, CPU.argReduce(max, x[0], 1, false), GPU.argReduce(max, x[1], 1, false));
                same("arg keepdim " + dt, CPU.argReduce(max, x[0], 0, true), GPU.argReduce(max, x[1], 0, true));
            }
        }
        Tensor[] e = pair(DType.FLOAT32, 2, 0);
        sameError("argmax of an empty dim", () -> CPU.argReduce(true, e[0], 1, false), () -> GPU.argReduce(true, e[1], 1, false));
        Tensor[] i = pair(DType.INT64, 3);
        sameError("var of int64", () -> CPU.var(i[0], new int[] {0}, 1, false), () -> GPU.var(i[1], new int[] {0}, 1, false));
    }

    // ------------------------------------------------------------------ linear algebra
    @Test
    void matmulLayoutsAndBatches() {
        for (DType dt : FLOATS) {
            Tensor[] a = pair(dt, 5, 7), b = pair(dt, 7, 3);
            same("matmul 2-d " + dt, CPU.matmul(a[0], b[0]), GPU.matmul(a[1], b[1]));
            Tensor[] at = transposed(dt, 7, 5), bt = transposed(dt, 3, 7);
            same("matmul of transposed views " + dt, CPU.matmul(at[0], bt[0]), GPU.matmul(at[1], bt[1]));
            Tensor[] a3 = pair(dt, 4, 5, 7), b3 = pair(dt, 4, 7, 3);
            same("bmm " + dt, CPU.matmul(a3[0], b3[0]), GPU.matmul(a3[1], b3[1]));
            Tensor[] bb = view(host(dt, 7, 3), 0, new int[] {4, 7, 3}, new int[] {0, 3, 1});
            same("batch-broadcast rhs " + dt, CPU.matmul(a3[0], bb[0]), GPU.matmul(a3[1], bb[1]));
            // (2, 3) batch where rhs is broadcast along the first batch dim only: two launches of batch 3
            Tensor[] a4 = pair(dt, 2, 3, 5, 7);
            Tensor[] b4 = view(host(dt, 3, 7, 4), 0, new int[] {2, 3, 7, 4}, new int[] {0, 28, 4, 1});
            same("non-uniform batch strides " + dt, CPU.matmul(a4[0], b4[0]), GPU.matmul(a4[1], b4[1]));
            Tensor[] row = pair(dt, 1, 7), col = pair(dt, 7, 1);
            same("outer dims of size 1 " + dt, CPU.matmul(row[0], col[0]), GPU.matmul(row[1], col[1]));
            same("k = 1 " + dt, CPU.matmul(col[0], row[0]), GPU.matmul(col[1], row[1]));
            Tensor[] big = pair(dt, 130, 70), big2 = pair(dt, 70, 200);
            same("multi-tile " + dt, CPU.matmul(big[0], big2[0]), GPU.matmul(big[1], big2[1]));
        }
        Tensor[] a = pair(DType.FLOAT32, 2, 3), b = pair(DType.FLOAT64, 3, 2);
        sameError("matmul of mixed dtypes", () -> CPU.matmul(a[0], b[0]), () -> GPU.matmul(a[1], b[1]));
        Tensor[] gemmOnly = pair(DType.FLOAT32, 64, 64);
        GPU.matmul(gemmOnly[1], gemmOnly[1]);
        long gemms = OPS.launches.stream().filter(l -> l.name().startsWith("sg_gemm")).count();
        assertEquals(1, gemms, "a contiguous square matmul is one GEMM launch");
        verifyLaunches("gemm", true);
    }

    // ------------------------------------------------------------------ softmax
    @Test
    void softmaxForwardAndBackward() {
        for (DType dt : FLOATS) {
            for (boolean log : new boolean[] {false, true}) {
                for (int dim = 0; dim < 3; dim++) {
                    Tensor[] x = view(host(dt, 4, 3, 5), 0, new int[] {3, 4, 5}, new int[] {5, 15, 1});
                    Tensor cy = CPU.softmax(x[0], dim, log), gy = GPU.softmax(x[1], dim, log);
                    same("softmax dim " + dim + " log " + log + " " + dt, cy, gy);
                    Tensor[] g = pair(dt, 3, 4, 5);
                    same("softmax backward dim " + dim, CPU.softmaxBackward(g[0], cy, dim, log),
                            GPU.softmaxBackward(g[1], gy, dim, log));
                }
            }
            Tensor[] s = pair(dt);
            same("softmax of a 0-d tensor", CPU.softmax(s[0], 0, false), GPU.softmax(s[1], 0, false));
        }
        Tensor[] i = pair(DType.INT64, 3);
        sameError("softmax of int64", () -> CPU.softmax(i[0], 0, false), () -> GPU.softmax(i[1], 0, false));
    }

    // ------------------------------------------------------------------ indexing
    @Test
    void indexOps() {
        Tensor hostIdx = Tensor.fromArray(new long[] {2, 0, 2, 1}, 4); // a negative index is out of range, as in PyTorch
        Tensor gpuIdx = toGpu(hostIdx);
        for (DType dt : ALL) {
            Tensor[] x = transposed(dt, 3, 5);   // (5, 3)
            same("index_select dim 0 " + dt, CPU.indexSelect(x[0], 0, hostIdx), GPU.indexSelect(x[1], 0, gpuIdx));
            same("index_select dim 1 " + dt, CPU.indexSelect(x[0], 1, hostIdx),
                    GPU.indexSelect(x[1], 1, gpuIdx));
        }
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT64}) {
            Tensor[] target = pair(dt, 5, 3);
            Tensor[] src = pair(dt, 4, 3);
            CPU.indexAdd(target[0], 0, hostIdx, src[0]);
            GPU.indexAdd(target[1], 0, gpuIdx, src[1]);
            verifyLaunches("index_add " + dt, true);

            Tensor gi = Tensor.fromArray(new long[] {0, 2, 1, 1, 0, 2}, 2, 3);
            Tensor[] x = pair(dt, 3, 3);
            same("gather dim 0 " + dt, CPU.gather(x[0], 0, gi), GPU.gather(x[1], 0, toGpu(gi)));
            same("gather dim 1 " + dt, CPU.gather(x[0], 1, gi), GPU.gather(x[1], 1, toGpu(gi)));
            for (boolean add : new boolean[] {true, false}) {
                Tensor[] t = pair(dt, 3, 3);
                Tensor[] s = pair(dt, 2, 3);
                CPU.scatter(t[0], 1, gi, s[0], add);
                GPU.scatter(t[1], 1, toGpu(gi), s[1], add);
                verifyLaunches("scatter add=" + add + " " + dt, true);
            }
        }
        Tensor gi = Tensor.fromArray(new long[] {0, 1}, 2);
        Tensor[] x = pair(DType.FLOAT32, 3, 3);
        sameError("gather with a rank mismatch", () -> CPU.gather(x[0], 0, gi), () -> GPU.gather(x[1], 0, toGpu(gi)));
        Tensor fi = Tensor.fromArray(new double[] {0, 1}, 2);
        sameError("float index", () -> CPU.indexSelect(x[0], 0, fi), () -> GPU.indexSelect(x[1], 0, toGpu(fi)));
    }

    @Test
    void crossThreadUseOrdersStreams() throws Exception {
        Tensor[] x = pair(DType.FLOAT32, 8);
        Tensor y = GPU.unary(UnaryOp.EXP, x[1], 0, 0);
        int waits = OPS.streamWaits;
        Tensor[] z = new Tensor[1];
        Thread t = new Thread(() -> z[0] = GPU.unary(UnaryOp.LOG, y, 0, 0));
        t.start();
        t.join();
        assertTrue(OPS.streamWaits > waits, "another thread's stream waits for the producer's stream");
        assertEquals(DType.FLOAT32, z[0].dtype());
        verifyLaunches("cross-thread", true);
    }

    @AfterAll
    static void everyKernelFamilyOfTheSpiWasExercised() {
        Supplier<String> used = KERNELS_USED::toString;
        for (String family : new String[] {"elementwise/sg_unary_", "elementwise/sg_unary_grad_", "elementwise/sg_binary_",
                "elementwise/sg_compare_", "elementwise/sg_logical_u8", "elementwise/sg_where_", "elementwise/sg_fill_",
                "elementwise/sg_nonfinite_", "cast/sg_cast_", "reduce/sg_reduce_", "gemm/sg_gemm_",
                "softmax/sg_softmax_fwd_lastdim_", "softmax/sg_softmax_fwd_inner_", "softmax/sg_softmax_bwd_",
                "index/sg_index_select_", "index/sg_index_add_", "index/sg_gather_", "index/sg_scatter_add_",
                "index/sg_scatter_"}) {
            assertTrue(KERNELS_USED.stream().anyMatch(k -> k.startsWith(family)), family + " never launched: " + used.get());
        }
        assertTrue(KERNELS_USED.stream().anyMatch(k -> k.contains("_finish_")), "split reductions finish");
        assertTrue(KERNELS_USED.stream().anyMatch(k -> k.contains("_small_")), "one-thread-per-output reductions");
    }
}
