package org.sparkgrad.arrow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.DType;

/**
 * A dataset folder in the raw form of {@code shared/data/*}: a {@code meta.json} whose {@code files} object (and,
 * for multi-run sets, {@code runs[].files}) names arrays stored as headerless little-endian C-order files
 * ({@code .f32} float32, {@code .i32} int32, {@code .u8} uint8; also float16, float64, int8, int16, uint16, uint32,
 * int64 and bool by their numpy names), each with its {@code dtype} and {@code shape}.
 *
 * <p>Arrays are read in slices (positional reads), never as a whole, and {@link #toParquet} converts them to a
 * Parquet file with shape metadata, streaming.
 */
public final class RawDataset {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One raw array.
     *
     * @param name its key in {@code meta.json} ({@code run/key} for arrays of {@code runs[]})
     * @param file the data file
     * @param dtype a numpy dtype name: {@code float32}, {@code int32}, {@code uint8}, or one of the others in the
     *              class comment
     * @param shape its shape, C order
     */
    public record Array(String name, Path file, String dtype, int[] shape) {
        /** Elements. */
        public long numel() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }

        /** Bytes per element. */
        public int itemSize() {
            return itemSize(dtype);
        }

        static int itemSize(String dtype) {
            switch (dtype) {
                case "float64":
                case "int64":
                    return 8;
                case "float32":
                case "int32":
                case "uint32":
                    return 4;
                case "float16":
                case "int16":
                case "uint16":
                    return 2;
                case "uint8":
                case "int8":
                case "bool":
                    return 1;
                default:
                    throw new IllegalArgumentException("unsupported raw dtype " + dtype + " (supported: " + SUPPORTED + ")");
            }
        }

        /** Elements per row (product of all dimensions but the first). */
        public int rowSize() {
            return TensorColumn.numel(Arrays.copyOfRange(shape, 1, shape.length));
        }

        /** Is this integer (or bool) data rather than float16/float32/float64? */
        public boolean isInteger() {
            return !dtype.startsWith("float");
        }

        /** Reads elements {@code [from, from+n)} as floats (integers converted exactly). */
        public float[] readFloats(long from, int n) {
            float[] out = new float[n];
            decodeFloats(readBytes(from, n), dtype, n, out, 0);
            return out;
        }

        /** Reads elements {@code [from, from+n)} as longs (integer arrays only). */
        public long[] readLongs(long from, int n) {
            if (!isInteger()) {
                throw new IllegalArgumentException(name + " is " + dtype + ", not an integer array");
            }
            long[] out = new long[n];
            ByteBuffer b = readBytes(from, n);
            IntegerReader r = integerReader(dtype);
            for (int i = 0; i < n; i++) {
                out[i] = r.at(b, i);
            }
            return out;
        }

        private ByteBuffer readBytes(long from, int n) {
            if (from < 0 || n < 0 || from + n > numel()) {
                throw new IndexOutOfBoundsException("elements [" + from + ", " + (from + n) + ") of " + numel());
            }
            ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(n, itemSize())).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long pos = from * itemSize();
                while (b.hasRemaining()) {
                    int r = ch.read(b, pos + b.position());
                    if (r < 0) {
                        throw new ArrowDataException("raw file ends early", file, name, -1, -1);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
            return b.flip();
        }

        /** Opens a channel for many slice reads ({@link Slicer}). */
        public Slicer slicer() {
            return new Slicer(this);
        }
    }

    /** Repeated float slice reads from one raw array over one open file channel. */
    public static final class Slicer implements AutoCloseable {
        private final Array array;
        private final FileChannel ch;
        private ByteBuffer buf = ByteBuffer.allocate(0);

        private Slicer(Array a) {
            this.array = a;
            try {
                this.ch = FileChannel.open(a.file(), StandardOpenOption.READ);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open " + a.file(), e);
            }
        }

