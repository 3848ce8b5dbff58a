package org.sparkgrad.arrow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * What {@code sparkgrad-data describe} prints: per file its format, rows and row groups; the schema; and per
 * numeric column (scalar or tensor) its layout, per-sample shape, and min / max / mean over finite values with a
 * count of NaN/Inf. Reads the data once per column, streaming.
 */
public final class DatasetSummary {

    /**
     * Statistics of one column.
     *
     * @param name column
     * @param type Arrow type
     * @param layout how it is read ({@code null} when it cannot be read as a tensor)
     * @param sampleShape per-sample shape ({@code []} for scalars)
     * @param values finite values seen
     * @param nonFinite NaN/Inf values seen
     * @param error why the column could not be read, or {@code null}
     * @param minLength shortest list of a ragged list column (rows of different lengths, no shape given), else -1
     * @param maxLength longest list of a ragged list column, else -1
     */
    public record ColumnStats(String name, String type, TensorColumn.Layout layout, int[] sampleShape, long rows,
            long values, long nonFinite, double min, double max, double mean, String error, int minLength, int maxLength) {

        /** True for a list column whose rows have different lengths (described without a sample shape). */
        public boolean ragged() {
            return minLength >= 0;
        }
    }

    /** One file: format, rows, row groups (Parquet) or -1. */
    public record FileInfo(Path file, DataFormat format, long rows, int rowGroups, String createdBy) {}

    private final List<FileInfo> files;
    private final Schema schema;
    private final List<ColumnStats> columns;

    private DatasetSummary(List<FileInfo> files, Schema schema, List<ColumnStats> columns) {
        this.files = files;
        this.schema = schema;
        this.columns = columns;
    }

    public List<FileInfo> files() {
        return files;
    }

    /** The schema of the first file. */
    public Schema schema() {
        return schema;
    }

    public List<ColumnStats> columns() {
        return columns;
    }

    /** Total rows over all files. */
    public long rows() {
        return files.stream().mapToLong(FileInfo::rows).sum();
    }

