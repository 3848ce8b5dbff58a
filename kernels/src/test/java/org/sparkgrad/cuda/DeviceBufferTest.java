package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DeviceBufferTest {
    private final FakeMemory mem = new FakeMemory(1L << 30);
    private final CachingAllocator<Integer> alloc = new CachingAllocator<>(mem, () -> 0);

    @Test
    void closeReturnsTheBlockToTheCacheOnce() {
        DeviceBuffer b = DeviceBuffer.allocate(alloc, 3000);
        assertEquals(3000, b.byteSize());
        assertEquals(3072, b.capacity());
        assertTrue(b.handle() instanceof Integer);
        b.close();
        b.close();
        assertFalse(b.isOpen());
        assertEquals(0, alloc.stats().liveBlocks());
        assertEquals(3072, alloc.stats().cachedBytes());
        assertThrows(IllegalStateException.class, b::handle);
    }

    @Test
    void unreachableBuffersAreFreedByTheCleaner() throws InterruptedException {
        for (int i = 0; i < 10; i++) DeviceBuffer.allocate(alloc, 1000);   // dropped without close
        assertEquals(10, alloc.stats().liveBlocks());
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (alloc.stats().liveBlocks() > 0 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, alloc.stats().liveBlocks(), "the Cleaner returned every unreachable buffer");
        assertEquals(10 * 1024, alloc.stats().cachedBytes());
        // Cleaner frees are deferred: not reused before a device synchronize
        DeviceBuffer fresh = DeviceBuffer.allocate(alloc, 1000);
        assertEquals(11, alloc.stats().deviceAllocations());
        alloc.onDeviceSynchronized();
        DeviceBuffer reused = DeviceBuffer.allocate(alloc, 1000);
        assertEquals(11, alloc.stats().deviceAllocations());
        assertEquals(1, alloc.stats().cacheHits());
        fresh.close();
        reused.close();
    }

    @Test
    void scopesCloseWhatWasAllocatedInside() {
        DeviceBuffer kept;
        DeviceBuffer outerTmp;
        try (DeviceScope outer = DeviceScope.open()) {
            outerTmp = DeviceBuffer.allocate(alloc, 10);
            try (DeviceScope inner = DeviceScope.open()) {
                DeviceBuffer tmp = DeviceBuffer.allocate(alloc, 10);
                kept = inner.keep(DeviceBuffer.allocate(alloc, 10));
                assertEquals(1, inner.size());
                assertTrue(tmp.isOpen());
            }
            assertTrue(kept.isOpen(), "kept buffers survive the inner scope");
            assertEquals(2, outer.size(), "and belong to the outer one");
            assertEquals(2, alloc.stats().liveBlocks());
        }
        assertFalse(kept.isOpen());
        assertFalse(outerTmp.isOpen());
        assertEquals(0, alloc.stats().liveBlocks());
    }

    @Test
    void scopesCloseInOrder() {
        DeviceScope a = DeviceScope.open();
        DeviceScope b = DeviceScope.open();
        assertThrows(IllegalStateException.class, a::close);
        b.close();
        a.close();
    }

    @Test
    void buffersOutsideScopesAreNotTracked() {
        DeviceBuffer b = DeviceBuffer.allocate(alloc, 10);
        try (DeviceScope s = DeviceScope.open()) {
            assertEquals(0, s.size());
        }
        assertTrue(b.isOpen());
        b.close();
    }
}
