package org.sparkgrad.arrow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.dataset.source.DatasetFactory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.VectorUnloader;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Reads the record batches of one file, Parquet (through the Arrow dataset JNI, with column projection and a scan
 * batch size) or Arrow IPC (file: random access by record batch; stream: sequential). Batches live in the given
 * allocator and are valid until the next call; nothing is kept once read. Native and IPC errors become
 * {@link ArrowDataException}s naming the file and the row group being read.
 *
 * <p>Sequential reads ({@link #next()}: Parquet, IPC streams) decode one batch ahead on a scan-ahead thread, so
 * that native decoding overlaps the caller's conversion of the previous batch; batches are handed over without a
 * copy (their buffers change owner). At most two batches beyond the current one are held.
 */
final class ColumnarFileReader implements AutoCloseable {
    private final Path file;
    private final DataFormat format;
    private final Schema schema;
    private final ParquetFooter footer; // PARQUET only
    private final List<AutoCloseable> resources = new ArrayList<>();
    private ArrowReader reader;
    private List<ArrowBlock> blocks; // ARROW_FILE only
    private long nextRow; // file row of the next batch (sequential reads)
    private int lastBlock = -1;
    private int batchesRead; // sequential reads: index of the next batch
    // scan-ahead (sequential reads)
    private static final Object END = new Object();
    private java.util.concurrent.BlockingQueue<Object> ahead;
    private Thread aheadThread;
    private volatile boolean stopAhead;
    private VectorSchemaRoot own;

    private final BufferAllocator allocator;

    private ColumnarFileReader(Path file, DataFormat format, String[] columns, long batchRows,
            BufferAllocator allocator) {
        this.allocator = allocator;
        this.file = file;
        this.format = format;
        FixedShapeTensorType.ensureRegistered();
        try {
            switch (format) {
                case PARQUET: {
                    this.footer = ParquetFooter.read(file);
                    DatasetFactory df = new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(),
                            FileFormat.PARQUET, file.toAbsolutePath().toUri().toString());
                    resources.add(df);
                    this.schema = df.inspect();
                    if (columns != null) {
                        for (String c : columns) {
                            if (schema.getFields().stream().noneMatch(f -> f.getName().equals(c))) {
                                throw new ArrowDataException("missing column (the file has " + schema.getFields()
                                        .stream().map(f -> f.getName()).toList() + ")", file, c, -1, -1);
                            }
                        }
                    }
                    Dataset ds = df.finish();
                    resources.add(ds);
                    ScanOptions opts = new ScanOptions(batchRows, Optional.ofNullable(columns));
                    Scanner sc = ds.newScan(opts);
                    resources.add(sc);
                    this.reader = sc.scanBatches();
                    break;
                }
                case ARROW_FILE: {
                    this.footer = null;
                    SeekableByteChannel ch = Files.newByteChannel(file);
                    ArrowFileReader r = new ArrowFileReader(ch, allocator);
                    this.reader = r;
                    this.schema = r.getVectorSchemaRoot().getSchema();
                    this.blocks = r.getRecordBlocks();
                    break;
                }
                case ARROW_STREAM: {
                    this.footer = null;
                    ArrowStreamReader r = new ArrowStreamReader(new CheckedMessageReader(
                            new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16), allocator), allocator);
                    this.reader = r;
                    this.schema = r.getVectorSchemaRoot().getSchema();
                    break;
                }
                default:
                    throw new IllegalStateException();
            }
        } catch (ArrowDataException e) {
            closeQuietly();
            throw e;
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw new ArrowDataException("cannot open " + format + " file: " + e.getMessage(), file, null, -1, -1, e);
        }
    }

    /**
     * Opens a file.
     *
     * @param columns the columns to read (Parquet projection), or {@code null} for all
     * @param batchRows the Parquet scan batch size in rows (IPC batches are as written)
     */
    static ColumnarFileReader open(Path file, DataFormat format, String[] columns, long batchRows,
            BufferAllocator allocator) {
        return new ColumnarFileReader(file, format, columns, batchRows, allocator);
    }

    Path file() {
        return file;
    }

    DataFormat format() {
        return format;
    }

    /** The file's schema, with its custom (Parquet key/value) metadata. */
    Schema schema() {
        return schema;
    }

    /** The footer (Parquet only, else {@code null}). */
    ParquetFooter footer() {
        return footer;
    }

    /** Number of record batches of an IPC file; -1 otherwise. */
    int recordBatchCount() {
        return blocks == null ? -1 : blocks.size();
    }

    /**
     * The row count of each record batch of an IPC file, read from the batches' metadata only (no body is read), so
     * that rows can be numbered within the file. The metadata is checked the way Arrow reads it (message, nodes,
     * buffers inside the body): Arrow Java leaks the batch's buffer when its metadata is corrupt, so a corrupt batch
     * is reported here, before Arrow allocates anything for it.
     *
     * @throws ArrowDataException naming the record batch if its metadata is missing or corrupt
     */
    long[] recordBatchRows() {
        if (blocks == null) {
            throw new IllegalStateException("record batch rows need an Arrow IPC file");
        }
        long[] rows = new long[blocks.size()];
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            for (int b = 0; b < rows.length; b++) {
                ArrowBlock blk = blocks.get(b);
                int metaLen = blk.getMetadataLength();
                try {
                    if (blk.getOffset() < 0 || metaLen < 8 || blk.getBodyLength() < 0
                            || blk.getOffset() + metaLen + blk.getBodyLength() > size) {
                        throw new IllegalArgumentException("record batch block [offset " + blk.getOffset()
                                + ", metadata " + metaLen + ", body " + blk.getBodyLength() + "] outside the file of "
                                + size + " bytes");
                    }
                    java.nio.ByteBuffer meta = java.nio.ByteBuffer.allocate(metaLen)
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    while (meta.hasRemaining()) {
                        if (ch.read(meta, blk.getOffset() + meta.position()) < 0) {
                            throw new IOException("unexpected end of file");
                        }
                    }
                    int prefix = meta.getInt(0) == -1 ? 8 : 4;
                    java.nio.ByteBuffer fb = meta.position(prefix).slice().order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .asReadOnlyBuffer();
                    org.apache.arrow.flatbuf.Message m = org.apache.arrow.flatbuf.Message.getRootAsMessage(fb);
                    rows[b] = checkRecordBatch(m, blk.getBodyLength());
                } catch (IOException | RuntimeException e) {
                    throw new ArrowDataException("corrupt record batch metadata: " + e, file, null, -1, b, e);
                }
            }
        } catch (IOException e) {
            throw new ArrowDataException("cannot read record batch metadata: " + e.getMessage(), file, null, -1, -1, e);
        }
        return rows;
    }

    /**
     * Checks a record batch message the way Arrow reads it (header type, field nodes, buffers inside a body of
     * {@code bodyLength} bytes, variadic counts, compression) and returns its row count.
     *
     * @throws IllegalArgumentException (or the flatbuffer's own RuntimeException) if the metadata is corrupt
     */
    static long checkRecordBatch(org.apache.arrow.flatbuf.Message m, long bodyLength) {
        if (m.headerType() != org.apache.arrow.flatbuf.MessageHeader.RecordBatch) {
            throw new IllegalArgumentException("not a record batch message (header type " + m.headerType() + ")");
        }
        return checkRecordBatch((org.apache.arrow.flatbuf.RecordBatch) m.header(new org.apache.arrow.flatbuf.RecordBatch()),
                bodyLength);
    }

    private static long checkRecordBatch(org.apache.arrow.flatbuf.RecordBatch rb, long bodyLength) {
        if (rb == null || rb.length() < 0 || rb.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("bad record batch header");
        }
        for (int i = 0; i < rb.nodesLength(); i++) {
            org.apache.arrow.flatbuf.FieldNode n = rb.nodes(i);
            if (n.length() < 0 || n.length() > Integer.MAX_VALUE || n.nullCount() < 0 || n.nullCount() > n.length()) {
                throw new IllegalArgumentException("bad field node " + i);
            }
        }
        for (int i = 0; i < rb.buffersLength(); i++) {
            org.apache.arrow.flatbuf.Buffer buf = rb.buffers(i);
            if (buf.offset() < 0 || buf.length() < 0 || buf.offset() + buf.length() > bodyLength) {
                throw new IllegalArgumentException("buffer " + i + " outside the body");
            }
        }
        for (int i = 0; i < rb.variadicBufferCountsLength(); i++) {
            rb.variadicBufferCounts(i);
        }
        if (rb.compression() != null) {
            rb.compression().codec();
        }
        return rb.length();
    }

    /**
     * An IPC stream message reader that checks each record (or dictionary) batch's metadata against its body before
     * Arrow deserializes it, and refuses messages of any other type after the first (the schema): Arrow Java's stream reader keeps (leaks) the message body when the metadata does not parse, so
     * a corrupt batch is refused here and its body released.
     */
    private static final class CheckedMessageReader extends org.apache.arrow.vector.ipc.message.MessageChannelReader {
        private long messages;

        CheckedMessageReader(java.io.InputStream in, BufferAllocator allocator) {
            super(new org.apache.arrow.vector.ipc.ReadChannel(java.nio.channels.Channels.newChannel(in)), allocator);
        }

        @Override
        public org.apache.arrow.vector.ipc.message.MessageResult readNext() throws IOException {
            org.apache.arrow.vector.ipc.message.MessageResult r = super.readNext();
            if (r != null) {
                org.apache.arrow.memory.ArrowBuf body = r.getBodyBuffer();
                org.apache.arrow.flatbuf.Message m = r.getMessage();
                try {
                    byte type = m.headerType();
                    if (type == org.apache.arrow.flatbuf.MessageHeader.DictionaryBatch) {
                        org.apache.arrow.flatbuf.DictionaryBatch db = (org.apache.arrow.flatbuf.DictionaryBatch) m
                                .header(new org.apache.arrow.flatbuf.DictionaryBatch());
                        if (db == null) {
                            throw new IllegalArgumentException("bad dictionary batch header");
                        }
                        checkRecordBatch(db.data(), m.bodyLength());
                    } else if (type != org.apache.arrow.flatbuf.MessageHeader.Schema || messages > 0) {
                        checkRecordBatch(m, m.bodyLength());
                    }
                    messages++;
                } catch (RuntimeException e) {
                    if (body != null) {
                        body.close();
                    }
                    throw new IOException("corrupt record batch metadata: " + e, e);
                }
            }
            return r;
        }
    }

    /** Row of the file at which the batch last loaded by {@link #next()} starts. */
    long batchFirstRow() {
        return nextRow - rootRows();
    }

    private int rootRows() {
        try {
            return own != null ? own.getRowCount() : reader.getVectorSchemaRoot().getRowCount();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The row group (Parquet) holding a file row; for IPC the record batch being read; -1 if none. */
    int rowGroupOf(long row) {
        if (footer == null) {
            return blocks != null && lastBlock >= 0 ? lastBlock : batchesRead;
        }
        for (ParquetFooter.RowGroup rg : footer.rowGroups()) {
            if (row >= rg.firstRow() && row < rg.firstRow() + rg.numRows()) {
                return rg.index();
            }
        }
        return -1;
    }

    /**
     * Starts decoding now, on the scan-ahead thread, for a file that will be read sequentially later (at most two
     * batches beyond the first are decoded before {@link #next()} takes them). No-op for IPC files or if started.
     */
    void startScan() {
        if (ahead == null && blocks == null) {
            startAhead();
        }
    }

    /** Loads the next batch in file order; false at the end. */
    boolean next() {
        if (ahead == null) {
            startAhead();
        }
        Object o;
        try {
            o = ahead.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + file, e);
        }
        if (o == END) {
            ahead.offer(END); // stay at the end
            return false;
        }
        if (o instanceof Throwable t) {
            ahead.offer(o);
            if (t instanceof ArrowDataException ade) {
                throw ade;
            }
            throw new ArrowDataException("cannot read batch: " + t.getMessage(), file, null, nextRow,
                    rowGroupOf(nextRow), t);
        }
        try (ArrowRecordBatch batch = (ArrowRecordBatch) o) {
            new VectorLoader(own).load(batch);
        }
        nextRow += own.getRowCount();
        batchesRead++;
        return true;
    }

    private void startAhead() {
        ahead = new java.util.concurrent.ArrayBlockingQueue<>(2);
        VectorSchemaRoot src;
        try {
            src = reader.getVectorSchemaRoot();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        own = VectorSchemaRoot.create(src.getSchema(), allocator);
        aheadThread = new Thread(() -> {
            Object last = END;
            try {
                while (!stopAhead && reader.loadNextBatch()) {
                    ArrowRecordBatch b = new VectorUnloader(reader.getVectorSchemaRoot()).getRecordBatch();
                    if (!offer(b)) {
                        b.close();
                        return;
                    }
                }
            } catch (Throwable t) {
                last = t;
            }
            offer(last);
        }, "sparkgrad-scan-ahead");
        aheadThread.setDaemon(true);
        aheadThread.start();
    }

    private boolean offer(Object o) {
        try {
            while (!stopAhead) {
                if (ahead.offer(o, 50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    return true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private void stopAhead() {
        if (aheadThread == null) {
            return;
        }
        stopAhead = true;
        boolean interrupted = false;
        while (aheadThread.isAlive()) {
            drainAhead();
            try {
                aheadThread.join(100);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        drainAhead();
        aheadThread = null;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void drainAhead() {
        Object o;
        while ((o = ahead.poll()) != null) {
            if (o instanceof ArrowRecordBatch b) {
                b.close();
            }
        }
    }

    /** Loads record batch {@code index} of an IPC file (random access). */
    void load(int index) {
        if (blocks == null) {
            throw new IllegalStateException("random access needs an Arrow IPC file");
        }
        try {
            lastBlock = index;
            if (!((ArrowFileReader) reader).loadRecordBatch(blocks.get(index))) {
                throw new ArrowDataException("record batch missing", file, null, -1, index);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ArrowDataException ade) {
                throw ade;
            }
            throw new ArrowDataException("cannot read record batch: " + e.getMessage(), file, null, -1, index, e);
        }
    }

    /** The current batch. */
    VectorSchemaRoot root() {
        if (own != null) {
            return own;
        }
        try {
            return reader.getVectorSchemaRoot();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException ignored) {
            // already failing
        }
    }

    @Override
    public void close() {
        stopAhead();
        if (own != null) {
            own.close();
            own = null;
        }
        try {
            List<AutoCloseable> all = new ArrayList<>();
            if (reader != null) {
                all.add(reader);
            }
            for (int i = resources.size() - 1; i >= 0; i--) {
                all.add(resources.get(i));
            }
            AutoCloseables.close(all);
            reader = null;
            resources.clear();
        } catch (Exception e) {
            throw new IllegalStateException("cannot close the reader of " + file, e);
        }
    }
}
