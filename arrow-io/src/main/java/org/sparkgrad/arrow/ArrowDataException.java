package org.sparkgrad.arrow;

import java.nio.file.Path;

/**
 * A data error found while reading or writing columnar data: a missing column, a wrong column type, a null, a
 * list whose length does not match the declared sample shape, a NaN/Inf under the {@link NonFinitePolicy#FAIL}
 * policy, or a truncated or corrupt file.
 *
 * <p>The message always names where the problem is: the file, the column, and the row (counted from 0 within the
 * file) or the row group, whichever of these are known. The same facts are available as fields so callers can act
 * on them. Unchecked, as the module's data-error type (see DESIGN.md).
 */
public class ArrowDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String column;
    private final long row;
    private final int rowGroup;
    private final String problem;

    /**
     * @param message what is wrong
     * @param file the file, or {@code null} when not known (for example an in-memory batch)
     * @param column the column, or {@code null}
     * @param row the row within the file (0-based), or -1
     * @param rowGroup the Parquet row group / IPC record batch index, or -1
     * @param cause the underlying error, or {@code null}
     */
    public ArrowDataException(String message, Object file, String column, long row, int rowGroup, Throwable cause) {
        super(format(message, file, column, row, rowGroup), cause);
        this.file = file == null ? null : file.toString();
        this.column = column;
        this.row = row;
        this.rowGroup = rowGroup;
        this.problem = message;
    }

    public ArrowDataException(String message, Object file, String column, long row, int rowGroup) {
        this(message, file, column, row, rowGroup, null);
    }

    private static String format(String message, Object file, String column, long row, int rowGroup) {
        StringBuilder sb = new StringBuilder(message).append(" [file=").append(file == null ? "<memory>" : file);
        if (column != null) {
            sb.append(", column=").append(column);
        }
        if (row >= 0) {
            sb.append(", row=").append(row);
        }
        if (rowGroup >= 0) {
            sb.append(", rowGroup=").append(rowGroup);
        }
        return sb.append(']').toString();
    }

    /** What is wrong, without the file/column/row suffix of {@link #getMessage()}. */
    public String problem() {
        return problem;
    }

    /** The file, or {@code null} when not known. */
    public String file() {
        return file;
    }

    /** The column, or {@code null} when the error is not about one column. */
    public String column() {
        return column;
    }

    /** The row within the file (0-based), or -1 when not known. */
    public long row() {
        return row;
    }

    /** The row group (Parquet) or record batch (Arrow IPC) index, or -1 when not known. */
    public int rowGroup() {
        return rowGroup;
    }

    static String name(Path p) {
        return p == null ? null : p.toString();
    }
}
