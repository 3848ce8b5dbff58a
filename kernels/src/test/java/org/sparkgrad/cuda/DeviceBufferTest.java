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
    void unreachableBuffersAreFreedByTheCleanerToTheirStreamsPool() throws InterruptedException {
        for (int i = 0; i < 10; i++) DeviceBuffer.allocate(alloc, 1000);   // dropped without close
        assertEquals(10, alloc.stats().liveBlocks());
        awaitNoLiveBlocks();
        assertEquals(10 * 1024, alloc.stats().cachedBytes());
        // used only on their own stream: reusable at once, no synchronize needed
        DeviceBuffer reused = DeviceBuffer.allocate(alloc, 1000);
        assertEquals(10, alloc.stats().deviceAllocations());
        assertEquals(1, alloc.stats().cacheHits());
        reused.close();
    }

    @Test
    void buffersUsedOnAnotherStreamWaitForASynchronize() throws InterruptedException {
        DeviceBuffer a = DeviceBuffer.allocate(alloc, 1000);
        a.usedOnStream(0);      // its own stream: nothing changes
        a.usedOnStream(77);     // another thread's stream read it
        a.close();
        DeviceBuffer b = DeviceBuffer.allocate(alloc, 1000);
        assertEquals(2, alloc.stats().deviceAllocations(), "not reused before a synchronize");
        for (int i = 0; i < 3; i++) DeviceBuffer.allocate(alloc, 1000).usedOnStream(78);   // dropped
        awaitNoLiveBlocksBut(1);
        alloc.onDeviceSynchronized();
        DeviceBuffer c = DeviceBuffer.allocate(alloc, 1000);
        assertEquals(5, alloc.stats().deviceAllocations(), "reused after the synchronize");
        b.close();
        c.close();
    }

    private void awaitNoLiveBlocks() throws InterruptedException {
        awaitNoLiveBlocksBut(0);
    }

    private void awaitNoLiveBlocksBut(int keep) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (alloc.stats().liveBlocks() > keep && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(keep, alloc.stats().liveBlocks(), "the Cleaner returned every unreachable buffer");
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
