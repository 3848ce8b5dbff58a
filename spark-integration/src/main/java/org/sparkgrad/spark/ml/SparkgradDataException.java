package org.sparkgrad.spark.ml;

/**
 * Bad input data met while training or scoring: names the column and the row (partition and row index
 * within it, as Spark has no global row number) and what is wrong.
 */
public class SparkgradDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String column;
    private final long row;

    public SparkgradDataException(String column, int partition, long row, String problem) {
        super("column '" + column + "', partition " + partition + ", row " + row + ": " + problem);
        this.column = column;
        this.row = row;
    }

    /** A bad row found while an executor reads a data file itself (the plain Parquet path): file and row within it. */
    public SparkgradDataException(String column, String file, long row, String problem) {
        super("column '" + column + "', file " + file + (row >= 0 ? ", row " + row : "") + ": " + problem);
        this.column = column;
        this.row = row;
    }

    public SparkgradDataException(String column, String problem) {
        super("column '" + column + "': " + problem);
        this.column = column;
        this.row = -1;
    }

    /** The offending column. */
    public String column() { return column; }

    /** Row index within its partition, or -1 for a schema problem. */
    public long row() { return row; }
}
