package org.sparkgrad.arrow;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.arrow.ThriftCompact.Struct;
import org.sparkgrad.arrow.ThriftCompact.TList;
import org.sparkgrad.arrow.ThriftCompact.Value;

/**
 * The footer of one Parquet file, read without decoding any data: row count, row groups (rows, first row, byte
 * sizes), the key/value metadata and the writer. It is also the integrity check done before a file is scanned: a
 * missing {@code PAR1} magic, a footer length that does not fit, an unparsable footer, or a column chunk that
 * reaches past the data region each give an {@link ArrowDataException} naming the file (and the row group and
 * column where one is at fault).
 *
 * <p>The Arrow dataset JNI (18.3) does not expose row groups nor write key/value metadata, so this class is also
 * how {@link TensorWriter} adds the {@code sparkgrad.shape.<column>} keys to a Parquet file it has written
 * ({@link #putKeyValueMetadata(Path, Map)}).
 *
 * <p>Format: https://github.com/apache/parquet-format (FileMetaData field 3 num_rows, 4 row_groups, 5
 * key_value_metadata, 6 created_by; RowGroup field 1 columns, 2 total_byte_size, 3 num_rows).
 */
public final class ParquetFooter {
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    /** One row group: its index, rows, first row within the file, uncompressed and compressed byte sizes. */
    public record RowGroup(int index, long numRows, long firstRow, long totalByteSize, long compressedSize) {}

    private final Path file;
    private final long numRows;
    private final List<RowGroup> rowGroups;
    private final Map<String, String> keyValueMetadata;
    private final String createdBy;
    private final long footerStart;
    private final Struct raw;

    private ParquetFooter(Path file, Struct raw, long footerStart) {
        this.file = file;
        this.raw = raw;
        this.footerStart = footerStart;
        this.numRows = raw.i64(3, -1);
        List<RowGroup> rgs = new ArrayList<>();
        long first = 0;
        long sum = 0;
        for (Object o : raw.list(4)) {
            Struct rg = (Struct) o;
            long n = rg.i64(3, -1);
            long compressed = 0;
            int idx = rgs.size();
            for (Object c : rg.list(1)) {
                Struct chunk = (Struct) c;
                Struct md = chunk.struct(3);
                if (md == null) {
                    continue;
                }
                String col = columnPath(md);
                long size = md.i64(7, -1);
                long data = md.i64(9, -1);
                long dict = md.i64(11, -1);
                long start = dict > 0 && dict < data ? dict : data;
                if (n < 0 || size < 0 || start < MAGIC.length || start + size > footerStart) {
                    throw new ArrowDataException(
                            "corrupt Parquet footer: column chunk at bytes [" + start + ", " + (start + size)
                                    + ") lies outside the data region [4, " + footerStart + ")",
                            file, col, -1, idx);
                }
                compressed += size;
            }
            rgs.add(new RowGroup(idx, n, first, rg.i64(2, 0), compressed));
            first += n;
            sum += n;
        }
        if (numRows >= 0 && sum != numRows) {
            throw new ArrowDataException(
                    "corrupt Parquet footer: row groups hold " + sum + " rows but the file declares " + numRows,
                    file, null, -1, -1);
        }
        this.rowGroups = Collections.unmodifiableList(rgs);
        Map<String, String> kv = new LinkedHashMap<>();
        for (Object o : raw.list(5)) {
            Struct e = (Struct) o;
            kv.put(e.string(1), e.string(2));
        }
        this.keyValueMetadata = Collections.unmodifiableMap(kv);
        this.createdBy = raw.string(6);
    }

    private static String columnPath(Struct columnMetaData) {
        List<String> parts = new ArrayList<>();
        for (Object o : columnMetaData.list(3)) {
            parts.add(new String((byte[]) o, StandardCharsets.UTF_8));
        }
        return String.join(".", parts);
    }

