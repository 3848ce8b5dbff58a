package org.sparkgrad.io;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

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
 * The writer produces the bytes of the reference implementation (the Rust {@code safetensors::tensor::serialize}
 * that the Python package's {@code save_file} calls): tensors are laid out sorted by descending dtype alignment (I64, F64, F32, BOOL), ties
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
 * the problem; I/O failures throw {@link UncheckedIOException}. F16 and BF16 tensors are read and written as
 * {@link DType#FLOAT16} and {@link DType#BFLOAT16} tensors, bit for bit. Other safetensors dtypes (I8, U8, I16, I32, U32, U64, F8 variants, ...) are refused.
 * Unknown fields inside a tensor entry are ignored, as the reference does.
 *
 * <p>Sources: the safetensors README ("Format" and "Notes") and the reference reader/writer
 * {@code safetensors/src/tensor.rs} (header limit, alignment padding, ordering, validation rules).
 */
public final class SafeTensors {
    /** The largest header accepted, in bytes (the reference's {@code MAX_HEADER_SIZE}). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The reserved header key of the string-to-string metadata map. */
    public static final String METADATA_KEY = "__metadata__";

    static final int CHUNK_BYTES = 1 << 20;

    private SafeTensors() {}

    /** The element types that can appear in a file we read. */
    enum Kind {
        BOOL("BOOL", 1, DType.BOOL, 0),
        F16("F16", 2, DType.FLOAT16, 7),
        BF16("BF16", 2, DType.BFLOAT16, 8),
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
                case FLOAT16: return F16;
                case BFLOAT16: return BF16;
                default: throw new IllegalArgumentException("dtype " + d + " cannot be written to safetensors");
            }
        }
    }

    // =====================================================================================================
    // public model of a header

    /** One tensor entry of a header: name, stored dtype, shape and byte range in the data area. */
    public static final class TensorInfo {
        final String name;
        final Kind kind;
        final int[] shape;
        final long begin;
        final long end;

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

        /** The dtype of the tensor as loaded (F16 as float16, BF16 as bfloat16). */
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
    // writing (SafeTensorsWriter) and reading (SafeTensorsReader)

    /** {@link #save(Path, Map, Map)} without metadata. */
    public static void save(Path path, Map<String, Tensor> tensors) {
        SafeTensorsWriter.save(path, tensors, null);
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
        SafeTensorsWriter.save(path, tensors, metadata);
    }

    /**
     * Writes the safetensors bytes of {@code tensors} and {@code metadata} to {@code out} (not atomic, not closed;
     * for streams such as a Hadoop {@code FSDataOutputStream}). Same bytes and exceptions as
     * {@link #save(Path, Map, Map)}, with I/O failures as {@link UncheckedIOException}.
     */
    public static void write(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata) {
        SafeTensorsWriter.write(out, tensors, metadata);
    }

    /** The safetensors bytes of {@code tensors} and {@code metadata} in memory (for small maps and tests). */
    public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
        return SafeTensorsWriter.toBytes(tensors, metadata);
    }

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
        return SafeTensorsReader.load(path);
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
        return SafeTensorsReader.readHeader(path);
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
        return SafeTensorsReader.read(in, size, source);
    }

    /** Reads safetensors bytes held in memory; {@code source} names them in error messages. */
    public static Contents fromBytes(byte[] bytes, String source) {
        return SafeTensorsReader.fromBytes(bytes, source);
    }
}
