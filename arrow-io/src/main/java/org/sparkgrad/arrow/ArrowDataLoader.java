package org.sparkgrad.arrow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkgrad.data.Batch;
import org.sparkgrad.data.BatchIterable;

/**
 * Streams {@link Batch}es of tensors from Parquet files/folders and Arrow IPC files with bounded memory, for
 * training: a background reader thread, a seeded shuffle buffer, shuffled file and row-block order, exact epochs,
 * {@code dropLast}, and sharding for parallel workers. It is a {@link BatchIterable}: {@code for (Batch b : loader)}
 * runs one epoch, exactly as with the in-memory {@code DataLoader}.
 *
 * <p><b>Batches.</b> Tensor {@code i} of a batch is column {@code i} (features first, labels second), shape
 * {@code (batchSize, *sampleShape_i)}; the last batch of an epoch holds the remaining rows unless {@code dropLast}.
 * Float columns give FLOAT32/FLOAT64/FLOAT16 tensors (as stored), integer columns INT64.
 *
 * <p><b>Units, order and shards.</b> The data is cut into units: Parquet row groups, split into blocks of at most
 * {@code blockRows} rows (so a file written as one row group, as Spark does for small data, still spreads over
 * workers); Arrow IPC file record batches; whole IPC streams. Each epoch, with shuffling on, the unit list is
 * permuted with a generator seeded by {@code (seed, epoch)}; unit {@code k} of that list belongs to shard
 * {@code k mod n}. Every worker computes the same permutation, so shards are disjoint and together cover the
 * data, one unit at most apart in size; nothing is padded or repeated. A shard's units are read file by file in a
 * shuffled file order; IPC record batches in shuffled order; Parquet blocks in file order (the dataset JNI can only
 * scan a file from its start: blocks of other shards are decoded natively and dropped without a heap copy, and the
 * scan stops after the shard's last block), after which the shuffle buffer mixes rows across blocks and files.
 *
 * <p><b>Epochs.</b> Each call of {@link #iterator()} is one epoch and yields every row of the shard exactly once
 * (less rows skipped under {@link NonFinitePolicy#SKIP}, which are counted in {@link #stats()}). It uses the epoch
 * number {@link #epoch()} and then advances it; {@link #setEpoch(int)} sets it, as PyTorch's
 * {@code DistributedSampler.set_epoch} does, so all workers agree on the order.
 *
 * <p><b>Memory.</b> In flight at once: the Arrow scan batch of {@code scanRows} rows being converted and up to two
 * more decoded ahead by the scan-ahead thread, and as many for the next Parquet file of the shard, which is opened
 * and decoded ahead (off-heap, in the allocator; the native Parquet decoder has its own buffers outside it: whole
 * row groups, about {@code 16 * scanRows} rows read ahead per open file),
 * the shuffle buffer ({@code shuffleBufferRows} rows plus the partly used chunks they come from, chunks being at
 * most {@code max(1, shuffleBufferRows/8)} rows), and {@code prefetchBatches} finished batches.
 *
 * <p>Errors found by the reader thread ({@link ArrowDataException} naming file, column, row / row group) are
 * rethrown by the iterator's {@code hasNext()/next()}. Close the loader (or each iterator) to stop the reader
 * thread and free Arrow memory.
 */
