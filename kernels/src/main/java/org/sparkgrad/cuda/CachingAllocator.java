package org.sparkgrad.cuda;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * A caching allocator in the manner of PyTorch's CUDA caching allocator, reduced to what Sparkgrad needs: freed
 * blocks go back to a pool keyed by (stream, size class) instead of to the driver, so a training loop that
 * allocates the same shapes every step stops calling {@code cuMemAlloc}/{@code cuMemFree} after its first step.
 *
 * <p><b>Size classes.</b> Requests round up to a multiple of 512 bytes below 1 MiB, and above that to the next of
 * 2<sup>k</sup> x {1, 1.25, 1.5, 1.75} (at most 25% slack); a request is served only by a cached block of exactly
 * its class. See {@link #sizeClass(long)}.
 *
 * <p><b>Streams.</b> A block is tagged with the stream that was current when it was allocated (kernels on one
 * stream run in order, so a block freed and reused on the same stream is safe without synchronizing). A block
 * that other streams may still be using ({@link #freeDeferred}, or {@link #free} from another stream's thread) is
 * <i>deferred</i>: it is reused only after the allocator has seen a device-wide synchronize
 * ({@link #onDeviceSynchronized()}, {@link #emptyCache()}, or the out-of-memory path).
 *
 * <p><b>Out of memory.</b> When the provider reports out-of-memory, the allocator synchronizes, returns every
 * cached block to the provider and retries once; if that fails too it throws {@link DeviceOutOfMemoryException}
 * with its statistics.
 *
 * <p>All methods are thread-safe. {@link #close()} empties the cache and fails loudly if blocks are still live
 * (the way Arrow's allocators expose leaks).
 *
 * @param <P> handle type of the underlying {@link MemoryProvider}
 */
public final class CachingAllocator<P> implements AutoCloseable {
    /** Smallest block, and the rounding granule below {@link #SMALL_LIMIT}. */
    public static final long MIN_BLOCK = 512;
    /** Requests from this size up round to quarter powers of two. */
    public static final long SMALL_LIMIT = 1L << 20;

    /** One allocation handed out by the allocator. */
    public static final class Block<P> {
        private final P handle;
        private final long size;
        private long requested;
        private long stream;
        private boolean live;

        private Block(P handle, long size) {
            this.handle = handle;
            this.size = size;
        }

        /** The provider's handle (e.g. {@code CUdeviceptr}). */
        public P handle() {
            return handle;
        }

        /** Size of the block (its size class), at least the requested size. */
        public long size() {
            return size;
        }

        /** Bytes asked for when the block was last handed out. */
        public long requested() {
            return requested;
        }

        /** The stream the block was handed out on. */
        public long stream() {
            return stream;
        }
    }

    private final MemoryProvider<P> provider;
    private final LongSupplier currentStream;
    /** stream -> size class -> free blocks */
    private final Map<Long, TreeMap<Long, ArrayDeque<Block<P>>>> pools = new HashMap<>();
    private final List<Block<P>> deferred = new ArrayList<>();
    private boolean closed;

    private long allocatedBytes;
    private long cachedBytes;
    private long peakAllocatedBytes;
    private int liveBlocks;
    private int cachedBlocks;
    private long allocations;
    private long cacheHits;
    private long deviceAllocations;
    private long deviceReleases;
    private long oomRecoveries;

    /**
     * @param provider      the raw memory
     * @param currentStream the id of the calling thread's stream (0 when streams do not matter)
     */
    public CachingAllocator(MemoryProvider<P> provider, LongSupplier currentStream) {
        this.provider = provider;
        this.currentStream = currentStream;
    }

    /** The size class a request of {@code bytes} bytes is served from. */
    public static long sizeClass(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation size " + bytes);
        if (bytes <= MIN_BLOCK) return MIN_BLOCK;
        if (bytes < SMALL_LIMIT) return roundUp(bytes, MIN_BLOCK);
        long p = Long.highestOneBit(bytes);
        if (p == bytes) return bytes;
        return roundUp(bytes, p / 4);
    }

    private static long roundUp(long v, long granule) {
        long r = (v + granule - 1) / granule * granule;
        if (r < v) throw new IllegalArgumentException("allocation size too large: " + v);
        return r;
    }

    /**
     * Hands out a block of at least {@code bytes} bytes, tagged with the calling thread's stream. Contents are
     * undefined (a reused block holds whatever its last user wrote).
     *
     * @throws DeviceOutOfMemoryException when the provider has no memory even after the cache was emptied
     * @throws IllegalStateException      after {@link #close()}
     */
    public synchronized Block<P> allocate(long bytes) {
        if (closed) throw new IllegalStateException(provider.name() + ": allocator is closed");
        long cls = sizeClass(bytes);
        long stream = currentStream.getAsLong();
        allocations++;
        Block<P> b = takeCached(stream, cls);
        if (b != null) {
            cacheHits++;
        } else {
            b = new Block<>(allocateFromProvider(cls, bytes), cls);
            deviceAllocations++;
        }
        b.requested = bytes;
        b.stream = stream;
        b.live = true;
        liveBlocks++;
        allocatedBytes += cls;
        peakAllocatedBytes = Math.max(peakAllocatedBytes, allocatedBytes);
        return b;
    }

    private P allocateFromProvider(long cls, long requested) {
        try {
            return provider.allocate(cls);
        } catch (DeviceOutOfMemoryException first) {
            oomRecoveries++;
            releaseAllCached();
            try {
                return provider.allocate(cls);
            } catch (DeviceOutOfMemoryException second) {
                throw new DeviceOutOfMemoryException(provider.name() + ": out of memory allocating " + requested
                        + " bytes (block " + cls + ") after emptying the cache; " + statsLocked(), second);
            }
        }
    }

    private Block<P> takeCached(long stream, long cls) {
        TreeMap<Long, ArrayDeque<Block<P>>> pool = pools.get(stream);
        if (pool == null) return null;
        ArrayDeque<Block<P>> q = pool.get(cls);
        if (q == null || q.isEmpty()) return null;
        Block<P> b = q.pop();
        if (q.isEmpty()) pool.remove(cls);
        cachedBlocks--;
        cachedBytes -= b.size;
        return b;
    }

    /**
     * Returns a block to the cache. Freed on the stream it was allocated on, it is reusable at once by that
     * stream; freed from another stream's thread it waits for the next device synchronize.
     *
     * @throws IllegalStateException when the block is not live (double free)
     */
    public synchronized void free(Block<P> b) {
        release(b, currentStream.getAsLong() != b.stream);
    }

    /**
     * Returns a block known to have been used only on the stream it was allocated on (from any thread, the
     * {@link java.lang.ref.Cleaner}'s included): stream order makes it reusable at once by that stream.
     */
    public synchronized void freeToOwnStream(Block<P> b) {
        release(b, false);
    }

    /**
     * Returns a block that other streams may still be using: it waits for the next device synchronize before
     * reuse.
     */
    public synchronized void freeDeferred(Block<P> b) {
        release(b, true);
    }

    private void release(Block<P> b, boolean defer) {
        if (!b.live) throw new IllegalStateException(provider.name() + ": block freed twice");
        b.live = false;
        liveBlocks--;
        allocatedBytes -= b.size;
        if (closed) {
            provider.release(b.handle);
            deviceReleases++;
            return;
        }
        cachedBlocks++;
        cachedBytes += b.size;
        if (defer) {
            deferred.add(b);
        } else {
            pools.computeIfAbsent(b.stream, s -> new TreeMap<>()).computeIfAbsent(b.size, s -> new ArrayDeque<>())
                    .push(b);
        }
    }

    /**
     * Tells the allocator that the device was synchronized (all queued work finished): deferred blocks become
     * reusable by the stream they were allocated on.
     */
    public synchronized void onDeviceSynchronized() {
        for (Block<P> b : deferred) {
            pools.computeIfAbsent(b.stream, s -> new TreeMap<>()).computeIfAbsent(b.size, s -> new ArrayDeque<>())
                    .push(b);
        }
        deferred.clear();
    }

    /** Synchronizes the device and returns every cached block to the provider (PyTorch's {@code empty_cache}). */
    public synchronized void emptyCache() {
        releaseAllCached();
    }

    private void releaseAllCached() {
        if (cachedBlocks == 0) return;
        provider.synchronize();
        onDeviceSynchronized();
        for (TreeMap<Long, ArrayDeque<Block<P>>> pool : pools.values()) {
            for (ArrayDeque<Block<P>> q : pool.values()) {
                for (Block<P> b : q) {
                    provider.release(b.handle);
                    deviceReleases++;
                }
            }
        }
        pools.clear();
        cachedBlocks = 0;
        cachedBytes = 0;
    }

    /** Counters at this moment. */
    public synchronized AllocatorStats stats() {
        return statsLocked();
    }

    private AllocatorStats statsLocked() {
        return new AllocatorStats(allocatedBytes, cachedBytes, peakAllocatedBytes, liveBlocks, cachedBlocks,
                allocations, cacheHits, deviceAllocations, deviceReleases, oomRecoveries);
    }

    /**
     * Empties the cache and closes the allocator. Blocks still live are reported: an {@link IllegalStateException}
     * names their number and bytes (they are released to the provider when freed later).
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        releaseAllCached();
        closed = true;
        if (liveBlocks > 0) {
            throw new IllegalStateException(provider.name() + ": allocator closed with " + liveBlocks
                    + " live block(s) holding " + allocatedBytes + " bytes (memory leak)");
        }
    }

    /** For messages. */
    public String name() {
        return provider.name();
    }
}
