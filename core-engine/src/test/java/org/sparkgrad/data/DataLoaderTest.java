package org.sparkgrad.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

class DataLoaderTest {

    /** x[i] = (i, -i, 0.5 i) float32 of shape (n, 3); y[i] = i int64 of shape (n). */
    static TensorDataset indexed(int n) {
        float[] x = new float[n * 3];
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            x[3 * i] = i;
            x[3 * i + 1] = -i;
            x[3 * i + 2] = 0.5f * i;
            y[i] = i;
        }
        return new TensorDataset(Tensor.fromArray(x, n, 3), Tensor.fromArray(y, n));
    }

    /** A dataset that is not a TensorDataset (so the loader stacks single samples), counting its calls. */
    static final class CountingDataset implements Dataset {
        final TensorDataset inner;
        final AtomicInteger calls = new AtomicInteger();
        final int failAt;
        final RuntimeException failure;

        CountingDataset(int n, int failAt, RuntimeException failure) {
            this.inner = indexed(n);
            this.failAt = failAt;
            this.failure = failure;
        }

        @Override public int size() { return inner.size(); }

        @Override public Tensor[] get(int i) {
            calls.incrementAndGet();
            if (i == failAt) throw failure;
            return inner.get(i);
        }
    }

    /** Checks the rows of a batch against its labels and returns the labels. */
    static long[] checkedLabels(Batch b) {
        assertEquals(2, b.arity());
        Tensor x = b.features(), y = b.labels();
        assertEquals(DType.FLOAT32, x.dtype());
        assertEquals(DType.INT64, y.dtype());
        assertEquals(2, x.dim());
        assertEquals(3, x.size(1));
        long[] labels = y.toLongArray();
        float[] xs = x.toFloatArray();
        for (int r = 0; r < labels.length; r++) {
            assertEquals((float) labels[r], xs[3 * r]);
            assertEquals((float) -labels[r], xs[3 * r + 1]);
            assertEquals(0.5f * labels[r], xs[3 * r + 2]);
        }
        return labels;
    }

    static List<long[]> epoch(Iterable<Batch> loader) {
        List<long[]> out = new ArrayList<>();
        for (Batch b : loader) out.add(checkedLabels(b));
        return out;
    }

    static long[] flatten(List<long[]> batches) {
        return batches.stream().flatMapToLong(Arrays::stream).toArray();
    }

    @ParameterizedTest(name = "shuffle={0} prefetch={1} tensorDataset={2}")
    @CsvSource({"false,0,true", "true,0,true", "false,3,true", "true,3,true", "true,0,false", "true,2,false", "false,1,false"})
    void everySampleExactlyOncePerEpochWithRaggedLastBatch(boolean shuffle, int prefetch, boolean tensorDataset) {
        int n = 103;
        Dataset ds = tensorDataset ? indexed(n) : new CountingDataset(n, -1, null);
        try (DataLoader loader = DataLoader.builder(ds).batchSize(10).shuffle(shuffle).seed(11).prefetch(prefetch).build()) {
            assertEquals(11, loader.numBatches());
            for (int e = 0; e < 3; e++) {
                List<long[]> batches = epoch(loader);
                assertEquals(11, batches.size());
                for (int b = 0; b < 10; b++) assertEquals(10, batches.get(b).length);
                assertEquals(3, batches.get(10).length, "ragged last batch");
                long[] all = flatten(batches);
                long[] sorted = all.clone();
                Arrays.sort(sorted);
                for (int i = 0; i < n; i++) assertEquals(i, sorted[i], "each sample exactly once");
                if (!shuffle) {
                    for (int i = 0; i < n; i++) assertEquals(i, all[i], "sequential order without shuffle");
                } else {
                    assertFalse(Arrays.equals(all, sorted), "a shuffled epoch of 103 samples is not the identity");
                }
            }
        }
    }

    @Test
    void dropLastDropsTheIncompleteBatch() {
        try (DataLoader loader = DataLoader.builder(indexed(103)).batchSize(10).shuffle(true).seed(3).dropLast(true).prefetch(2).build()) {
            assertEquals(10, loader.numBatches());
            List<long[]> batches = epoch(loader);
            assertEquals(10, batches.size());
            for (long[] b : batches) assertEquals(10, b.length);
            Set<Long> seen = new HashSet<>();
            for (long v : flatten(batches)) assertTrue(seen.add(v), "no sample twice");
            assertEquals(100, seen.size());
            // the dropped samples are exactly the tail of the epoch's order
            int[] order = loader.order(0);
            for (int i = 100; i < 103; i++) assertFalse(seen.contains((long) order[i]));
        }
        try (DataLoader tiny = DataLoader.builder(indexed(5)).batchSize(10).dropLast(true).build()) {
            assertEquals(0, tiny.numBatches());
            assertFalse(tiny.iterator().hasNext());
        }
    }

    @Test
    void divisibleSizeHasNoRaggedBatchAndEmptyDatasetHasNoBatches() {
        try (DataLoader loader = DataLoader.builder(indexed(40)).batchSize(8).build()) {
            List<long[]> batches = epoch(loader);
            assertEquals(5, batches.size());
            for (long[] b : batches) assertEquals(8, b.length);
        }
        try (DataLoader empty = DataLoader.builder(new Subset(indexed(3), new int[0])).batchSize(4).prefetch(2).build()) {
            assertEquals(0, empty.numBatches());
            assertFalse(empty.iterator().hasNext());
        }
    }

    @Test
    void sameSeedGivesSameOrderAndEpochsDiffer() {
        DataLoader a = DataLoader.builder(indexed(50)).batchSize(7).shuffle(true).seed(1234).build();
        DataLoader b = DataLoader.builder(indexed(50)).batchSize(7).shuffle(true).seed(1234).prefetch(2).build();
        long[] a0 = flatten(epoch(a)), a1 = flatten(epoch(a));
        long[] b0 = flatten(epoch(b)), b1 = flatten(epoch(b));
        assertArrayEquals(a0, b0, "same seed, same epoch -> same order (with or without prefetch)");
        assertArrayEquals(a1, b1);
        assertFalse(Arrays.equals(a0, a1), "successive epochs use different orders");

        a.setEpoch(0);
        assertArrayEquals(a0, flatten(epoch(a)), "setEpoch(0) reproduces epoch 0");
        a.setEpoch(7);
        BatchIteratorProbe probe = new BatchIteratorProbe(a);
        assertEquals(7, probe.epoch);
        assertEquals(8, a.nextEpoch());
        a.setEpoch(7);
        long[] a7 = flatten(epoch(a));
        assertFalse(Arrays.equals(a0, a7));
        assertFalse(Arrays.equals(a1, a7));
        int[] o7 = a.order(7);
        for (int i = 0; i < o7.length; i++) assertEquals(o7[i], a7[i], "order(epoch) is the iteration order");

        DataLoader c = DataLoader.builder(indexed(50)).batchSize(7).shuffle(true).seed(1235).build();
        assertFalse(Arrays.equals(a0, flatten(epoch(c))), "a different seed gives a different order");

        DataLoader g1 = DataLoader.builder(indexed(50)).shuffle(true).generator(new Generator(99)).build();
        DataLoader g2 = DataLoader.builder(indexed(50)).shuffle(true).generator(new Generator(99)).build();
        assertArrayEquals(g1.order(3), g2.order(3), "equally seeded generators give equal orders");
        a.close();
        b.close();
        c.close();
    }

    private static final class BatchIteratorProbe {
        final int epoch;

        BatchIteratorProbe(DataLoader loader) {
            try (DataLoader.BatchIterator it = loader.iterator()) {
                epoch = it.epoch();
            }
        }
    }

    @Test
    void defaultCollateStacksAndMatchesTheTensorDatasetFastPath() {
        TensorDataset td = indexed(20);
        Dataset plain = new CountingDataset(20, -1, null);
        try (DataLoader fast = DataLoader.builder(td).batchSize(6).shuffle(true).seed(5).build();
             DataLoader slow = DataLoader.builder(plain).batchSize(6).shuffle(true).seed(5).build()) {
            List<Batch> fb = new ArrayList<>(), sb = new ArrayList<>();
            fast.forEach(fb::add);
            slow.forEach(sb::add);
            assertEquals(fb.size(), sb.size());
            for (int i = 0; i < fb.size(); i++) {
                assertArrayEquals(fb.get(i).features().shape(), sb.get(i).features().shape());
                assertArrayEquals(fb.get(i).features().toFloatArray(), sb.get(i).features().toFloatArray());
                assertArrayEquals(fb.get(i).labels().toLongArray(), sb.get(i).labels().toLongArray());
                assertArrayEquals(new int[] {fb.get(i).size()}, fb.get(i).labels().shape(), "0-d labels stack to (B)");
            }
        }
        List<Tensor[]> samples = List.of(new Tensor[] {Tensor.ones(2, 2)}, new Tensor[] {Tensor.zeros(2, 3)});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataLoader.defaultCollate(samples));
        assertTrue(e.getMessage().contains("[2, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void subsetOfTensorDatasetUsesTheRightRows() {
        Subset inner = new Subset(indexed(30), new int[] {29, 3, 17, 8, 8, 0});
        Subset outer = new Subset(inner, new int[] {5, 1, 2, 4});
        try (DataLoader loader = DataLoader.builder(outer).batchSize(3).build()) {
            assertArrayEquals(new long[] {0, 3, 17, 8}, flatten(epoch(loader)));
        }
    }

    @Test
    void batchesDoNotRecordAGraph() {
        Tensor x = Tensor.randn(new Generator(1), 10, 2).requiresGrad_();
        try (DataLoader loader = DataLoader.builder(new TensorDataset(x)).batchSize(4).build()) {
            assertTrue(GradMode.isEnabled());
            for (Batch b : loader) assertFalse(b.features().requiresGrad());
        }
    }

    @Test
    void customCollateReceivesTheSamplesInOrder() {
        List<Integer> sizes = new ArrayList<>();
        try (DataLoader loader = DataLoader.builder(indexed(10)).batchSize(4).prefetch(1).collate(samples -> {
            sizes.add(samples.size());
            List<Tensor> labels = new ArrayList<>();
            for (Tensor[] s : samples) labels.add(s[1].mul(10));
            return new Batch(Tensor.stack(labels, 0));
        }).build()) {
            List<Long> all = new ArrayList<>();
            for (Batch b : loader) for (long v : b.features().toLongArray()) all.add(v);
            assertEquals(List.of(0L, 10L, 20L, 30L, 40L, 50L, 60L, 70L, 80L, 90L), all);
        }
        assertEquals(List.of(4, 4, 2), sizes);
    }

    @ParameterizedTest(name = "prefetch={0}")
    @CsvSource({"0", "1", "4"})
    void anExceptionInTheDatasetReachesTheConsumerWithTheOriginalCause(int prefetch) {
        IllegalStateException boom = new IllegalStateException("corrupt record 57");
        CountingDataset ds = new CountingDataset(100, 57, boom);
        try (DataLoader loader = DataLoader.builder(ds).batchSize(10).prefetch(prefetch).build()) {
            List<Batch> got = new ArrayList<>();
            DataLoader.BatchIterator it = loader.iterator();
            DataLoaderException e = assertThrows(DataLoaderException.class, () -> {
                while (it.hasNext()) got.add(it.next());
            });
            assertSame(boom, e.getCause(), "the original exception is the cause");
            assertTrue(e.getMessage().contains("batch 5 of epoch 0"), e.getMessage());
            assertTrue(e.getMessage().contains("corrupt record 57"), e.getMessage());
            assertEquals(5, got.size(), "the batches before the failing one were delivered");
            assertFalse(it.hasNext(), "the epoch is over after a failure");
        }
    }

    @Test
    void prefetchRunsAtMostTheConfiguredNumberOfBatchesAhead() throws InterruptedException {
        CountingDataset ds = new CountingDataset(1000, -1, null);
        try (DataLoader loader = DataLoader.builder(ds).batchSize(10).prefetch(2).build();
             DataLoader.BatchIterator it = loader.iterator()) {
            assertNotNull(it.next());
            Thread.sleep(300);
            // 1 consumed + 2 queued + at most 1 being produced while the queue is full
            assertTrue(ds.calls.get() <= 40, "samples fetched: " + ds.calls.get());
            assertTrue(ds.calls.get() >= 10);
        }
    }

    static Set<Thread> workers() {
        Set<Thread> out = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(DataLoader.WORKER_THREAD_PREFIX) && t.isAlive()) out.add(t);
        }
        return out;
    }

    static Thread newWorkerSince(Set<Thread> before) {
        for (int tries = 0; tries < 200; tries++) {
            Set<Thread> now = workers();
            now.removeAll(before);
            if (!now.isEmpty()) return now.iterator().next();
            Thread.yield();
        }
        throw new AssertionError("no worker thread started");
    }

    @Test
    void closingAnIteratorEarlyStopsItsDaemonWorker() throws InterruptedException {
        try (DataLoader loader = DataLoader.builder(indexed(10_000)).batchSize(10).prefetch(2).build()) {
            Set<Thread> before = workers();
            DataLoader.BatchIterator it = loader.iterator();
            Thread worker = newWorkerSince(before);
            assertTrue(worker.isDaemon(), "the worker is a daemon thread");
            it.next();
            it.close();
            worker.join(10_000);
            assertFalse(worker.isAlive(), "worker stopped after close()");
            assertFalse(it.hasNext());
        }
    }

    @Test
    void closingTheLoaderStopsRunningWorkersAndRefusesNewEpochs() throws InterruptedException {
        DataLoader loader = DataLoader.builder(indexed(10_000)).batchSize(10).prefetch(2).build();
        Set<Thread> before = workers();
        DataLoader.BatchIterator it = loader.iterator();
        Thread worker = newWorkerSince(before);
        it.next();
        loader.close();
        worker.join(10_000);
        assertFalse(worker.isAlive(), "worker stopped after loader.close()");
        assertThrows(IllegalStateException.class, it::hasNext);
        assertThrows(IllegalStateException.class, loader::iterator);
    }

    @Test
    void closingTheLoaderStopsASynchronousEpochToo() {
        DataLoader loader = DataLoader.builder(indexed(30)).batchSize(10).build();
        DataLoader.BatchIterator done = loader.iterator();
        while (done.hasNext()) done.next();
        DataLoader.BatchIterator running = loader.iterator();
        running.next();
        loader.close();
        assertFalse(done.hasNext(), "a finished epoch stays finished");
        assertThrows(IllegalStateException.class, running::hasNext);
        assertThrows(IllegalStateException.class, loader::iterator);
    }

    @Test
    void anAbandonedIteratorDoesNotLeakItsWorker() throws InterruptedException {
        DataLoader loader = DataLoader.builder(indexed(10_000)).batchSize(10).prefetch(2).build();
        Set<Thread> before = workers();
        Thread worker = startAndAbandon(loader, before);
        for (int i = 0; i < 200 && worker.isAlive(); i++) {
            System.gc();
            worker.join(100);
        }
        assertFalse(worker.isAlive(), "the worker of an unreachable iterator stops");
        // the loader itself is still usable
        assertEquals(1000, epoch(loader).size());
        loader.close();
    }

    private static Thread startAndAbandon(DataLoader loader, Set<Thread> before) {
        Iterator2 holder = new Iterator2(loader.iterator());
        Thread worker = newWorkerSince(before);
        holder.it.next();
        holder.it.next();
        return worker; // the iterator becomes unreachable here
    }

    private static final class Iterator2 {
        final DataLoader.BatchIterator it;

        Iterator2(DataLoader.BatchIterator it) { this.it = it; }
    }

    @Test
    void builderValidates() {
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(null));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(indexed(3)).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(indexed(3)).prefetch(-1));
    }
}
