package org.sparkgrad.arrow;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.sparkgrad.tensor.DType;

/**
 * Reads a planned sequence of {@link Unit}s (row blocks of Parquet row groups, record batches of IPC files, whole
 * IPC streams) and turns them into heap {@link Chunk}s of at most {@code chunkRows} rows, file by file.
 * Used by {@link ArrowTensorReader} (all units in file order) and {@link ArrowDataLoader} (shuffled, sharded).
 *
 * <p>Parquet is scanned in native batches of {@code scanRows} rows (at least {@code chunkRows}), whatever the chunk
 * size. The dataset JNI decodes whole row groups, on its CPU thread pool, reads ahead about 16 scan batches' worth
 * of rows (Arrow's default batch read-ahead), and cuts row groups into scan batches; every scan batch that starts
 * inside a row group is copied once more natively (the JNI re-bases sliced arrays before exporting them), so scan
 * batches as large as the row groups save that copy and most hand-overs (measured: about 10-15% less CPU per MB
 * than 1024-row scan batches on 8192-row row groups).
 *
 * <p>Read-ahead across files: while a file is being read, the next file of the plan, if it is Parquet, is opened
 * and starts decoding on its {@link ColumnarFileReader} scan-ahead thread, so that its native decode overlaps the
 * conversion of the current file (a Spark part file is often a single row group, which the JNI decodes on one
 * thread). Chunks still come out in plan order, and an error in opening or reading the next file is raised only
 * when the stream reaches that file, after every row before it.
 *
 * <p>Memory: at most two files open (the current one and the next), each with at most three Arrow batches of
 * {@code scanRows} rows held by its {@link ColumnarFileReader} (off-heap, in the given allocator) plus the native
 * decoder's own buffers (the row groups being decoded and read ahead, outside the allocator); one heap copy at a
 * time. A Parquet file is scanned from its start (the dataset JNI cannot seek to a row group); rows of
 * units not asked for are decoded natively and dropped without a heap copy, and the scan stops after the last unit
 * asked for.
 */
final class ChunkStream implements AutoCloseable {

    /**
     * A unit of reading and of sharding.
     *
     * @param fileIndex index into the file list
     * @param part Parquet row group, IPC file record batch, or -1 for a whole IPC stream
     * @param firstRow first row within the file (Parquet row block, IPC file record batch), 0 for an IPC stream
     * @param rows row count, or -1 when not known before reading (IPC stream)
     */
    record Unit(int fileIndex, int part, long firstRow, long rows) {
        long endRow() {
            return firstRow + rows;
        }
    }

    /** Rows read from one unit: column data in column order, the file and where they start in it. */
    record Chunk(List<ArrowTensors.ColumnData> columns, int rows, Path file, long firstRow, int rowGroup) {}

    private final List<Path> files;
    private final List<DataFormat> formats;
    private final List<TensorColumn> columns;
    private final String[] projection;
    private final int chunkRows;
    private final int scanRows;
    private final NonFinitePolicy policy;
    private final ArrowTensors.Stats stats;
    private final BufferAllocator allocator;
    private final List<List<Unit>> groups = new ArrayList<>();
    private final int[][] knownShapes;
    private final DType[] knownTypes;
    private final Deque<Chunk> pending = new ArrayDeque<>();
    private int group = -1;
    private ColumnarFileReader reader;
    // the next group's file, opened ahead (Parquet only): its reader, or the error its opening threw
    private int aheadGroup = -1;
    private ColumnarFileReader aheadReader;
    private RuntimeException aheadError;
    private List<TensorColumn.Resolved> resolved;
    private volatile boolean closed;

    ChunkStream(List<Path> files, List<DataFormat> formats, List<Unit> units, List<TensorColumn> columns,
            int chunkRows, NonFinitePolicy policy, ArrowTensors.Stats stats, BufferAllocator allocator) {
        this(files, formats, units, columns, chunkRows, chunkRows, policy, stats, allocator);
    }

