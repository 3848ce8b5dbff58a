package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class TensorWriterTest {
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

    static Stream<Arguments> formatsAndLayouts() {
        List<Arguments> l = new ArrayList<>();
        for (DataFormat f : DataFormat.values()) {
            for (TensorColumn.Layout lay : List.of(TensorColumn.Layout.LIST, TensorColumn.Layout.FIXED_SIZE_LIST,
                    TensorColumn.Layout.FIXED_SHAPE_TENSOR)) {
                l.add(Arguments.of(f, lay));
            }
        }
        return l.stream();
    }

    /**
     * Without {@code rowGroupRows}, row groups hold about {@link TensorWriter#DEFAULT_ROW_GROUP_BYTES} of data
     * (whole rows, at least one, at most 65536), and the file reads back complete.
     */
    @Test
    void defaultRowGroupsHoldAboutFourMiB() throws Exception {
        int sample = 784;
        int rows = 3000;
        float[] x = ArrowTensorsTest.randomFloats(rows * sample, 3);
        long[] y = new long[rows];
        Path out = tmp.resolve("default.parquet");
        int perGroup;
        try (TensorWriter w = TensorWriter.builder(out).column("x", DType.FLOAT32, sample).column("y", DType.INT64)
                .allocator(al).build()) {
            perGroup = w.rowGroupRows();
            w.write(Tensor.fromArray(x, rows, sample), Tensor.fromArray(y, rows));
        }
        assertEquals((4 << 20) / (sample * 4 + 8), perGroup);
        List<ParquetFooter.RowGroup> groups = ParquetFooter.read(out).rowGroups();
        assertEquals((rows + perGroup - 1) / perGroup, groups.size());
        assertEquals(perGroup, groups.get(0).numRows());
        assertEquals(rows, groups.stream().mapToLong(ParquetFooter.RowGroup::numRows).sum());
        try (ArrowTensorReader r = ArrowTensorReader.builder(out).columns(TensorColumn.of("x", sample), TensorColumn.of("y"))
                .batchSize(rows).allocator(al).build()) {
            Batch b = r.iterator().next();
            assertArrayEquals(x, b.features().toFloatArray());
        }
        // a row larger than the target still gets one row per group; tiny rows are capped at 65536 per group
        try (TensorWriter w = TensorWriter.builder(tmp.resolve("big.parquet")).column("x", DType.FLOAT64, 1 << 20)
                .allocator(al).build()) {
            assertEquals(1, w.rowGroupRows());
            w.abort();
        }
        try (TensorWriter w = TensorWriter.builder(tmp.resolve("small.parquet")).column("y", DType.INT64)
                .allocator(al).build()) {
            assertEquals(65536, w.rowGroupRows());
            w.abort();
        }
    }

    /** Tensors → file → tensors, bit-identical, with a 4-D sample shape (C, T, D, H, W) and several row groups. */
    @ParameterizedTest
    @MethodSource("formatsAndLayouts")
    void roundTripIsBitIdentical(DataFormat format, TensorColumn.Layout layout) throws Exception {
        int rows = 250;
        int[] sample = {1, 3, 4, 5, 6};
        float[] x = ArrowTensorsTest.randomFloats(rows * 360, 7);
        float[] t = ArrowTensorsTest.randomFloats(rows * 120, 8);
        long[] y = new long[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = i * 31L - 7;
        }
        Path out = tmp.resolve("rt" + format.extension());
        try (TensorWriter w = TensorWriter.builder(out).format(format).column("x", DType.FLOAT32, sample, layout)
                .column("target", DType.FLOAT32, new int[] {1, 4, 5, 6}, layout).column("y", DType.INT64)
                .rowGroupRows(64).allocator(al).build()) {
            // two uneven appends, to cross row-group boundaries
            w.write(Tensor.fromArray(java.util.Arrays.copyOf(x, 100 * 360), 100, 1, 3, 4, 5, 6),
                    Tensor.fromArray(java.util.Arrays.copyOf(t, 100 * 120), 100, 1, 4, 5, 6),
                    Tensor.fromArray(java.util.Arrays.copyOf(y, 100), 100));
            w.write(Tensor.fromArray(java.util.Arrays.copyOfRange(x, 100 * 360, rows * 360), 150, 1, 3, 4, 5, 6),
                    Tensor.fromArray(java.util.Arrays.copyOfRange(t, 100 * 120, rows * 120), 150, 1, 4, 5, 6),
                    Tensor.fromArray(java.util.Arrays.copyOfRange(y, 100, rows), 150));
        }
        if (format == DataFormat.PARQUET) {
            ParquetFooter f = ParquetFooter.read(out);
            assertEquals(4, f.rowGroups().size(), "250 rows in groups of 64");
            assertEquals("[1,3,4,5,6]", f.keyValueMetadata().get("sparkgrad.shape.x"));
        }
        try (ArrowTensorReader r = ArrowTensorReader.builder(out).columns("x", "target", "y").batchSize(rows)
                .allocator(al).build()) {
            List<Batch> bs = new ArrayList<>();
            r.forEach(bs::add);
            assertEquals(1, bs.size());
            Batch b = bs.get(0);
            assertArrayEquals(new int[] {rows, 1, 3, 4, 5, 6}, b.get(0).shape());
            assertArrayEquals(new int[] {rows, 1, 4, 5, 6}, b.get(1).shape());
            TestData.assertBitEquals(x, b.get(0).toFloatArray(), "x");
            TestData.assertBitEquals(t, b.get(1).toFloatArray(), "target");
            assertArrayEquals(y, b.get(2).toLongArray());
        }
        try (Stream<Path> s = list(tmp)) {
            assertEquals(List.of(out), s.toList(), "no temporary files left");
        }
    }

    @Test
    void ipcKeepsTheExtensionType() throws Exception {
        Path out = tmp.resolve("ext.arrow");
        Map<String, Tensor> cols = new LinkedHashMap<>();
        cols.put("x", Tensor.fromArray(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2));
        TensorWriter.write(out, DataFormat.ARROW_FILE, cols, TensorColumn.Layout.FIXED_SHAPE_TENSOR);
        try (ColumnarFileReader r = ColumnarFileReader.open(out, DataFormat.ARROW_FILE, null, 10, al)) {
            FixedShapeTensorType t = assertInstanceOf(FixedShapeTensorType.class, r.schema().findField("x").getType());
            assertArrayEquals(new int[] {2, 2}, t.shape());
        }
    }

    @Test
    void abortLeavesNothingAndKeepsAnOldTarget() throws Exception {
        for (DataFormat f : DataFormat.values()) {
            Path out = tmp.resolve("a" + f.extension());
            Files.writeString(out, "old");
            TensorWriter w = TensorWriter.builder(out).format(f).column("y", DType.INT64).allocator(al).build();
            w.write(Tensor.fromArray(new long[] {1, 2, 3}, 3));
            w.abort();
            assertEquals("old", Files.readString(out));
        }
        try (Stream<Path> s = list(tmp)) {
            assertEquals(3, s.count(), "only the three old targets");
        }
    }

    @Test
    void shapeMismatchIsRejected() {
        Path out = tmp.resolve("bad.parquet");
        try (TensorWriter w = TensorWriter.builder(out).column("x", DType.FLOAT32, 2, 3).allocator(al).build()) {
            assertThrows(IllegalArgumentException.class, () -> w.write(Tensor.fromArray(new float[12], 2, 6)));
            w.abort();
        }
        assertFalse(Files.exists(out));
    }

    @Test
    void float64AndConversionOnWrite() {
        Path out = tmp.resolve("d.parquet");
        try (TensorWriter w = TensorWriter.builder(out).column("x", DType.FLOAT64, 3).column("y", DType.FLOAT32)
                .allocator(al).build()) {
            w.write(Tensor.fromArray(new double[] {1e-300, 2, 3, 4, 5, 6}, 2, 3),
                    Tensor.fromArray(new double[] {0.5, 1.5}, 2)); // float64 labels written as float32
        }
        try (ArrowTensorReader r = ArrowTensorReader.builder(out).columns("x", "y").allocator(al).build()) {
            Batch b = r.iterator().next();
            assertEquals(DType.FLOAT64, b.get(0).dtype());
            assertArrayEquals(new double[] {1e-300, 2, 3, 4, 5, 6}, b.get(0).toDoubleArray());
            assertEquals(DType.FLOAT32, b.get(1).dtype());
            assertArrayEquals(new float[] {0.5f, 1.5f}, b.get(1).toFloatArray());
        }
        assertTrue(Files.exists(out));
    }

    static Stream<Path> list(Path dir) throws java.io.IOException {
        return Files.list(dir).sorted();
    }
}
