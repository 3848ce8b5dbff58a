package org.sparkgrad.io;

import static org.sparkgrad.io.SafeTensors.CHUNK_BYTES;
import static org.sparkgrad.io.SafeTensors.MAX_HEADER_BYTES;
import static org.sparkgrad.io.SafeTensors.METADATA_KEY;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparkgrad.io.SafeTensors.Contents;
import org.sparkgrad.io.SafeTensors.Header;
import org.sparkgrad.io.SafeTensors.Kind;
import org.sparkgrad.io.SafeTensors.TensorInfo;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.Tensor;

/**
 * The safetensors reader behind {@link SafeTensors#load}, {@link SafeTensors#read} and
 * {@link SafeTensors#readHeader}: it validates the whole header before allocating tensor memory (the checks are
 * listed on {@link SafeTensors}) and streams the data area in chunks into each tensor's array.
 */
final class SafeTensorsReader {
    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper MAPPER = JsonMapper.builder(JSON_FACTORY).build();

    /** safetensors dtype names that exist in the format but that this engine does not load. */
    private static final Set<String> UNSUPPORTED_DTYPES = Set.of("U8", "I8", "I16", "U16", "I32", "U32", "U64",
            "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

    private SafeTensorsReader() {}

    /** See {@link SafeTensors#load}. */
    static Contents load(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(ch, ch.size(), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + path + ": " + e, e);
        }
    }

