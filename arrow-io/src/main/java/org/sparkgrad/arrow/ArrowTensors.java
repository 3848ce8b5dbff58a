package org.sparkgrad.arrow;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkgrad.backend.ArrayChecks;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.HalfFloat;
import org.sparkgrad.tensor.Tensor;

/**
 * Conversions between Arrow vectors and {@link Tensor}s.
 *
 * <p>Reading: a {@link VectorSchemaRoot} batch of {@code rows} rows becomes, per column, a tensor of shape
 * {@code (rows, *sampleShape)} (a scalar column gives {@code (rows)}), with one bulk copy from Arrow memory per
 * column (the Arrow buffer is viewed as a little-endian {@code FloatBuffer} and copied in one call; nothing is
 * boxed). Every row is checked: no nulls, list length equal to the sample size, and finite values under the given
 * {@link NonFinitePolicy}. Errors are {@link ArrowDataException}s that name the file, column and row.
 *
 * <p>Writing: a tensor of shape {@code (rows, *sampleShape)} becomes a non-nullable vector of the chosen
 * {@link TensorColumn.Layout} whose field carries the shape under {@value TensorColumn#SHAPE_KEY}.
 *
 * <p>dtypes: float32 elements ↔ FLOAT32, float64 ↔ FLOAT64, float16 ({@code halffloat}) ↔ FLOAT16, integers → INT64
 * (INT64 tensors are written as int64); BFLOAT16 has no Arrow type and is refused on writing.
 */
public final class ArrowTensors {
    private static final Logger LOG = LoggerFactory.getLogger(ArrowTensors.class);
    private static final int COPY_CHUNK = 1 << 26; // elements per nioBuffer view (256 MiB of floats)

    private ArrowTensors() {}

    /** Where rows come from, for error messages: file, row of vector index 0 within the file, row group. */
    public record Source(Object file, long firstRow, int rowGroup) {
        /** An in-memory batch. */
        public static final Source MEMORY = new Source(null, 0, -1);
    }

    /**
     * The primitive contents of {@code rows} samples of one column: exactly one of {@code floats}, {@code doubles},
     * {@code longs} is set, with {@code rows * sampleSize} elements in row-major order.
     */
    public static final class ColumnData {
        public final String name;
        public final DType dtype;
        public final int[] sampleShape;
        public final int rows;
        public final float[] floats;
        public final double[] doubles;
        public final long[] longs;
        /** The 16-bit patterns of a float16 column (null for other dtypes). */
        public final short[] halves;

        ColumnData(String name, DType dtype, int[] sampleShape, int rows, float[] f, double[] d, long[] l) {
            this(name, dtype, sampleShape, rows, f, d, l, null);
        }

        ColumnData(String name, DType dtype, int[] sampleShape, int rows, float[] f, double[] d, long[] l, short[] h) {
            this.halves = h;
            this.name = name;
            this.dtype = dtype;
            this.sampleShape = sampleShape;
            this.rows = rows;
            this.floats = f;
            this.doubles = d;
            this.longs = l;
        }

        public int sampleSize() {
            return TensorColumn.numel(sampleShape);
        }

        /** Shape {@code (rows, *sampleShape)}. */
        public int[] tensorShape() {
            int[] s = new int[sampleShape.length + 1];
            s[0] = rows;
            System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
            return s;
        }

        /** The tensor over this data (the array is handed over, not copied). */
        public Tensor toTensor() {
            if (floats != null) {
                return Tensor.fromArray(floats, tensorShape());
            }
            if (doubles != null) {
                return Tensor.fromArray(doubles, tensorShape());
            }
            if (halves != null) {
                return Tensor.fromBits(halves, DType.FLOAT16, tensorShape());
            }
            return Tensor.fromArray(longs, tensorShape());
        }

        /** Element {@code i} as a double. */
        public double get(int i) {
            return floats != null ? floats[i] : doubles != null ? doubles[i]
                    : halves != null ? HalfFloat.halfToFloat(halves[i]) : longs[i];
        }

        Object array() {
            return floats != null ? floats : doubles != null ? doubles : halves != null ? halves : longs;
        }

