package org.sparkgrad.cuda;

import java.lang.ref.Cleaner;

/**
 * An owned block of device (or pinned host) memory from a {@link CachingAllocator}. Release it deterministically
 * with {@link #close()} (or a {@link DeviceScope}); if it becomes unreachable while open, a {@link Cleaner}
 * returns it to the allocator. Either way it goes back to its stream's pool at once, unless
 * {@link #usedOnStream} saw another stream use it: then it waits for a device synchronize. Closing twice is
 * harmless; using a closed buffer throws.
 */
public final class DeviceBuffer implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The part the Cleaner holds: must not reference the DeviceBuffer. */
    private static final class Release<P> implements Runnable {
        private final CachingAllocator<P> allocator;
        private final CachingAllocator.Block<P> block;
        private volatile boolean usedElsewhere;

        Release(CachingAllocator<P> allocator, CachingAllocator.Block<P> block) {
            this.allocator = allocator;
            this.block = block;
        }

        @Override
        public void run() {
            if (usedElsewhere) allocator.freeDeferred(block);
            else allocator.freeToOwnStream(block);
        }
    }

    private final CachingAllocator.Block<?> block;
    private final Release<?> release;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean open = true;

    private <P> DeviceBuffer(CachingAllocator<P> allocator, CachingAllocator.Block<P> block) {
        this.block = block;
        Release<P> r = new Release<>(allocator, block);
        this.release = r;
        this.cleanable = CLEANER.register(this, r);
    }

    /**
     * Allocates {@code bytes} bytes from {@code allocator} and registers the buffer with the calling thread's
     * innermost open {@link DeviceScope}, if any.
     */
    public static <P> DeviceBuffer allocate(CachingAllocator<P> allocator, long bytes) {
        DeviceBuffer b = new DeviceBuffer(allocator, allocator.allocate(bytes));
        DeviceScope.registerWithCurrent(b);
        return b;
    }

    /** The provider's handle ({@code jcuda.driver.CUdeviceptr} for device memory). */
    public Object handle() {
        ensureOpen();
        return block.handle();
    }

    /** The requested size in bytes. */
    public long byteSize() {
        return block.requested();
    }

    /** The block's size (its size class): the bytes actually reserved. */
    public long capacity() {
        return block.size();
    }

    public boolean isOpen() {
        return open;
    }

    private void ensureOpen() {
        if (!open) throw new IllegalStateException("device buffer used after close");
    }

    /**
     * Records that work on stream {@code streamId} uses this buffer. A buffer used only on the stream it was
     * allocated on goes back to that stream's pool when released, however it is released (close, scope, Cleaner);
     * one used on other streams too is reused only after a device synchronize.
     */
    public void usedOnStream(long streamId) {
        if (streamId != block.stream()) release.usedElsewhere = true;
    }

    /** Returns the memory to the allocator's cache. Idempotent. */
    @Override
    public void close() {
        if (!open) return;
        open = false;
        cleanable.clean();
    }
}
