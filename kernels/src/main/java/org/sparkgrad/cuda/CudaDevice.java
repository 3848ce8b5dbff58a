package org.sparkgrad.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU as the backend uses it: one context per device per JVM (the primary context), current on each thread
 * that touches the device; one CUDA stream per thread (non-blocking, created on first use); a
 * {@link CachingAllocator} over device memory and one over pinned host memory for transfers.
 *
 * <p>Ordering: work from one thread runs in order on its stream. A storage remembers the stream that last wrote
 * it; a thread using it from another stream first makes its own stream wait for that write
 * ({@link #orderAfter}), so tensors can be handed between threads without explicit synchronization. (A stream
 * of a thread that ended is not destroyed: streams are few and live as long as the context.)
 *
 * <p>Instances exist only when {@link CudaRuntime#isAvailable()}; {@link #get(int)} throws a
 * {@link CudaBackendException} carrying the discovery's reason otherwise.
 */
public final class CudaDevice {
    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);
    private static final ConcurrentHashMap<Integer, CudaDevice> DEVICES = new ConcurrentHashMap<>();
    private static final AtomicLong STREAM_IDS = new AtomicLong(1);

    /** A thread's stream on this device. */
    static final class Stream {
        final long id;
        final Object handle;

        Stream(long id, Object handle) {
            this.id = id;
            this.handle = handle;
        }
    }

    private final int ordinal;
    private final CudaRuntime.DeviceInfo info;
    private final DeviceOps ops;
    private final ThreadLocal<Stream> streams;
    private final CachingAllocator<CUdeviceptr> allocator;
    private final CachingAllocator<Pointer> pinned;

    CudaDevice(int ordinal, CudaRuntime.DeviceInfo info, DeviceOps ops) {
        this.ordinal = ordinal;
        this.info = info;
        this.ops = ops;
        this.streams = ThreadLocal.withInitial(() -> new Stream(STREAM_IDS.getAndIncrement(), ops.createStream()));
        this.allocator = new CachingAllocator<>(ops.deviceMemory(), () -> stream().id);
        this.pinned = new CachingAllocator<>(ops.pinnedMemory(), () -> 0L);
    }

    /**
     * The device with CUDA ordinal {@code ordinal}.
     *
     * @throws CudaBackendException     when CUDA is unavailable (with the reason) or the GPU cannot run the kernels
     * @throws IllegalArgumentException when there is no such device
     */
    public static CudaDevice get(int ordinal) {
        CudaDevice known = DEVICES.get(ordinal);
        if (known != null) return known;
        CudaRuntime.Discovery d = CudaRuntime.discovery();
        if (!d.available()) throw new CudaBackendException("CUDA is not available: " + d.reason());
        if (ordinal < 0 || ordinal >= d.devices().size()) {
            throw new IllegalArgumentException("no CUDA device cuda:" + ordinal + " (" + d.devices().size()
                    + " device(s) found)");
        }
        CudaRuntime.DeviceInfo info = d.devices().get(ordinal);
        if (!CudaRuntime.usable(info)) {
            throw new CudaBackendException("cuda:" + ordinal + " (" + info.name() + ", compute capability "
                    + info.computeMajor() + "." + info.computeMinor() + ") is older than the kernels' sm_75 target");
        }
        return DEVICES.computeIfAbsent(ordinal, o -> {
            CudaDevice dev = new CudaDevice(o, info, new JCudaDeviceOps(o));
            LOG.info("{}: {} (compute capability {}.{}, {} SMs, {} MiB)", dev, info.name(), info.computeMajor(),
                    info.computeMinor(), info.multiprocessors(), info.totalMemoryBytes() >> 20);
            return dev;
        });
    }

    public int ordinal() {
        return ordinal;
    }

    public CudaRuntime.DeviceInfo info() {
        return info;
    }

    /** Multiprocessor count (sizes grids). */
    public int multiprocessors() {
        return Math.max(1, info.multiprocessors());
    }

    /** The calling thread's stream on this device. */
    Stream stream() {
        ops.makeCurrent();
        return streams.get();
    }

    /** Device memory allocator. */
    public CachingAllocator<CUdeviceptr> allocator() {
        return allocator;
    }

    /** Memory statistics of the device allocator. */
    public AllocatorStats memoryStats() {
        return allocator.stats();
    }

    /** Returns cached device and pinned memory to the driver (after synchronizing). */
    public void emptyCache() {
        ops.makeCurrent();
        allocator.emptyCache();
        pinned.emptyCache();
    }

    /** Waits for all work on the device, then lets the allocator reuse blocks freed across streams. */
    public void synchronize() {
        ops.synchronizeDevice();
        allocator.onDeviceSynchronized();
    }

    /** Waits for the calling thread's stream. */
    public void synchronizeStream() {
        ops.synchronizeStream(stream().handle);
    }

    /** A new device buffer (contents undefined), registered with the thread's {@link DeviceScope} if any. */
    public DeviceBuffer allocate(long bytes) {
        ops.makeCurrent();
        return DeviceBuffer.allocate(allocator, bytes);
    }

    /** Zeroes the first {@code bytes} bytes of {@code b} on the thread's stream. */
    void zero(DeviceBuffer b, long bytes) {
        if (bytes > 0) ops.memsetZero((CUdeviceptr) b.handle(), bytes, stream().handle);
    }

    /** Makes the calling thread's stream wait for the work queued so far on {@code lastWriter} (if another). */
    void orderAfter(Stream lastWriter) {
        Stream s = stream();
        if (lastWriter != null && lastWriter.id != s.id) ops.streamWait(s.handle, lastWriter.handle);
    }

    /** Launches {@code module/name} on the calling thread's stream. */
    void launch(String module, String name, LaunchConfig cfg, int sharedBytes, KernelArgs args) {
        ops.launch(module, name, cfg, sharedBytes, args, stream().handle);
    }

    // ------------------------------------------------------------------ transfers through pinned staging buffers
    /** Copies {@code bytes} bytes written by {@code fill} to device memory at {@code dst + dstOffset}. */
    void upload(DeviceBuffer dst, long dstOffset, long bytes, Consumer<ByteBuffer> fill) {
        if (bytes == 0) return;
        Stream s = stream();
        CachingAllocator.Block<Pointer> staging = pinned.allocate(bytes);
        try {
            fill.accept(ops.hostView(staging.handle(), bytes).order(ByteOrder.nativeOrder()));
            ops.copyHostToDevice(((CUdeviceptr) dst.handle()).withByteOffset(dstOffset), staging.handle(), bytes,
                    s.handle);
            ops.synchronizeStream(s.handle);   // the staging block is reused as soon as it is freed
        } finally {
            pinned.free(staging);
        }
    }

    /** Copies {@code bytes} bytes at {@code src + srcOffset} to the host and hands them to {@code read}. */
    void download(DeviceBuffer src, long srcOffset, long bytes, Consumer<ByteBuffer> read) {
        if (bytes == 0) return;
        Stream s = stream();
        CachingAllocator.Block<Pointer> staging = pinned.allocate(bytes);
        try {
            ops.copyDeviceToHost(staging.handle(), ((CUdeviceptr) src.handle()).withByteOffset(srcOffset), bytes,
                    s.handle);
            ops.synchronizeStream(s.handle);
            read.accept(ops.hostView(staging.handle(), bytes).order(ByteOrder.nativeOrder()));
        } finally {
            pinned.free(staging);
        }
    }

    @Override
    public String toString() {
        return "cuda:" + ordinal;
    }
}