    /**
     * Summarises a file or folder.
     *
     * @param shapes per-sample shapes given by the caller, by column (may be empty)
     * @throws ArrowDataException if a file is missing, truncated or corrupt
     */
    public static DatasetSummary of(Path path, Map<String, int[]> shapes, BufferAllocator allocator) {
        List<Path> paths = DataFormat.listFiles(path);
        List<DataFormat> formats = new ArrayList<>();
        for (Path p : paths) {
            formats.add(DataFormat.detect(p));
        }
        Schema schema;
        try (ColumnarFileReader r = ColumnarFileReader.open(paths.get(0), formats.get(0), null, 1, allocator)) {
            schema = r.schema();
        }
        List<ChunkStream.Unit> units = ChunkStream.plan(paths, formats, Long.MAX_VALUE, allocator);
        List<ColumnStats> cols = new ArrayList<>();
        long[] rowsPerFile = new long[paths.size()];
        boolean counted = false;
        for (Field f : schema.getFields()) {
            int[] callerShape = shapes.get(f.getName());
            TensorColumn tc = callerShape == null ? TensorColumn.of(f.getName()) : TensorColumn.of(f.getName(), callerShape);
            TensorColumn.Resolved res;
            try {
                res = tc.resolve(schema, paths.get(0));
            } catch (ArrowDataException e) {
                cols.add(new ColumnStats(f.getName(), f.getType().toString(), null, null, -1, 0, 0, Double.NaN, Double.NaN,
                        Double.NaN, "not a tensor or numeric column", -1, -1));
                continue;
            }
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            double sum = 0;
            long n = 0;
            long bad = 0;
            long rows = 0;
            String error = null;
            int[] shape = res.sampleShape();
            try (ChunkStream cs = new ChunkStream(paths, formats, units, List.of(tc), 4096, null, null, allocator)) {
                ChunkStream.Chunk c;
                while ((c = cs.next()) != null) {
                    ArrowTensors.ColumnData d = c.columns().get(0);
                    shape = d.sampleShape;
                    rows += d.rows;
                    if (!counted) {
                        rowsPerFile[paths.indexOf(c.file())] += d.rows;
                    }
                    int len = d.rows * d.sampleSize();
                    for (int i = 0; i < len; i++) {
                        double x = d.get(i);
                        if (Double.isFinite(x)) {
                            min = Math.min(min, x);
                            max = Math.max(max, x);
                            sum += x;
                            n++;
                        } else {
                            bad++;
                        }
                    }
                }
                counted = true;
            } catch (ArrowDataException e) {
                error = e.getMessage();
                if (callerShape == null && res.layout() == TensorColumn.Layout.LIST && res.sampleShape() == null) {
                    ColumnStats ragged = raggedList(f, paths, formats, allocator);
                    if (ragged != null) {
                        cols.add(ragged);
                        continue;
                    }
                }
            }
            cols.add(new ColumnStats(f.getName(), f.getType().toString(), res.layout(), shape, rows, n, bad,
                    n == 0 ? Double.NaN : min, n == 0 ? Double.NaN : max, n == 0 ? Double.NaN : sum / n, error, -1, -1));
        }
        List<FileInfo> infos = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            long rows = rowsPerFile[i];
            int rgs = -1;
            String by = null;
            if (formats.get(i) == DataFormat.PARQUET) {
                ParquetFooter ft = ParquetFooter.read(paths.get(i));
                rows = ft.numRows();
                rgs = ft.rowGroups().size();
                by = ft.createdBy();
            } else {
                final int fi = i;
                rgs = (int) units.stream().filter(u -> u.fileIndex() == fi && u.part() >= 0).count();
                if (!counted) {
                    rows = -1;
                }
            }
            infos.add(new FileInfo(paths.get(i), formats.get(i), rows, rgs, by));
        }
        return new DatasetSummary(infos, schema, cols);
    }

    /**
     * Statistics of a list column whose rows have different lengths (e.g. fMRI runs of different grids in one file):
     * list lengths and value statistics, read batch by batch. Returns {@code null} if all rows have the same length
     * or a row is null, so that the caller reports its original error.
     */
    private static ColumnStats raggedList(Field f, List<Path> paths, List<DataFormat> formats, BufferAllocator allocator) {
        int minLen = Integer.MAX_VALUE;
        int maxLen = -1;
        long rows = 0;
        long n = 0;
        long bad = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (int i = 0; i < paths.size(); i++) {
            try (ColumnarFileReader r = ColumnarFileReader.open(paths.get(i), formats.get(i), new String[] {f.getName()},
                    4096, allocator)) {
                while (r.next()) {
                    if (!(r.root().getVector(f.getName()) instanceof org.apache.arrow.vector.complex.ListVector lv)) {
                        return null;
                    }
                    org.apache.arrow.vector.FieldVector child = lv.getDataVector();
                    for (int row = 0; row < lv.getValueCount(); row++) {
                        if (lv.isNull(row)) {
                            return null;
                        }
                        int start = lv.getElementStartIndex(row);
                        int end = lv.getElementEndIndex(row);
                        minLen = Math.min(minLen, end - start);
                        maxLen = Math.max(maxLen, end - start);
                        for (int k = start; k < end; k++) {
                            double x;
                            if (child.isNull(k)) {
                                return null;
                            } else if (child instanceof org.apache.arrow.vector.FloatingPointVector fp) {
                                x = fp.getValueAsDouble(k);
                            } else if (child instanceof org.apache.arrow.vector.BaseIntVector iv) {
                                x = iv.getValueAsLong(k);
                            } else {
                                return null;
                            }
                            if (Double.isFinite(x)) {
                                min = Math.min(min, x);
                                max = Math.max(max, x);
                                sum += x;
                                n++;
                            } else {
                                bad++;
                            }
                        }
                        rows++;
                    }
                }
            }
        }
        if (maxLen < 0 || minLen == maxLen) {
            return null;
        }
        return new ColumnStats(f.getName(), f.getType().toString(), TensorColumn.Layout.LIST, null, rows, n, bad,
                n == 0 ? Double.NaN : min, n == 0 ? Double.NaN : max, n == 0 ? Double.NaN : sum / n, null, minLen, maxLen);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("files: ").append(files.size()).append(", rows: ").append(rows()).append('\n');
        for (FileInfo f : files) {
            sb.append("  ").append(f.file()).append("  ").append(f.format()).append("  rows=").append(f.rows());
            if (f.rowGroups() >= 0) {
                sb.append(f.format() == DataFormat.PARQUET ? "  row_groups=" : "  record_batches=").append(f.rowGroups());
            }
            if (f.createdBy() != null) {
                sb.append("  created_by=\"").append(f.createdBy()).append('"');
            }
            sb.append('\n');
        }
        sb.append("schema:\n");
        for (Field f : schema.getFields()) {
            sb.append("  ").append(f.getName()).append(": ").append(f.getType());
            if (!f.getChildren().isEmpty()) {
                sb.append('<').append(f.getChildren().get(0).getType()).append('>');
            }
            sb.append(f.isNullable() ? "" : " not null");
            if (f.getMetadata() != null && !f.getMetadata().isEmpty()) {
                sb.append("  metadata=").append(f.getMetadata());
            }
            sb.append('\n');
        }
        schema.getCustomMetadata().forEach((k, v) -> {
            if (k.startsWith("sparkgrad.")) {
                sb.append("  [").append(k).append(" = ").append(v).append("]\n");
            }
        });
        sb.append("columns:\n");
        for (ColumnStats c : columns) {
            sb.append(String.format(Locale.ROOT, "  %-14s", c.name()));
            if (c.layout() == null) {
                sb.append(c.type()).append(" (").append(c.error()).append(")\n");
                continue;
            }
            sb.append(c.layout() == TensorColumn.Layout.SCALAR ? "scalar"
                    : c.ragged() ? "ragged list, lengths " + c.minLength() + ".." + c.maxLength()
                    : "tensor " + Arrays.toString(c.sampleShape()));
            if (c.error() != null) {
                sb.append("  ERROR: ").append(c.error()).append('\n');
                continue;
            }
            sb.append(String.format(Locale.ROOT, "  min=%.6g max=%.6g mean=%.6g", c.min(), c.max(), c.mean()));
            if (c.nonFinite() > 0) {
                sb.append("  NaN/Inf=").append(c.nonFinite());
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
