package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.HalfFloat;
import org.sparkgrad.tensor.Tensor;

/** float16 tensor columns (Arrow {@code halffloat}, Parquet's FLOAT16 logical type) written and read bit for bit. */
class Float16ColumnsTest {
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

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> formatsAndLayouts() {
        return TensorWriterTest.formatsAndLayouts();
    }

    private static short[] bits(Tensor t) {
        assertEquals(DType.FLOAT16, t.dtype());
        return ((CpuStorage) t.contiguousCopy().storage()).h;
    }

    /** Every finite float16 pattern but the two zeros' neighbours would do; take a spread including subnormals. */
    private static short[] patterns(int n, int seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        short[] a = new short[n];
        for (int i = 0; i < n; i++) {
            int b;
            do {
                b = r.nextInt(0x10000);
            } while ((b & 0x7c00) == 0x7c00); // finite only
            a[i] = (short) b;
        }
        return a;
    }

    @ParameterizedTest
    @MethodSource("formatsAndLayouts")
    void roundTripIsBitIdentical(DataFormat format, TensorColumn.Layout layout) throws Exception {
        int rows = 130;
        int[] sample = {2, 3, 4};
        short[] x = patterns(rows * 24, 5);
        short[] s = patterns(rows, 6);
        Path out = tmp.resolve("h" + format.extension());
        try (TensorWriter w = TensorWriter.builder(out).format(format).column("x", DType.FLOAT16, sample, layout)
                .column("s", DType.FLOAT16).rowGroupRows(50).allocator(al).build()) {
            w.write(Tensor.fromBits(x, DType.FLOAT16, rows, 2, 3, 4), Tensor.fromBits(s, DType.FLOAT16, rows));
        }
        try (ArrowTensorReader r = ArrowTensorReader.builder(out).columns("x", "s").batchSize(rows).allocator(al).build()) {
            List<Batch> bs = new ArrayList<>();
            r.forEach(bs::add);
            assertEquals(1, bs.size());
            assertArrayEquals(new int[] {rows, 2, 3, 4}, bs.get(0).get(0).shape());
            assertArrayEquals(x, bits(bs.get(0).get(0)));
            assertArrayEquals(s, bits(bs.get(0).get(1)));
        }
        try (ArrowDataLoader l = ArrowDataLoader.builder(out).columns("x", "s").batchSize(40).shuffle(true).seed(3)
                .allocator(al).build()) {
            int seen = 0;
            for (Batch b : l) {
                assertEquals(DType.FLOAT16, b.get(0).dtype());
                short[] xb = bits(b.get(0)), sb = bits(b.get(1));
                for (int i = 0; i < sb.length; i++) {
                    int row = -1;
                    for (int k = 0; k < rows; k++) if (s[k] == sb[i] && java.util.Arrays.equals(x, k * 24, k * 24 + 24, xb, i * 24, i * 24 + 24)) row = k;
                    assertTrue(row >= 0, "a shuffled row is one of the written rows");
                }
                seen += sb.length;
            }
            assertEquals(rows, seen);
        }
    }

    @Test
    void nonFiniteFloat16ValuesFollowThePolicy() throws Exception {
        short[] x = {HalfFloat.floatToHalf(1f), HalfFloat.floatToHalf(2f), (short) 0x7e00 /* NaN */, HalfFloat.floatToHalf(4f),
            (short) 0xfc00 /* -Inf */, HalfFloat.floatToHalf(6f)};
        Path out = tmp.resolve("nan.parquet");
        TensorWriter.write(out, DataFormat.PARQUET, Map.of("x", Tensor.fromBits(x, DType.FLOAT16, 3, 2)), TensorColumn.Layout.LIST);
        ArrowDataException e = assertThrows(ArrowDataException.class, () -> {
            try (ArrowTensorReader r = ArrowTensorReader.builder(out).columns(TensorColumn.of("x", 2)).batchSize(3).allocator(al).build()) {
                r.forEach(b -> { });
            }
        });
        assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("x") && e.getMessage().contains("row=1"), e.getMessage());
        try (ArrowTensorReader r = ArrowTensorReader.builder(out).columns(TensorColumn.of("x", 2)).batchSize(3)
                .nonFinite(NonFinitePolicy.ZERO).allocator(al).build()) {
            assertArrayEquals(new float[] {1, 2, 0, 4, 0, 6}, r.iterator().next().get(0).toFloatArray());
        }
        try (ArrowTensorReader r = ArrowTensorReader.builder(out).columns(TensorColumn.of("x", 2)).batchSize(3)
                .nonFinite(NonFinitePolicy.SKIP).allocator(al).build()) {
            assertArrayEquals(new float[] {1, 2}, r.iterator().next().get(0).toFloatArray());
        }
    }

    @Test
    void describeReportsFloat16Statistics() throws Exception {
        Path out = tmp.resolve("d.arrow");
        TensorWriter.write(out, DataFormat.ARROW_FILE, Map.of("x", Tensor.fromArray(new float[] {-1.5f, 0.25f, 3f, 8f}, 2, 2).half()),
                TensorColumn.Layout.FIXED_SIZE_LIST);
        DatasetSummary d = DatasetSummary.of(out, Map.of(), al);
        DatasetSummary.ColumnStats c = d.columns().get(0);
        assertEquals(-1.5, c.min(), 0.0);
        assertEquals(8.0, c.max(), 0.0);
        assertEquals(2.4375, c.mean(), 1e-12);
        assertEquals(4, c.values());
    }

    @Test
    void bfloat16HasNoArrowTypeAndSaysSo() {
        Path out = tmp.resolve("b.parquet");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorWriter.write(out, DataFormat.PARQUET, Map.of("w", Tensor.zeros(2, 3).bfloat16()), TensorColumn.Layout.LIST));
        assertTrue(e.getMessage().contains("column w") && e.getMessage().contains("bfloat16"), e.getMessage());
    }
}
