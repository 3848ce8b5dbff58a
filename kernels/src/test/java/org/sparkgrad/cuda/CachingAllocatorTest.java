package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CachingAllocatorTest {
    private long stream = 1;
    private final FakeMemory mem = new FakeMemory(64L << 20);
    private final CachingAllocator<Integer> alloc = new CachingAllocator<>(mem, () -> stream);

    @Test
    void sizeClasses() {
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(1L << 20, CachingAllocator.sizeClass((1L << 20) - 100));
        assertEquals(1L << 20, CachingAllocator.sizeClass(1L << 20));
        assertEquals((1L << 20) + (1L << 18), CachingAllocator.sizeClass((1L << 20) + 1));
        assertEquals(3L << 20, CachingAllocator.sizeClass((5L << 19) + 1));   // 2.5 MiB + 1 -> 3 MiB
        assertEquals(4L << 20, CachingAllocator.sizeClass((7L << 19) + 1));   // 3.5 MiB + 1 -> 4 MiB
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.sizeClass(-1));
        for (long b = 1; b < (1L << 34); b = b * 3 + 7) {
            long c = CachingAllocator.sizeClass(b);
            assertTrue(c >= b && c % 512 == 0, "class " + c + " of " + b);
            assertTrue(b < CachingAllocator.SMALL_LIMIT || c <= b + b / 4 + 1, "at most 25% slack: " + b + " -> " + c);
        }
    }

    @Test
    void freedBlocksAreReusedWithoutTheProvider() {
        CachingAllocator.Block<Integer> a = alloc.allocate(1000);
        assertEquals(1024, a.size());
        assertEquals(1000, a.requested());
        alloc.free(a);
        assertEquals(1, mem.live.size(), "a free keeps the memory cached");
        CachingAllocator.Block<Integer> b = alloc.allocate(900);   // same class (1024)
        assertSame(a, b);
        assertEquals(900, b.requested());
        AllocatorStats s = alloc.stats();
        assertEquals(2, s.allocations());
        assertEquals(1, s.cacheHits());
        assertEquals(1, s.deviceAllocations());
        assertEquals(1024, s.allocatedBytes());
        assertEquals(0, s.cachedBytes());
        assertEquals(List.of("alloc 1024"), mem.calls);
    }

    @Test
    void differentClassesDoNotShareBlocks() {
        CachingAllocator.Block<Integer> a = alloc.allocate(1000);
        alloc.free(a);
        CachingAllocator.Block<Integer> b = alloc.allocate(5000);
        assertNotSame(a, b);
        assertEquals(2, mem.live.size());
        assertEquals(1024, alloc.stats().cachedBytes());
        assertEquals(5120, alloc.stats().allocatedBytes());
    }

    @Test
    void statisticsTrackPeaksAndCache() {
        List<CachingAllocator.Block<Integer>> blocks = new ArrayList<>();
        for (int i = 0; i < 10; i++) blocks.add(alloc.allocate(4096));
        assertEquals(40960, alloc.stats().peakAllocatedBytes());
        for (CachingAllocator.Block<Integer> b : blocks) alloc.free(b);
        AllocatorStats s = alloc.stats();
        assertEquals(0, s.allocatedBytes());
        assertEquals(40960, s.cachedBytes());
        assertEquals(40960, s.reservedBytes());
        assertEquals(10, s.cachedBlocks());
        assertEquals(0, s.liveBlocks());
        assertEquals(40960, s.peakAllocatedBytes());
    }

    @Test
    void emptyCacheSynchronizesAndReleasesEverythingCached() {
        CachingAllocator.Block<Integer> keep = alloc.allocate(100);
        for (int i = 0; i < 3; i++) alloc.free(alloc.allocate(2000 + i * 1000));
        alloc.emptyCache();
        assertEquals(1, mem.synchronizes);
        assertEquals(1, mem.live.size(), "only the live block remains");
        assertEquals(0, alloc.stats().cachedBytes());
        assertEquals(512, alloc.stats().allocatedBytes());
        alloc.free(keep);
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndRetries() {
        FakeMemory small = new FakeMemory(4L << 20);
        CachingAllocator<Integer> a = new CachingAllocator<>(small, () -> 0);
        a.free(a.allocate(3L << 20));          // 3 MiB cached
        CachingAllocator.Block<Integer> b = a.allocate(2L << 20);   // does not fit beside the cached 3 MiB
        assertEquals(2L << 20, b.size());
        assertEquals(1, a.stats().oomRecoveries());
        assertEquals(List.of("alloc 3145728", "oom 2097152", "sync", "release 3145728", "alloc 2097152"), small.calls);
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> a.allocate(3L << 20));
        assertTrue(e.getMessage().contains("3145728") && e.getMessage().contains("allocatedBytes=2097152"),
                e.getMessage());
        a.free(b);
    }

    @Test
    void blocksFreedFromAnotherStreamWaitForASynchronize() {
        stream = 1;
        CachingAllocator.Block<Integer> a = alloc.allocate(1000);
        stream = 2;                      // another thread's stream frees it
        alloc.free(a);
        stream = 1;
        CachingAllocator.Block<Integer> b = alloc.allocate(1000);
        assertNotSame(a, b, "not reusable before a synchronize");
        alloc.onDeviceSynchronized();
        CachingAllocator.Block<Integer> c = alloc.allocate(1000);
        assertSame(a, c, "reusable after the synchronize, on its own stream");
        alloc.free(b);
        alloc.free(c);
    }

    @Test
    void streamsHaveSeparatePools() {
        stream = 1;
        CachingAllocator.Block<Integer> a = alloc.allocate(1000);
        alloc.free(a);
        stream = 2;
        CachingAllocator.Block<Integer> b = alloc.allocate(1000);
        assertNotSame(a, b, "a block cached for stream 1 is not handed to stream 2");
        assertEquals(2, b.stream());
        alloc.free(b);
    }

    @Test
    void freeToOwnStreamIgnoresTheCallersStream() {
        stream = 1;
        CachingAllocator.Block<Integer> a = alloc.allocate(1000);
        stream = 2;                      // e.g. the Cleaner thread
        alloc.freeToOwnStream(a);
        stream = 1;
        assertSame(a, alloc.allocate(1000), "back in stream 1's pool at once");
    }

    @Test
    void deferredFreesWaitForASynchronize() {
        CachingAllocator.Block<Integer> a = alloc.allocate(1000);
        alloc.freeDeferred(a);
        assertNotSame(a, alloc.allocate(1000));
        alloc.onDeviceSynchronized();
        assertSame(a, alloc.allocate(1000));
    }

    @Test
    void doubleFreeFails() {
        CachingAllocator.Block<Integer> a = alloc.allocate(10);
        alloc.free(a);
        assertThrows(IllegalStateException.class, () -> alloc.free(a));
    }

    @Test
    void closeReportsLeaksAndReleasesTheCache() {
        CachingAllocator.Block<Integer> leaked = alloc.allocate(100);
        alloc.free(alloc.allocate(100_000));
        IllegalStateException e = assertThrows(IllegalStateException.class, alloc::close);
        assertTrue(e.getMessage().contains("1 live block") && e.getMessage().contains("512 bytes"), e.getMessage());
        assertEquals(1, mem.live.size(), "the cache went back to the provider");
        assertThrows(IllegalStateException.class, () -> alloc.allocate(1));
        alloc.free(leaked);   // a late free goes straight to the provider
        assertTrue(mem.live.isEmpty());
    }

    @Test
    void closeWithoutLeaksIsQuiet() {
        alloc.free(alloc.allocate(100));
        alloc.close();
        assertTrue(mem.live.isEmpty());
        alloc.close();   // idempotent
    }

    @Test
    void concurrentAllocateAndFreeKeepTheBooksBalanced() throws Exception {
        FakeMemory big = new FakeMemory(1L << 40);
        CachingAllocator<Integer> shared = new CachingAllocator<>(big, () -> Thread.currentThread().getId());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            final int seed = t;
            fs.add(pool.submit(() -> {
                List<CachingAllocator.Block<Integer>> mine = new ArrayList<>();
                for (int i = 0; i < 2000; i++) {
                    mine.add(shared.allocate(((i * 7919L + seed) % 5000) + 1));
                    if (mine.size() > 8) shared.free(mine.remove((i * 31) % mine.size()));
                }
                mine.forEach(shared::free);
            }));
        }
        for (Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        AllocatorStats s = shared.stats();
        assertEquals(0, s.liveBlocks());
        assertEquals(0, s.allocatedBytes());
        assertEquals(8000, s.allocations());
        assertEquals(s.cachedBytes(), big.used, "everything the provider holds is in the cache");
        assertTrue(s.cacheHits() > 0);
        shared.close();
        assertTrue(big.live.isEmpty());
    }
}
