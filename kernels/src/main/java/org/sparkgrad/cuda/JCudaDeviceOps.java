package org.sparkgrad.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

import java.nio.ByteBuffer;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

/**
 * {@link DeviceOps} through JCuda's driver API: the device's primary context (one per device per JVM, shared with
 * any other driver-API user in the process), non-blocking streams, events for cross-stream ordering, the PTX
 * modules ({@link KernelModules}).
 */
final class JCudaDeviceOps implements DeviceOps {
    private final String name;
    private final CUcontext context = new CUcontext();
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> false);
    private final KernelModules modules;
    private final DriverDeviceMemory deviceMemory;
    private final PinnedHostMemory pinnedMemory;

    JCudaDeviceOps(int ordinal) {
        this.name = "cuda:" + ordinal;
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, ordinal);
        cuDevicePrimaryCtxRetain(context, dev);
        this.modules = new KernelModules(this, name);
        this.deviceMemory = new DriverDeviceMemory(this, name);
        this.pinnedMemory = new PinnedHostMemory(this, name);
    }

    @Override
    public void makeCurrent() {
        if (!current.get()) {
            cuCtxSetCurrent(context);
            current.set(true);
        }
    }

    @Override
    public Object createStream() {
        makeCurrent();
        CUstream s = new CUstream();
        cuStreamCreate(s, CUstream_flags.CU_STREAM_NON_BLOCKING);
        return s;
    }

    @Override
    public MemoryProvider<CUdeviceptr> deviceMemory() {
        return deviceMemory;
    }

    @Override
    public MemoryProvider<Pointer> pinnedMemory() {
        return pinnedMemory;
    }

    @Override
    public ByteBuffer hostView(Pointer host, long bytes) {
        return host.getByteBuffer(0, bytes);
    }

    @Override
    public void launch(String module, String fn, LaunchConfig cfg, int sharedBytes, KernelArgs args, Object stream) {
        makeCurrent();
        CUfunction f = modules.function(module, fn);
        try {
            cuLaunchKernel(f, cfg.gridX(), cfg.gridY(), cfg.gridZ(), cfg.blockX(), cfg.blockY(), cfg.blockZ(),
                    sharedBytes, (CUstream) stream, args.build(), null);
        } catch (CudaException e) {
            throw new CudaBackendException("launch of " + module + "/" + fn + " " + cfg + " on " + name + " failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void memsetZero(CUdeviceptr dst, long bytes, Object stream) {
        cuMemsetD8Async(dst, (byte) 0, bytes, (CUstream) stream);
    }

    @Override
    public void copyHostToDevice(CUdeviceptr dst, Pointer src, long bytes, Object stream) {
        cuMemcpyHtoDAsync(dst, src, bytes, (CUstream) stream);
    }

    @Override
    public void copyDeviceToHost(Pointer dst, CUdeviceptr src, long bytes, Object stream) {
        cuMemcpyDtoHAsync(dst, src, bytes, (CUstream) stream);
    }

    @Override
    public void streamWait(Object waiting, Object writer) {
        CUevent e = new CUevent();
        cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        cuEventRecord(e, (CUstream) writer);
        cuStreamWaitEvent((CUstream) waiting, e, 0);
        cuEventDestroy(e);   // its resources are released once the wait is satisfied
    }

    @Override
    public void synchronizeStream(Object stream) {
        cuStreamSynchronize((CUstream) stream);
    }

    @Override
    public void synchronizeDevice() {
        makeCurrent();
        cuCtxSynchronize();
    }
}
