package org.sparkgrad.cuda;

/**
 * A snapshot of a {@link CachingAllocator}'s counters (bytes are block sizes after rounding to size classes).
 *
 * @param allocatedBytes     bytes in blocks handed out and not yet freed
 * @param cachedBytes        bytes in freed blocks kept for reuse (including blocks waiting for a synchronize)
 * @param peakAllocatedBytes maximum of allocatedBytes so far
 * @param liveBlocks         blocks handed out and not yet freed
 * @param cachedBlocks       blocks in the cache
 * @param allocations        calls to allocate
 * @param cacheHits          allocations served from the cache
 * @param deviceAllocations  allocations that reached the provider ({@code cuMemAlloc})
 * @param deviceReleases     blocks returned to the provider ({@code cuMemFree})
 * @param oomRecoveries      times an out-of-memory was answered by emptying the cache and retrying
 */
public record AllocatorStats(long allocatedBytes, long cachedBytes, long peakAllocatedBytes, int liveBlocks,
                             int cachedBlocks, long allocations, long cacheHits, long deviceAllocations,
                             long deviceReleases, long oomRecoveries) {
    /** Bytes held from the provider: allocated plus cached. */
    public long reservedBytes() {
        return allocatedBytes + cachedBytes;
    }
}
