package org.sparkgrad.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes tensors in the <a href="https://github.com/huggingface/safetensors">safetensors</a> layout, so
 * that PyTorch ({@code safetensors.torch.load_file}) can read our weights and we can read theirs.
 *
 * <h2>Layout</h2>
 * <ol>
 *   <li>8 bytes: {@code N}, the header length, an unsigned little-endian 64-bit integer;</li>
 *   <li>{@code N} bytes: the header, a UTF-8 JSON object
 *       {@code {"__metadata__": {"k": "v", ...}, "name": {"dtype": "F32", "shape": [2, 3],
 *       "data_offsets": [begin, end]}, ...}}, where the offsets are byte offsets relative to the first byte after
 *       the header ({@code end} exclusive);</li>
 *   <li>the data area: every tensor's elements, little-endian, row-major (C order), with no gaps.</li>
 * </ol>
 *
 * <h2>Writing</h2>
 * The writer produces the bytes of the reference implementation ({@code safetensors} 0.4, Rust
 * {@code tensor::serialize}): tensors are laid out sorted by descending dtype alignment (I64, F64, F32, BOOL), ties
 * by name (byte-wise UTF-8); the header is compact JSON ({@code serde_json} style: no spaces, only {@code "},
 * {@code \}, and control characters escaped, the latter as {@code \n}-style or lowercase <code>&#92;u00xx</code>), the
 * {@code __metadata__} object first (omitted when there is no metadata; its keys sorted), then the tensors in data
 * order; the header is padded with spaces to a multiple of 8 bytes so every tensor starts 8-byte aligned. Data is
 * streamed from each tensor's storage in chunks of at most 1 MiB through NIO buffers, never as one byte array of
 * the whole file. {@link #save(Path, Map, Map)} is atomic: it writes a temporary file in the target directory,
 * forces it to disk, then renames it over the target with {@code ATOMIC_MOVE}; on any failure the previous file is
 * untouched and the temporary file is removed. Supported dtypes: float32 (F32), float64 (F64), int64 (I64), bool
 * (BOOL). Tensors on other devices are downloaded; non-contiguous tensors are written in row-major order.
 *
 * <h2>Reading</h2>
 * Every file is treated as hostile; before any tensor memory is allocated the reader checks: the file holds at
 * least the 8-byte length; the header length is at most {@value #MAX_HEADER_BYTES} bytes (the reference limit)
 * and at most the bytes that follow; the header is valid UTF-8, starts with <code>&#123;</code> and is one JSON object with
 * nothing but whitespace after it; no key appears twice (tensor names, {@code __metadata__} keys, entry fields);
 * {@code __metadata__} maps strings to strings; each entry is an object with a known {@code dtype}, a
 * {@code shape} of non-negative integer dims whose product neither overflows nor exceeds 2<sup>31</sup>-1
 * elements, and {@code data_offsets} {@code [begin, end]} of non-negative integers with {@code begin <= end <=}
 * the data area size and {@code end - begin = numel * itemsize}; the tensors neither overlap nor leave holes, and
 * cover the data area exactly to the end of the file (the reference's "the byte buffer needs to be entirely
 * indexed"); BOOL bytes are 0 or 1. Each violation throws a {@link SafeTensorsFormatException} naming the source and
 * the problem; I/O failures throw {@link UncheckedIOException}. F16 and BF16 tensors are accepted read-only and
 * converted exactly to float32 (BF16 is the top half of a float32; F16 is IEEE 754 binary16 with subnormals,
 * infinities and NaN). Other safetensors dtypes (I8, U8, I16, I32, U32, U64, F8 variants, ...) are refused.
 * Unknown fields inside a tensor entry are ignored, as the reference does.
 *
 * <p>Sources: the safetensors README ("Format" and "Notes") and the reference reader/writer
 * {@code safetensors/src/tensor.rs} (header limit, alignment padding, ordering, validation rules).
 */
public final class SafeTensors {
    private static final Logger LOG = LoggerFactory.getLogger(SafeTensors.class);

    /** The largest header accepted, in bytes (the reference's {@code MAX_HEADER_SIZE}). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The reserved header key of the string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    static final int CHUNK_BYTES = 1 << 20;

    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final ObjectMapper MAPPER = JsonMapper.builder(JSON_FACTORY).build();
    private static final CharacterEscapes SERDE_ESCAPES = new SerdeJsonEscapes();

    /** safetensors dtype names that exist in the format but that this engine does not load. */
    private static final Set<String> UNSUPPORTED_DTYPES = Set.of("U8", "I8", "I16", "U16", "I32", "U32", "U64",
            "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

    private SafeTensors() {}

    /** The element types that can appear in a file we read. */
    enum Kind {
        BOOL("BOOL", 1, DType.BOOL, 0),
        F16("F16", 2, DType.FLOAT32, 7),
        BF16("BF16", 2, DType.FLOAT32, 8),
        F32("F32", 4, DType.FLOAT32, 11),
        F64("F64", 8, DType.FLOAT64, 12),
        I64("I64", 8, DType.INT64, 13);

        final String name;
        final int itemSize;
        final DType loaded;
        /** Position in the reference's {@code Dtype} enum, which the writer sorts by (descending). */
        final int referenceRank;

        Kind(String name, int itemSize, DType loaded, int referenceRank) {
            this.name = name;
            this.itemSize = itemSize;
            this.loaded = loaded;
            this.referenceRank = referenceRank;
        }

        static Kind of(String name) {
            for (Kind k : values()) if (k.name.equals(name)) return k;
            return null;
        }

        static Kind of(DType d) {
            switch (d) {
                case FLOAT32: return F32;
                case FLOAT64: return F64;
                case INT64: return I64;
                case BOOL: return BOOL;
                default: throw new IllegalArgumentException("dtype " + d + " cannot be written to safetensors");
            }
        }
    }

    // =====================================================================================================
    // public model of a header

    /** One tensor entry of a header: name, stored dtype, shape and byte range in the data area. */
    public static final class TensorInfo {
        private final String name;
        private final Kind kind;
        private final int[] shape;
        private final long begin;
        private final long end;

        TensorInfo(String name, Kind kind, int[] shape, long begin, long end) {
            this.name = name;
            this.kind = kind;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
        }

        /** The tensor's name (its header key). */
        public String name() { return name; }

        /** The stored safetensors dtype string: F32, F64, I64, BOOL, F16 or BF16. */
        public String dtype() { return kind.name; }

        /** The dtype of the tensor as loaded (F16 and BF16 load as float32). */
        public DType loadedDType() { return kind.loaded; }

        /** The shape (a copy); {@code []} for a scalar. */
        public int[] shape() { return shape.clone(); }

        /** Number of elements (the product of the shape, 1 for a scalar). */
        public long numel() {
            long n = 1;
            for (int d : shape) n *= d;
            return n;
        }

        /** {@code [begin, end)} in bytes, relative to the start of the data area. */
        public long[] dataOffsets() { return new long[] {begin, end}; }

        @Override public String toString() {
            return name + ": " + kind.name + " " + Arrays.toString(shape) + " [" + begin + ", " + end + ")";
        }
    }

    /** A parsed and validated header. */
    public static final class Header {
        private final List<TensorInfo> tensors;
        private final Map<String, String> metadata;
        private final long headerLength;
        private final long dataLength;

        Header(List<TensorInfo> tensors, Map<String, String> metadata, long headerLength, long dataLength) {
            this.tensors = Collections.unmodifiableList(tensors);
            this.metadata = Collections.unmodifiableMap(metadata);
            this.headerLength = headerLength;
            this.dataLength = dataLength;
        }

        /** The tensor entries in header order. */
        public List<TensorInfo> tensors() { return tensors; }

        /** The {@code __metadata__} map in header order (empty when absent). */
        public Map<String, String> metadata() { return metadata; }

        /** {@code N}, the header length in bytes (including padding). */
        public long headerLength() { return headerLength; }

        /** Size of the data area in bytes. */
        public long dataLength() { return dataLength; }
    }

    /** The tensors and metadata of a file. */
    public static final class Contents {
        private final Map<String, Tensor> tensors;
        private final Map<String, String> metadata;
        private final Header header;

        Contents(Map<String, Tensor> tensors, Header header) {
            this.tensors = Collections.unmodifiableMap(tensors);
            this.metadata = header.metadata();
            this.header = header;
        }

        /** The tensors by name, in header order; new contiguous CPU tensors that do not require grad. */
        public Map<String, Tensor> tensors() { return tensors; }

        /** The {@code __metadata__} map (empty when absent). */
        public Map<String, String> metadata() { return metadata; }

        /** The header the tensors were read with (stored dtypes, offsets). */
        public Header header() { return header; }
    }

    // =====================================================================================================
    // writing

    /** {@link #save(Path, Map, Map)} without metadata. */
    public static void save(Path path, Map<String, Tensor> tensors) {
        save(path, tensors, null);
    }

    /**
     * Atomically writes {@code tensors} and {@code metadata} to {@code path} in the safetensors layout (see the class
     * comment for the exact bytes). The file appears complete or not at all: the bytes go to a temporary file in the
     * same directory, which is forced to disk and then renamed over {@code path} ({@code ATOMIC_MOVE},
     * {@code REPLACE_EXISTING}); the directory is then synced (best effort). When anything fails, including the
     * iteration of {@code tensors}, the previous file at {@code path} is left as it was and no temporary file remains.
     *
     * @param tensors the tensors by name (any device, any strides; float32, float64, int64 or bool); the name
     *     {@value #METADATA_KEY} is reserved
     * @param metadata string-to-string metadata for {@value #METADATA_KEY}, or null/empty for none
     * @throws IllegalArgumentException for a null or reserved name, a null tensor, a null metadata key or value, or a
     *     string that is not valid Unicode
     * @throws UncheckedIOException when the file cannot be written or renamed; the message names the path
     */
    public static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Path target = path.toAbsolutePath().normalize();
        Path dir = target.getParent();
        if (dir == null) throw new IllegalArgumentException("cannot save to " + path + ": it has no parent directory");
        Path tmp = null;
        boolean moved = false;
        try {
            tmp = createTempSibling(dir, target.getFileName().toString());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                write(ch, plan(tensors, metadata));
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save safetensors file " + path + ": " + e, e);
        } finally {
            if (!moved && tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.warn("could not remove the temporary file {} after a failed save: {}", tmp, e.toString());
                }
            }
        }
    }

    private static Path createTempSibling(Path dir, String fileName) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve("." + fileName + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                // CREATE_NEW with default permissions (the umask applies, as for the final file)
                FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return p;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 16) throw e;
            }
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            // not supported on every platform (e.g. Windows); the rename itself is already atomic
            LOG.debug("directory sync of {} not possible: {}", dir, e.toString());
        }
    }

    /**
     * Writes the safetensors bytes of {@code tensors} and {@code metadata} to {@code out} (not atomic, not closed;
     * for streams such as a Hadoop {@code FSDataOutputStream}). Same bytes and exceptions as
     * {@link #save(Path, Map, Map)}, with I/O failures as {@link UncheckedIOException}.
     */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Plan plan = plan(tensors, metadata);
        try {
            write(Channels.newChannel(out), plan);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write safetensors data: " + e, e);
        }
    }

    /** The safetensors bytes of {@code tensors} and {@code metadata} in memory (for small maps and tests). */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Plan plan = plan(tensors, metadata);
        ByteArrayOutputStream bos = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, 8 + plan.header.length + plan.dataLength));
        try {
            write(Channels.newChannel(bos), plan);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    private static final class Item {
        final String name;
        final byte[] utf8;
        final Tensor tensor;
        final Kind kind;
        final int[] shape;
        long begin;
        long end;

        Item(String name, Tensor tensor) {
            this.name = name;
            this.utf8 = strictUtf8(name, "tensor name");
            this.tensor = tensor;
            this.kind = Kind.of(tensor.dtype());
            this.shape = tensor.shape();
        }
    }

    private static final class Plan {
        final List<Item> items;
        final byte[] header;
        final long dataLength;

        Plan(List<Item> items, byte[] header, long dataLength) {
            this.items = items;
            this.header = header;
            this.dataLength = dataLength;
        }
    }

    /** The byte-wise order of UTF-8 strings, which is Rust's {@code String} order. */
    static int compareUtf8(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            int c = Integer.compare(a[i] & 0xFF, b[i] & 0xFF);
            if (c != 0) return c;
        }
        return Integer.compare(a.length, b.length);
    }

    private static byte[] strictUtf8(String s, String what) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not valid Unicode (unpaired surrogate)", e);
        }
    }

    private static Plan plan(Map<String, Tensor> tensors, Map<String, String> metadata) {
        if (tensors == null) throw new IllegalArgumentException("tensors is null");
        List<Item> items = new ArrayList<>(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null) throw new IllegalArgumentException("a tensor name is null");
            if (METADATA_KEY.equals(name)) throw new IllegalArgumentException("the tensor name " + METADATA_KEY + " is reserved");
            if (e.getValue() == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            items.add(new Item(name, e.getValue()));
        }
        items.sort(Comparator.<Item>comparingInt(i -> -i.kind.referenceRank).thenComparing((x, y) -> compareUtf8(x.utf8, y.utf8)));
        long offset = 0;
        for (Item it : items) {
            it.begin = offset;
            offset = Math.addExact(offset, Math.multiplyExact((long) it.tensor.numel(), it.kind.itemSize));
            it.end = offset;
        }
        List<Map.Entry<byte[], String[]>> meta = new ArrayList<>();
        if (metadata != null) {
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (e.getKey() == null || e.getValue() == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null: " + e.getKey() + " -> " + e.getValue());
                }
                strictUtf8(e.getValue(), "metadata value");
                meta.add(Map.entry(strictUtf8(e.getKey(), "metadata key"), new String[] {e.getKey(), e.getValue()}));
            }
            meta.sort((x, y) -> compareUtf8(x.getKey(), y.getKey()));
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON_FACTORY.createGenerator(bos)) {
            g.setCharacterEscapes(SERDE_ESCAPES);
            g.writeStartObject();
            if (!meta.isEmpty()) {
                g.writeFieldName(METADATA_KEY);
                g.writeStartObject();
                for (Map.Entry<byte[], String[]> e : meta) g.writeStringField(e.getValue()[0], e.getValue()[1]);
                g.writeEndObject();
            }
            for (Item it : items) {
                g.writeFieldName(it.name);
                g.writeStartObject();
                g.writeStringField("dtype", it.kind.name);
                g.writeArrayFieldStart("shape");
                for (int d : it.shape) g.writeNumber(d);
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(it.begin);
                g.writeNumber(it.end);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot build the safetensors header: " + e, e);
        }
        int pad = (8 - bos.size() % 8) % 8;
        for (int i = 0; i < pad; i++) bos.write(' ');
        return new Plan(items, bos.toByteArray(), offset);
    }

    private static void write(WritableByteChannel ch, Plan plan) throws IOException {
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(plan.header.length);
        len.flip();
        writeFully(ch, len);
        writeFully(ch, ByteBuffer.wrap(plan.header));
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.max(8, Math.min(CHUNK_BYTES, plan.dataLength)))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (Item it : plan.items) writeData(ch, it.tensor, buf);
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Streams the elements of {@code t} in row-major order, little-endian, through {@code buf}. */
    private static void writeData(WritableByteChannel ch, Tensor t, ByteBuffer buf) throws IOException {
        int n = t.numel();
        if (n == 0) return;
        CpuStorage s;
        int off;
        if (t.storage() instanceof CpuStorage && t.isContiguous()) {
            s = (CpuStorage) t.storage();
            off = t.storageOffset();
        } else {
            s = t.backend().download(t); // a contiguous host copy
            off = 0;
        }
        int item = t.dtype().itemSize();
        int per = buf.capacity() / item;
        for (int pos = 0; pos < n; pos += per) {
            int k = Math.min(per, n - pos);
            buf.clear();
            switch (t.dtype()) {
                case FLOAT32: buf.asFloatBuffer().put(s.f, off + pos, k); break;
                case FLOAT64: buf.asDoubleBuffer().put(s.d, off + pos, k); break;
                case INT64: buf.asLongBuffer().put(s.l, off + pos, k); break;
                case BOOL: buf.put(s.b, off + pos, k).flip(); break;
                default: throw new IllegalArgumentException("dtype " + t.dtype() + " cannot be written to safetensors");
            }
            buf.position(0).limit(k * item);
            writeFully(ch, buf);
        }
    }

    /** serde_json's escaping: control characters without a short form as lowercase <code>&#92;u00xx</code>. */
    private static final class SerdeJsonEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] table;

        SerdeJsonEscapes() {
            table = CharacterEscapes.standardAsciiEscapesForJSON();
            for (int c = 0; c < 0x20; c++) {
                if (table[c] == CharacterEscapes.ESCAPE_STANDARD) table[c] = CharacterEscapes.ESCAPE_CUSTOM;
            }
        }

        @Override public int[] getEscapeCodesForAscii() { return table; }

        @Override public SerializableString getEscapeSequence(int ch) {
            return ch < 0x20 ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }

    // =====================================================================================================
    // reading

    /**
     * Reads every tensor and the metadata of a safetensors file, validating it completely (see the class comment).
     * Data is read sequentially in chunks of at most 1 MiB straight into each tensor's array.
     *
     * @return the tensors in header order and the metadata
     * @throws SafeTensorsFormatException when the file violates the format or uses an unsupported dtype (the message
     *     names the file and the problem)
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Contents load(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return read(ch, ch.size(), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + path + ": " + e, e);
        }
    }

    /** The tensors of a safetensors file, in header order ({@link #load(Path)} without the metadata). */
    public static Map<String, Tensor> loadTensors(Path path) {
        return load(path).tensors();
    }

    /**
     * Reads and validates only the header of a file (names, stored dtypes, shapes, offsets, metadata) without
     * loading tensor data.
     *
     * @throws SafeTensorsFormatException when the header is invalid
     * @throws UncheckedIOException when the file cannot be read
     */
    public static Header readHeader(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parseHeader(ch, ch.size(), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + path + ": " + e, e);
        }
    }

    /**
     * Reads a safetensors file from a stream of known length (e.g. a Hadoop {@code FSDataInputStream} with the
     * file status length). The stream is read to its end but not closed.
     *
     * @param size the number of bytes the stream holds; the checks of the class comment use it as the file size
     * @param source the name used in error messages
     * @throws SafeTensorsFormatException when the content is invalid, or the stream is shorter or longer than
     *     {@code size}
     * @throws UncheckedIOException when the stream fails
     */
    public static Contents read(InputStream in, long size, String source) {
        try {
            ReadableByteChannel ch = Channels.newChannel(in);
            Contents c = read(ch, size, source);
            if (in.read() != -1) throw new SafeTensorsFormatException(source, "the stream holds more than the declared " + size + " bytes");
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors data from " + source + ": " + e, e);
        }
    }

    /** Reads safetensors bytes held in memory; {@code source} names them in error messages. */
    public static Contents fromBytes(byte[] bytes, String source) {
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
                throw bad(source, METADATA_KEY + " value of key '" + e.getKey() + "' is not a string but " + e.getValue().getNodeType().toString().toLowerCase());
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
            throw bad(source, t + ": " + known + " dtype '" + dt.textValue() + "' (supported: F32, F64, I64, BOOL; F16 and BF16 are read as F32)");
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
                float[] a = new float[n];
                short[] tmp = new short[Math.min(per, Math.max(n, 1))];
                boolean half = info.kind == Kind.F16;
                for (int pos = 0; pos < n; pos += per) {
                    int k = Math.min(per, n - pos);
                    readFully(ch, buf, k * item, source);
                    ShortBuffer sb = buf.asShortBuffer();
                    sb.get(tmp, 0, k);
                    for (int i = 0; i < k; i++) a[pos + i] = half ? halfToFloat(tmp[i]) : bfloat16ToFloat(tmp[i]);
                }
                return new Tensor(CpuStorage.wrap(a), info.shape.clone());
            }
            default:
                throw new IllegalStateException("unhandled dtype " + info.kind);
        }
    }

    /**
     * IEEE 754 binary16 to float32, exactly: normals re-biased (15 to 127), subnormals as {@code m * 2^-24},
     * signed zeros, infinities, and NaN with its payload shifted into the float32 mantissa.
     */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        if (exp == 0) {
            float v = mant * 0x1p-24f; // exact: at most 10 significant bits
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** bfloat16 to float32, exactly: the 16 bits are the top half of a float32. */
    static float bfloat16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