        /** Reads elements {@code [from, from+n)} into {@code dst[off..off+n)} as floats. */
        public void read(long from, int n, float[] dst, int off) {
            int isz = array.itemSize();
            if (buf.capacity() < n * isz) {
                buf = ByteBuffer.allocate(n * isz).order(ByteOrder.LITTLE_ENDIAN);
            }
            buf.clear().limit(n * isz);
            try {
                long pos = from * isz;
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + buf.position()) < 0) {
                        throw new ArrowDataException("raw file ends early", array.file(), array.name(), -1, -1);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + array.file(), e);
            }
            buf.flip();
            decodeFloats(buf, array.dtype(), n, dst, off);
        }

        @Override
        public void close() {
            try {
                ch.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The raw dtypes understood, as numpy names them. */
    static final String SUPPORTED = "float16, float32, float64, int8, uint8, int16, uint16, int32, uint32, int64, bool";

    /**
     * Decodes {@code n} little-endian elements of {@code dtype} from {@code b} as floats into {@code dst[off..]}:
     * float16 and integers up to 24 bits exactly, float64, 32- and 64-bit integers rounded to the nearest float.
     */
    static void decodeFloats(ByteBuffer b, String dtype, int n, float[] dst, int off) {
        switch (dtype) {
            case "float32":
                b.asFloatBuffer().get(dst, off, n);
                return;
            case "float64":
                for (int i = 0; i < n; i++) {
                    dst[off + i] = (float) b.getDouble(i * 8);
                }
                return;
            case "float16":
                for (int i = 0; i < n; i++) {
                    dst[off + i] = org.sparkgrad.tensor.HalfFloat.halfToFloat(b.getShort(i * 2));
                }
                return;
            default:
                IntegerReader r = integerReader(dtype);
                for (int i = 0; i < n; i++) {
                    dst[off + i] = r.at(b, i);
                }
        }
    }

    /** Reads element {@code i} of one integer (or bool) dtype from a little-endian buffer. */
    @FunctionalInterface
    interface IntegerReader {
        long at(ByteBuffer b, int i);
    }

    /** The reader of an integer (or bool) dtype, chosen once per slice rather than per element. */
    static IntegerReader integerReader(String dtype) {
        switch (dtype) {
            case "int64":
                return (b, i) -> b.getLong(i * 8);
            case "int32":
                return (b, i) -> b.getInt(i * 4);
            case "uint32":
                return (b, i) -> b.getInt(i * 4) & 0xFFFFFFFFL;
            case "int16":
                return (b, i) -> b.getShort(i * 2);
            case "uint16":
                return (b, i) -> b.getShort(i * 2) & 0xFFFF;
            case "int8":
                return (b, i) -> b.get(i);
            case "uint8":
            case "bool":
                return (b, i) -> b.get(i) & 0xFF;
            default:
                throw new IllegalArgumentException("not an integer dtype: " + dtype);
        }
    }

    private final Path dir;
    private final JsonNode meta;
    private final Map<String, Array> arrays;

    private RawDataset(Path dir, JsonNode meta, Map<String, Array> arrays) {
        this.dir = dir;
        this.meta = meta;
        this.arrays = Collections.unmodifiableMap(arrays);
    }

    /**
     * Reads {@code dir/meta.json} and checks every array file: it exists, is little-endian C order, and has exactly
     * {@code numel * itemSize} bytes.
     *
     * @throws ArrowDataException naming the file for a missing or wrongly sized array file or a bad meta.json
     */
    public static RawDataset open(Path dir) {
        Path m = dir.resolve("meta.json");
        JsonNode meta;
        try {
            meta = JSON.readTree(m.toFile());
        } catch (IOException e) {
            throw new ArrowDataException("cannot read meta.json: " + e.getMessage(), m, null, -1, -1, e);
        }
        Map<String, Array> arrays = new LinkedHashMap<>();
        addFiles(dir, m, meta.path("files"), "", arrays);
        for (JsonNode run : meta.path("runs")) {
            addFiles(dir, m, run.path("files"), run.path("run").asText() + "/", arrays);
        }
        if (arrays.isEmpty()) {
            throw new ArrowDataException("meta.json lists no array files", m, null, -1, -1);
        }
        return new RawDataset(dir, meta, arrays);
    }

    private static void addFiles(Path dir, Path m, JsonNode files, String prefix, Map<String, Array> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = files.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode f = e.getValue();
            String name = prefix + e.getKey();
            if (!f.has("dtype") || !f.has("shape") || !f.has("file")) {
                continue; // text files and the like
            }
            if (!"little".equals(f.path("byte_order").asText("little")) || !"C".equals(f.path("order").asText("C"))) {
                throw new ArrowDataException("only little-endian C-order arrays are supported", m, name, -1, -1);
            }
            int[] shape = FixedShapeTensorType.ints(f.get("shape"));
            Path file = dir.resolve(f.get("file").asText());
            Array a;
            try {
                a = new Array(name, file, f.get("dtype").asText(), shape);
                a.itemSize();
            } catch (IllegalArgumentException ex) {
                throw new ArrowDataException(ex.getMessage(), m, name, -1, -1, ex);
            }
            long want = a.numel() * a.itemSize();
            long have;
            try {
                have = Files.size(file);
            } catch (IOException ex) {
                throw new ArrowDataException("array file missing", file, name, -1, -1, ex);
            }
            if (have != want) {
                throw new ArrowDataException("raw file has " + have + " bytes but shape " + Arrays.toString(shape) + " "
                        + a.dtype() + " needs " + want + (have < want ? " (truncated)" : ""), file, name, -1, -1);
            }
            out.put(name, a);
        }
    }

    public Path dir() {
        return dir;
    }

    /** The parsed {@code meta.json}. */
    public JsonNode meta() {
        return meta;
    }

    /** The arrays by name, in meta.json order. */
    public Map<String, Array> arrays() {
        return arrays;
    }

    /**
     * One array.
     *
     * @throws IllegalArgumentException if there is none of that name
     */
    public Array array(String name) {
        Array a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no array " + name + " in " + dir + " (has " + arrays.keySet() + ")");
        }
        return a;
    }

    /**
     * How to convert one array into a column: the array's first dimension is the row; {@code sampleShape}
     * ({@code null}: the array's other dimensions) must have as many elements; {@code divisor} divides float
     * output (1 = none; e.g. 255 for uint8 images to [0,1]). Integer arrays with one dimension become int64 label columns unless {@code asFloat}.
     */
    public record ColumnSpec(String array, String column, int[] sampleShape, double divisor, boolean asFloat) {
        public static ColumnSpec of(String array) {
            return new ColumnSpec(array, array, null, 1.0, false);
        }
    }

    /**
     * Converts arrays sharing their first dimension (rows) into one Parquet (or Arrow IPC, by extension) file,
     * {@code rowGroupRows} rows at a time (0: the writer's default). Float and uint8 arrays of ≥ 2 dimensions become {@code list<float32>}
     * tensor columns with their sample shape in the metadata; 1-D integer arrays int64 scalars; 1-D float arrays
     * float32 scalars.
     *
     * @return rows written
     * @throws IllegalArgumentException if the arrays disagree on rows or a sample shape does not fit
     */
    public long toParquet(Path out, List<ColumnSpec> specs, int rowGroupRows) {
        if (specs.isEmpty()) {
            throw new IllegalArgumentException("no columns to convert");
        }
        long rows = -1;
        TensorWriter.Builder wb = TensorWriter.builder(out).metadata("sparkgrad.source", dir.toAbsolutePath().toString());
        if (rowGroupRows > 0) {
            wb.rowGroupRows(rowGroupRows);
        }
        List<Array> as = new ArrayList<>();
        List<Boolean> asLong = new ArrayList<>();
        for (ColumnSpec s : specs) {
            Array a = array(s.array());
            if (rows >= 0 && a.shape()[0] != rows) {
                throw new IllegalArgumentException("array " + a.name() + " has " + a.shape()[0] + " rows, others " + rows);
            }
            rows = a.shape()[0];
            int[] sample = s.sampleShape() != null ? s.sampleShape() : Arrays.copyOfRange(a.shape(), 1, a.shape().length);
            if (TensorColumn.numel(sample) != a.rowSize()) {
                throw new IllegalArgumentException("sample shape " + Arrays.toString(sample) + " does not fit rows of "
                        + a.rowSize() + " elements of " + a.name());
            }
            boolean longs = a.isInteger() && sample.length == 0 && !s.asFloat() && s.divisor() == 1.0;
            asLong.add(longs);
            as.add(a);
            wb.column(s.column(), longs ? DType.INT64 : DType.FLOAT32, sample);
        }
        try (TensorWriter w = wb.build()) {
            int step = w.rowGroupRows();
            for (long r = 0; r < rows; r += step) {
                int n = (int) Math.min(step, rows - r);
                Object[] cols = new Object[as.size()];
                for (int i = 0; i < as.size(); i++) {
                    Array a = as.get(i);
                    int rs = a.rowSize();
                    if (asLong.get(i)) {
                        cols[i] = a.readLongs(r * rs, n * rs);
                    } else {
                        float[] f = a.readFloats(r * rs, n * rs);
                        double dv = specs.get(i).divisor();
                        if (dv != 1.0) {
                            for (int k = 0; k < f.length; k++) {
                                f[k] = (float) (f[k] / dv);
                            }
                        }
                        cols[i] = f;
                    }
                }
                w.writeArrays(cols, 0, n);
            }
        }
        return rows;
    }
}
