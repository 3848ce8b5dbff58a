package org.sparkgrad.arrow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.DatasetFileWriter;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * Writes tensors (and scalar label columns) to one Parquet or Arrow IPC file, streaming: rows are appended with
 * {@link #write} and grouped into row groups (Parquet) / record batches (IPC) of {@code rowGroupRows} rows. Memory
 * is bounded by a few row groups: the one being filled, and for Parquet up to two queued for the writer thread plus
 * the one it is encoding.
 *
 * <p>Each column is declared with its dtype and per-sample shape. A tensor column is written as {@code list<T>}
 * (default; what Spark reads as {@code array<float>}), {@code fixed_size_list<T>} or
 * {@code arrow.fixed_shape_tensor} (IPC only keeps the last two; Parquet stores every one as a list). The shape is
 * written into the field metadata ({@value TensorColumn#SHAPE_KEY}) and into the file's key/value metadata
 * ({@value TensorColumn#SCHEMA_SHAPE_PREFIX}{@code <column>}), which is what survives in Parquet.
 *
 * <p>The file appears atomically: data goes to a temporary file (or folder, for Parquet) beside the target, which
 * is renamed over the target by {@link #close()}. {@link #abort()} (or a failure) leaves no target behind.
 *
 * <p>Parquet is written by the Arrow dataset JNI ({@link DatasetFileWriter}); its defaults apply (no compression:
 * the JNI exposes no writer properties in Arrow 18.3).
 */
public final class TensorWriter implements AutoCloseable {

    /**
     * Target bytes per row group / record batch when {@link Builder#rowGroupRows} is not given: 4 MiB. Arrow's
     * Parquet reader decodes a row group as a whole, on one thread, into buffers of the row group's size; row groups
     * of a few MiB are decoded in parallel and their buffers are reused, where tens of MiB are mapped fresh from the
     * OS for every group. Measured on 2 cores (arrow-io/README.md, "Parquet speed"): 784-float rows read at about
     * 1.7 GB/s with 1024-row groups (3 MiB) against 0.95 GB/s with 8192 rows and 0.35 GB/s with one 100 MB group.
     */
    public static final long DEFAULT_ROW_GROUP_BYTES = 4L << 20;

    /**
     * One output column.
     *
     * @param name column name
     * @param dtype FLOAT32, FLOAT64, FLOAT16 (Arrow {@code halffloat}, Parquet's FLOAT16 logical type) or INT64
     * @param sampleShape per-sample shape; {@code []} for a scalar column
     * @param layout storage of tensor columns (ignored for scalars)
     */
    public record Column(String name, DType dtype, int[] sampleShape, TensorColumn.Layout layout) {
        public Column {
            Objects.requireNonNull(name, "name");
            sampleShape = sampleShape.clone();
            if (sampleShape.length == 0) {
                layout = TensorColumn.Layout.SCALAR;
            } else if (layout == TensorColumn.Layout.SCALAR) {
                throw new IllegalArgumentException("column " + name + ": sample shape " + Arrays.toString(sampleShape)
                        + " needs a tensor layout");
            }
        }

        int sampleSize() {
            return TensorColumn.numel(sampleShape);
        }

        Field field() {
            return ArrowTensors.field(name, layout, dtype, sampleShape);
        }
    }

    private final Path target;
    private final DataFormat format;
    private final List<Column> columns;
    private final int rowGroupRows;
    private final BufferAllocator allocator;
    private final BufferAllocator ownAllocator;
    private final Schema schema;
    private final Map<String, String> shapeMetadata = new LinkedHashMap<>();
    // pending rows, one primitive array per column, rowGroupRows rows of capacity
    private final Object[] pending;
    private int pendingRows;
    private long rowsWritten;
    private boolean done;
    // IPC
    private Path tmpFile;
    private FileChannel channel;
    private VectorSchemaRoot ipcRoot;
    private ArrowWriter ipcWriter;
    // Parquet
    private Path tmpDir;
    private Thread parquetThread;
    private final BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(2);
    private volatile Throwable parquetError;
    private static final Object[] END = new Object[0];

    private TensorWriter(Builder b) {
        this.target = b.target.toAbsolutePath();
        this.format = b.format;
        this.columns = List.copyOf(b.columns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("no columns");
        }
        long rowBytes = 0;
        for (Column c : columns) {
            rowBytes += (long) c.sampleSize() * c.dtype().itemSize();
        }
        this.rowGroupRows = b.rowGroupRows > 0 ? b.rowGroupRows
                : (int) Math.max(1, Math.min(65536, DEFAULT_ROW_GROUP_BYTES / Math.max(1, rowBytes)));
        // Always a private allocator (a child of the caller's when given): the dataset JNI releases the batches it was
        // handed from its own threads, sometimes after DatasetFileWriter.write has returned, and releaseMemory() waits
        // for exactly this allocator to drain before closing it (arrow-java issue #1255).
        this.ownAllocator = b.allocator == null ? new RootAllocator()
                : b.allocator.newChildAllocator("sparkgrad-tensor-writer", 0, b.allocator.getLimit());
        this.allocator = ownAllocator;
        List<Field> fields = new ArrayList<>();
        for (Column c : columns) {
            fields.add(c.field());
            if (c.sampleShape().length > 0) {
                shapeMetadata.put(TensorColumn.SCHEMA_SHAPE_PREFIX + c.name(), TensorColumn.shapeToJson(c.sampleShape()));
            }
        }
        shapeMetadata.putAll(b.metadata);
        this.schema = new Schema(fields, shapeMetadata);
        this.pending = new Object[columns.size()];
        for (int i = 0; i < pending.length; i++) {
            Column c = columns.get(i);
            int n = Math.multiplyExact(rowGroupRows, c.sampleSize());
            pending[i] = c.dtype() == DType.FLOAT32 ? new float[n] : c.dtype() == DType.FLOAT64 ? new double[n]
                    : c.dtype() == DType.FLOAT16 ? new short[n] : new long[n];
        }
        try {
            Files.createDirectories(target.getParent());
            String base = "." + target.getFileName() + ".tmp-" + UUID.randomUUID();
            if (format == DataFormat.PARQUET) {
                tmpDir = Files.createDirectory(target.resolveSibling(base));
                startParquet();
            } else {
                tmpFile = target.resolveSibling(base);
                channel = FileChannel.open(tmpFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                ipcRoot = VectorSchemaRoot.create(schema, allocator);
                ipcWriter = format == DataFormat.ARROW_FILE ? new ArrowFileWriter(ipcRoot, null, channel)
                        : new ArrowStreamWriter(ipcRoot, null, channel);
                ipcWriter.start();
            }
        } catch (IOException | RuntimeException e) {
            abortQuietly();
            throw e instanceof IOException io ? new UncheckedIOException("cannot create " + target, io)
                    : (RuntimeException) e;
        }
    }

    /** A writer builder for {@code target} (format from the extension: .parquet, .arrow/.feather, .arrows). */
    public static Builder builder(Path target) {
        return new Builder(target);
    }

    /**
     * Writes named tensors to a file in one go (1-D tensors become scalar columns).
     *
     * @param columns name → tensor {@code (rows, *sampleShape)}; all with the same rows
     */
    public static void write(Path target, DataFormat format, Map<String, Tensor> columns, TensorColumn.Layout layout) {
        Builder b = builder(target).format(format);
        for (Map.Entry<String, Tensor> e : columns.entrySet()) {
            int[] s = e.getValue().shape();
            b.column(e.getKey(), e.getValue().dtype(), Arrays.copyOfRange(s, 1, s.length), layout);
        }
        try (TensorWriter w = b.build()) {
            w.write(columns.values().toArray(new Tensor[0]));
        }
    }

    /** The target file. */
    public Path target() {
        return target;
    }

    /** Rows written so far (including those still buffered). */
    public long rows() {
        return rowsWritten + pendingRows;
    }

    /** Rows per row group / record batch. */
    public int rowGroupRows() {
        return rowGroupRows;
    }

    /**
     * Appends rows: one tensor per column, in column order, each {@code (rows, *sampleShape)} of the column's dtype
     * (other floating/integer dtypes are converted with {@link Tensor#to}).
     *
     * @throws IllegalArgumentException if a tensor's shape does not fit its column or the row counts differ
     */
    public void write(Tensor... tensors) {
        if (tensors.length != columns.size()) {
            throw new IllegalArgumentException("got " + tensors.length + " tensors for " + columns.size() + " columns");
        }
        Object[] arrays = new Object[tensors.length];
        int rows = -1;
        for (int i = 0; i < tensors.length; i++) {
            Column c = columns.get(i);
            Tensor t = tensors[i];
            int[] s = t.shape();
            int[] expect = new int[c.sampleShape().length + 1];
            expect[0] = s.length > 0 ? s[0] : -1;
            System.arraycopy(c.sampleShape(), 0, expect, 1, c.sampleShape().length);
            if (!Arrays.equals(s, expect) || (rows >= 0 && s[0] != rows)) {
                throw new IllegalArgumentException("column " + c.name() + " wants shape (rows, "
                        + Arrays.toString(c.sampleShape()) + ") with " + (rows >= 0 ? rows : "any") + " rows, got "
                        + Arrays.toString(s));
            }
            rows = s[0];
            arrays[i] = ArrowTensors.primitive(t.dtype() == c.dtype() ? t : t.to(c.dtype()));
        }
        writeArrays(arrays, 0, rows);
    }

    /** Appends a batch: {@code batch.get(i)} goes to column {@code i}. */
    public void write(Batch batch) {
        Tensor[] ts = new Tensor[columns.size()];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = batch.get(i);
        }
        write(ts);
    }

    /**
     * Appends rows {@code [from, from+rows)} of row-major primitive arrays (float[]/double[]/long[]/short[] matching each
     * column's dtype, {@code sampleSize} elements per row). No tensor is built.
     */
    public void writeArrays(Object[] arrays, int from, int rows) {
        if (done) {
            throw new IllegalStateException("writer closed");
        }
        checkParquet();
        for (int i = 0; i < arrays.length; i++) {
            Object want = pending[i];
            if (arrays[i].getClass() != want.getClass()) {
                throw new IllegalArgumentException("column " + columns.get(i).name() + " wants "
                        + want.getClass().getSimpleName() + ", got " + arrays[i].getClass().getSimpleName());
            }
        }
        int done0 = 0;
        while (done0 < rows) {
            int k = Math.min(rows - done0, rowGroupRows - pendingRows);
            for (int i = 0; i < arrays.length; i++) {
                int s = columns.get(i).sampleSize();
                System.arraycopy(arrays[i], (from + done0) * s, pending[i], pendingRows * s, k * s);
            }
            pendingRows += k;
            done0 += k;
            if (pendingRows == rowGroupRows) {
                flush();
            }
        }
    }

    private void flush() {
        if (pendingRows == 0) {
            return;
        }
        try {
            if (format == DataFormat.PARQUET) {
                Object[] group = new Object[pending.length + 1];
                for (int i = 0; i < pending.length; i++) {
                    int n = pendingRows * columns.get(i).sampleSize();
                    group[i] = pendingRows == rowGroupRows ? pending[i] : copyOf(pending[i], n);
                    if (pendingRows == rowGroupRows) {
                        pending[i] = java.lang.reflect.Array.newInstance(pending[i].getClass().getComponentType(),
                                java.lang.reflect.Array.getLength(pending[i])); // handed over; fresh buffer
                    }
                }
                group[pending.length] = pendingRows;
                while (!queue.offer(group, 100, TimeUnit.MILLISECONDS)) {
                    checkParquet();
                    if (!parquetThread.isAlive()) {
                        throw new IllegalStateException("the Parquet writer thread stopped");
                    }
                }
            } else {
                for (int i = 0; i < pending.length; i++) {
                    ArrowTensors.fill(ipcRoot.getVector(i), pending[i], 0, pendingRows, columns.get(i).sampleSize());
                }
                ipcRoot.setRowCount(pendingRows);
                ipcWriter.writeBatch();
            }
            rowsWritten += pendingRows;
            pendingRows = 0;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing " + target, e);
        }
    }

    private static Object copyOf(Object a, int n) {
        if (a instanceof float[] f) {
            return Arrays.copyOf(f, n);
        }
        if (a instanceof double[] d) {
            return Arrays.copyOf(d, n);
        }
        if (a instanceof short[] h) {
            return Arrays.copyOf(h, n);
        }
        return Arrays.copyOf((long[]) a, n);
    }

    private void checkParquet() {
        Throwable t = parquetError;
        if (t != null) {
            throw new IllegalStateException("writing Parquet " + target + " failed: " + t.getMessage(), t);
        }
    }

    /** The ArrowReader the dataset writer pulls row groups from. */
    private final class QueueReader extends ArrowReader {
        QueueReader(BufferAllocator a) {
            super(a);
        }

        @Override
        public boolean loadNextBatch() throws IOException {
            Object[] g;
            try {
                g = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (g == END) {
                return false;
            }
            VectorSchemaRoot root = getVectorSchemaRoot();
            int rows = (Integer) g[g.length - 1];
            for (int i = 0; i < columns.size(); i++) {
                ArrowTensors.fill(root.getVector(i), g[i], 0, rows, columns.get(i).sampleSize());
            }
            root.setRowCount(rows);
            return true;
        }

        @Override
        public long bytesRead() {
            return 0;
        }

        @Override
        protected void closeReadSource() {}

        @Override
        protected Schema readSchema() {
            return schema;
        }
    }

    private void startParquet() {
        String uri = tmpDir.toUri().toString();
        parquetThread = new Thread(() -> {
            try (QueueReader r = new QueueReader(allocator)) {
                DatasetFileWriter.write(allocator, r, FileFormat.PARQUET, uri, new String[0], 1024, "part-{i}.parquet");
            } catch (Throwable t) {
                parquetError = t;
                queue.clear();
            }
        }, "sparkgrad-parquet-writer");
        parquetThread.setDaemon(true);
        parquetThread.start();
    }

    /**
     * Flushes the last rows, finishes the file and renames it over the target.
     *
     * @throws UncheckedIOException or IllegalStateException if writing failed (the target is then not created)
     */
    @Override
    public void close() {
        if (done) {
            return;
        }
        try {
            flush();
            done = true;
            if (format == DataFormat.PARQUET) {
                queue.put(END);
                parquetThread.join();
                checkParquet();
                Path part;
                try (Stream<Path> s = Files.list(tmpDir)) {
                    List<Path> parts = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
                    if (rowsWritten == 0 && parts.isEmpty()) {
                        throw new IllegalStateException("no rows written to " + target + ": Parquet needs at least one row");
                    }
                    if (parts.size() != 1) {
                        throw new IllegalStateException("the dataset writer made " + parts.size() + " files, expected 1");
                    }
                    part = parts.get(0);
                }
                ParquetFooter.putKeyValueMetadata(part, shapeMetadata);
                move(part, target);
                deleteTree(tmpDir);
            } else {
                ipcWriter.end();
                channel.force(true);
                ipcWriter.close(); // closes the channel too
                ipcWriter = null;
                channel.close();
                move(tmpFile, target);
            }
        } catch (IOException e) {
            abortQuietly();
            throw new UncheckedIOException("cannot write " + target, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abortQuietly();
            throw new IllegalStateException("interrupted while writing " + target, e);
        } catch (RuntimeException e) {
            abortQuietly();
            throw e;
        } finally {
            releaseMemory();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Drops everything written: no target file is created (an existing one is left as it was). */
    public void abort() {
        abortQuietly();
        releaseMemory();
    }

    private void abortQuietly() {
        done = true;
        if (parquetThread != null && parquetThread.isAlive()) {
            queue.clear();
            queue.offer(END);
            try {
                parquetThread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (ipcWriter != null) {
                ipcWriter.close();
                ipcWriter = null;
            }
        } catch (RuntimeException ignored) {
            // dropping the file anyway
        }
        try {
            if (channel != null) {
                channel.close();
            }
            if (tmpFile != null) {
                Files.deleteIfExists(tmpFile);
            }
            if (tmpDir != null) {
                deleteTree(tmpDir);
            }
        } catch (IOException ignored) {
            // best effort
        }
    }

    private void releaseMemory() {
        if (ipcRoot != null) {
            ipcRoot.close();
            ipcRoot = null;
        }
        if (ownAllocator != null) {
            // The native Parquet writer may still hold (and release from its own thread) the last exported batch
            // for a moment after write() returned: wait for it rather than report a false leak.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ownAllocator.getAllocatedMemory() != 0 && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            ownAllocator.close();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Options of a {@link TensorWriter}. */
    public static final class Builder {
        private final Path target;
        private DataFormat format;
        private final List<Column> columns = new ArrayList<>();
        private int rowGroupRows;
        private BufferAllocator allocator;
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Builder(Path target) {
            this.target = Objects.requireNonNull(target);
            String n = target.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            this.format = n.endsWith(".arrows") ? DataFormat.ARROW_STREAM
                    : n.endsWith(".arrow") || n.endsWith(".feather") || n.endsWith(".ipc") ? DataFormat.ARROW_FILE
                    : DataFormat.PARQUET;
        }

        public Builder format(DataFormat f) {
            this.format = Objects.requireNonNull(f);
            return this;
        }

        /** A tensor column ({@code list<T>} layout) or, with no shape, a scalar column. */
        public Builder column(String name, DType dtype, int... sampleShape) {
            return column(name, dtype, sampleShape, TensorColumn.Layout.LIST);
        }

        /** A column with an explicit layout for tensor columns. */
        public Builder column(String name, DType dtype, int[] sampleShape, TensorColumn.Layout layout) {
            columns.add(new Column(name, dtype, sampleShape, layout));
            return this;
        }

        /**
         * Rows per row group / record batch (default: about {@value TensorWriter#DEFAULT_ROW_GROUP_BYTES} bytes of
         * data, at least 1 and at most 65536 rows).
         */
        public Builder rowGroupRows(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("rowGroupRows must be > 0, got " + n);
            }
            this.rowGroupRows = n;
            return this;
        }

        /** Extra file-level key/value metadata. */
        public Builder metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /** The allocator for Arrow memory (default: a writer-owned one). */
        public Builder allocator(BufferAllocator a) {
            this.allocator = a;
            return this;
        }

        public TensorWriter build() {
            return new TensorWriter(this);
        }
    }
}
