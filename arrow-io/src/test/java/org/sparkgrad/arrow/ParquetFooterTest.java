package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.data.Batch;

class ParquetFooterTest {
    @TempDir
    Path tmp;
    BufferAllocator al;

    @BeforeEach
    void setUp() {
        al = new RootAllocator();
    }

    @AfterEach
    void tearDown() {
        al.close(); // fails on leaked buffers
    }

    @Test
    void readsSparkFooter() {
        ParquetFooter f = ParquetFooter.read(TestData.resource("data/digits/digits.parquet"));
        assertEquals(1438, f.numRows());
        assertEquals(1, f.rowGroups().size());
        assertEquals(1438, f.rowGroups().get(0).numRows());
        assertTrue(f.createdBy().startsWith("parquet-mr"), f.createdBy());
        assertTrue(f.keyValueMetadata().get(TensorColumn.SPARK_ROW_METADATA).contains("\"features\""));
    }

    @Test
    void footerReserialisesByteForByte() throws Exception {
        Path p = TestData.resource("data/digits/digits.parquet");
        byte[] file = Files.readAllBytes(p);
        ParquetFooter f = ParquetFooter.read(p);
        byte[] again = f.reserialize();
        byte[] orig = Arrays.copyOfRange(file, (int) f.footerStart(), file.length - 8);
        assertArrayEquals(orig, again);
    }

    @Test
    void addedMetadataIsSeenByTheDatasetReader() throws Exception {
        Path p = tmp.resolve("d.parquet");
        Files.copy(TestData.resource("data/digits/digits.parquet"), p);
        ParquetFooter.putKeyValueMetadata(p, Map.of(TensorColumn.SCHEMA_SHAPE_PREFIX + "features", "[1,8,8]"));
        ParquetFooter f = ParquetFooter.read(p);
        assertEquals("[1,8,8]", f.keyValueMetadata().get("sparkgrad.shape.features"));
        assertTrue(f.keyValueMetadata().containsKey(TensorColumn.SPARK_ROW_METADATA), "Spark's key is kept");
        try (ArrowTensorReader r = ArrowTensorReader.builder(p).columns("features").batchSize(2000).allocator(al).build()) {
            Batch b = r.iterator().next();
            assertArrayEquals(new int[] {1438, 1, 8, 8}, b.features().shape());
            TestData.assertBitEquals(TestData.floats(TestData.resource("data/digits/features.f32")),
                    b.features().toFloatArray(), "features");
        }
    }

    @Test
    void truncatedFileNamesTheFile() throws Exception {
        Path p = tmp.resolve("cut.parquet");
        byte[] all = Files.readAllBytes(TestData.resource("data/digits/digits.parquet"));
        Files.write(p, Arrays.copyOf(all, all.length / 2));
        ArrowDataException e = assertThrows(ArrowDataException.class, () -> ParquetFooter.read(p));
        assertEquals(p.toString(), e.file());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void corruptFooterNamesTheFile() throws Exception {
        Path p = tmp.resolve("bad.parquet");
        byte[] all = Files.readAllBytes(TestData.resource("data/digits/digits.parquet"));
        ParquetFooter f = ParquetFooter.read(TestData.resource("data/digits/digits.parquet"));
        // scribble over the footer's first bytes
        for (int i = 0; i < 16; i++) {
            all[(int) f.footerStart() + i] = (byte) 0xFF;
        }
        Files.write(p, all);
        ArrowDataException e = assertThrows(ArrowDataException.class, () -> ParquetFooter.read(p));
        assertEquals(p.toString(), e.file());
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void notParquet() throws Exception {
        Path p = tmp.resolve("x.parquet");
        Files.writeString(p, "this is not a parquet file at all");
        ArrowDataException e = assertThrows(ArrowDataException.class, () -> ParquetFooter.read(p));
        assertTrue(e.getMessage().contains("not a Parquet file"), e.getMessage());
    }
}
