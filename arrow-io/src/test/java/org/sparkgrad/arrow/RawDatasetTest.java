package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

    /** Every numpy dtype of the raw form decodes to the right values, as floats and (integers) as longs. */
    @Test
    void everyRawDtypeDecodes() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("dtypes"));
        java.nio.ByteBuffer b;
        StringBuilder meta = new StringBuilder("{\"files\":{");
        Map<String, double[]> want = new java.util.LinkedHashMap<>();
        String[][] kinds = {{"float64", "8"}, {"float16", "2"}, {"int64", "8"}, {"int16", "2"}, {"uint16", "2"},
            {"int8", "1"}, {"uint32", "4"}, {"bool", "1"}};
        for (String[] k : kinds) {
            String dt = k[0];
            int isz = Integer.parseInt(k[1]);
            b = java.nio.ByteBuffer.allocate(4 * isz).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            double[] w;
            switch (dt) {
                case "float64": b.putDouble(1.5).putDouble(-2.25).putDouble(1e300).putDouble(0.1); w = new double[] {1.5, -2.25, Float.POSITIVE_INFINITY, 0.1f}; break;
                case "float16": b.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001).putShort((short) 0x7bff); w = new double[] {1, -2, 0x1p-24, 65504}; break;
                case "int64": b.putLong(-3).putLong(1L << 40).putLong(0).putLong(7); w = new double[] {-3, 1L << 40, 0, 7}; break;
                case "int16": b.putShort((short) -32768).putShort((short) 5).putShort((short) 32767).putShort((short) -1); w = new double[] {-32768, 5, 32767, -1}; break;
                case "uint16": b.putShort((short) 0xffff).putShort((short) 5).putShort((short) 0x8000).putShort((short) 0); w = new double[] {65535, 5, 32768, 0}; break;
                case "int8": b.put((byte) -128).put((byte) 5).put((byte) 127).put((byte) -1); w = new double[] {-128, 5, 127, -1}; break;
                case "uint32": b.putInt(-1).putInt(5).putInt(Integer.MIN_VALUE).putInt(0); w = new double[] {4294967295.0, 5, 2147483648.0, 0}; break;
                default: b.put((byte) 1).put((byte) 0).put((byte) 1).put((byte) 1); w = new double[] {1, 0, 1, 1};
            }
            Files.write(dir.resolve(dt + ".raw"), b.array());
            meta.append(want.isEmpty() ? "" : ",").append("\"").append(dt).append("\":{\"file\":\"").append(dt)
                    .append(".raw\",\"dtype\":\"").append(dt).append("\",\"shape\":[4]}");
            want.put(dt, w);
        }
        Files.writeString(dir.resolve("meta.json"), meta.append("}}").toString());
        RawDataset ds = RawDataset.open(dir);
        for (Map.Entry<String, double[]> e : want.entrySet()) {
            RawDataset.Array a = ds.array(e.getKey());
            float[] f = a.readFloats(0, 4);
            for (int i = 0; i < 4; i++) assertEquals((float) e.getValue()[i], f[i], 0f, e.getKey() + "[" + i + "]");
            if (a.isInteger()) {
                long[] l = a.readLongs(0, 4);
                for (int i = 0; i < 4; i++) assertEquals((long) e.getValue()[i], l[i], e.getKey() + "[" + i + "]");
            } else {
                assertThrows(IllegalArgumentException.class, () -> a.readLongs(0, 1));
            }
        }
        Files.writeString(dir.resolve("meta.json"), "{\"files\":{\"c\":{\"file\":\"int8.raw\",\"dtype\":\"complex64\",\"shape\":[4]}}}");
        ArrowDataException bad = assertThrows(ArrowDataException.class, () -> RawDataset.open(dir));
        assertTrue(bad.getMessage().contains("complex64") && bad.getMessage().contains("float16"), bad.getMessage());
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
