package org.sparkgrad.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;

/** Device memory of one GPU through {@code cuMemAlloc}/{@code cuMemFree} (the device's context must be current). */
final class DriverDeviceMemory implements MemoryProvider<CUdeviceptr> {
    private final DeviceOps ops;
    private final String device;

    DriverDeviceMemory(DeviceOps ops, String device) {
        this.ops = ops;
        this.device = device;
    }

    @Override
    public CUdeviceptr allocate(long bytes) {
        ops.makeCurrent();
        CUdeviceptr p = new CUdeviceptr();
        try {
            cuMemAlloc(p, bytes);
        } catch (CudaException e) {
            if (String.valueOf(e.getMessage()).contains("CUDA_ERROR_OUT_OF_MEMORY")) {
                throw new DeviceOutOfMemoryException(name() + ": cuMemAlloc(" + bytes + ") failed: " + e.getMessage(), e);
            }
            throw new CudaBackendException(name() + ": cuMemAlloc(" + bytes + ") failed: " + e.getMessage(), e);
        }
        return p;
    }

    @Override
    public void release(CUdeviceptr handle) {
        ops.makeCurrent();
        cuMemFree(handle);
    }

    @Override
    public void synchronize() {
        ops.synchronizeDevice();
    }

    @Override
    public String name() {
        return device + " device memory";
    }
}
