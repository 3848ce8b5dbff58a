package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sparkgrad.backend.CpuBackend;
import org.sparkgrad.backend.ScanOp;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * The CUDA backend has no scan or sort kernels: it inherits {@code Backend}'s documented host round trip (download,
 * CPU loops, upload). On a recording device (downloads read zeros, so values are not checked here) the results must
 * come back on the GPU with the CPU backend's shapes and dtypes, through one download and uploads only, launching no
 * kernel for contiguous inputs; unsupported dtypes fail as on the CPU.
 */
class CudaScanSortFallbackTest {
    private static final RecordingOps OPS = new RecordingOps();
    private static final CudaDevice DEV = new CudaDevice(0, new CudaRuntime.DeviceInfo(0, "recording", 9, 0, 132, 80L << 30), OPS);
    private static final CudaBackend GPU = new CudaBackend(i -> DEV);
    private static final CpuBackend CPU = new CpuBackend();

    private static Tensor gpu(Tensor h) { return new Tensor(GPU.upload(CPU.download(h), Device.cuda(0)), h.shape()); }

    private static void onGpuLike(String what, Tensor cpu, Tensor gpu) {
        assertArrayEquals(cpu.shape(), gpu.shape(), what);
        assertEquals(cpu.dtype(), gpu.dtype(), what);
        assertTrue(gpu.storage() instanceof CudaStorage, what + ": not on the GPU");
    }

    @Test
    void scansAndSortRoundTripThroughTheHost() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT64}) {
            Tensor h = Tensor.arange(0, 24, 1).to(dt).reshape(2, 3, 4);
            Tensor g = gpu(h);
            for (ScanOp op : ScanOp.values()) {
                if (op == ScanOp.LOGSUMEXP && dt == DType.INT64) continue;
                for (int dim = 0; dim < 3; dim++) {
                    OPS.launches.clear();
                    OPS.bytesDownloaded = 0;
                    OPS.bytesUploaded = 0;
                    Tensor[] c = CPU.scan(op, h, dim), r = GPU.scan(op, g, dim);
                    onGpuLike(op + " " + dt + " " + dim, c[0], r[0]);
                    if (op.hasIndices()) onGpuLike(op + " indices", c[1], r[1]);
                    else assertNull(r[1]);
                    assertTrue(OPS.launches.isEmpty(), op + ": launched " + OPS.launches);
                    assertEquals(24L * dt.itemSize(), OPS.bytesDownloaded, op + ": one download of the input");
                    assertTrue(OPS.bytesUploaded >= 24L * dt.itemSize(), op + ": results uploaded");
                }
            }
            Tensor[] c = CPU.sort(h, 1, true, false), r = GPU.sort(g, 1, true, false);
            onGpuLike("sort values " + dt, c[0], r[0]);
            onGpuLike("sort indices " + dt, c[1], r[1]);
        }
        Tensor l = gpu(Tensor.fromArray(new long[] {1, 2, 3}));
        assertThrows(IllegalArgumentException.class, () -> GPU.scan(ScanOp.LOGSUMEXP, l, 0));
        assertThrows(IllegalArgumentException.class, () -> GPU.sort(gpu(Tensor.fromArray(new boolean[] {true, false})), 0, false, false));
    }
}