    ChunkStream(List<Path> files, List<DataFormat> formats, List<Unit> units, List<TensorColumn> columns,
            int chunkRows, int scanRows, NonFinitePolicy policy, ArrowTensors.Stats stats, BufferAllocator allocator) {
        this.scanRows = Math.max(chunkRows, scanRows);
        this.files = files;
        this.formats = formats;
        this.columns = columns;
        this.projection = columns.stream().map(TensorColumn::name).distinct().toArray(String[]::new);
        this.chunkRows = chunkRows;
        this.policy = policy;
        this.stats = stats;
        this.allocator = allocator;
        this.knownShapes = new int[columns.size()][];
        this.knownTypes = new DType[columns.size()];
        List<Unit> cur = null;
        for (Unit u : units) {
            if (cur == null || cur.get(0).fileIndex() != u.fileIndex()) {
                cur = new ArrayList<>();
                groups.add(cur);
            }
            cur.add(u);
        }
        for (int g = 0; g < groups.size(); g++) {
            List<Unit> l = groups.get(g);
            if (formats.get(l.get(0).fileIndex()) == DataFormat.PARQUET) {
                List<Unit> sorted = new ArrayList<>(l);
                sorted.sort(Comparator.comparingLong(Unit::firstRow));
                groups.set(g, sorted);
            }
        }
    }

    /**
     * Plans the units of files: a Parquet row group is split into blocks of at most {@code blockRows} rows; an IPC
     * file gives one unit per record batch; an IPC stream one unit.
     */
    static List<Unit> plan(List<Path> files, List<DataFormat> formats, long blockRows, BufferAllocator allocator) {
        List<Unit> out = new ArrayList<>();
        for (int f = 0; f < files.size(); f++) {
            switch (formats.get(f)) {
                case PARQUET:
                    for (ParquetFooter.RowGroup rg : ParquetFooter.read(files.get(f)).rowGroups()) {
                        for (long r = 0; r < rg.numRows(); r += blockRows) {
                            out.add(new Unit(f, rg.index(), rg.firstRow() + r, Math.min(blockRows, rg.numRows() - r)));
                        }
                    }
                    break;
                case ARROW_FILE:
                    try (ColumnarFileReader r = ColumnarFileReader.open(files.get(f), DataFormat.ARROW_FILE, null, 1,
                            allocator)) {
                        long[] rows = r.recordBatchRows();
                        long first = 0;
                        for (int b = 0; b < rows.length; b++) {
                            out.add(new Unit(f, b, first, rows[b]));
                            first += rows[b];
                        }
                    }
                    break;
                default:
                    out.add(new Unit(f, -1, 0, -1));
            }
        }
        return out;
    }

    /** The next chunk, or {@code null} when every unit has been read. */
    Chunk next() {
        while (pending.isEmpty()) {
            if (closed || !step()) {
                return null;
            }
        }
        return pending.poll();
    }

    // reading state of the open group
    private int unitCursor;
    private int streamBatch;
    private long lastEnd;

    /** Reads one Arrow batch (opening the next file when needed); false when nothing is left. */
    private boolean step() {
        if (reader == null) {
            group++;
            if (group >= groups.size()) {
                return false;
            }
            openGroup();
            return true;
        }
        List<Unit> units = groups.get(group);
        Path file = reader.file();
        boolean more;
        switch (reader.format()) {
            case PARQUET: {
                more = unitCursor < units.size() && reader.next();
                if (more) {
                    VectorSchemaRoot root = reader.root();
                    long a = reader.batchFirstRow();
                    long b = a + root.getRowCount();
                    while (unitCursor < units.size() && units.get(unitCursor).endRow() <= a) {
                        unitCursor++;
                    }
                    for (int j = unitCursor; j < units.size() && units.get(j).firstRow() < b; j++) {
                        Unit u = units.get(j);
                        long from = Math.max(a, u.firstRow());
                        long to = Math.min(b, u.endRow());
                        if (from < to) {
                            emit(root, (int) (from - a), (int) (to - a), file, a, u.part());
                        }
                    }
                    more = b < lastEnd; // nothing asked for further on: stop decoding
                }
                break;
            }
            case ARROW_FILE: {
                more = unitCursor < units.size();
                if (more) {
                    Unit u = units.get(unitCursor++);
                    reader.load(u.part());
                    VectorSchemaRoot root = reader.root();
                    if (u.rows() >= 0 && root.getRowCount() != u.rows()) {
                        throw new ArrowDataException("record batch holds " + root.getRowCount()
                                + " rows but its header says " + u.rows(), file, null, u.firstRow(), u.part());
                    }
                    // rows are numbered within the file: this batch starts after every earlier batch's rows
                    emit(root, 0, root.getRowCount(), file, u.firstRow(), u.part());
                    more = unitCursor < units.size();
                }
                break;
            }
            default: {
                more = reader.next();
                if (more) {
                    VectorSchemaRoot root = reader.root();
                    emit(root, 0, root.getRowCount(), file, reader.batchFirstRow(), streamBatch++);
                }
            }
        }
        if (!more) {
            closeReader();
        }
        return true;
    }

