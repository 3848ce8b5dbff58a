package org.sparkgrad.cuda;

import java.nio.ByteBuffer;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The native operations of one GPU that {@link CudaDevice} builds on: JCuda's driver API in production
 * ({@link JCudaDeviceOps}); a recorder in tests, which lets the whole backend run its planning on a machine
 * without a GPU and checks every launch against the PTX signatures. Stream handles are opaque.
 */
interface DeviceOps {
    /** Makes the device's context current on the calling thread. */
    void makeCurrent();

    /** A new stream for the calling thread. */
    Object createStream();

    /** Raw device memory. */
    MemoryProvider<CUdeviceptr> deviceMemory();

    /** Raw page-locked host memory. */
    MemoryProvider<Pointer> pinnedMemory();

    /** A view of {@code bytes} bytes of pinned host memory. */
    ByteBuffer hostView(Pointer host, long bytes);

    void launch(String module, String name, LaunchConfig cfg, int sharedBytes, KernelArgs args, Object stream);

    void memsetZero(CUdeviceptr dst, long bytes, Object stream);

    void copyHostToDevice(CUdeviceptr dst, Pointer src, long bytes, Object stream);

    void copyDeviceToHost(Pointer dst, CUdeviceptr src, long bytes, Object stream);

    /** Makes {@code waiting} wait for all work queued so far on {@code writer}. */
    void streamWait(Object waiting, Object writer);

    void synchronizeStream(Object stream);

    void synchronizeDevice();
}
