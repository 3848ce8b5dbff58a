package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.BitSet;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sparkgrad.data.Batch;

/** Spark-written Parquet files of the large shared datasets against their raw files (skipped when absent). */
class SharedDataTest {
    BufferAllocator al;

    @BeforeEach
    void setUp() {
        al = new RootAllocator();
    }

    @AfterEach
    void tearDown() {
        al.close();
    }

    /** mnist.parquet = images.u8 / 255 and labels.i32, read shuffled over 2 shards through the loader. */
    @Test
    void mnistParquetMatchesRaw() {
        Path dir = TestData.shared("mnist");
        byte[] images = TestData.bytes(dir.resolve("images.u8"));
        int[] labels = TestData.ints(dir.resolve("labels.i32"));
        int n = labels.length;
        BitSet seen = new BitSet(n);
        for (int shard = 0; shard < 2; shard++) {
            try (ArrowDataLoader loader = ArrowDataLoader.builder(dir.resolve("mnist.parquet"))
                    .columns(TensorColumn.of("image", 1, 28, 28), TensorColumn.of("label")).batchSize(512).shuffle(true)
                    .seed(5).shard(shard, 2).blockRows(4096).allocator(al).build()) {
                for (Batch b : loader) {
                    // the loader does not tell rows apart, so find each image by content: label and pixels must match a
                    // raw row; rows are identified through a hash index below
                    float[] px = b.features().toFloatArray();
                    long[] lb = b.labels().toLongArray();
                    for (int i = 0; i < lb.length; i++) {
                        int row = Index.of(images, n).find(px, i * 784);
                        assertEquals(labels[row], lb[i], "label of row " + row);
                        for (int j = 0; j < 784; j++) {
                            assertEquals((float) ((images[row * 784 + j] & 0xFF) / 255.0), px[i * 784 + j]);
                        }
                        seen.set(row);
                    }
                }
            }
        }
        assertEquals(n, seen.cardinality(), "every image once over both shards");
    }

    /** Finds raw MNIST rows by their pixels (images can repeat in principle; first unused match wins). */
    static final class Index {
        private static Index cached;
        private final java.util.Map<Long, java.util.ArrayDeque<Integer>> byHash = new java.util.HashMap<>();
        private final byte[] images;

        private Index(byte[] images, int n) {
            this.images = images;
            for (int r = 0; r < n; r++) {
                long h = 1125899906842597L;
                for (int j = 0; j < 784; j++) {
                    h = 31 * h + (images[r * 784 + j] & 0xFF);
                }
                byHash.computeIfAbsent(h, k -> new java.util.ArrayDeque<>()).add(r);
            }
        }

        static synchronized Index of(byte[] images, int n) {
            if (cached == null || cached.images != images) {
                cached = new Index(images, n);
            }
            return cached;
        }

        int find(float[] px, int off) {
            long h = 1125899906842597L;
            for (int j = 0; j < 784; j++) {
                h = 31 * h + Math.round(px[off + j] * 255f);
            }
            java.util.ArrayDeque<Integer> q = byHash.get(h);
            if (q == null || q.isEmpty()) {
                throw new AssertionError("no raw image matches a Parquet image (or it was seen twice)");
            }
            return q.poll();
        }
    }

    /** ocean_temp_4d.parquet: one row per month, temp and ocean_mask as (19, 90, 144) against the raw files. */
    @Test
    void oceanParquetMatchesRaw() {
        Path dir = TestData.shared("ocean_temp_4d");
        float[] temp = TestData.floats(dir.resolve("temp.f32"));
        byte[] mask = TestData.bytes(dir.resolve("ocean_mask.u8"));
        int vol = 19 * 90 * 144;
        try (ArrowTensorReader r = ArrowTensorReader.builder(dir.resolve("ocean_temp_4d.parquet"))
                .columns(TensorColumn.of("temp", 19, 90, 144), TensorColumn.of("ocean_mask", 19, 90, 144),
                        TensorColumn.of("month"))
                .batchSize(5).allocator(al).build()) {
            int row = 0;
            for (Batch b : r) {
                assertArrayEquals(new int[] {b.size(), 19, 90, 144}, b.get(0).shape());
                float[] t = b.get(0).toFloatArray();
                float[] m = b.get(1).toFloatArray();
                long[] month = b.get(2).toLongArray();
                for (int i = 0; i < b.size(); i++, row++) {
                    assertEquals(row + 1, month[i]);
                    TestData.assertBitEquals(java.util.Arrays.copyOfRange(temp, row * vol, (row + 1) * vol),
                            java.util.Arrays.copyOfRange(t, i * vol, (i + 1) * vol), "temp month " + (row + 1));
                    for (int j = 0; j < vol; j++) {
                        assertEquals(mask[j], m[i * vol + j]);
                    }
                }
            }
            assertEquals(12, row);
        }
    }
}