    private void openGroup() {
        List<Unit> units = groups.get(group);
        int fi = units.get(0).fileIndex();
        Path file = files.get(fi);
        unitCursor = 0;
        streamBatch = 0;
        lastEnd = units.get(units.size() - 1).endRow();
        if (aheadGroup == group) {
            aheadGroup = -1;
            RuntimeException e = aheadError;
            aheadError = null;
            if (e != null) {
                throw e;
            }
            reader = aheadReader;
            aheadReader = null;
        } else {
            closeAhead();
            reader = open(group);
        }
        resolved = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            TensorColumn.Resolved r = columns.get(i).resolve(reader.schema(), file);
            if (knownTypes[i] != null && knownTypes[i] != r.dtype()) {
                closeReader();
                throw new ArrowDataException("wrong column type: " + r.dtype() + " here but " + knownTypes[i]
                        + " in earlier files", file, r.name(), -1, -1);
            }
            if (r.sampleShape() == null && knownShapes[i] != null) {
                r = r.withShape(knownShapes[i]);
            } else if (r.sampleShape() != null && knownShapes[i] != null && !Arrays.equals(knownShapes[i], r.sampleShape())) {
                closeReader();
                throw new ArrowDataException("sample shape " + Arrays.toString(r.sampleShape()) + " here but "
                        + Arrays.toString(knownShapes[i]) + " in earlier files", file, r.name(), -1, -1);
            }
            resolved.add(r);
        }
        openAhead(group + 1);
    }

    private ColumnarFileReader open(int g) {
        int fi = groups.get(g).get(0).fileIndex();
        DataFormat fmt = formats.get(fi);
        return ColumnarFileReader.open(files.get(fi), fmt, fmt == DataFormat.PARQUET ? projection : null, scanRows,
                allocator);
    }

    /** Opens group {@code g}'s file ahead and starts its scan, when it is Parquet. */
    private void openAhead(int g) {
        if (g >= groups.size() || formats.get(groups.get(g).get(0).fileIndex()) != DataFormat.PARQUET) {
            return;
        }
        aheadGroup = g;
        try {
            aheadReader = open(g);
            aheadReader.startScan();
        } catch (RuntimeException e) {
            if (aheadReader != null) {
                closeQuietly(aheadReader);
                aheadReader = null;
            }
            aheadError = e; // raised when the stream reaches this file
        }
    }

    private void closeAhead() {
        aheadGroup = -1;
        aheadError = null;
        if (aheadReader != null) {
            ColumnarFileReader r = aheadReader;
            aheadReader = null;
            r.close();
        }
    }

    private static void closeQuietly(ColumnarFileReader r) {
        try {
            r.close();
        } catch (RuntimeException ignored) {
            // the first error wins
        }
    }

    /** Converts rows [from, to) of the root (whose row 0 is file row {@code base}) into chunks. */
    private void emit(VectorSchemaRoot root, int from, int to, Path file, long base, int part) {
        for (int s = from; s < to; s += chunkRows) {
            int e = Math.min(to, s + chunkRows);
            List<ArrowTensors.ColumnData> cols = ArrowTensors.readRows(root, resolved, s, e, policy,
                    new ArrowTensors.Source(file, base, part), stats);
            for (int i = 0; i < cols.size(); i++) {
                if (knownShapes[i] == null) {
                    knownShapes[i] = cols.get(i).sampleShape.clone();
                    knownTypes[i] = cols.get(i).dtype;
                    resolved.set(i, resolved.get(i).withShape(knownShapes[i]));
                }
            }
            int rows = cols.isEmpty() ? e - s : cols.get(0).rows;
            if (rows > 0) {
                pending.add(new Chunk(cols, rows, file, base + s, part));
            }
        }
    }

    /** The resolved shapes seen so far (for callers that report them). */
    int[] sampleShape(int column) {
        return knownShapes[column] == null ? null : knownShapes[column].clone();
    }

    private void closeReader() {
        if (reader != null) {
            ColumnarFileReader r = reader;
            reader = null;
            r.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        pending.clear();
        try {
            closeReader();
        } finally {
            closeAhead();
        }
    }
}
