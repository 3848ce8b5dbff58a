package org.sparkgrad.data;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mini-batches over a map-style {@link Dataset}, after {@code torch.utils.data.DataLoader}: batching, shuffling
 * with a seed, drop-last, a collate step and background prefetch.
 *
 * <pre>{@code
 * try (DataLoader loader = DataLoader.builder(new TensorDataset(x, y))   // x: (N, D) float32, y: (N) int64
 *         .batchSize(64).shuffle(true).seed(42).prefetch(2).build()) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         loader.setEpoch(epoch);
 *         for (Batch b : loader) { ... b.features() is (64, D), b.labels() is (64) ... }
 *     }
 * }
 * }</pre>
 *
 * <h2>Epochs</h2>
 * One call of {@link #iterator()} is one epoch: every sample index appears exactly once, in batches of
 * {@code batchSize} consecutive indices of the epoch's order; the last batch is smaller when {@code batchSize}
 * does not divide the dataset size, or left out with {@code dropLast}. Without shuffling the order is
 * {@code 0..n-1}. With shuffling the order of epoch {@code e} is a permutation derived only from the loader's
 * seed and {@code e}: the same seed gives the same orders, different epochs give different orders. The epoch of an
 * iterator is the value given to {@link #setEpoch} before it (as {@code DistributedSampler.set_epoch}); each call of
 * {@link #iterator()} then advances it by one, so a loop that never calls {@code setEpoch} sees epochs 0, 1, 2, ...
 *
 * <h2>Collation</h2>
 * By default tensor {@code k} of a batch is {@code Tensor.stack(sample_k of each sample, 0)}: samples of shape
 * {@code S} give a batch tensor {@code (B, S...)} of the same dtype (0-d labels give {@code (B)}). For a
 * {@link TensorDataset} (also behind {@link Subset}s) the default gathers each batch tensor with one
 * {@link Tensor#indexSelect} instead of stacking single rows; the result is the same. A custom
 * {@link Builder#collate collate} receives the samples (each a {@code Tensor[]}) in batch order. Batches are
 * produced with graph recording off ({@link GradMode#noGrad()}): loading data is not part of a model's graph.
 *
 * <h2>Prefetch</h2>
 * With {@code prefetch(k)}, {@code k > 0}, each epoch's batches are produced on one daemon worker thread that
 * runs at most {@code k} batches ahead of the consumer (batches keep their order). {@code k = 0} (the default,
 * like PyTorch's {@code num_workers=0}) produces each batch on the consumer's thread in {@code next()}. An exception
 * in the dataset or the collate function reaches the consumer as a {@link DataLoaderException} whose cause is
 * the original exception, in both modes. The worker stops when the epoch ends, when the iterator is
 * {@link BatchIterator#close() closed}, when the loader is {@link #close() closed}, or, for an iterator abandoned
 * without closing, when the garbage collector finds the iterator unreachable. The worker is never interrupted
 * (an interrupt would close {@code FileChannel}s a dataset may be reading); it notices a stop request between
 * batches or within 50 ms while waiting for room in the queue.
 *
 * <p>A loader is thread-safe to configure and iterate from one thread; two iterators of one loader may be used
 * concurrently (each has its own worker), provided the dataset tolerates concurrent {@code get} calls.
 */
public final class DataLoader implements BatchIterable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DataLoader.class);
    private static final AtomicInteger LOADER_IDS = new AtomicInteger();
    private static final Cleaner CLEANER = Cleaner.create();
    private static final long POLL_MS = 50;
    private static final Object END = new Object();

    /** The prefix of the names of prefetch worker threads: {@code sparkgrad-dataloader-<loader>-epoch<e>}. */
    public static final String WORKER_THREAD_PREFIX = "sparkgrad-dataloader-";

    private final Dataset dataset;
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final Function<? super List<Tensor[]>, Batch> collate;
    private final int prefetch;
    private final long seed;
    private final int id = LOADER_IDS.incrementAndGet();
    private final Set<Pipe> livePipes = ConcurrentHashMap.newKeySet();
    // fast path: a TensorDataset root and the Subset chain above it (outermost first), or null
    private final TensorDataset fastRoot;
    private final Subset[] fastChain;
    private int nextEpoch;
    private volatile boolean closed;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.dropLast = b.dropLast;
        this.collate = b.collate;
        this.prefetch = b.prefetch;
        if (b.seed != null) this.seed = b.seed;
        else if (b.generator != null) this.seed = b.generator.nextLong();
        else this.seed = shuffle ? Generator.defaultGenerator().nextLong() : 0L;
        List<Subset> chain = new ArrayList<>();
        Dataset d = dataset;
        while (d instanceof Subset) {
            chain.add((Subset) d);
            d = ((Subset) d).dataset();
        }
        if (collate == null && d instanceof TensorDataset) {
            this.fastRoot = (TensorDataset) d;
            this.fastChain = chain.toArray(new Subset[0]);
        } else {
            this.fastRoot = null;
            this.fastChain = null;
        }
    }

    /**
     * A builder over {@code dataset} with PyTorch's defaults: batch size 1, no shuffle, no drop-last, default
     * collation, no prefetch.
     */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** The dataset this loader reads. */
    public Dataset dataset() { return dataset; }

    /** Samples per batch (the last batch may be smaller unless drop-last). */
    public int batchSize() { return batchSize; }

    /** Whether the sample order is a fresh permutation each epoch. */
    public boolean shuffle() { return shuffle; }

    /** Whether a last incomplete batch is dropped. */
    public boolean dropLast() { return dropLast; }

    /** Batches produced ahead of the consumer by the worker thread; 0 = synchronous. */
    public int prefetch() { return prefetch; }

    /**
     * Number of batches per epoch ({@code len(dataloader)}): {@code floor(n / batchSize)} with drop-last,
     * else {@code ceil(n / batchSize)}.
     */
    public int numBatches() {
        int n = dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** Sets the epoch of the next {@link #iterator()} (which then advances it by one). */
    @Override public synchronized void setEpoch(int epoch) {
        this.nextEpoch = epoch;
    }

    /** The epoch the next {@link #iterator()} will run. */
    public synchronized int nextEpoch() { return nextEpoch; }

    /**
     * The sample order of epoch {@code epoch}: {@code 0..n-1} without shuffling, else a permutation that depends
     * only on the loader's seed and {@code epoch}. Batch {@code b} holds the indices
     * {@code order[b * batchSize .. min((b + 1) * batchSize, n))}.
     */
    public int[] order(int epoch) {
        int n = dataset.size();
        if (!shuffle) {
            int[] o = new int[n];
            for (int i = 0; i < n; i++) o[i] = i;
            return o;
        }
        return Datasets.permutation(n, new Generator(epochSeed(seed, epoch)));
    }

    /** A seed for epoch {@code e} that is well mixed, so that nearby seeds/epochs give unrelated sequences. */
    static long epochSeed(long seed, int epoch) {
        return mix64(seed ^ mix64(0x632BE59BD9B4E019L + epoch));
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Starts one epoch (see the class comment for the epoch number and the order).
     *
     * @return an iterator over the epoch's batches; close it (or let it run to its end) to stop its worker
     * @throws IllegalStateException when the loader is closed
     */
    @Override public BatchIterator iterator() {
        if (closed) throw new IllegalStateException("this DataLoader is closed");
        int epoch;
        synchronized (this) {
            epoch = nextEpoch++;
        }
        int[] order = order(epoch);
        return prefetch == 0 ? new SyncIterator(epoch, order) : new AsyncIterator(epoch, order);
    }

    /**
     * Stops every running prefetch worker of this loader and refuses new iterators. Iterators still in use
     * throw {@link IllegalStateException} on their next {@code hasNext()}. Idempotent.
     */
    @Override public void close() {
        closed = true;
        for (Pipe p : livePipes) p.cancel();
    }

    /**
     * The default collation: tensor {@code k} of the batch is {@code Tensor.stack(samples[*][k], 0)}.
     *
     * @param samples one or more samples of equal arity; element {@code k} of every sample has the same shape
     * @return a batch of arity equal to the samples', each tensor of shape {@code (samples.size(), ...)}
     * @throws IllegalArgumentException when the list is empty, arities differ, or shapes differ (the message names
     *     the shapes)
     */
    public static Batch defaultCollate(List<Tensor[]> samples) {
        if (samples.isEmpty()) throw new IllegalArgumentException("cannot collate an empty list of samples");
        int arity = samples.get(0).length;
        if (arity == 0) throw new IllegalArgumentException("sample 0 has no tensors");
        for (int s = 1; s < samples.size(); s++) {
            if (samples.get(s).length != arity) {
                throw new IllegalArgumentException("each sample must have the same number of tensors: sample 0 has " + arity
                        + ", sample " + s + " has " + samples.get(s).length);
            }
        }
        Tensor[] out = new Tensor[arity];
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (int k = 0; k < arity; k++) {
                List<Tensor> col = new ArrayList<>(samples.size());
                for (Tensor[] sample : samples) col.add(sample[k]);
                out[k] = Tensor.stack(col, 0);
            }
        }
        return new Batch(out);
    }

    private int batchStart(int b) { return b * batchSize; }

    private int[] batchIndices(int[] order, int b) {
        int start = batchStart(b);
        return Arrays.copyOfRange(order, start, Math.min(start + batchSize, order.length));
    }

    /** Produces batch {@code b} of an epoch (on whichever thread calls it), without graph recording. */
    private Batch produce(int[] indices) {
        try (GradMode.Guard g = GradMode.noGrad()) {
            if (fastRoot != null) {
                int[] idx = indices.clone();
                for (Subset s : fastChain) {
                    for (int i = 0; i < idx.length; i++) idx[i] = s.indexAt(idx[i]);
                }
                return fastRoot.gather(idx);
            }
            List<Tensor[]> samples = new ArrayList<>(indices.length);
            for (int i : indices) {
                Tensor[] sample = dataset.get(i);
                if (sample == null) throw new IllegalStateException("dataset returned null for index " + i);
                samples.add(sample);
            }
            if (collate == null) return defaultCollate(samples);
            Batch batch = collate.apply(samples);
            if (batch == null) throw new IllegalStateException("the collate function returned null");
            return batch;
        }
    }

    private static String describe(int epoch, int b, int[] indices) {
        int shown = Math.min(indices.length, 8);
        StringBuilder sb = new StringBuilder("batch ").append(b).append(" of epoch ").append(epoch).append(" (samples [");
        for (int i = 0; i < shown; i++) sb.append(i == 0 ? "" : ", ").append(indices[i]);
        if (shown < indices.length) sb.append(", ... ").append(indices.length - shown).append(" more");
        return sb.append("])").toString();
    }

    /** An iterator over one epoch; also {@link AutoCloseable} so that an abandoned epoch can stop its worker at once. */
    public interface BatchIterator extends Iterator<Batch>, AutoCloseable {
        /** The epoch this iterator runs. */
        int epoch();

        /** Stops the epoch: its worker (if any) ends, {@code hasNext()} returns false afterwards. Idempotent. */
        @Override void close();
    }

    private final class SyncIterator implements BatchIterator {
        private final int epoch;
        private final int[] order;
        private final int total;
        private int b;
        private boolean stopped;

        SyncIterator(int epoch, int[] order) {
            this.epoch = epoch;
            this.order = order;
            this.total = numBatches();
        }

        @Override public int epoch() { return epoch; }

        @Override public boolean hasNext() {
            if (stopped || b >= total) return false;
            if (closed) throw new IllegalStateException("the DataLoader was closed during epoch " + epoch);
            return true;
        }

        @Override public Batch next() {
            if (!hasNext()) throw new NoSuchElementException("epoch " + epoch + " has no more batches");
            int[] indices = batchIndices(order, b);
            int current = b++;
            try {
                return produce(indices);
            } catch (RuntimeException e) {
                stopped = true;
                throw new DataLoaderException("DataLoader failed on " + describe(epoch, current, indices) + ": " + e, e);
            }
        }

        @Override public void close() { stopped = true; }
    }

    private static final class Failure {
        final Throwable error;
        final String where;

        Failure(Throwable error, String where) {
            this.error = error;
            this.where = where;
        }
    }

    /** The worker side of a prefetching epoch. Holds no reference to its consumer iterator. */
    private final class Pipe implements Runnable {
        final int epoch;
        final int[] order;
        final BlockingQueue<Object> queue;
        volatile boolean cancelled;
        Thread thread;

        Pipe(int epoch, int[] order) {
            this.epoch = epoch;
            this.order = order;
            this.queue = new ArrayBlockingQueue<>(prefetch);
        }

        @Override public void run() {
            int total = numBatches();
            LOG.debug("DataLoader {} epoch {}: prefetch worker started ({} batches, {} ahead)", id, epoch, total, prefetch);
            try {
                for (int b = 0; b < total && !cancelled; b++) {
                    int[] indices = batchIndices(order, b);
                    Object item;
                    try {
                        item = produce(indices);
                    } catch (Throwable t) {
                        item = new Failure(t, describe(epoch, b, indices));
                    }
                    if (!deliver(item) || item instanceof Failure) return;
                }
                if (!cancelled) deliver(END);
            } finally {
                livePipes.remove(this);
                LOG.debug("DataLoader {} epoch {}: prefetch worker stopped{}", id, epoch, cancelled ? " (cancelled)" : "");
            }
        }

        /** Waits for room in the queue, giving up when cancelled. */
        private boolean deliver(Object item) {
            while (!cancelled) {
                try {
                    if (queue.offer(item, POLL_MS, TimeUnit.MILLISECONDS)) return true;
                } catch (InterruptedException e) {
                    // not expected (nobody interrupts the worker); treat as a stop request
                    cancelled = true;
                    Thread.currentThread().interrupt();
                }
            }
            return false;
        }

        void cancel() {
            cancelled = true;
            queue.clear();
        }
    }

    private final class AsyncIterator implements BatchIterator {
        private final Pipe pipe;
        private final Cleaner.Cleanable cleanable;
        private Batch pending;
        private boolean finished;

        AsyncIterator(int epoch, int[] order) {
            pipe = new Pipe(epoch, order);
            Thread t = new Thread(pipe, WORKER_THREAD_PREFIX + id + "-epoch" + epoch);
            t.setDaemon(true);
            pipe.thread = t;
            livePipes.add(pipe);
            // the cleaning action captures only the pipe, never this iterator
            Pipe p = pipe;
            cleanable = CLEANER.register(this, p::cancel);
            if (closed) { // close() raced with this constructor
                cleanable.clean();
                livePipes.remove(pipe);
                throw new IllegalStateException("this DataLoader is closed");
            }
            t.start();
        }

        @Override public int epoch() { return pipe.epoch; }

        @Override public boolean hasNext() {
            if (pending != null) return true;
            if (finished) return false;
            if (pipe.cancelled) { // only close() of the loader cancels a pipe whose iterator is still in use
                finished = true;
                throw new IllegalStateException("the DataLoader was closed during epoch " + pipe.epoch);
            }
            Object item;
            try {
                while ((item = pipe.queue.poll(POLL_MS, TimeUnit.MILLISECONDS)) == null) {
                    if (pipe.cancelled) {
                        finished = true;
                        throw new IllegalStateException("the DataLoader was closed during epoch " + pipe.epoch);
                    }
                    if (!pipe.thread.isAlive() && pipe.queue.isEmpty()) {
                        finished = true;
                        throw new DataLoaderException("the prefetch worker of epoch " + pipe.epoch + " ended without finishing the epoch", null);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new DataLoaderException("interrupted while waiting for a batch of epoch " + pipe.epoch, e);
            }
            if (item == END) {
                finished = true;
                cleanable.clean();
                return false;
            }
            if (item instanceof Failure) {
                finished = true;
                cleanable.clean();
                Failure f = (Failure) item;
                throw new DataLoaderException("DataLoader worker failed on " + f.where + ": " + f.error, f.error);
            }
            pending = (Batch) item;
            return true;
        }

        @Override public Batch next() {
            if (!hasNext()) throw new NoSuchElementException("epoch " + pipe.epoch + " has no more batches");
            Batch b = pending;
            pending = null;
            return b;
        }

        @Override public void close() {
            finished = true;
            pending = null;
            cleanable.clean();
        }
    }

    /** Configures a {@link DataLoader}; every setter validates its argument. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private boolean shuffle;
        private boolean dropLast;
        private Function<? super List<Tensor[]>, Batch> collate;
        private int prefetch;
        private Long seed;
        private Generator generator;

        private Builder(Dataset dataset) {
            if (dataset == null) throw new IllegalArgumentException("dataset is null");
            this.dataset = dataset;
        }

        /**
         * Samples per batch.
         *
         * @throws IllegalArgumentException when {@code batchSize < 1}
         */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
            this.batchSize = batchSize;
            return this;
        }

        /** Whether each epoch visits the samples in a fresh random order (see {@link #seed}). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Whether to drop the last batch of an epoch when it has fewer than {@code batchSize} samples. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * The shuffle seed: the order of epoch {@code e} depends only on it and {@code e}. Takes precedence over
         * {@link #generator}.
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Draws the shuffle seed from {@code generator} (one {@code nextLong()} at {@link #build()}), so that a
         * generator seeded alike gives the same orders. Without a seed or generator a shuffling loader draws its
         * seed from {@link Generator#defaultGenerator()}.
         */
        public Builder generator(Generator generator) {
            this.generator = generator;
            return this;
        }

        /**
         * A custom collate function (PyTorch's {@code collate_fn}): receives the samples of a batch in order and
         * returns the batch. It runs on the worker thread when prefetching. {@code null} restores the default
         * ({@link DataLoader#defaultCollate}).
         */
        public Builder collate(Function<? super List<Tensor[]>, Batch> collate) {
            this.collate = collate;
            return this;
        }

        /**
         * Batches produced ahead on a background worker thread; 0 (the default) produces batches synchronously
         * in {@code next()}.
         *
         * @throws IllegalArgumentException when negative
         */
        public Builder prefetch(int batchesInFlight) {
            if (batchesInFlight < 0) throw new IllegalArgumentException("prefetch must be >= 0, got " + batchesInFlight);
            this.prefetch = batchesInFlight;
            return this;
        }

        /** The configured loader. */
        public DataLoader build() {
            return new DataLoader(this);
        }
    }
}