public final class ArrowDataLoader implements BatchIterable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ArrowDataLoader.class);
    private static final Object END = new Object();
    // put by close() for a consumer still waiting in hasNext() on another thread
    private static final Object CLOSED = new Object();

    private final List<Path> files;
    private final List<DataFormat> formats;
    private final List<ChunkStream.Unit> units;
    private final List<TensorColumn> columns;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int shuffleBufferRows;
    private final int prefetchBatches;
    private final boolean dropLast;
    private final int shardIndex;
    private final int shardCount;
    private final int scanRows;
    private final NonFinitePolicy policy;
    private final BufferAllocator allocator;
    private final BufferAllocator ownAllocator;
    private final ArrowTensors.Stats stats = new ArrowTensors.Stats();
    private final Set<EpochIterator> open = ConcurrentHashMap.newKeySet();
    private volatile int epoch;
    private volatile boolean closed;

    private ArrowDataLoader(Builder b) {
        this.columns = List.copyOf(b.columns);
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.shuffleBufferRows = shuffle ? b.shuffleBufferRows : 0;
        this.prefetchBatches = b.prefetchBatches;
        this.dropLast = b.dropLast;
        this.shardIndex = b.shardIndex;
        this.shardCount = b.shardCount;
        this.scanRows = b.scanRows;
        this.policy = b.policy;
        BufferAllocator parent = b.allocator;
        this.ownAllocator = parent == null ? new RootAllocator(b.memoryLimit) : null;
        this.allocator = parent != null ? parent.newChildAllocator("ArrowDataLoader", 0, b.memoryLimit) : ownAllocator;
        try {
            this.files = DataFormat.listFiles(b.paths);
            List<DataFormat> fm = new ArrayList<>();
            for (Path f : files) {
                fm.add(DataFormat.detect(f));
            }
            this.formats = List.copyOf(fm);
            this.units = List.copyOf(ChunkStream.plan(files, formats, b.blockRows > 0 ? b.blockRows : scanRows, allocator));
        } catch (RuntimeException e) {
            allocator.close();
            throw e;
        }
        LOG.debug("ArrowDataLoader over {} file(s), {} unit(s), shard {}/{}", files.size(), units.size(), shardIndex,
                shardCount);
    }

    /** A builder over files and/or folders. */
    public static Builder builder(Path... paths) {
        return new Builder(List.of(paths));
    }

    /** A builder over files and/or folders. */
    public static Builder builder(List<Path> paths) {
        return new Builder(paths);
    }

    /** Sets the epoch the next {@link #iterator()} uses (it reshuffles per epoch; all workers must agree). */
    public void setEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        this.epoch = epoch;
    }

    /** The epoch the next {@link #iterator()} will use. */
    public int epoch() {
        return epoch;
    }

    /** What the {@link NonFinitePolicy} skipped or zeroed so far. */
    public ArrowTensors.Stats stats() {
        return stats;
    }

    /** The data files read. */
    public List<Path> files() {
        return files;
    }

    /**
     * Rows of this shard per epoch (before any SKIP), or -1 when not known without reading (IPC streams). With
     * shuffling on, a shard's row count can change by one unit between epochs.
     */
    public long rowsPerEpoch() {
        return rowsOf(shardUnits(epoch));
    }

    private static long rowsOf(List<ChunkStream.Unit> us) {
        long n = 0;
        for (ChunkStream.Unit u : us) {
            if (u.rows() < 0) {
                return -1;
            }
            n += u.rows();
        }
        return n;
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The units of this shard for an epoch, in reading order (grouped by file). */
    List<ChunkStream.Unit> shardUnits(int ep) {
        List<ChunkStream.Unit> all = new ArrayList<>(units);
        Random rnd = new Random(mix(seed, ep));
        if (shuffle) {
            Collections.shuffle(all, rnd);
        }
        Map<Integer, List<ChunkStream.Unit>> byFile = new LinkedHashMap<>();
        for (int k = shardIndex; k < all.size(); k += shardCount) {
            ChunkStream.Unit u = all.get(k);
            byFile.computeIfAbsent(u.fileIndex(), x -> new ArrayList<>()).add(u);
        }
        List<Integer> fileOrder = new ArrayList<>(byFile.keySet());
        Collections.sort(fileOrder);
        if (shuffle) {
            Collections.shuffle(fileOrder, rnd);
        }
        List<ChunkStream.Unit> out = new ArrayList<>();
        for (int f : fileOrder) {
            List<ChunkStream.Unit> us = byFile.get(f);
            if (!shuffle) {
                us.sort((x, y) -> x.part() != y.part() ? Integer.compare(x.part(), y.part())
                        : Long.compare(x.firstRow(), y.firstRow()));
            }
            out.addAll(us);
        }
        return out;
    }

    /**
     * Starts one epoch: a reader thread begins filling the prefetch queue. The iterator is {@link AutoCloseable};
     * an epoch left unfinished should be closed (or the loader closed) to stop its thread.
     */
    @Override
    public Iterator<Batch> iterator() {
        if (closed) {
            throw new IllegalStateException("loader closed");
        }
        int ep = epoch;
        epoch = ep + 1;
        EpochIterator it = new EpochIterator(ep);
        open.add(it);
        it.start();
        return it;
    }

    /** Stops every running epoch and frees the Arrow memory of the loader. */
    @Override
    public void close() {
        closed = true;
        for (EpochIterator it : open) {
            it.close();
        }
        open.clear();
        allocator.close();
    }

    /** One epoch: the consumer side of the prefetch queue. */
    public final class EpochIterator implements Iterator<Batch>, AutoCloseable {
        private final int ep;
        private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(prefetchBatches);
        private final Thread thread;
        private volatile boolean stop;
        private Object next;
        private boolean finished;

        private EpochIterator(int ep) {
            this.ep = ep;
            this.thread = new Thread(this::produce, "sparkgrad-arrow-loader-e" + ep + "-s" + shardIndex);
            this.thread.setDaemon(true);
        }

        private void start() {
            thread.start();
        }

        /** The epoch this iterator reads. */
        public int epoch() {
            return ep;
        }

        private void produce() {
            Object last = END;
            int chunkRows = shuffle ? Math.max(1, Math.min(scanRows, shuffleBufferRows / 8)) : scanRows;
            try (ChunkStream cs = new ChunkStream(files, formats, shardUnits(ep), columns, chunkRows, scanRows, policy,
                    stats, allocator)) {
                Random pick = new Random(mix(mix(seed, ep), 1 + shardIndex));
                int cap = shuffleBufferRows + chunkRows + batchSize;
                ChunkStream.Chunk[] bufChunk = new ChunkStream.Chunk[cap];
                int[] bufRow = new int[cap];
                int size = 0;
                ChunkStream.Chunk[] outChunk = new ChunkStream.Chunk[batchSize];
                int[] outRow = new int[batchSize];
                boolean eof = false;
                while (!stop) {
                    // fill until the buffer holds more than shuffleBufferRows rows and a batch's worth, or the data ends
                    while (!stop && !eof && (size < shuffleBufferRows + batchSize)) {
                        ChunkStream.Chunk c = cs.next();
                        if (c == null) {
                            eof = true;
                            break;
                        }
                        if (size + c.rows() > bufChunk.length) {
                            int n = Math.max(bufChunk.length * 2, size + c.rows());
                            bufChunk = java.util.Arrays.copyOf(bufChunk, n);
                            bufRow = java.util.Arrays.copyOf(bufRow, n);
                        }
                        for (int r = 0; r < c.rows(); r++) {
                            bufChunk[size] = c;
                            bufRow[size++] = r;
                        }
                    }
                    int n = Math.min(batchSize, size);
                    if (n == 0 || (eof && n < batchSize && dropLast)) {
                        break;
                    }
                    if (!eof && size < batchSize) {
                        continue;
                    }
                    if (shuffle) {
                        for (int i = 0; i < n; i++) {
                            int j = pick.nextInt(size);
                            outChunk[i] = bufChunk[j];
                            outRow[i] = bufRow[j];
                            bufChunk[j] = bufChunk[--size];
                            bufRow[j] = bufRow[size];
                            bufChunk[size] = null;
                        }
                    } else {
                        System.arraycopy(bufChunk, 0, outChunk, 0, n);
                        System.arraycopy(bufRow, 0, outRow, 0, n);
                        System.arraycopy(bufChunk, n, bufChunk, 0, size - n);
                        System.arraycopy(bufRow, n, bufRow, 0, size - n);
                        java.util.Arrays.fill(bufChunk, size - n, size, null);
                        size -= n;
                    }
                    Batch b = BatchAssembler.assemble(outChunk, outRow, n);
                    java.util.Arrays.fill(outChunk, null);
                    if (!put(b)) {
                        break;
                    }
                }
            } catch (Throwable t) {
                last = t;
            }
            put(last);
        }

        private boolean put(Object o) {
            try {
                while (!stop) {
                    if (queue.offer(o, 50, TimeUnit.MILLISECONDS)) {
                        return true;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return false;
        }

        @Override
        public boolean hasNext() {
            if (finished) {
                return false;
            }
            if (next == null) {
                try {
                    next = queue.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new IllegalStateException("interrupted while waiting for a batch", e);
                }
            }
            if (next == END) {
                finishQuietly();
                return false;
            }
            if (next == CLOSED) {
                finished = true;
                next = null;
                throw new IllegalStateException("the epoch was closed while waiting for a batch");
            }
            if (next instanceof Throwable t) {
                finishQuietly();
                if (t instanceof RuntimeException re) {
                    throw re;
                }
                if (t instanceof Error er) {
                    throw er;
                }
                throw new IllegalStateException("the reader thread failed: " + t, t);
            }
            return true;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Batch b = (Batch) next;
            next = null;
            return b;
        }

        private void finishQuietly() {
            finished = true;
            next = null;
            close();
        }

        /** Stops the reader thread (waiting for it to release its Arrow memory). */
        @Override
        public void close() {
            finished = true;
            stop = true;
            queue.clear();
            boolean interrupted = false;
            while (thread.isAlive()) {
                try {
                    thread.join(1000);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            queue.clear();
            queue.offer(CLOSED); // wakes a consumer blocked in hasNext() on another thread
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            open.remove(this);
        }
    }

    /** Options of an {@link ArrowDataLoader}. */
    public static final class Builder {
        private final List<Path> paths;
        private List<TensorColumn> columns = List.of();
        private int batchSize = 32;
        private boolean shuffle;
        private long seed;
        private int shuffleBufferRows = 10_000;
        private int prefetchBatches = 4;
        private boolean dropLast;
        private int shardIndex;
        private int shardCount = 1;
        private int scanRows = 8192;
        private int blockRows;
        private NonFinitePolicy policy = NonFinitePolicy.FAIL;
        private BufferAllocator allocator;
        private long memoryLimit = Long.MAX_VALUE;

        private Builder(List<Path> paths) {
            if (paths.isEmpty()) {
                throw new IllegalArgumentException("no path given");
            }
            this.paths = List.copyOf(paths);
        }

        /** The columns, in the order of the batch's tensors (features first, labels second). */
        public Builder columns(TensorColumn... cols) {
            this.columns = List.of(cols);
            return this;
        }

        /** The columns by name (shapes from the data). */
        public Builder columns(String... names) {
            List<TensorColumn> l = new ArrayList<>();
            for (String n : names) {
                l.add(TensorColumn.of(n));
            }
            this.columns = l;
            return this;
        }

        /** Rows per batch (default 32). */
        public Builder batchSize(int n) {
            this.batchSize = positive(n, "batchSize");
            return this;
        }

        /** Shuffle units, files and rows each epoch (default off). */
        public Builder shuffle(boolean s) {
            this.shuffle = s;
            return this;
        }

        /** Seed of every random choice (default 0). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Rows held by the shuffle buffer (default 10000; larger mixes better and costs heap). */
        public Builder shuffleBufferRows(int n) {
            this.shuffleBufferRows = positive(n, "shuffleBufferRows");
            return this;
        }

        /** Finished batches the reader thread may hold ahead of the consumer (default 4). */
        public Builder prefetchBatches(int n) {
            this.prefetchBatches = positive(n, "prefetchBatches");
            return this;
        }

        /** Drop the last batch of an epoch when it is smaller than {@code batchSize} (default false). */
        public Builder dropLast(boolean d) {
            this.dropLast = d;
            return this;
        }

        /**
         * Reads only shard {@code index} of {@code count} (by unit, see the class notes).
         *
         * @throws IllegalArgumentException unless {@code 0 <= index < count}
         */
        public Builder shard(int index, int count) {
            if (count <= 0 || index < 0 || index >= count) {
                throw new IllegalArgumentException("shard " + index + " of " + count + " is not a shard");
            }
            this.shardIndex = index;
            this.shardCount = count;
            return this;
        }

        /** Rows per native scan batch from Parquet (default 8192; also the chunk size when not shuffling). */
        public Builder scanRows(int n) {
            this.scanRows = positive(n, "scanRows");
            return this;
        }

        /** Largest unit of a Parquet row group, in rows (default: {@code scanRows}). */
        public Builder blockRows(int n) {
            this.blockRows = positive(n, "blockRows");
            return this;
        }

        /** NaN/Inf policy for floating-point columns (default FAIL). */
        public Builder nonFinite(NonFinitePolicy p) {
            this.policy = Objects.requireNonNull(p);
            return this;
        }

        /** Parent allocator (the loader makes a child of it); default: a loader-owned root allocator. */
        public Builder allocator(BufferAllocator a) {
            this.allocator = a;
            return this;
        }

        /** Limit of the loader's Arrow (off-heap) memory in bytes (default unlimited). */
        public Builder memoryLimit(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("memoryLimit must be > 0");
            }
            this.memoryLimit = bytes;
            return this;
        }

        private static int positive(int n, String what) {
            if (n <= 0) {
                throw new IllegalArgumentException(what + " must be > 0, got " + n);
            }
            return n;
        }

        /**
         * Plans the units (reads Parquet footers, IPC file footers).
         *
         * @throws ArrowDataException if a path is missing or a footer corrupt
         */
        public ArrowDataLoader build() {
            if (columns.isEmpty()) {
                throw new IllegalArgumentException("no columns given");
            }
            return new ArrowDataLoader(this);
        }
    }
}