    /** See {@link SafeTensors#readHeader}. */
    static Header readHeader(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parseHeader(ch, ch.size(), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + path + ": " + e, e);
        }
    }

    /** See {@link SafeTensors#read}. */
    static Contents read(InputStream in, long size, String source) {
        try {
            ReadableByteChannel ch = Channels.newChannel(in);
            Contents c = read(ch, size, source);
            if (in.read() != -1) throw new SafeTensorsFormatException(source, "the stream holds more than the declared " + size + " bytes");
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors data from " + source + ": " + e, e);
        }
    }

    /** See {@link SafeTensors#fromBytes}. */
    static Contents fromBytes(byte[] bytes, String source) {
        return read(new ByteArrayInputStream(bytes), bytes.length, source);
    }

    private static Contents read(ReadableByteChannel ch, long size, String source) throws IOException {
        Header h = parseHeader(ch, size, source);
        List<TensorInfo> byOffset = new ArrayList<>(h.tensors());
        byOffset.sort(Comparator.<TensorInfo>comparingLong(t -> t.begin).thenComparingLong(t -> t.end));
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.max(8, Math.min(CHUNK_BYTES, h.dataLength())))
                .order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Tensor> loaded = new HashMap<>();
        for (TensorInfo t : byOffset) loaded.put(t.name, readTensor(ch, t, buf, source));
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (TensorInfo t : h.tensors()) ordered.put(t.name, loaded.get(t.name));
        return new Contents(ordered, h);
    }

    private static SafeTensorsFormatException bad(String source, String problem) {
        return new SafeTensorsFormatException(source, problem);
    }

    /** Fills {@code buf} with exactly {@code len} bytes and flips it for reading. */
    private static void readFully(ReadableByteChannel ch, ByteBuffer buf, int len, String source) throws IOException {
        buf.clear().limit(len);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) throw bad(source, "unexpected end of data: the file is truncated");
        }
        buf.flip();
    }

    static Header parseHeader(ReadableByteChannel ch, long size, String source) throws IOException {
        if (size < 8) {
            throw bad(source, "the file is " + size + " bytes long, shorter than the 8-byte header length that starts a safetensors file");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 8, source);
        long n = lenBuf.getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw bad(source, "the header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > size - 8) {
            throw bad(source, "the header length " + n + " exceeds the " + (size - 8) + " bytes that follow the 8-byte length");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, (int) n, source);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsFormatException(source, "the header is not valid UTF-8", e);
        }
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw bad(source, "the header does not start with '{': it must be a JSON object");
        }
        long dataLength = size - 8 - n;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> infos = new ArrayList<>();
        try (JsonParser p = MAPPER.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw bad(source, "the header is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                JsonNode value = MAPPER.readTree(p);
                if (METADATA_KEY.equals(name)) parseMetadata(value, metadata, source);
                else infos.add(parseEntry(name, value, dataLength, source));
            }
            if (p.nextToken() != null) throw bad(source, "unexpected content after the header's JSON object");
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            if (msg != null && msg.startsWith("Duplicate")) {
                throw new SafeTensorsFormatException(source, "duplicate key in the header (tensor names and keys must be unique): " + msg, e);
            }
            throw new SafeTensorsFormatException(source, "the header is not valid JSON: " + msg, e);
        }
        checkCoverage(infos, dataLength, source);
        return new Header(infos, metadata, n, dataLength);
    }

    private static void parseMetadata(JsonNode value, Map<String, String> metadata, String source) {
        if (value.isNull()) return;
        if (!value.isObject()) throw bad(source, METADATA_KEY + " is not a JSON object of strings");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw bad(source, METADATA_KEY + " value of key '" + e.getKey() + "' is not a string but " + e.getValue().getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static long nonNegativeInteger(JsonNode v, String what, String source) {
        if (v == null || !v.isIntegralNumber()) throw bad(source, what + " is not an integer: " + v);
        BigInteger b = v.bigIntegerValue();
        if (b.signum() < 0) throw bad(source, what + " is negative: " + b);
        if (b.bitLength() > 63) throw bad(source, what + " overflows a 64-bit integer: " + b);
        return b.longValue();
    }

    private static TensorInfo parseEntry(String name, JsonNode v, long dataLength, String source) {
        String t = "tensor '" + name + "'";
        if (!v.isObject()) throw bad(source, t + ": the entry is not a JSON object");
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) throw bad(source, t + ": missing or non-string \"dtype\"");
        Kind kind = Kind.of(dt.textValue());
        if (kind == null) {
            String known = UNSUPPORTED_DTYPES.contains(dt.textValue()) ? "unsupported" : "unknown";
            throw bad(source, t + ": " + known + " dtype '" + dt.textValue() + "' (supported: F32, F64, I64, BOOL, F16, BF16)");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) throw bad(source, t + ": missing or non-array \"shape\"");
        int[] shape = new int[sh.size()];
        long numel = 1;
        boolean overflow = false;
        for (int i = 0; i < shape.length; i++) {
            long d = nonNegativeInteger(sh.get(i), t + ": shape " + sh + " dim " + i, source);
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException e) {
                overflow = true;
            }
            shape[i] = (int) Math.min(d, Integer.MAX_VALUE);
            if (d > Integer.MAX_VALUE && !overflow) {
                throw bad(source, t + ": shape " + sh + " dim " + i + " = " + d + " exceeds 2^31-1");
            }
        }
        if (overflow) throw bad(source, t + ": shape " + sh + " overflows: its element count does not fit in 64 bits");
        if (numel > Integer.MAX_VALUE) {
            throw bad(source, t + ": shape " + sh + " has " + numel + " elements, more than a tensor can hold (2^31-1)");
        }
        long bytes = numel * kind.itemSize;
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw bad(source, t + ": \"data_offsets\" must be an array [begin, end], got " + off);
        }
        long begin = nonNegativeInteger(off.get(0), t + ": data_offsets begin", source);
        long end = nonNegativeInteger(off.get(1), t + ": data_offsets end", source);
        if (begin > end) throw bad(source, t + ": data_offsets [" + begin + ", " + end + "] has begin > end");
        if (end > dataLength) {
            throw bad(source, t + ": data_offsets [" + begin + ", " + end + "] lie outside the data area of " + dataLength + " bytes");
        }
        if (end - begin != bytes) {
            throw bad(source, t + ": data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes but shape " + sh
                    + " of " + kind.name + " needs " + bytes);
        }
        return new TensorInfo(name, kind, shape, begin, end);
    }

    /** The tensors must tile the data area: no overlap, no hole, nothing left at the end. */
    private static void checkCoverage(List<TensorInfo> infos, long dataLength, String source) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.<TensorInfo>comparingLong(t -> t.begin).thenComparingLong(t -> t.end));
        long expected = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.begin < expected) {
                throw bad(source, "tensors '" + prev.name + "' [" + prev.begin + ", " + prev.end + ") and '" + t.name + "' ["
                        + t.begin + ", " + t.end + ") overlap");
            }
            if (t.begin > expected) {
                throw bad(source, "bytes [" + expected + ", " + t.begin + ") of the data area belong to no tensor (a hole before '"
                        + t.name + "'); the data area must be entirely indexed");
            }
            expected = t.end;
            prev = t;
        }
        if (expected != dataLength) {
            throw bad(source, "bytes [" + expected + ", " + dataLength + ") at the end of the data area belong to no tensor;"
                    + " the data area must be entirely indexed");
        }
    }

    private static Tensor readTensor(ReadableByteChannel ch, TensorInfo info, ByteBuffer buf, String source) throws IOException {
        int n = (int) info.numel();
        int item = info.kind.itemSize;
        int per = buf.capacity() / item;
        switch (info.kind) {
            case F32: {
                float[] a = new float[n];
                for (int pos = 0; pos < n; pos += per) {
                    int k = Math.min(per, n - pos);
                    readFully(ch, buf, k * item, source);
                    buf.asFloatBuffer().get(a, pos, k);
                }
                return new Tensor(CpuStorage.wrap(a), info.shape.clone());
            }
            case F64: {
                double[] a = new double[n];
                for (int pos = 0; pos < n; pos += per) {
                    int k = Math.min(per, n - pos);
                    readFully(ch, buf, k * item, source);
                    buf.asDoubleBuffer().get(a, pos, k);
                }
                return new Tensor(CpuStorage.wrap(a), info.shape.clone());
            }
            case I64: {
                long[] a = new long[n];
                for (int pos = 0; pos < n; pos += per) {
                    int k = Math.min(per, n - pos);
                    readFully(ch, buf, k * item, source);
                    buf.asLongBuffer().get(a, pos, k);
                }
                return new Tensor(CpuStorage.wrap(a), info.shape.clone());
            }
            case BOOL: {
                byte[] a = new byte[n];
                for (int pos = 0; pos < n; pos += per) {
                    int k = Math.min(per, n - pos);
                    readFully(ch, buf, k, source);
                    buf.get(a, pos, k);
                    for (int i = pos; i < pos + k; i++) {
                        if (a[i] != 0 && a[i] != 1) {
                            throw bad(source, "tensor '" + info.name + "': BOOL element " + i + " is the byte " + (a[i] & 0xFF) + ", not 0 or 1");
                        }
                    }
                }
                return new Tensor(CpuStorage.wrapBool(a), info.shape.clone());
            }
            case F16:
            case BF16: {
                short[] a = new short[n];
                for (int pos = 0; pos < n; pos += per) {
                    int k = Math.min(per, n - pos);
                    readFully(ch, buf, k * item, source);
                    buf.asShortBuffer().get(a, pos, k);
                }
                return new Tensor(CpuStorage.wrapHalf(a, info.kind.loaded), info.shape.clone());
            }
            default:
                throw new IllegalStateException("unhandled dtype " + info.kind);
        }
    }
}
