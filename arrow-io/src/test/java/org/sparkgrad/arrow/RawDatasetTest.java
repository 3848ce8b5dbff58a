package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.data.Batch;

class RawDatasetTest {
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

    static Batch readAll(Path p, BufferAllocator al, TensorColumn... cols) {
        try (ArrowTensorReader r = ArrowTensorReader.builder(p).columns(cols).batchSize(1 << 20).allocator(al).build()) {
            return r.iterator().next();
        }
    }

    @Test
    void opensMetaJson() {
        RawDataset ds = RawDataset.open(TestData.resource("data/digits"));
        assertEquals(List.of("features", "labels"), List.copyOf(ds.arrays().keySet()));
        RawDataset.Array f = ds.array("features");
        assertArrayEquals(new int[] {1438, 64}, f.shape());
        assertEquals("float32", f.dtype());
        assertEquals(64, f.rowSize());
        float[] want = TestData.floats(TestData.resource("data/digits/features.f32"));
        TestData.assertBitEquals(Arrays.copyOfRange(want, 640, 700), f.readFloats(640, 60), "slice");
        assertThrows(IllegalArgumentException.class, () -> ds.array("nope"));
    }

    /** Our conversion of the raw digits equals what Spark wrote, value for value. */
    @Test
    void convertedDigitsEqualSparkParquet() {
        RawDataset ds = RawDataset.open(TestData.resource("data/digits"));
        Path out = tmp.resolve("digits.parquet");
        long rows = ds.toParquet(out, List.of(new RawDataset.ColumnSpec("features", "features", new int[] {1, 8, 8}, 1, false),
                new RawDataset.ColumnSpec("labels", "label", null, 1, false)), 500);
        assertEquals(1438, rows);
        assertEquals(3, ParquetFooter.read(out).rowGroups().size());
        assertEquals("[1,8,8]", ParquetFooter.read(out).keyValueMetadata().get("sparkgrad.shape.features"));
        Batch ours = readAll(out, al, TensorColumn.of("features"), TensorColumn.of("label"));
        Batch spark = readAll(TestData.resource("data/digits/digits.parquet"), al, TensorColumn.of("features", 1, 8, 8),
                TensorColumn.of("label"));
        assertArrayEquals(new int[] {1438, 1, 8, 8}, ours.features().shape(), "shape read back from the metadata");
        TestData.assertBitEquals(spark.features().toFloatArray(), ours.features().toFloatArray(), "features");
        assertArrayEquals(spark.labels().toLongArray(), ours.labels().toLongArray());
    }

    @Test
    void uint8DividedToFloat() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("u8"));
        Files.write(dir.resolve("img.u8"), new byte[] {0, 1, (byte) 128, (byte) 255, 2, 3});
        Files.writeString(dir.resolve("meta.json"),
                "{\"files\":{\"img\":{\"file\":\"img.u8\",\"dtype\":\"uint8\",\"shape\":[3,2]}}}");
        Path out = tmp.resolve("u8.parquet");
        RawDataset.open(dir).toParquet(out, List.of(new RawDataset.ColumnSpec("img", "image", null, 255, false)), 0);
        float[] got = readAll(out, al, TensorColumn.of("image")).features().toFloatArray();
        float[] want = {0f, (float) (1 / 255.0), (float) (128 / 255.0), 1f, (float) (2 / 255.0), (float) (3 / 255.0)};
        TestData.assertBitEquals(want, got, "u8/255");
    }

    @Test
    void truncatedRawFileIsNamed() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("iris"));
        Path src = TestData.resource("data/iris");
        Files.copy(src.resolve("meta.json"), dir.resolve("meta.json"));
        Files.copy(src.resolve("labels.i32"), dir.resolve("labels.i32"));
        byte[] f = Files.readAllBytes(src.resolve("features.f32"));
        Files.write(dir.resolve("features.f32"), Arrays.copyOf(f, f.length - 4));
        ArrowDataException e = assertThrows(ArrowDataException.class, () -> RawDataset.open(dir));
        assertEquals(dir.resolve("features.f32").toString(), e.file());
        assertEquals("features", e.column());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void missingMeta() {
        ArrowDataException e = assertThrows(ArrowDataException.class, () -> RawDataset.open(tmp));
        assertTrue(e.file().endsWith("meta.json"));
    }
}