        /** A copy without the rows set in {@code drop}. */
        ColumnData without(BitSet drop) {
            int s = sampleSize();
            int keep = rows - drop.cardinality();
            Object src = array();
            Object dst = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), keep * s);
            int o = 0;
            for (int r = 0; r < rows; r++) {
                if (!drop.get(r)) {
                    System.arraycopy(src, r * s, dst, o * s, s);
                    o++;
                }
            }
            return new ColumnData(name, dtype, sampleShape, keep, dst instanceof float[] f ? f : null,
                    dst instanceof double[] d ? d : null, dst instanceof long[] l ? l : null,
                    dst instanceof short[] h ? h : null);
        }
    }

    // =============================================================== reading

    /**
     * Reads one column of a batch as a tensor {@code (rows, *sampleShape)} (non-finite values fail).
     *
     * @throws ArrowDataException on a missing column, wrong type, null, wrong list length, NaN or Inf
     */
    public static Tensor toTensor(VectorSchemaRoot root, TensorColumn column) {
        TensorColumn.Resolved r = column.resolve(root.getSchema(), null);
        return read(root.getVector(column.name()), r, 0, root.getRowCount(), NonFinitePolicy.FAIL, Source.MEMORY, null)
                .toTensor();
    }

    /**
     * Reads several columns of a batch into a {@link Batch} (tensor {@code i} = column {@code i}; by convention
     * features first, labels second).
     *
     * @throws ArrowDataException as {@link #toTensor(VectorSchemaRoot, TensorColumn)}
     */
    public static Batch toBatch(VectorSchemaRoot root, List<TensorColumn> columns, NonFinitePolicy policy) {
        List<TensorColumn.Resolved> rs = new ArrayList<>();
        for (TensorColumn c : columns) {
            rs.add(c.resolve(root.getSchema(), null));
        }
        List<ColumnData> cols = readRows(root, rs, 0, root.getRowCount(), policy, Source.MEMORY, null);
        Tensor[] ts = new Tensor[cols.size()];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = cols.get(i).toTensor();
        }
        return new Batch(ts);
    }

    /**
     * Reads rows {@code [from, to)} of the given columns of a batch into heap arrays (one bulk copy per column), for
     * callers that pack rows into their own buffers (Spark's partition-to-Arrow adapter). {@code src} names the rows in
     * errors: {@link ArrowDataException#row()} is {@code src.firstRow() + i} for vector index {@code i}.
     *
     * @throws ArrowDataException on a missing column, wrong type, null, wrong list length, or NaN/Inf under FAIL
     */
    public static List<ColumnData> readColumns(VectorSchemaRoot root, List<TensorColumn> columns, int from, int to,
            NonFinitePolicy policy, Source src) {
        List<TensorColumn.Resolved> rs = new ArrayList<>();
        for (TensorColumn c : columns) {
            rs.add(c.resolve(root.getSchema(), src.file()));
        }
        return readRows(root, rs, from, to, policy, src, null);
    }

    /** Counters of what a {@link NonFinitePolicy} changed. Thread-safe. */
    public static final class Stats {
        final java.util.concurrent.atomic.AtomicLong skippedRows = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong zeroedValues = new java.util.concurrent.atomic.AtomicLong();

        /** Rows dropped under {@link NonFinitePolicy#SKIP}. */
        public long skippedRows() {
            return skippedRows.get();
        }

        /** Values replaced under {@link NonFinitePolicy#ZERO}. */
        public long zeroedValues() {
            return zeroedValues.get();
        }
    }

    /**
     * Reads rows {@code [from, to)} of the given columns; applies the non-finite policy across all of them (a row
     * skipped in one column is skipped in all). Columns with an unknown list shape get it from their first row: the
     * returned {@link ColumnData#sampleShape} tells what was used.
     */
    static List<ColumnData> readRows(VectorSchemaRoot root, List<TensorColumn.Resolved> columns, int from, int to,
            NonFinitePolicy policy, Source src, Stats stats) {
        BitSet bad = policy == NonFinitePolicy.SKIP ? new BitSet() : null;
        List<ColumnData> out = new ArrayList<>(columns.size());
        for (TensorColumn.Resolved c : columns) {
            FieldVector v = root.getVector(c.name());
            if (v == null) {
                throw new ArrowDataException("missing column", src.file(), c.name(), -1, src.rowGroup());
            }
            out.add(read(v, c, from, to, policy, src, bad, stats));
        }
        if (bad != null && !bad.isEmpty()) {
            int n = bad.cardinality();
            if (stats != null) {
                stats.skippedRows.addAndGet(n);
            }
            LOG.warn("skipped {} row(s) with NaN/Inf (first at row {}) in {}", n, src.firstRow() + from + bad.nextSetBit(0),
                    src.file() == null ? "<memory>" : src.file());
            out.replaceAll(cd -> cd.without(bad));
        }
        return out;
    }

    static ColumnData read(FieldVector v, TensorColumn.Resolved c, int from, int to, NonFinitePolicy policy,
            Source src, Stats stats) {
        BitSet bad = policy == NonFinitePolicy.SKIP ? new BitSet() : null;
        ColumnData d = read(v, c, from, to, policy, src, bad, stats);
        return bad == null || bad.isEmpty() ? d : d.without(bad);
    }

    private static ColumnData read(FieldVector v, TensorColumn.Resolved c, int from, int to, NonFinitePolicy policy,
            Source src, BitSet bad, Stats stats) {
        int rows = to - from;
        if (from < 0 || to > v.getValueCount() || rows < 0) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") outside a vector of " + v.getValueCount());
        }
        checkNoNulls(v, from, to, c.name(), src);
        switch (c.layout()) {
            case SCALAR:
                return readScalar(v, c, from, to, policy, src, bad, stats);
            case LIST: {
                ListVector lv = (ListVector) v;
                int[] shape = c.sampleShape();
                ArrowBuf offs = lv.getOffsetBuffer();
                if (shape == null) {
                    int len = rows == 0 ? 0 : offs.getInt((from + 1) * 4L) - offs.getInt(from * 4L);
                    if (rows > 0 && len == 0) {
                        throw new ArrowDataException("empty list: cannot take a sample shape from it", src.file(), c.name(),
                                src.firstRow() + from, src.rowGroup());
                    }
                    shape = new int[] {len};
                }
                int s = TensorColumn.numel(shape);
                int start = rows == 0 ? 0 : offs.getInt(from * 4L);
                int prev = start;
                for (int i = from; i < to; i++) {
                    int end = offs.getInt((i + 1) * 4L);
                    if (end - prev != s) {
                        throw new ArrowDataException("list of length " + (end - prev) + " where the sample shape "
                                + Arrays.toString(shape) + " needs " + s, src.file(), c.name(), src.firstRow() + i, src.rowGroup());
                    }
                    prev = end;
                }
                return readElements(lv.getDataVector(), c, shape, start, from, rows, policy, src, bad, stats);
            }
            case FIXED_SIZE_LIST:
            case FIXED_SHAPE_TENSOR: {
                FixedSizeListVector fv = v instanceof FixedSizeListVector f ? f
                        : ((FixedShapeTensorType.Vector) v).getUnderlyingVector();
                int s = fv.getListSize();
                int[] shape = c.sampleShape() == null ? new int[] {s} : c.sampleShape();
                if (TensorColumn.numel(shape) != s) {
                    throw new ArrowDataException("fixed_size_list of " + s + " where the sample shape "
                            + Arrays.toString(shape) + " needs " + TensorColumn.numel(shape), src.file(), c.name(), -1,
                            src.rowGroup());
                }
                return readElements(fv.getDataVector(), c, shape, from * s, from, rows, policy, src, bad, stats);
            }
            default:
                throw new IllegalStateException(c.layout().toString());
        }
    }

    private static void checkNoNulls(FieldVector v, int from, int to, String col, Source src) {
        if (v.getNullCount() == 0) {
            return;
        }
        for (int i = from; i < to; i++) {
            if (v.isNull(i)) {
                throw new ArrowDataException("null value", src.file(), col, src.firstRow() + i, src.rowGroup());
            }
        }
    }

    private static ColumnData readElements(FieldVector child, TensorColumn.Resolved c, int[] shape, int elemStart,
            int fromRow, int rows, NonFinitePolicy policy, Source src, BitSet bad, Stats stats) {
        int s = TensorColumn.numel(shape);
        long total = (long) rows * s;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("batch too large for one tensor: " + rows + " x " + s);
        }
        int n = (int) total;
        if (elemStart + (long) n > child.getValueCount()) {
            throw new ArrowDataException("values vector shorter than its offsets say (corrupt batch)", src.file(),
                    c.name(), src.firstRow() + fromRow, src.rowGroup());
        }
        if (child.getNullCount() > 0) {
            for (int e = elemStart; e < elemStart + n; e++) {
                if (child.isNull(e)) {
                    throw new ArrowDataException("null element at index " + ((e - elemStart) % s) + " of the sample",
                            src.file(), c.name(), src.firstRow() + fromRow + (e - elemStart) / s, src.rowGroup());
                }
            }
        }
        if (child instanceof Float4Vector fv) {
            float[] a = new float[n];
            copyFloats(fv.getDataBuffer(), elemStart, a, n);
            checkFinite(a, s, fromRow, c.name(), policy, src, bad, stats);
            return new ColumnData(c.name(), DType.FLOAT32, shape, rows, a, null, null);
        }
        if (child instanceof Float8Vector dv) {
            double[] a = new double[n];
            copyDoubles(dv.getDataBuffer(), elemStart, a, n);
            checkFinite(a, s, fromRow, c.name(), policy, src, bad, stats);
            return new ColumnData(c.name(), DType.FLOAT64, shape, rows, null, a, null);
        }
        if (child instanceof Float2Vector hv) {
            short[] a = new short[n];
            copyShorts(hv.getDataBuffer(), elemStart, a, n);
            checkFinite(a, s, fromRow, c.name(), policy, src, bad, stats);
            return new ColumnData(c.name(), DType.FLOAT16, shape, rows, null, null, null, a);
        }
        if (child instanceof BaseIntVector iv) {
            long[] a = new long[n];
            if (child instanceof BigIntVector bv) {
                copyLongs(bv.getDataBuffer(), elemStart, a, n);
            } else {
                for (int i = 0; i < n; i++) {
                    a[i] = iv.getValueAsLong(elemStart + i);
                }
            }
            return new ColumnData(c.name(), DType.INT64, shape, rows, null, null, a);
        }
        throw new ArrowDataException("wrong element type " + child.getField().getType() + " (expected float32)",
                src.file(), c.name(), -1, src.rowGroup());
    }

    private static ColumnData readScalar(FieldVector v, TensorColumn.Resolved c, int from, int to,
            NonFinitePolicy policy, Source src, BitSet bad, Stats stats) {
        int rows = to - from;
        int[] shape = c.sampleShape() == null ? new int[0] : c.sampleShape();
        if (v instanceof Float4Vector fv) {
            float[] a = new float[rows];
            copyFloats(fv.getDataBuffer(), from, a, rows);
            checkFinite(a, 1, from, c.name(), policy, src, bad, stats);
            return new ColumnData(c.name(), DType.FLOAT32, shape, rows, a, null, null);
        }
        if (v instanceof Float8Vector dv) {
            double[] a = new double[rows];
            copyDoubles(dv.getDataBuffer(), from, a, rows);
            checkFinite(a, 1, from, c.name(), policy, src, bad, stats);
            return new ColumnData(c.name(), DType.FLOAT64, shape, rows, null, a, null);
        }
        if (v instanceof Float2Vector hv) {
            short[] a = new short[rows];
            copyShorts(hv.getDataBuffer(), from, a, rows);
            checkFinite(a, 1, from, c.name(), policy, src, bad, stats);
            return new ColumnData(c.name(), DType.FLOAT16, shape, rows, null, null, null, a);
        }
        if (v instanceof BaseIntVector iv) {
            long[] a = new long[rows];
            if (v instanceof BigIntVector bv) {
                copyLongs(bv.getDataBuffer(), from, a, rows);
            } else {
                for (int i = 0; i < rows; i++) {
                    a[i] = iv.getValueAsLong(from + i);
                }
            }
            return new ColumnData(c.name(), DType.INT64, shape, rows, null, null, a);
        }
        throw new ArrowDataException("wrong column type " + v.getField().getType() + " for a scalar column",
                src.file(), c.name(), -1, src.rowGroup());
    }

    private static void checkFinite(float[] a, int s, int fromRow, String col, NonFinitePolicy policy, Source src,
            BitSet bad, Stats stats) {
        if (policy == null) {
            return; // describe: keep values as they are
        }
        int first = ArrayChecks.firstNonFinite(a, 0, a.length);
        if (first < 0) {
            return;
        }
        long zeroed = 0;
        for (int i = first; i < a.length; i++) {
            float x = a[i];
            if (x - x != 0f && nonFinite(policy, Float.isNaN(x), i, s, fromRow, col, src, bad)) { // NaN or ±Inf
                a[i] = 0f;
                zeroed++;
            }
        }
        noteZeroed(zeroed, col, src, stats);
    }

    private static void checkFinite(double[] a, int s, int fromRow, String col, NonFinitePolicy policy, Source src,
            BitSet bad, Stats stats) {
        if (policy == null) {
            return;
        }
        int first = ArrayChecks.firstNonFinite(a, 0, a.length);
        if (first < 0) {
            return;
        }
        long zeroed = 0;
        for (int i = first; i < a.length; i++) {
            double x = a[i];
            if (x - x != 0d && nonFinite(policy, Double.isNaN(x), i, s, fromRow, col, src, bad)) {
                a[i] = 0d;
                zeroed++;
            }
        }
        noteZeroed(zeroed, col, src, stats);
    }

    /** The float16 variant: a pattern with all exponent bits set is NaN (mantissa != 0) or ±Inf. */
    private static void checkFinite(short[] a, int s, int fromRow, String col, NonFinitePolicy policy, Source src,
            BitSet bad, Stats stats) {
        if (policy == null) {
            return;
        }
        long zeroed = 0;
        for (int i = 0; i < a.length; i++) {
            int h = a[i];
            if ((h & 0x7c00) == 0x7c00 && nonFinite(policy, (h & 0x3ff) != 0, i, s, fromRow, col, src, bad)) {
                a[i] = 0;
                zeroed++;
            }
        }
        noteZeroed(zeroed, col, src, stats);
    }

    /**
     * Applies {@code policy} to the non-finite element {@code i} (sample size {@code s}): FAIL throws naming the file,
     * column, row and row group, SKIP marks the row in {@code bad}; returns true when the element is to be zeroed.
     */
    private static boolean nonFinite(NonFinitePolicy policy, boolean nan, int i, int s, int fromRow, String col, Source src,
            BitSet bad) {
        switch (policy) {
            case FAIL:
                throw new ArrowDataException((nan ? "NaN" : "Inf") + " at index " + (i % s) + " of the sample (policy FAIL)",
                        src.file(), col, src.firstRow() + fromRow + i / s, src.rowGroup());
            case SKIP:
                bad.set(i / s);
                return false;
            case ZERO:
                return true;
            default:
                throw new IllegalStateException(policy.toString());
        }
    }

    private static void noteZeroed(long zeroed, String col, Source src, Stats stats) {
        if (zeroed > 0) {
            if (stats != null) {
                stats.zeroedValues.addAndGet(zeroed);
            }
            LOG.warn("replaced {} NaN/Inf value(s) by 0 in column {} of {}", zeroed, col,
                    src.file() == null ? "<memory>" : src.file());
        }
    }

    static void copyFloats(ArrowBuf buf, long elemStart, float[] dst, int n) {
        for (int done = 0; done < n; ) {
            int k = Math.min(n - done, COPY_CHUNK);
            buf.nioBuffer((elemStart + done) * 4L, k * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dst, done, k);
            done += k;
        }
    }

    static void copyDoubles(ArrowBuf buf, long elemStart, double[] dst, int n) {
        for (int done = 0; done < n; ) {
            int k = Math.min(n - done, COPY_CHUNK / 2);
            buf.nioBuffer((elemStart + done) * 8L, k * 8).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(dst, done, k);
            done += k;
        }
    }

    static void copyShorts(ArrowBuf buf, long elemStart, short[] dst, int n) {
        for (int done = 0; done < n; ) {
            int k = Math.min(n - done, COPY_CHUNK);
            buf.nioBuffer((elemStart + done) * 2L, k * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer().get(dst, done, k);
            done += k;
        }
    }

    static void copyLongs(ArrowBuf buf, long elemStart, long[] dst, int n) {
        for (int done = 0; done < n; ) {
            int k = Math.min(n - done, COPY_CHUNK / 2);
            buf.nioBuffer((elemStart + done) * 8L, k * 8).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(dst, done, k);
            done += k;
        }
    }

    // =============================================================== writing

    /**
     * The Arrow field for a column of samples of the given shape and dtype, non-nullable, with the shape in its
     * metadata under {@value TensorColumn#SHAPE_KEY} (for tensor layouts).
     *
     * @param sampleShape per-sample shape; {@code []} with {@link TensorColumn.Layout#SCALAR}
     * @throws IllegalArgumentException for BOOL or a scalar layout with a non-empty shape
     */
    public static Field field(String name, TensorColumn.Layout layout, DType dtype, int[] sampleShape) {
        ArrowType elem;
        switch (dtype) {
            case FLOAT32:
                elem = new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
                break;
            case FLOAT64:
                elem = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
                break;
            case INT64:
                elem = new ArrowType.Int(64, true);
                break;
            case FLOAT16:
                elem = new ArrowType.FloatingPoint(FloatingPointPrecision.HALF);
                break;
            case BFLOAT16:
                throw new IllegalArgumentException("column " + name + ": bfloat16 has no Arrow or Parquet type; convert the "
                        + "tensor to float32 (toFloat()) or float16 (half()) first");
            default:
                throw new IllegalArgumentException("column " + name + ": dtype " + dtype + " cannot be written");
        }
        if (layout == TensorColumn.Layout.SCALAR) {
            if (sampleShape.length != 0) {
                throw new IllegalArgumentException("column " + name + ": a scalar column has no sample shape, got "
                        + Arrays.toString(sampleShape));
            }
            return new Field(name, FieldType.notNullable(elem), null);
        }
        Map<String, String> md = new HashMap<>();
        md.put(TensorColumn.SHAPE_KEY, TensorColumn.shapeToJson(sampleShape));
        int n = TensorColumn.numel(sampleShape);
        switch (layout) {
            case LIST:
                return new Field(name, new FieldType(false, new ArrowType.List(), null, md),
                        List.of(new Field("element", FieldType.notNullable(elem), null)));
            case FIXED_SIZE_LIST:
                return new Field(name, new FieldType(false, new ArrowType.FixedSizeList(n), null, md),
                        List.of(new Field("item", FieldType.notNullable(elem), null)));
            case FIXED_SHAPE_TENSOR:
                return new Field(name, new FieldType(false, new FixedShapeTensorType(elem, sampleShape, null, null), null, md),
                        List.of(new Field("item", FieldType.notNullable(elem), null)));
            default:
                throw new IllegalStateException(layout.toString());
        }
    }

    /**
     * The field for a tensor {@code (rows, *sampleShape)}: scalar layout when the tensor is 1-D, else {@code layout}.
     */
    public static Field field(String name, Tensor t, TensorColumn.Layout layout) {
        int[] s = t.shape();
        if (s.length == 0) {
            throw new IllegalArgumentException("column " + name + ": a 0-d tensor has no rows");
        }
        int[] sample = Arrays.copyOfRange(s, 1, s.length);
        return field(name, sample.length == 0 ? TensorColumn.Layout.SCALAR : layout, t.dtype(), sample);
    }

    /**
     * Fills {@code v} (created from a {@link #field} of the same layout) with rows {@code [fromRow, fromRow+rows)}
     * of a row-major {@code float[]}, {@code double[]} or {@code long[]} holding {@code sampleSize} elements per row;
     * sets the value count to {@code rows}. One bulk copy.
     */
    public static void fill(FieldVector v, Object array, int fromRow, int rows, int sampleSize) {
        if (v instanceof ListVector lv) {
            lv.setInitialCapacity(rows);
            lv.allocateNew();
            FieldVector child = lv.getDataVector();
            fillValues(child, array, (long) fromRow * sampleSize, rows * sampleSize);
            ArrowBuf offs = lv.getOffsetBuffer();
            for (int i = 0; i <= rows; i++) {
                offs.setInt(i * 4L, i * sampleSize);
            }
            lv.getValidityBuffer().setOne(0L, (rows + 7) / 8);
            lv.setLastSet(rows - 1);
            lv.setValueCount(rows);
        } else if (v instanceof FixedSizeListVector fv) {
            fillFixed(fv, array, fromRow, rows, sampleSize);
        } else if (v instanceof FixedShapeTensorType.Vector tv) {
            fillFixed(tv.getUnderlyingVector(), array, fromRow, rows, sampleSize);
            tv.setValueCount(rows);
        } else {
            if (sampleSize != 1) {
                throw new IllegalArgumentException("scalar column " + v.getName() + " with " + sampleSize + " values per row");
            }
            fillValues(v, array, fromRow, rows);
        }
    }

    private static void fillFixed(FixedSizeListVector fv, Object array, int fromRow, int rows, int sampleSize) {
        if (fv.getListSize() != sampleSize) {
            throw new IllegalArgumentException("fixed_size_list of " + fv.getListSize() + " for samples of " + sampleSize);
        }
        fv.setInitialCapacity(rows);
        fv.allocateNew();
        fillValues(fv.getDataVector(), array, (long) fromRow * sampleSize, rows * sampleSize);
        fv.getValidityBuffer().setOne(0L, (rows + 7) / 8);
        fv.setValueCount(rows);
    }

    private static void fillValues(FieldVector v, Object array, long from, int n) {
        if (v instanceof Float4Vector fv && array instanceof float[] a) {
            fv.allocateNew(n);
            for (int done = 0; done < n; ) {
                int k = Math.min(n - done, COPY_CHUNK);
                fv.getDataBuffer().nioBuffer(done * 4L, k * 4).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                        .put(a, (int) (from + done), k);
                done += k;
            }
        } else if (v instanceof Float8Vector dv && array instanceof double[] a) {
            dv.allocateNew(n);
            for (int done = 0; done < n; ) {
                int k = Math.min(n - done, COPY_CHUNK / 2);
                dv.getDataBuffer().nioBuffer(done * 8L, k * 8).order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer()
                        .put(a, (int) (from + done), k);
                done += k;
            }
        } else if (v instanceof Float2Vector hv && array instanceof short[] a) {
            hv.allocateNew(n);
            for (int done = 0; done < n; ) {
                int k = Math.min(n - done, COPY_CHUNK);
                hv.getDataBuffer().nioBuffer(done * 2L, k * 2).order(ByteOrder.LITTLE_ENDIAN).asShortBuffer()
                        .put(a, (int) (from + done), k);
                done += k;
            }
        } else if (v instanceof BigIntVector bv && array instanceof long[] a) {
            bv.allocateNew(n);
            for (int done = 0; done < n; ) {
                int k = Math.min(n - done, COPY_CHUNK / 2);
                bv.getDataBuffer().nioBuffer(done * 8L, k * 8).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer()
                        .put(a, (int) (from + done), k);
                done += k;
            }
        } else {
            throw new IllegalArgumentException("cannot fill " + v.getField().getType() + " from "
                    + array.getClass().getSimpleName());
        }
        v.getValidityBuffer().setOne(0L, (n + 7) / 8);
        v.setValueCount(n);
    }

    /** The row-major primitive array of a tensor: float[], double[], long[] or short[] (float16 bits) (a copy). */
    static Object primitive(Tensor t) {
        switch (t.dtype()) {
            case FLOAT32:
                return t.toFloatArray();
            case FLOAT64:
                return t.toDoubleArray();
            case INT64:
                return t.toLongArray();
            case FLOAT16:
                return t.backend().download(t).h;
            default:
                throw new IllegalArgumentException("dtype " + t.dtype() + " cannot be written");
        }
    }

    /**
     * Builds a batch from named tensors that share their first dimension (rows). 1-D tensors become scalar columns,
     * the others {@code layout} columns with their sample shape in the field metadata. The caller closes the root.
     *
     * @throws IllegalArgumentException if the tensors disagree on the number of rows
     */
    public static VectorSchemaRoot toRoot(Map<String, Tensor> columns, TensorColumn.Layout layout,
            org.apache.arrow.memory.BufferAllocator allocator) {
        List<Field> fields = new ArrayList<>();
        int rows = -1;
        for (Map.Entry<String, Tensor> e : columns.entrySet()) {
            Tensor t = e.getValue();
            if (rows >= 0 && t.size(0) != rows) {
                throw new IllegalArgumentException("column " + e.getKey() + " has shape " + Arrays.toString(t.shape())
                        + " but an earlier column has " + rows + " rows");
            }
            rows = t.size(0);
            fields.add(field(e.getKey(), t, layout));
        }
        VectorSchemaRoot root = VectorSchemaRoot.create(new org.apache.arrow.vector.types.pojo.Schema(fields), allocator);
        try {
            for (Map.Entry<String, Tensor> e : columns.entrySet()) {
                Tensor t = e.getValue();
                int[] sh = t.shape();
                fill(root.getVector(e.getKey()), primitive(t), 0, t.size(0),
                        TensorColumn.numel(Arrays.copyOfRange(sh, 1, sh.length)));
            }
            root.setRowCount(Math.max(rows, 0));
            return root;
        } catch (RuntimeException ex) {
            root.close();
            throw ex;
        }
    }
}
