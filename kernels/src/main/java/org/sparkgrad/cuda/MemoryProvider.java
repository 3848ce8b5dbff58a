package org.sparkgrad.cuda;

/**
 * The raw memory under a {@link CachingAllocator}: device memory through {@code cuMemAlloc}/{@code cuMemFree}
 * ({@link DriverDeviceMemory}), page-locked host memory through {@code cuMemAllocHost} ({@link PinnedHostMemory}),
 * or a fake in tests. Implementations need not be thread-safe: the allocator serialises its calls.
 *
 * @param <P> the handle of one allocation (e.g. {@code CUdeviceptr})
 */
public interface MemoryProvider<P> {
    /**
     * Allocates {@code bytes} bytes.
     *
     * @throws DeviceOutOfMemoryException when the memory is exhausted (the allocator then frees its cache and
     *                                    retries once)
     */
    P allocate(long bytes);

    /** Returns an allocation to the driver. */
    void release(P handle);

    /** Waits until no queued work can still touch memory released to the cache (a device-wide synchronize). */
    void synchronize();

    /** For messages, e.g. "cuda:0 device memory". */
    String name();
}
