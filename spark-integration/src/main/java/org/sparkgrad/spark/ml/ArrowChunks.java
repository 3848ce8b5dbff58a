package org.sparkgrad.spark.ml;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.execution.arrow.ArrowConverters$;
import org.sparkgrad.arrow.ArrowDataException;
import org.sparkgrad.arrow.ArrowDataLoader;
import org.sparkgrad.arrow.ArrowTensors;
import org.sparkgrad.arrow.NonFinitePolicy;
import org.sparkgrad.arrow.TensorColumn;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * Packs training rows into {@link Chunk}s through Arrow, on executors, without the per-row {@code Row} path:
 * <ul>
 *   <li>{@link #packArrowBatches}: the Arrow IPC record batches Spark itself produces for a partition
 *       ({@code Dataset.toArrowBatchRdd}, at most {@code spark.sql.execution.arrow.maxRecordsPerBatch} rows each),
 *       decoded with arrow-io's bulk copies ({@link ArrowTensors#readColumns}) into the chunk arrays;</li>
 *   <li>{@link #packParquetShard}: Parquet files read directly by the executor with arrow-io's
 *       {@link ArrowDataLoader} (projection on the two columns, units of row-group blocks dealt round-robin to
 *       workers; with {@code shuffle}, the blocks in a seeded random order and rows mixed by the loader's shuffle
 *       buffer), one batch of {@code chunkRows} rows per chunk.</li>
 * </ul>
 * Validation is that of {@link RowReader}: nulls, wrong lengths and NaN/Inf (arrow-io's {@code FAIL} policy, and a
 * finiteness check after narrowing doubles to float) and class labels outside {@code [0, numClasses)}; errors are
 * {@link SparkgradDataException}s naming the column and the row (partition and row within it for the adapter; file
 * and row within the file, or worker and row within its shard, for the Parquet path). Each task uses one
 * {@link RootAllocator}, closed when its iterator ends or the task completes (a leak makes the close fail).
 */
final class ArrowChunks implements Serializable {
    private static final long serialVersionUID = 1L;
    final String featuresCol, labelCol;
    final int[] featuresShape, labelShape;
    final int featureSize, labelSize, numClasses;
    final TaskKind kind;

    ArrowChunks(String featuresCol, int[] featuresShape, String labelCol, int[] labelShape, TaskKind kind, int numClasses) {
        this.featuresCol = featuresCol;
        this.featuresShape = featuresShape.clone();
        this.featureSize = ParameterAveragingTrainer.prod(featuresShape);
        this.labelCol = labelCol;
        this.labelShape = labelShape.clone();
        this.labelSize = Math.max(1, ParameterAveragingTrainer.prod(labelShape));
        this.kind = kind;
        this.numClasses = numClasses;
    }

    private List<TensorColumn> columns() {
        return List.of(TensorColumn.of(featuresCol, featuresShape),
                labelShape.length == 0 ? TensorColumn.of(labelCol) : TensorColumn.of(labelCol, labelShape));
    }

    private static BufferAllocator taskAllocator(List<AutoCloseable> toClose) {
        RootAllocator al = new RootAllocator();
        TaskContext tc = TaskContext.get();
        if (tc != null) tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> closeAll(toClose));
        return al;
    }

    private static void closeAll(List<AutoCloseable> toClose) {
        RuntimeException first = null;
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                if (first == null) first = e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
            }
        }
        toClose.clear();
        if (first != null) throw first;
    }

    // ------------------------------------------------------------------ partition -> Arrow batches adapter

    /**
     * The chunks of one partition given as Spark Arrow record batches (IPC messages without schema, as
     * {@code toArrowBatchRdd} writes them) of the two-column schema {@code schemaJson}.
     */
    Iterator<Chunk> packArrowBatches(int partition, Iterator<byte[]> batches, String schemaJson, int chunkRows, int rmax) {
        List<AutoCloseable> toClose = new ArrayList<>();
        BufferAllocator al = taskAllocator(toClose);
        toClose.add(al);
        Schema schema;
        try {
            schema = Schema.fromJSON(schemaJson);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        VectorSchemaRoot root = VectorSchemaRoot.create(schema, al);
        toClose.add(root);
        VectorLoader loader = new VectorLoader(root);
        List<TensorColumn> cols = columns();
        return new Iterator<Chunk>() {
            int pos, batchRows; // position in the loaded batch
            long batchFirstRow, nextFirstRow; // partition row index of the loaded batch's row 0
            int index;
            boolean loaded, done;

            @Override public boolean hasNext() {
                while (!done && (!loaded || pos >= batchRows)) {
                    if (!batches.hasNext()) {
                        done = true;
                        closeAll(toClose);
                        break;
                    }
                    try (ArrowRecordBatch b = ArrowConverters$.MODULE$.loadBatch(batches.next(), al)) {
                        loader.load(b);
                    }
                    loaded = true;
                    pos = 0;
                    batchRows = root.getRowCount();
                    batchFirstRow = nextFirstRow;
                    nextFirstRow += batchRows;
                }
                return !done;
            }

            @Override public Chunk next() {
                if (!hasNext()) throw new NoSuchElementException();
                float[] x = new float[chunkRows * featureSize], y = new float[chunkRows * labelSize];
                int n = 0;
                while (n < chunkRows && hasNext()) {
                    int k = Math.min(chunkRows - n, batchRows - pos);
                    List<ArrowTensors.ColumnData> cd;
                    try {
                        cd = ArrowTensors.readColumns(root, cols, pos, pos + k, NonFinitePolicy.FAIL,
                                new ArrowTensors.Source(null, batchFirstRow, -1));
                    } catch (ArrowDataException e) {
                        throw new SparkgradDataException(e.column() == null ? featuresCol : e.column(), partition,
                                Math.max(e.row(), batchFirstRow + pos), e.problem());
                    }
                    long row0 = batchFirstRow + pos;
                    putFeatures(cd.get(0), x, n, partition, null, row0);
                    putLabels(cd.get(1), y, n, partition, null, row0);
                    n += k;
                    pos += k;
                }
                if (index >= rmax) throw new IllegalStateException("partition " + partition + " changed size between passes");
                return new Chunk(partition, index++, n, trim(x, n * featureSize), trim(y, n * labelSize));
            }
        };
    }

    // ------------------------------------------------------------------ plain Parquet scan

    /** The loader of worker {@code w}'s shard of the files: units dealt round-robin, in file order, no shuffle. */
    private ArrowDataLoader loader(List<String> files, int worker, int workers, int chunkRows, boolean shuffle, long seed,
                                   BufferAllocator al) {
        List<Path> paths = new ArrayList<>();
        for (String f : files) paths.add(Path.of(java.net.URI.create(f)));
        return ArrowDataLoader.builder(paths).columns(columns().toArray(new TensorColumn[0])).batchSize(chunkRows)
                .blockRows(chunkRows).shuffle(shuffle).seed(seed).dropLast(false).prefetchBatches(1).shard(worker, workers)
                .nonFinite(NonFinitePolicy.FAIL).allocator(al).build();
    }

    /** Rows of worker {@code w}'s shard, from the Parquet footers alone. */
    long parquetShardRows(List<String> files, int worker, int workers, int chunkRows, boolean shuffle, long seed) {
        try (BufferAllocator al = new RootAllocator(); ArrowDataLoader l = loader(files, worker, workers, chunkRows, shuffle, seed, al)) {
            return l.rowsPerEpoch();
        } catch (ArrowDataException e) {
            throw wrap(e, worker);
        }
    }

    /** The chunks of worker {@code w}'s shard of the Parquet files, read on this executor. */
    Iterator<Chunk> packParquetShard(List<String> files, int worker, int workers, int chunkRows, int rmax, boolean shuffle, long seed) {
        List<AutoCloseable> toClose = new ArrayList<>();
        BufferAllocator al = taskAllocator(toClose);
        toClose.add(al);
        ArrowDataLoader l;
        try {
            l = loader(files, worker, workers, chunkRows, shuffle, seed, al);
        } catch (ArrowDataException e) {
            closeAll(toClose);
            throw wrap(e, worker);
        }
        toClose.add(l);
        Iterator<Batch> it = l.iterator();
        if (it instanceof AutoCloseable) toClose.add((AutoCloseable) it);
        return new Iterator<Chunk>() {
            long row;
            int index;
            boolean done;

            @Override public boolean hasNext() {
                if (done) return false;
                boolean more;
                try {
                    more = it.hasNext();
                } catch (ArrowDataException e) {
                    throw wrap(e, worker);
                }
                if (!more) {
                    done = true;
                    closeAll(toClose);
                }
                return more;
            }

            @Override public Chunk next() {
                if (!hasNext()) throw new NoSuchElementException();
                Batch b;
                try {
                    b = it.next();
                } catch (ArrowDataException e) {
                    throw wrap(e, worker);
                }
                int n = b.size();
                float[] x = new float[n * featureSize], y = new float[n * labelSize];
                putFeatures(data(b.get(0)), x, 0, worker, "shard", row);
                putLabels(data(b.get(1)), y, 0, worker, "shard", row);
                row += n;
                if (index >= rmax) throw new IllegalStateException("worker " + worker + " shard changed size between passes");
                return new Chunk(worker, index++, n, x, y);
            }
        };
    }

    private static SparkgradDataException wrap(ArrowDataException e, int worker) {
        String col = e.column() == null ? "?" : e.column();
        if (e.file() != null) return new SparkgradDataException(col, e.file(), e.row(), e.problem() + (e.rowGroup() >= 0 ? " (row group " + e.rowGroup() + ")" : ""));
        return new SparkgradDataException(col, worker, e.row(), e.problem());
    }

    /** A column's values as a flat primitive array with its row count and sample size. */
    private record Data(Object array, int rows, int sampleSize, DType dtype) {}

    private static Data data(Tensor t) {
        int rows = t.dim() == 0 ? 1 : t.size(0);
        int s = rows == 0 ? 0 : (int) (t.numel() / rows);
        Object a = switch (t.dtype()) {
            case FLOAT32, FLOAT16, BFLOAT16 -> t.toFloatArray();
            case FLOAT64 -> t.toDoubleArray();
            default -> t.toLongArray();
        };
        return new Data(a, rows, s, t.dtype());
    }

    private static Data data(ArrowTensors.ColumnData c) {
        Object a = c.floats != null ? c.floats : c.doubles != null ? c.doubles : c.halves != null ? c.halves : c.longs;
        return new Data(a, c.rows, c.sampleSize(), c.dtype);
    }

    private void putFeatures(ArrowTensors.ColumnData c, float[] x, int at, int part, String where, long row0) {
        putFeatures(data(c), x, at, part, where, row0);
    }

    private void putLabels(ArrowTensors.ColumnData c, float[] y, int at, int part, String where, long row0) {
        putLabels(data(c), y, at, part, where, row0);
    }

    private void putFeatures(Data d, float[] x, int at, int part, String where, long row0) {
        copy(d, featuresCol, featureSize, x, at, part, row0);
    }

    private void putLabels(Data d, float[] y, int at, int part, String where, long row0) {
        copy(d, labelCol, labelSize, y, at, part, row0);
        if (kind == TaskKind.CLASSIFICATION) {
            for (int i = 0; i < d.rows; i++) {
                double v = labelValue(d, i);
                if (v != Math.rint(v) || v < 0 || v >= numClasses) {
                    throw new SparkgradDataException(labelCol, part, row0 + i, "label " + v
                            + " is not a class index in [0, " + numClasses + ")");
                }
            }
        }
    }

    private static double labelValue(Data d, int i) {
        if (d.array instanceof float[] f) return f[i];
        if (d.array instanceof double[] a) return a[i];
        if (d.array instanceof short[] h) return org.sparkgrad.tensor.HalfFloat.halfToFloat(h[i]);
        return ((long[]) d.array)[i];
    }

    /** Copies rows into {@code dst} at row {@code at} as float, checking the sample size and finiteness after narrowing. */
    private static void copy(Data d, String col, int size, float[] dst, int at, int part, long row0) {
        if (d.rows > 0 && d.sampleSize != size) {
            throw new SparkgradDataException(col, part, row0, "samples of " + d.sampleSize + " elements do not match the expected "
                    + size + " elements");
        }
        int n = d.rows * size, off = at * size;
        if (d.array instanceof float[] f) {
            System.arraycopy(f, 0, dst, off, n);
            return; // arrow-io's FAIL policy has checked NaN/Inf
        }
        if (d.array instanceof double[] a) {
            for (int i = 0; i < n; i++) {
                float v = (float) a[i];
                if (Float.isInfinite(v)) {
                    throw new SparkgradDataException(col, part, row0 + i / size, "non-finite value " + v + " at index " + (i % size)
                            + " (" + a[i] + " overflows float)");
                }
                dst[off + i] = v;
            }
            return;
        }
        if (d.array instanceof short[] h) { // float16 widens exactly; arrow-io's FAIL policy has checked NaN/Inf
            for (int i = 0; i < n; i++) dst[off + i] = org.sparkgrad.tensor.HalfFloat.halfToFloat(h[i]);
            return;
        }
        long[] l = (long[]) d.array;
        for (int i = 0; i < n; i++) dst[off + i] = l[i];
    }

    private static float[] trim(float[] a, int n) {
        return a.length == n ? a : java.util.Arrays.copyOf(a, n);
    }
}
