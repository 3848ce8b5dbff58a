package org.sparkgrad.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;

import jcuda.CudaException;
import jcuda.Pointer;

/**
 * Page-locked host memory ({@code cuMemAllocHost}): the staging buffers of host-device transfers, which the DMA
 * engines read and write directly (pageable memory would be copied through a driver bounce buffer first).
 */
final class PinnedHostMemory implements MemoryProvider<Pointer> {
    private final DeviceOps ops;
    private final String device;

    PinnedHostMemory(DeviceOps ops, String device) {
        this.ops = ops;
        this.device = device;
    }

    @Override
    public Pointer allocate(long bytes) {
        ops.makeCurrent();
        Pointer p = new Pointer();
        try {
            cuMemAllocHost(p, bytes);
        } catch (CudaException e) {
            if (String.valueOf(e.getMessage()).contains("CUDA_ERROR_OUT_OF_MEMORY")) {
                throw new DeviceOutOfMemoryException(name() + ": cuMemAllocHost(" + bytes + ") failed: " + e.getMessage(), e);
            }
            throw new CudaBackendException(name() + ": cuMemAllocHost(" + bytes + ") failed: " + e.getMessage(), e);
        }
        return p;
    }

    @Override
    public void release(Pointer handle) {
        ops.makeCurrent();
        cuMemFreeHost(handle);
    }

    @Override
    public void synchronize() {
        ops.synchronizeDevice();
    }

    @Override
    public String name() {
        return device + " pinned host memory";
    }
}
