package org.sparkgrad.arrow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.Tensor;

/**
 * Reads Parquet files or folders and Arrow IPC files/streams as tensor batches, in file order, converting on the
 * calling thread (Parquet is decoded natively, ahead of it, on Arrow's threads and a scan-ahead thread):
 * each {@link Batch} holds {@code batchSize} rows (the last one may hold fewer), tensor {@code i} of shape
 * {@code (rows, *sampleShape_i)} for column {@code i} (see {@link TensorColumn} for layouts and shapes). Only the
 * named columns are read from Parquet (projection), in native scan batches of {@code scanRows} rows that are cut
 * into batches on the heap. Off-heap, in the allocator: at most three Arrow batches of {@code scanRows} rows for the
 * file being read and three for the next Parquet file, which is opened and decoded ahead; the native decoder's own
 * buffers (whole row groups, about {@code 16 * scanRows} rows read ahead per file) are outside the allocator.
 *
 * <pre>{@code
 * try (BufferAllocator al = new RootAllocator();
 *      ArrowTensorReader r = ArrowTensorReader.builder(Path.of("digits.parquet"))
 *          .columns(TensorColumn.of("features", 1, 8, 8), TensorColumn.of("label")).batchSize(128).allocator(al).build()) {
 *   for (Batch b : r) { ... b.features() is (128, 1, 8, 8) FLOAT32, b.labels() is (128) INT64 ... }
 * }
 * }</pre>
 *
 * <p>Iterate once; to read again build a new reader. For shuffling, sharding and prefetching use
 * {@link ArrowDataLoader}.
 *
 * @throws ArrowDataException (from iteration) naming file, column and row for any bad input
 */
public final class ArrowTensorReader implements Iterable<Batch>, AutoCloseable {
    private final ChunkStream stream;
    private final int batchSize;
    private final BufferAllocator ownAllocator;
    private final ArrowTensors.Stats stats = new ArrowTensors.Stats();
    private boolean iterated;

    private ArrowTensorReader(Builder b) {
        this.batchSize = b.batchSize;
        this.ownAllocator = b.allocator == null ? new RootAllocator() : null;
        BufferAllocator al = b.allocator != null ? b.allocator : ownAllocator;
        try {
            List<Path> files = DataFormat.listFiles(b.paths);
            List<DataFormat> formats = new ArrayList<>();
            for (Path f : files) {
                formats.add(DataFormat.detect(f));
            }
            List<ChunkStream.Unit> units = ChunkStream.plan(files, formats, Long.MAX_VALUE, al);
            // chunks of batchSize rows line up with batches whenever an Arrow batch holds a multiple of them
            this.stream = new ChunkStream(files, formats, units, b.columns, Math.min(b.scanRows, b.batchSize),
                    b.scanRows, b.policy, stats, al);
        } catch (RuntimeException e) {
            if (ownAllocator != null) {
                ownAllocator.close();
            }
            throw e;
        }
    }

    /** A builder over files and/or folders. */
    public static Builder builder(Path... paths) {
        return new Builder(List.of(paths));
    }

    /** A builder over files and/or folders. */
    public static Builder builder(List<Path> paths) {
        return new Builder(paths);
    }

    /** What the {@link NonFinitePolicy} skipped or zeroed so far. */
    public ArrowTensors.Stats stats() {
        return stats;
    }

    /** The per-sample shape of column {@code i}, once a row of it has been read; else {@code null}. */
    public int[] sampleShape(int column) {
        return stream.sampleShape(column);
    }

    @Override
    public Iterator<Batch> iterator() {
        if (iterated) {
            throw new IllegalStateException("an ArrowTensorReader is read once; build a new one to read again");
        }
        iterated = true;
        return new Iterator<>() {
            private ChunkStream.Chunk cur;
            private int pos;
            private Batch next;

            @Override
            public boolean hasNext() {
                if (next == null) {
                    next = fill();
                }
                return next != null;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Batch b = next;
                next = null;
                return b;
            }

            private Batch fill() {
                if (cur == null || pos >= cur.rows()) {
                    cur = stream.next();
                    pos = 0;
                    if (cur == null) {
                        return null;
                    }
                }
                if (pos == 0 && cur.rows() == batchSize) {
                    // the chunk is the batch: hand its arrays over without another copy
                    ChunkStream.Chunk c = cur;
                    cur = null;
                    Tensor[] ts = new Tensor[c.columns().size()];
                    for (int i = 0; i < ts.length; i++) {
                        ts[i] = c.columns().get(i).toTensor();
                    }
                    return new Batch(ts);
                }
                ChunkStream.Chunk[] cs = new ChunkStream.Chunk[batchSize];
                int[] rows = new int[batchSize];
                int n = 0;
                while (n < batchSize) {
                    if (cur == null || pos >= cur.rows()) {
                        cur = stream.next();
                        pos = 0;
                        if (cur == null) {
                            break;
                        }
                    }
                    cs[n] = cur;
                    rows[n++] = pos++;
                }
                return n == 0 ? null : BatchAssembler.assemble(cs, rows, n);
            }
        };
    }

    @Override
    public void close() {
        try {
            stream.close();
        } finally {
            if (ownAllocator != null) {
                ownAllocator.close();
            }
        }
    }

    /** Options of an {@link ArrowTensorReader}. */
    public static final class Builder {
        private final List<Path> paths;
        private List<TensorColumn> columns = List.of();
        private int batchSize = 256;
        private int scanRows = 8192;
        private NonFinitePolicy policy = NonFinitePolicy.FAIL;
        private BufferAllocator allocator;

        private Builder(List<Path> paths) {
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("no path given");
            }
            this.paths = List.copyOf(paths);
        }

        /** The columns to read, in the order of the batch's tensors (features first, labels second). */
        public Builder columns(TensorColumn... cols) {
            this.columns = List.of(cols);
            return this;
        }

        /** The columns to read by name (shapes from the data). */
        public Builder columns(String... names) {
            List<TensorColumn> l = new ArrayList<>();
            for (String n : names) {
                l.add(TensorColumn.of(n));
            }
            this.columns = l;
            return this;
        }

        /** Rows per batch (default 256). */
        public Builder batchSize(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("batchSize must be > 0, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        /**
         * Rows per native scan batch read from Parquet (default 8192; independent of {@link #batchSize}): bounds the
         * off-heap memory in use. The native decoder decodes whole row groups and reads ahead about 16 scan batches'
         * worth of rows; each scan batch that starts inside a row group costs one more native copy.
         */
        public Builder scanRows(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("scanRows must be > 0, got " + n);
            }
            this.scanRows = n;
            return this;
        }

        /** NaN/Inf policy for floating-point columns (default FAIL). */
        public Builder nonFinite(NonFinitePolicy p) {
            this.policy = Objects.requireNonNull(p);
            return this;
        }

        /** The allocator for Arrow memory (default: a reader-owned {@link RootAllocator}). */
        public Builder allocator(BufferAllocator a) {
            this.allocator = a;
            return this;
        }

        /**
         * Opens the reader (footers are checked now; columns when each file is opened).
         *
         * @throws ArrowDataException if a path is missing, not a data file, or a Parquet footer is corrupt
         */
        public ArrowTensorReader build() {
            if (columns.isEmpty()) {
                throw new IllegalArgumentException("no columns given");
            }
            return new ArrowTensorReader(this);
        }
    }
}
