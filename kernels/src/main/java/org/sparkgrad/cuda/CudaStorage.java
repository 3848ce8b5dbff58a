package org.sparkgrad.cuda;

import jcuda.driver.CUdeviceptr;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Storage;

/**
 * A storage in GPU memory: a {@link DeviceBuffer} of {@code size * dtype.itemSize()} bytes. Its memory returns to
 * the device's caching allocator when the storage becomes unreachable (the buffer's Cleaner), or at once through
 * {@link #close()} or a {@link DeviceScope} around its allocation. Using a closed storage throws
 * {@link IllegalStateException}, never reads reused memory.
 */
public final class CudaStorage extends Storage implements AutoCloseable {
    private final CudaDevice device;
    private final DeviceBuffer buffer;
    private volatile CudaDevice.Stream lastWriter;

    CudaStorage(CudaDevice device, DType dtype, int size, DeviceBuffer buffer) {
        super(dtype, size);
        this.device = device;
        this.buffer = buffer;
    }

    /** A storage of {@code size} elements; zero-filled when {@code zero}. */
    static CudaStorage allocate(CudaDevice device, DType dtype, int size, boolean zero) {
        if (size < 0) throw new IllegalArgumentException("negative storage size " + size);
        long bytes = (long) size * dtype.itemSize();
        CudaStorage s = new CudaStorage(device, dtype, size, device.allocate(bytes));
        if (zero) {
            device.zero(s.buffer, bytes);
            s.lastWriter = device.stream();
        }
        return s;
    }

    @Override
    public Device device() {
        return Device.cuda(device.ordinal());
    }

    CudaDevice cudaDevice() {
        return device;
    }

    DeviceBuffer buffer() {
        return buffer;
    }

    /** The device address of element 0 (throws after {@link #close()}). */
    CUdeviceptr pointer() {
        return (CUdeviceptr) buffer.handle();
    }

    long byteSize() {
        return (long) size() * dtype().itemSize();
    }

    /** Orders the calling thread's stream after this storage's last write; call before reading or writing it. */
    void beforeAccess() {
        device.orderAfter(lastWriter);
        buffer.usedOnStream(device.stream().id);
    }

    /** Records that the calling thread's stream wrote this storage. */
    void written() {
        lastWriter = device.stream();
    }

    /** Returns the memory to the allocator now. Idempotent. */
    @Override
    public void close() {
        buffer.close();
    }

    public boolean isOpen() {
        return buffer.isOpen();
    }
}
