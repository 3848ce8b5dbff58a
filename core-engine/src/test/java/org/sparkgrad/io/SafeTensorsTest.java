package org.sparkgrad.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.backend.Backends;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Storage;
import org.sparkgrad.tensor.Tensor;

class SafeTensorsTest {
    @TempDir Path dir;

    // ------------------------------------------------------------------ helpers

    /** Bit-exact comparison of dtype, shape and elements. */
    static void assertBitIdentical(Tensor expected, Tensor actual) {
        assertEquals(expected.dtype(), actual.dtype());
        assertArrayEquals(expected.shape(), actual.shape());
        switch (expected.dtype()) {
            case FLOAT32: {
                float[] e = expected.toFloatArray(), a = actual.toFloatArray();
                assertEquals(e.length, a.length);
                for (int i = 0; i < e.length; i++) assertEquals(Float.floatToRawIntBits(e[i]), Float.floatToRawIntBits(a[i]), "element " + i);
                break;
            }
            case FLOAT64: {
                double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
                assertEquals(e.length, a.length);
                for (int i = 0; i < e.length; i++) assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(a[i]), "element " + i);
                break;
            }
            case INT64:
                assertArrayEquals(expected.toLongArray(), actual.toLongArray());
                break;
            default:
                assertArrayEquals(expected.toBooleanArray(), actual.toBooleanArray());
        }
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        for (byte[] p : parts) bos.writeBytes(p);
        return bos.toByteArray();
    }

    /** A file: 8-byte length of the header, the header (unpadded), then {@code data}. */
    static byte[] craft(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return concat(le64(h.length), h, data);
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    static byte[] shorts(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : v) b.putShort((short) s);
        return b.array();
    }

    static byte[] ints(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = (byte) bytes[i];
        return out;
    }

    Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** Loads crafted bytes from a file and expects a format error whose message names the file and {@code phrase}. */
    SafeTensorsFormatException rejects(byte[] bytes, String phrase) throws IOException {
        Path p = file("bad-" + System.nanoTime() + ".safetensors", bytes);
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertTrue(e.problem().contains(phrase), "expected '" + phrase + "' in: " + e.getMessage());
        // the in-memory and stream readers apply the same checks
        SafeTensorsFormatException e2 = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.fromBytes(bytes, "mem"));
        assertEquals(e.problem(), e2.problem());
        assertEquals("mem", e2.source());
        return e;
    }

    static String entry(String dtype, String shape, long begin, long end) {
        return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    Set<String> tempFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).collect(Collectors.toSet());
        }
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void roundTripsEveryDtypeBitForBit() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("f32", Tensor.fromArray(new float[] {0f, -0f, 1.5f, Float.NaN, Float.intBitsToFloat(0x7fc00abc), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, -3.25e-20f}, 2, 5));
        m.put("f64", Tensor.fromArray(new double[] {Math.PI, -0.0, Double.MIN_VALUE, Double.NaN, 1e300, -1}, 3, 1, 2));
        m.put("i64", Tensor.fromArray(new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE}, 5));
        m.put("mask", Tensor.fromArray(new boolean[] {true, false, false, true, true, false}, 2, 3));
        m.put("scalar", Tensor.scalar(2.5));
        m.put("empty", Tensor.zeros(DType.FLOAT64, 0, 3));
        m.put("transposed", Tensor.arange(12).toFloat().reshape(3, 4).t()); // non-contiguous
        m.put("slice", Tensor.arange(20).reshape(4, 5).select(0, 2)); // view with an offset
        Map<String, String> meta = Map.of("format", "pt", "note", "ünïcode ✓");
        Path p = dir.resolve("all.safetensors");
        SafeTensors.save(p, m, meta);
        SafeTensors.Contents c = SafeTensors.load(p);
        assertEquals(m.keySet(), c.tensors().keySet());
        for (String k : m.keySet()) assertBitIdentical(m.get(k).contiguous(), c.tensors().get(k));
        assertArrayEquals(new float[] {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11}, c.tensors().get("transposed").toFloatArray());
        assertArrayEquals(new long[] {10, 11, 12, 13, 14}, c.tensors().get("slice").toLongArray());
        assertEquals(meta, c.metadata());
        // header order = data order = descending dtype alignment, then name
        assertEquals(List.of("i64", "slice", "empty", "f64", "f32", "scalar", "transposed", "mask"), List.copyOf(c.tensors().keySet()));
        assertEquals(0, c.header().headerLength() % 8, "the header is padded to 8 bytes");
        assertFalse(c.tensors().get("f32").requiresGrad());
    }

    @Test
    void streamsTensorsLargerThanOneChunk() {
        Generator g = new Generator(5);
        int n = SafeTensors.CHUNK_BYTES / 4 * 2 + 12345; // two full chunks and a partial one
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("big", Tensor.randn(g, n));
        m.put("bigd", Tensor.randn(g, n / 2 + 3).toDouble());
        m.put("bigmask", Tensor.randn(g, SafeTensors.CHUNK_BYTES + 17).gt(0));
        Path p = dir.resolve("big.safetensors");
        SafeTensors.save(p, m);
        Map<String, Tensor> back = SafeTensors.loadTensors(p);
        for (String k : m.keySet()) assertBitIdentical(m.get(k), back.get(k));
    }

    @Test
    void streamFileAndMemoryWritersProduceTheSameBytes() throws IOException {
        Map<String, Tensor> m = Map.of("w", Tensor.randn(new Generator(1), 3, 3), "b", Tensor.zeros(3));
        Map<String, String> meta = Map.of("k", "v", "a", "b");
        Path p = dir.resolve("x.safetensors");
        SafeTensors.save(p, m, meta);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        SafeTensors.write(bos, m, meta);
        byte[] mem = SafeTensors.toBytes(m, meta);
        assertArrayEquals(Files.readAllBytes(p), bos.toByteArray());
        assertArrayEquals(mem, bos.toByteArray());
        SafeTensors.Contents c = SafeTensors.read(new ByteArrayInputStream(mem), mem.length, "stream");
        assertBitIdentical(m.get("w"), c.tensors().get("w"));
        assertEquals(List.of("a", "k"), List.copyOf(c.metadata().keySet()), "metadata keys are written sorted");
    }

    @Test
    void readHeaderDescribesWithoutLoading() {
        Path p = dir.resolve("h.safetensors");
        SafeTensors.save(p, Map.of("a", Tensor.zeros(2, 3), "n", Tensor.zeros(DType.INT64, 4)), Map.of("x", "y"));
        SafeTensors.Header h = SafeTensors.readHeader(p);
        assertEquals(2, h.tensors().size());
        SafeTensors.TensorInfo n = h.tensors().get(0);
        assertEquals("n", n.name());
        assertEquals("I64", n.dtype());
        assertArrayEquals(new int[] {4}, n.shape());
        assertArrayEquals(new long[] {0, 32}, n.dataOffsets());
        SafeTensors.TensorInfo a = h.tensors().get(1);
        assertArrayEquals(new long[] {32, 56}, a.dataOffsets());
        assertEquals(DType.FLOAT32, a.loadedDType());
        assertEquals(56, h.dataLength());
        assertEquals(Map.of("x", "y"), h.metadata());
    }

    // ------------------------------------------------------------------ interop: the reference byte layout

    /** The reference writer's own unit test vector ({@code safetensors/src/tensor.rs}, test_serialization). */
    @Test
    void writesTheReferenceBytesForAttn0() {
        Tensor t = Tensor.fromArray(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3);
        byte[] out = SafeTensors.toBytes(Map.of("attn.0", t), null);
        String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"; // 64 bytes, no padding
        byte[] expected = concat(le64(64), header.getBytes(StandardCharsets.US_ASCII), floats(0, 1, 2, 3, 4, 5));
        assertArrayEquals(expected, out);
        // the same bytes, spelled as in the reference test
        byte[] reference = ints(64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
                116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
                58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
                101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
                0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64);
        assertArrayEquals(reference, out);
        assertBitIdentical(t, SafeTensors.fromBytes(reference, "reference").tensors().get("attn.0"));
    }

    /** test_serialization_forced_alignement: a 65-byte header is padded with 7 spaces to 72. */
    @Test
    void padsTheHeaderWithSpacesToEightBytes() {
        Tensor t = Tensor.fromArray(new float[] {0, 1, 2, 3, 4, 5}, 1, 1, 2, 3);
        byte[] out = SafeTensors.toBytes(Map.of("attn0", t), Map.of());
        String header = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}" + "       ";
        assertEquals(72, header.length());
        assertArrayEquals(concat(le64(72), header.getBytes(StandardCharsets.US_ASCII), floats(0, 1, 2, 3, 4, 5)), out);
        assertBitIdentical(t, SafeTensors.fromBytes(out, "x").tensors().get("attn0"));
    }

    /** test_empty: no tensors, with and without metadata. */
    @Test
    void writesTheReferenceBytesForEmptyFiles() {
        assertArrayEquals(concat(le64(8), "{}      ".getBytes(StandardCharsets.US_ASCII)), SafeTensors.toBytes(Map.of(), null));
        byte[] withMeta = SafeTensors.toBytes(Map.of(), Map.of("framework", "pt"));
        assertArrayEquals(concat(le64(40), "{\"__metadata__\":{\"framework\":\"pt\"}}     ".getBytes(StandardCharsets.US_ASCII)), withMeta);
        SafeTensors.Contents c = SafeTensors.fromBytes(withMeta, "x");
        assertTrue(c.tensors().isEmpty());
        assertEquals(Map.of("framework", "pt"), c.metadata());
    }

    /** Mixed dtypes: the reference sorts by descending dtype alignment (I64 > F64 > F32 > BOOL), then by name. */
    @Test
    void ordersTensorsAsTheReferenceDoes() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("mask", Tensor.fromArray(new boolean[] {true, false, true}, 3));
        m.put("b", Tensor.fromArray(new float[] {-2.5f}, 1));
        m.put("a", Tensor.fromArray(new float[] {1f, 2f}, 2));
        m.put("d", Tensor.fromArray(new double[] {0.5}, 1));
        m.put("Z", Tensor.fromArray(new long[] {7, -1}, 1, 2));
        m.put("B", Tensor.fromArray(new float[] {3f}));
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"Z\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[0,16]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[16,24]},"
                + "\"B\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[24,28]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[28,36]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[36,40]},"
                + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[40,43]}}";
        int pad = (8 - header.length() % 8) % 8;
        ByteBuffer data = ByteBuffer.allocate(43).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(7).putLong(-1).putDouble(0.5).putFloat(3f).putFloat(1f).putFloat(2f).putFloat(-2.5f).put((byte) 1).put((byte) 0).put((byte) 1);
        byte[] expected = concat(le64(header.length() + pad), (header + " ".repeat(pad)).getBytes(StandardCharsets.US_ASCII), data.array());
        byte[] out = SafeTensors.toBytes(m, Map.of("format", "pt"));
        assertEquals(new String(expected, 8, expected.length - 8 - 43, StandardCharsets.US_ASCII),
                new String(out, 8, out.length - 8 - 43, StandardCharsets.US_ASCII));
        assertArrayEquals(expected, out);
        Map<String, Tensor> back = SafeTensors.fromBytes(expected, "x").tensors();
        for (String k : m.keySet()) assertBitIdentical(m.get(k), back.get(k));
    }

    /** serde_json escapes only '"', '\\' and control characters (lowercase hex); UTF-8 and '/' stay raw. */
    @Test
    void escapesNamesAsSerdeJson() {
        String name = "a\"b\\c\u0001\u001f\n\t/é€";
        byte[] out = SafeTensors.toBytes(Map.of(name, Tensor.zeros(DType.BOOL, 0)), null);
        String header = new String(out, 8, out.length - 8, StandardCharsets.UTF_8).trim();
        assertEquals("{\"a\\\"b\\\\c\\u0001\\u001f\\n\\t/é€\":{\"dtype\":\"BOOL\",\"shape\":[0],\"data_offsets\":[0,0]}}", header);
        assertEquals(name, SafeTensors.fromBytes(out, "x").tensors().keySet().iterator().next());
    }

    @Test
    void sortsNamesByUtf8BytesLikeRust() {
        // U+FF21 (3 UTF-8 bytes, EF BC A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16
        String fullwidth = "\uFF21", emoji = "\uD83D\uDE00";
        byte[] out = SafeTensors.toBytes(Map.of(emoji, Tensor.zeros(1), fullwidth, Tensor.zeros(1)), null);
        List<String> order = List.copyOf(SafeTensors.fromBytes(out, "x").tensors().keySet());
        assertEquals(List.of(fullwidth, emoji), order);
    }

    @Test
    void writerRejectsBadNames() {
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(Map.of("__metadata__", Tensor.zeros(1)), null));
        Map<String, Tensor> nullValue = new LinkedHashMap<>();
        nullValue.put("x", null);
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(nullValue, null));
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.toBytes(Map.of("bad\uD800", Tensor.zeros(1)), null));
    }

    // ------------------------------------------------------------------ F16 / BF16

    @Test
    void readsF16AndBF16AsFloat16AndBFloat16() {
        String header = "{\"h\":" + entry("F16", "[2,5]", 0, 20) + ",\"b\":" + entry("BF16", "[5]", 20, 30) + "}";
        byte[] data = concat(
                shorts(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x7C00, 0xFC00, 0x8000, 0x3555),
                shorts(0x3F80, 0xC049, 0x7F80, 0x0001, 0x8000));
        SafeTensors.Contents c = SafeTensors.fromBytes(craft(header, data), "x");
        Tensor h = c.tensors().get("h");
        assertEquals(DType.FLOAT16, h.dtype());
        assertArrayEquals(new int[] {2, 5}, h.shape());
        assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, -0f, 0.333251953125f}, h.toFloatArray());
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(h.toFloatArray()[8]));
        Tensor b = c.tensors().get("b");
        assertEquals(DType.BFLOAT16, b.dtype());
        assertArrayEquals(new float[] {1f, -3.140625f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x00010000), -0f}, b.toFloatArray());
        assertEquals("F16", c.header().tensors().get(0).dtype());
        // written back and read again bit for bit, dtypes kept
        SafeTensors.Contents back = SafeTensors.fromBytes(SafeTensors.toBytes(Map.of("h", h, "b", b), null), "y");
        assertEquals(DType.FLOAT16, back.tensors().get("h").dtype());
        assertEquals(DType.BFLOAT16, back.tensors().get("b").dtype());
        assertArrayEquals(((org.sparkgrad.tensor.CpuStorage) h.storage()).h,
                ((org.sparkgrad.tensor.CpuStorage) back.tensors().get("h").storage()).h);
        assertArrayEquals(((org.sparkgrad.tensor.CpuStorage) b.storage()).h,
                ((org.sparkgrad.tensor.CpuStorage) back.tensors().get("b").storage()).h);
    }

    @Test
    void halfToFloatIsExactForAll65536Patterns() {
        for (int bits = 0; bits < 0x10000; bits++) {
            int sign = bits >>> 15, exp = (bits >>> 10) & 0x1F, mant = bits & 0x3FF;
            float got = org.sparkgrad.tensor.HalfFloat.halfToFloat((short) bits);
            double expected;
            if (exp == 0x1F) expected = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
            else if (exp == 0) expected = Math.scalb((double) mant, -24);
            else expected = Math.scalb(1 + mant / 1024.0, exp - 15);
            if (sign == 1) expected = -expected;
            if (Double.isNaN(expected)) {
                assertTrue(Float.isNaN(got), "pattern " + Integer.toHexString(bits));
                assertEquals(mant << 13, Float.floatToRawIntBits(got) & 0x7FFFFF, "NaN payload of " + Integer.toHexString(bits));
            } else {
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(got), "pattern " + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void readsF16LargerThanOneChunk() {
        int n = SafeTensors.CHUNK_BYTES / 2 + 1001;
        int[] h = new int[n];
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            h[i] = i & 0x7BFF;
            expected[i] = org.sparkgrad.tensor.HalfFloat.halfToFloat((short) h[i]);
        }
        byte[] bytes = craft("{\"h\":" + entry("F16", "[" + n + "]", 0, 2L * n) + "}", shorts(h));
        assertArrayEquals(expected, SafeTensors.fromBytes(bytes, "x").tensors().get("h").toFloatArray());
    }

    // ------------------------------------------------------------------ hostile files

    @Test
    void rejectsFilesShorterThanTheLengthPrefix() throws IOException {
        rejects(new byte[0], "shorter than the 8-byte header length");
        rejects(new byte[7], "shorter than the 8-byte header length");
    }

    @Test
    void rejectsHeaderLengthsBeyondTheLimitOrTheFile() throws IOException {
        rejects(concat(le64(100_000_001L), "{}".getBytes(StandardCharsets.US_ASCII)), "exceeds the limit of 100000000 bytes");
        rejects(le64(-1L), "18446744073709551615 exceeds the limit");
        rejects(concat(le64(3), "{}".getBytes(StandardCharsets.US_ASCII)), "exceeds the 2 bytes that follow");
    }

    @Test
    void rejectsHeadersThatAreNotUtf8JsonObjects() throws IOException {
        rejects(concat(le64(4), ints('{', 0xFF, 0xFE, '}')), "not valid UTF-8");
        rejects(concat(le64(4), ints('{', 0xC0, 0x80, '}')), "not valid UTF-8"); // overlong encoding
        rejects(craft("{\"a\":", new byte[0]), "not valid JSON");
        rejects(craft("[1,2]", new byte[0]), "does not start with '{'");
        rejects(craft(" {}", new byte[0]), "does not start with '{'");
        rejects(craft("", new byte[0]), "does not start with '{'");
        rejects(craft("{} {}", new byte[0]), "unexpected content after");
        rejects(craft("{\"a\":5}", new byte[0]), "tensor 'a': the entry is not a JSON object");
    }

    @Test
    void rejectsUnknownAndUnsupportedDtypes() throws IOException {
        rejects(craft("{\"a\":" + entry("Q8", "[1]", 0, 1) + "}", new byte[1]), "unknown dtype 'Q8'");
        rejects(craft("{\"a\":" + entry("I32", "[1]", 0, 4) + "}", new byte[4]), "unsupported dtype 'I32'");
        rejects(craft("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "missing or non-string \"dtype\"");
    }

    @Test
    void rejectsBadShapes() throws IOException {
        rejects(craft("{\"a\":" + entry("F32", "[-1]", 0, 4) + "}", new byte[4]), "is negative");
        rejects(craft("{\"a\":" + entry("F32", "[1.5]", 0, 4) + "}", new byte[4]), "is not an integer");
        rejects(craft("{\"a\":" + entry("F32", "[\"2\"]", 0, 8) + "}", new byte[8]), "is not an integer");
        rejects(craft("{\"a\":" + entry("F32", "5", 0, 20) + "}", new byte[20]), "non-array \"shape\"");
        rejects(craft("{\"a\":" + entry("F32", "[2147483647,2147483647,2147483647]", 0, 4) + "}", new byte[4]), "overflows");
        rejects(craft("{\"a\":" + entry("F32", "[99999999999999999999999]", 0, 4) + "}", new byte[4]), "overflows a 64-bit integer");
        rejects(craft("{\"a\":" + entry("F32", "[4294967296]", 0, 4) + "}", new byte[4]), "exceeds 2^31-1");
        rejects(craft("{\"a\":" + entry("F32", "[65536,65536]", 0, 4) + "}", new byte[4]), "more than a tensor can hold");
    }

    @Test
    void rejectsBadDataOffsets() throws IOException {
        rejects(craft("{\"a\":" + entry("F32", "[1]", 8, 4) + "}", new byte[8]), "begin > end");
        rejects(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]), "must be an array [begin, end]");
        rejects(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", new byte[4]), "must be an array [begin, end]");
        rejects(craft("{\"a\":" + entry("F32", "[1]", -4, 0) + "}", new byte[4]), "begin is negative");
        rejects(craft("{\"a\":" + entry("F32", "[25]", 0, 100) + "}", new byte[4]), "lie outside the data area of 4 bytes");
        rejects(craft("{\"a\":" + entry("F32", "[3]", 0, 8) + "}", new byte[8]), "span 8 bytes but shape [3] of F32 needs 12");
    }

    @Test
    void rejectsOverlapsAndHoles() throws IOException {
        rejects(craft("{\"a\":" + entry("F32", "[2]", 0, 8) + ",\"b\":" + entry("F32", "[2]", 4, 12) + "}", new byte[12]), "overlap");
        rejects(craft("{\"a\":" + entry("F32", "[2]", 0, 8) + ",\"b\":" + entry("F32", "[2]", 0, 8) + "}", new byte[8]), "overlap");
        rejects(craft("{\"a\":" + entry("F32", "[1]", 0, 4) + ",\"b\":" + entry("F32", "[1]", 8, 12) + "}", new byte[12]),
                "bytes [4, 8) of the data area belong to no tensor");
        rejects(craft("{\"a\":" + entry("F32", "[1]", 4, 8) + "}", new byte[8]), "bytes [0, 4) of the data area belong to no tensor");
        rejects(craft("{\"a\":" + entry("F32", "[1]", 0, 4) + "}", new byte[8]), "bytes [4, 8) at the end of the data area");
        rejects(craft("{}", new byte[1]), "bytes [0, 1) at the end of the data area");
        // empty tensors take no bytes and may share an offset; out of order entries are fine
        SafeTensors.Contents ok = SafeTensors.fromBytes(craft("{\"b\":" + entry("F32", "[1]", 4, 8) + ",\"e\":" + entry("F64", "[0,2]", 4, 4)
                + ",\"e2\":" + entry("BOOL", "[0]", 4, 4) + ",\"a\":" + entry("F32", "[1]", 0, 4) + "}", floats(1, 2)), "x");
        assertEquals(List.of("b", "e", "e2", "a"), List.copyOf(ok.tensors().keySet()));
        assertEquals(2f, ok.tensors().get("b").item());
        assertEquals(1f, ok.tensors().get("a").item());
        assertArrayEquals(new int[] {0, 2}, ok.tensors().get("e").shape());
    }

    @Test
    void rejectsDuplicateNamesAndKeys() throws IOException {
        rejects(craft("{\"a\":" + entry("F32", "[1]", 0, 4) + ",\"a\":" + entry("F32", "[1]", 4, 8) + "}", new byte[8]), "duplicate key");
        rejects(craft("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", new byte[0]), "duplicate key");
        rejects(craft("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "duplicate key");
        rejects(craft("{\"__metadata__\":{},\"__metadata__\":{}}", new byte[0]), "duplicate key");
    }

    @Test
    void rejectsNonStringMetadata() throws IOException {
        rejects(craft("{\"__metadata__\":{\"k\":1}}", new byte[0]), "value of key 'k' is not a string");
        rejects(craft("{\"__metadata__\":{\"k\":{\"nested\":\"x\"}}}", new byte[0]), "value of key 'k' is not a string");
        rejects(craft("{\"__metadata__\":[\"k\"]}", new byte[0]), "__metadata__ is not a JSON object");
        assertTrue(SafeTensors.fromBytes(craft("{\"__metadata__\":null}", new byte[0]), "x").metadata().isEmpty());
    }

    @Test
    void rejectsBoolBytesOtherThanZeroOrOne() throws IOException {
        rejects(craft("{\"m\":" + entry("BOOL", "[3]", 0, 3) + "}", ints(1, 0, 2)), "BOOL element 2 is the byte 2");
    }

    @Test
    void rejectsStreamsOfTheWrongLength() {
        byte[] good = SafeTensors.toBytes(Map.of("a", Tensor.ones(4)), null);
        SafeTensorsFormatException shorter = assertThrows(SafeTensorsFormatException.class,
                () -> SafeTensors.read(new ByteArrayInputStream(good, 0, good.length - 1), good.length, "s"));
        assertTrue(shorter.problem().contains("truncated"), shorter.getMessage());
        SafeTensorsFormatException longer = assertThrows(SafeTensorsFormatException.class,
                () -> SafeTensors.read(new ByteArrayInputStream(concat(good, new byte[1])), good.length, "s"));
        assertTrue(longer.problem().contains("more than the declared"), longer.getMessage());
    }

    @Test
    void missingFileIsAnIoError() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> SafeTensors.load(dir.resolve("nope.safetensors")));
        assertTrue(e.getMessage().contains("nope.safetensors"), e.getMessage());
    }

    // ------------------------------------------------------------------ atomic writes

    @Test
    void saveReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path p = dir.resolve("m.safetensors");
        SafeTensors.save(p, Map.of("a", Tensor.ones(2)));
        SafeTensors.save(p, Map.of("b", Tensor.zeros(3)));
        assertEquals(Set.of("b"), SafeTensors.loadTensors(p).keySet());
        assertEquals(Set.of(), tempFiles());
    }

    /** A map whose iteration fails after the temporary file exists. */
    static final class ExplodingMap extends AbstractMap<String, Tensor> {
        @Override public Set<Entry<String, Tensor>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override public Iterator<Entry<String, Tensor>> iterator() {
                    return new Iterator<>() {
                        int i;

                        @Override public boolean hasNext() { return true; }

                        @Override public Entry<String, Tensor> next() {
                            if (i++ == 0) return Map.entry("first", Tensor.ones(2));
                            throw new IllegalStateException("iteration failed");
                        }
                    };
                }

                @Override public int size() { return 2; }
            };
        }
    }

    @Test
    void aFailedSaveLeavesThePreviousFileIntact() throws IOException {
        Path p = dir.resolve("model.safetensors");
        SafeTensors.save(p, Map.of("w", Tensor.randn(new Generator(3), 4, 4)), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(p);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SafeTensors.save(p, new ExplodingMap()));
        assertEquals("iteration failed", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(Set.of(), tempFiles());

        // a failure in the middle of the data: the int64 tensor is written first, then the float32 tensor's
        // storage cannot be read (a device without a backend)
        Storage offHost = new Storage(DType.FLOAT32, 4) {
            @Override public Device device() { return Device.cuda(0); }
        };
        if (!Backends.isAvailable(Device.Type.CUDA)) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("ok", Tensor.arange(1000));
            m.put("unreadable", new Tensor(offHost, new int[] {4}));
            assertThrows(IllegalStateException.class, () -> SafeTensors.save(p, m));
            assertArrayEquals(before, Files.readAllBytes(p));
            assertEquals(Set.of(), tempFiles());
        }

        // the rename fails: the target is a non-empty directory
        Path blocked = dir.resolve("blocked.safetensors");
        Files.createDirectories(blocked.resolve("child"));
        assertThrows(UncheckedIOException.class, () -> SafeTensors.save(blocked, Map.of("a", Tensor.ones(1))));
        assertTrue(Files.isDirectory(blocked.resolve("child")));
        assertEquals(Set.of(), tempFiles());

        // the directory does not exist
        UncheckedIOException missing = assertThrows(UncheckedIOException.class,
                () -> SafeTensors.save(dir.resolve("no/such/dir/m.safetensors"), Map.of("a", Tensor.ones(1))));
        assertTrue(missing.getMessage().contains("m.safetensors"), missing.getMessage());
    }

    @Test
    void aSaveIntoAReadOnlyDirectoryFailsWithoutTouchingTheOldFile() throws IOException {
        Path ro = Files.createDirectory(dir.resolve("ro"));
        Path p = ro.resolve("m.safetensors");
        SafeTensors.save(p, Map.of("a", Tensor.ones(2)));
        byte[] before = Files.readAllBytes(p);
        boolean changed = ro.toFile().setWritable(false, false);
        try {
            org.junit.jupiter.api.Assumptions.assumeTrue(changed && !Files.isWritable(ro),
                    "the file system ignores permissions for this user (e.g. root)");
            assertThrows(UncheckedIOException.class, () -> SafeTensors.save(p, Map.of("b", Tensor.zeros(2))));
            assertArrayEquals(before, Files.readAllBytes(p));
        } finally {
            ro.toFile().setWritable(true, false);
        }
        try (Stream<Path> s = Files.list(ro)) {
            assertEquals(List.of("m.safetensors"), s.map(x -> x.getFileName().toString()).collect(Collectors.toList()));
        }
    }
}