    /**
     * Reads and checks the footer of a Parquet file.
     *
     * @throws ArrowDataException if the file is not Parquet, is truncated, or its footer is corrupt
     * @throws java.io.UncheckedIOException if the file cannot be read at all
     */
    public static ParquetFooter read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 12) {
                throw new ArrowDataException("not a Parquet file or truncated: only " + size + " bytes", file, null, -1, -1);
            }
            byte[] head = readFully(ch, 0, 4);
            ByteBuffer tail = ByteBuffer.wrap(readFully(ch, size - 8, 8)).order(ByteOrder.LITTLE_ENDIAN);
            int len = tail.getInt(0);
            boolean tailMagic = tail.get(4) == MAGIC[0] && tail.get(5) == MAGIC[1] && tail.get(6) == MAGIC[2] && tail.get(7) == MAGIC[3];
            if (!java.util.Arrays.equals(head, MAGIC)) {
                throw new ArrowDataException("not a Parquet file: no PAR1 magic at the start", file, null, -1, -1);
            }
            if (!tailMagic) {
                throw new ArrowDataException(
                        "truncated or corrupt Parquet file: no PAR1 magic at the end (" + size + " bytes)", file, null, -1, -1);
            }
            long footerStart = size - 8 - (len & 0xFFFFFFFFL);
            if (len <= 0 || footerStart < 4) {
                throw new ArrowDataException(
                        "corrupt Parquet file: footer length " + len + " does not fit in " + size + " bytes", file, null, -1, -1);
            }
            byte[] footer = readFully(ch, footerStart, len);
            Struct s;
            try {
                s = new ThriftCompact.Reader(footer).readStruct();
            } catch (ThriftCompact.FormatException | RuntimeException e) {
                throw new ArrowDataException("corrupt Parquet footer: " + e.getMessage(), file, null, -1, -1, e);
            }
            return new ParquetFooter(file, s, footerStart);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file, e);
        }
    }

    private static byte[] readFully(FileChannel ch, long pos, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return b.array();
    }

    /**
     * Adds (or replaces) key/value metadata entries in the footer of a Parquet file, in place: the file is cut at
     * the footer and the new footer appended. Data pages are not touched. Only use this on a file nobody else reads
     * yet (the writer does it on its temporary file before the atomic rename).
     */
    public static void putKeyValueMetadata(Path file, Map<String, String> entries) {
        ParquetFooter f = read(file);
        Struct raw = f.raw;
        List<Object> kvs = new ArrayList<>();
        Map<String, String> merged = new LinkedHashMap<>(f.keyValueMetadata);
        merged.putAll(entries);
        for (Map.Entry<String, String> e : merged.entrySet()) {
            Struct kv = new Struct();
            kv.put((short) 1, new Value(ThriftCompact.BINARY, e.getKey().getBytes(StandardCharsets.UTF_8)));
            kv.put((short) 2, new Value(ThriftCompact.BINARY, e.getValue().getBytes(StandardCharsets.UTF_8)));
            kvs.add(kv);
        }
        // field 5 must stay between fields 4 and 6 on the wire: rebuild the map in field-id order
        Struct out = new Struct();
        raw.put((short) 5, new Value(ThriftCompact.LIST, new TList(ThriftCompact.STRUCT, kvs)));
        raw.keySet().stream().sorted().forEach(k -> out.put(k, raw.get(k)));
        ThriftCompact.Writer w = new ThriftCompact.Writer();
        w.writeStruct(out);
        byte[] footer = w.toByteArray();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ch.truncate(f.footerStart);
            ByteBuffer b = ByteBuffer.allocate(footer.length + 8).order(ByteOrder.LITTLE_ENDIAN);
            b.put(footer).putInt(footer.length).put(MAGIC).flip();
            long pos = f.footerStart;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot rewrite the footer of " + file, e);
        }
    }

    /** Serialises the footer again (used by tests to prove the reader/writer pair is lossless). */
    byte[] reserialize() {
        ThriftCompact.Writer w = new ThriftCompact.Writer();
        w.writeStruct(raw);
        return w.toByteArray();
    }

    long footerStart() {
        return footerStart;
    }

    public Path file() {
        return file;
    }

    /** Rows in the file. */
    public long numRows() {
        return numRows;
    }

    /** Row groups, in file order. */
    public List<RowGroup> rowGroups() {
        return rowGroups;
    }

    /** The file's key/value metadata (for example Spark's {@code org.apache.spark.sql.parquet.row.metadata}). */
    public Map<String, String> keyValueMetadata() {
        return keyValueMetadata;
    }

    /** The writer's {@code created_by} string, or {@code null}. */
    public String createdBy() {
        return createdBy;
    }
}
