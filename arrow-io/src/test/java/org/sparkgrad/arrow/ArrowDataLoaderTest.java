package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.data.Batch;
import org.sparkgrad.data.BatchIterable;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class ArrowDataLoaderTest {
    @TempDir
    Path tmp;
    BufferAllocator al;

    @BeforeEach
    void setUp() {
        al = new RootAllocator();
    }

    @AfterEach
    void tearDown() {
        al.close();
    }

    /**
     * Writes {@code files} files of {@code rows} rows each: x = (id, id+0.5, -id) as (1, 3) samples, id int64.
     * Parquet files get row groups of {@code rowGroup} rows.
     */
    Path dataset(int files, int rows, int rowGroup, DataFormat format) {
        Path dir = tmp.resolve("ds-" + format + "-" + files + "-" + rows);
        long id = 0;
        for (int f = 0; f < files; f++) {
            float[] x = new float[rows * 3];
            long[] ids = new long[rows];
            for (int i = 0; i < rows; i++, id++) {
                ids[i] = id;
                x[3 * i] = id;
                x[3 * i + 1] = id + 0.5f;
                x[3 * i + 2] = -id;
            }
            try (TensorWriter w = TensorWriter.builder(dir.resolve(String.format("part-%03d%s", f, format.extension())))
                    .format(format).column("x", DType.FLOAT32, 1, 3).column("id", DType.INT64).rowGroupRows(rowGroup)
                    .allocator(al).build()) {
                w.write(Tensor.fromArray(x, rows, 1, 3), Tensor.fromArray(ids, rows));
            }
        }
        return dir;
    }

    /** Ids of one epoch, checking every batch's features agree with its ids. */
    static List<Long> epoch(Iterable<Batch> loader, List<Integer> sizes) {
        List<Long> ids = new ArrayList<>();
        for (Batch b : loader) {
            long[] id = b.labels().toLongArray();
            float[] x = b.features().toFloatArray();
            assertArrayEquals(new int[] {id.length, 1, 3}, b.features().shape());
            for (int i = 0; i < id.length; i++) {
                assertEquals((float) id[i], x[3 * i]);
                assertEquals(id[i] + 0.5f, x[3 * i + 1]);
                ids.add(id[i]);
            }
            if (sizes != null) {
                sizes.add(b.size());
            }
        }
        return ids;
    }

    static List<Long> range(long n) {
        List<Long> l = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    @Test
    void inOrderExactEpochWithRaggedLastBatch() {
        Path ds = dataset(3, 100, 30, DataFormat.PARQUET);
        try (ArrowDataLoader loader = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(32).allocator(al).build()) {
            assertEquals(300, loader.rowsPerEpoch());
            List<Integer> sizes = new ArrayList<>();
            assertEquals(range(300), epoch(loader, sizes));
            assertEquals(10, sizes.size());
            assertEquals(300 - 9 * 32, sizes.get(9));
            // a second epoch is the same in order
            assertEquals(range(300), epoch(loader, null));
        }
    }

    @Test
    void dropLast() {
        Path ds = dataset(1, 100, 100, DataFormat.PARQUET);
        try (ArrowDataLoader loader = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(32).dropLast(true)
                .allocator(al).build()) {
            List<Integer> sizes = new ArrayList<>();
            assertEquals(range(96), epoch(loader, sizes));
            assertEquals(List.of(32, 32, 32), sizes);
        }
    }

    @Test
    void shuffleIsSeededPerEpochAndExact() {
        Path ds = dataset(4, 250, 50, DataFormat.PARQUET);
        List<Long> e0;
        List<Long> e1;
        try (ArrowDataLoader loader = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(64).shuffle(true)
                .seed(42).shuffleBufferRows(200).scanRows(64).allocator(al).build()) {
            e0 = epoch(loader, null);
            e1 = epoch(loader, null);
            loader.setEpoch(0);
            assertEquals(e0, epoch(loader, null), "same seed and epoch, same order");
        }
        assertNotEquals(range(1000), e0, "shuffled");
        assertNotEquals(e0, e1, "reshuffled per epoch");
        assertEquals(range(1000), sorted(e0), "every row exactly once");
        assertEquals(range(1000), sorted(e1));
        try (ArrowDataLoader other = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(64).shuffle(true)
                .seed(43).shuffleBufferRows(200).scanRows(64).allocator(al).build()) {
            assertNotEquals(e0, epoch(other, null), "another seed, another order");
        }
    }

    @Test
    void shardsAreDisjointAndCoverEverything() {
        // one file with a single row group, as Spark writes small data: blocks still spread over shards
        Path single = dataset(1, 1000, 1000, DataFormat.PARQUET);
        Path multi = dataset(3, 200, 70, DataFormat.PARQUET);
        for (Path ds : List.of(single, multi)) {
            long total = ds == single ? 1000 : 600;
            for (boolean shuffle : new boolean[] {false, true}) {
                for (int epoch = 0; epoch < 2; epoch++) {
                    Set<Long> all = new HashSet<>();
                    long sum = 0;
                    for (int s = 0; s < 3; s++) {
                        try (ArrowDataLoader loader = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(50)
                                .shuffle(shuffle).seed(7).shard(s, 3).blockRows(64).allocator(al).build()) {
                            loader.setEpoch(epoch);
                            long expected = loader.rowsPerEpoch();
                            List<Long> ids = epoch(loader, null);
                            assertEquals(expected, ids.size());
                            assertTrue(ids.size() > 0, "every shard gets rows");
                            sum += ids.size();
                            all.addAll(ids);
                        }
                    }
                    assertEquals(total, sum, "disjoint");
                    assertEquals(total, all.size(), "complete");
                }
            }
        }
    }

    @Test
    void ipcFilesAndStreams() {
        for (DataFormat f : List.of(DataFormat.ARROW_FILE, DataFormat.ARROW_STREAM)) {
            Path ds = dataset(2, 150, 40, f);
            try (ArrowDataLoader loader = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(25).shuffle(true)
                    .seed(1).shuffleBufferRows(50).allocator(al).build()) {
                List<Long> ids = epoch(loader, null);
                assertEquals(range(300), sorted(ids));
                assertNotEquals(range(300), ids);
            }
        }
    }

    @Test
    void earlyCloseStopsTheThreadAndFreesMemory() throws Exception {
        Path ds = dataset(2, 2000, 500, DataFormat.PARQUET);
        ArrowDataLoader loader = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(10).prefetchBatches(2)
                .scanRows(100).allocator(al).build();
        Iterator<Batch> it = loader.iterator();
        assertTrue(it.hasNext());
        it.next();
        Thread.sleep(100);
        ((AutoCloseable) it).close();
        assertEquals(0, al.getAllocatedMemory(), "no Arrow memory held after closing the epoch");
        Iterator<Batch> it2 = loader.iterator(); // left running: loader.close() stops it
        it2.next();
        loader.close();
        assertEquals(0, al.getAllocatedMemory());
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("sparkgrad-arrow-loader") && t.isAlive()));
    }

    /**
     * Closing the loader from another thread while the consumer waits in hasNext() (the shuffle buffer still
     * filling) wakes the consumer with an error instead of leaving it blocked for ever, and stops the reader promptly.
     */
    @Test
    void closeFromAnotherThreadWakesAWaitingConsumer() throws Exception {
        Path ds = dataset(1, 200_000, 200_000, DataFormat.PARQUET);
        // The close must land while the consumer waits in hasNext(). A fast machine can fill the shuffle buffer
        // before the close, and then hasNext() rightly returns true: such a lost race is retried, not counted.
        int tested = 0;
        for (int attempt = 0; attempt < 5 && tested == 0; attempt++) {
            ArrowDataLoader loader = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(8).shuffle(true)
                    .shuffleBufferRows(200_000).scanRows(1024).allocator(al).build();
            Iterator<Batch> it = loader.iterator();
            java.util.concurrent.atomic.AtomicReference<Object> got = new java.util.concurrent.atomic.AtomicReference<>();
            Thread consumer = new Thread(() -> {
                try {
                    got.set(it.hasNext());
                } catch (RuntimeException e) {
                    got.set(e);
                }
            });
            consumer.start();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (consumer.getState() != Thread.State.WAITING && consumer.isAlive() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            loader.close();
            consumer.join(10_000);
            assertFalse(consumer.isAlive(), "the consumer is still blocked in hasNext()");
            assertEquals(0, al.getAllocatedMemory());
            if (Boolean.TRUE.equals(got.get())) {
                continue; // the buffer filled before the close
            }
            assertTrue(got.get() instanceof IllegalStateException, String.valueOf(got.get()));
            tested++;
        }
        assertEquals(1, tested, "the close never landed while the consumer waited");
    }

    @Test
    void isABatchIterable() {
        Path ds = dataset(1, 10, 10, DataFormat.PARQUET);
        try (ArrowDataLoader loader = ArrowDataLoader.builder(ds).columns("x", "id").batchSize(4).allocator(al).build()) {
            BatchIterable bi = loader;
            bi.setEpoch(3);
            assertEquals(3, loader.epoch());
            int rows = 0;
            for (Batch b : bi) {
                rows += b.size();
            }
            assertEquals(10, rows);
            assertEquals(4, loader.epoch());
        }
    }

    @Test
    void badDataErrorReachesTheConsumerWithFileColumnRow() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("nan"));
        float[] x = new float[30];
        x[3 * 7 + 1] = Float.NaN;
        long[] ids = new long[10];
        Path file = dir.resolve("a.parquet");
        try (TensorWriter w = TensorWriter.builder(file).column("x", DType.FLOAT32, 1, 3).column("id", DType.INT64)
                .allocator(al).build()) {
            w.write(Tensor.fromArray(x, 10, 1, 3), Tensor.fromArray(ids, 10));
        }
        try (ArrowDataLoader loader = ArrowDataLoader.builder(dir).columns("x", "id").batchSize(4).allocator(al).build()) {
            ArrowDataException e = assertThrows(ArrowDataException.class, () -> epoch(loader, null));
            assertEquals(file.toString(), e.file());
            assertEquals("x", e.column());
            assertEquals(7, e.row());
        }
        try (ArrowDataLoader loader = ArrowDataLoader.builder(dir).columns("x", "id").batchSize(4)
                .nonFinite(NonFinitePolicy.SKIP).allocator(al).build()) {
            int rows = 0;
            for (Batch b : loader) {
                rows += b.size();
            }
            assertEquals(9, rows);
            assertEquals(1, loader.stats().skippedRows());
        }
    }

    @Test
    void shapesMustAgreeAcrossFiles() {
        Path dir = tmp.resolve("mixed");
        try (TensorWriter w = TensorWriter.builder(dir.resolve("a.parquet")).column("x", DType.FLOAT32, 3)
                .allocator(al).build()) {
            w.write(Tensor.fromArray(new float[6], 2, 3));
        }
        try (TensorWriter w = TensorWriter.builder(dir.resolve("b.parquet")).column("x", DType.FLOAT32, 4)
                .allocator(al).build()) {
            w.write(Tensor.fromArray(new float[8], 2, 4));
        }
        try (ArrowDataLoader loader = ArrowDataLoader.builder(dir).columns("x").allocator(al).build()) {
            ArrowDataException e = assertThrows(ArrowDataException.class, () -> loader.forEach(b -> { }));
            assertEquals(dir.resolve("b.parquet").toString(), e.file());
            assertEquals("x", e.column());
        }
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> ArrowDataLoader.builder(tmp).shard(3, 3));
        assertThrows(IllegalArgumentException.class, () -> ArrowDataLoader.builder(tmp).batchSize(0));
    }

    static List<Long> sorted(List<Long> l) {
        List<Long> s = new ArrayList<>(l);
        s.sort(null);
        return s;
    }
}
