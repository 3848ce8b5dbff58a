package org.sparkgrad.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Finds and checks a job's input: turns a {@code --data} argument (a dataset folder as in {@code shared/data/NAME/}, a
 * Parquet file, a Parquet folder written by Spark, or a URI such as {@code hdfs://...}) into something Spark reads, and
 * checks the columns a job needs, with messages that say what was found and what was expected.
 */
public final class DataPaths {
    private DataPaths() {}

    /** Whether {@code arg} names a Hadoop URI ({@code hdfs://}, {@code s3a://}, {@code file:/}) rather than a local path. */
    static boolean isUri(String arg) {
        return arg.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:/.*") && !arg.matches("^[a-zA-Z]:\\\\.*");
    }

    /**
     * The Parquet data for {@code --data ARG} of a job reading dataset {@code name}.
     *
     * @param option the option's name, for messages ({@code --data})
     * @param arg    the path given
     * @param name   the dataset's name: a folder holds it as {@code NAME.parquet}
     * @throws JobInputException for a missing path, an empty file, or a folder without Parquet data
     */
    public static String parquet(String option, String arg, String name) {
        if (arg == null || arg.isBlank()) throw new JobInputException(option + " is required (the " + name + " dataset folder or a Parquet file)");
        if (isUri(arg) && !arg.startsWith("file:")) return arg;
        Path p;
        try {
            p = arg.startsWith("file:") ? Path.of(java.net.URI.create(arg)) : Path.of(arg);
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new JobInputException(option + " " + arg + ": not a usable path or file: URI (" + e.getMessage() + ")", e);
        }
        if (!Files.exists(p)) throw new JobInputException(option + " " + arg + ": no such file or folder");
        if (Files.isDirectory(p)) {
            Path named = p.resolve(name + ".parquet");
            if (Files.exists(named)) return checkedFile(option, named);
            List<Path> parquet = new ArrayList<>();
            boolean sparkOutput = false;
            try (Stream<Path> s = Files.list(p)) {
                for (Path c : (Iterable<Path>) s.sorted()::iterator) {
                    String f = c.getFileName().toString();
                    if (f.equals("_SUCCESS") || (f.startsWith("part-") && f.endsWith(".parquet"))) sparkOutput = true;
                    else if (f.endsWith(".parquet")) parquet.add(c);
                }
            } catch (IOException e) {
                throw new JobInputException(option + " " + arg + ": cannot list the folder: " + e, e);
            }
            if (sparkOutput) return p.toAbsolutePath().toString();
            if (parquet.size() == 1) return checkedFile(option, parquet.get(0));
            if (parquet.isEmpty()) {
                throw new JobInputException(option + " " + arg + ": no Parquet data in this folder (expected " + name
                        + ".parquet, as in shared/data/" + name + "/, or Spark's part-*.parquet files)");
            }
            throw new JobInputException(option + " " + arg + ": several Parquet files and none named " + name + ".parquet: " + parquet);
        }
        return checkedFile(option, p);
    }

    private static String checkedFile(String option, Path f) {
        try {
            long size = Files.size(f);
            if (Files.isDirectory(f)) return f.toAbsolutePath().toString();
            if (size == 0) throw new JobInputException(option + " " + f + ": the file is empty (0 bytes)");
            byte[] head = new byte[4];
            try (InputStream in = Files.newInputStream(f)) {
                if (in.readNBytes(head, 0, 4) < 4 || !Arrays.equals(head, new byte[] {'P', 'A', 'R', '1'})) {
                    throw new JobInputException(option + " " + f + ": not a Parquet file (it does not start with the PAR1 magic)");
                }
            }
        } catch (IOException e) {
            throw new JobInputException(option + " " + f + ": cannot read: " + e, e);
        }
        return f.toAbsolutePath().toString();
    }

    /** Reads Parquet, turning Spark's errors into a message about the path. */
    public static Dataset<Row> read(SparkSession spark, String option, String path) {
        try {
            return spark.read().parquet(path);
        } catch (RuntimeException e) {
            throw new JobInputException(option + " " + path + ": cannot read it as Parquet: " + firstLine(e.getMessage()), e);
        }
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The schema as {@code name:type, ...} for messages. */
    public static String describe(StructType schema) {
        StringBuilder b = new StringBuilder();
        for (StructField f : schema.fields()) {
            if (b.length() > 0) b.append(", ");
            b.append(f.name()).append(':').append(f.dataType().simpleString());
        }
        return "[" + b + "]";
    }

    private static StructField field(Dataset<Row> df, String what, String col, String expected) {
        for (StructField f : df.schema().fields()) if (f.name().equals(col)) return f;
        throw new JobInputException(what + ": wrong layout: no column '" + col + "' (expected " + expected + "); the data has "
                + describe(df.schema()));
    }

    /** Requires an {@code array<numeric>} column. */
    public static void requireNumericArray(Dataset<Row> df, String what, String col, String expected) {
        DataType t = field(df, what, col, expected).dataType();
        if (!(t instanceof ArrayType) || !(((ArrayType) t).elementType() instanceof NumericType)) {
            throw new JobInputException(what + ": wrong layout: column '" + col + "' is " + t.simpleString() + ", expected " + expected);
        }
    }

    /** Requires an integer column. */
    public static void requireIntegral(Dataset<Row> df, String what, String col, String expected) {
        DataType t = field(df, what, col, expected).dataType();
        if (!(t instanceof IntegralType)) {
            throw new JobInputException(what + ": wrong layout: column '" + col + "' is " + t.simpleString() + ", expected " + expected);
        }
    }

    /** Requires a string column. */
    public static void requireString(Dataset<Row> df, String what, String col, String expected) {
        DataType t = field(df, what, col, expected).dataType();
        if (!(t instanceof StringType)) {
            throw new JobInputException(what + ": wrong layout: column '" + col + "' is " + t.simpleString() + ", expected " + expected);
        }
    }

    /**
     * One pass over the data: the row count (must be > 0), every array of {@code arrayCol} with exactly
     * {@code length} elements and no null, and labels in {@code [0, classes)} when {@code labelCol} is given.
     *
     * @return the number of rows
     */
    public static long checkRows(Dataset<Row> df, String what, String arrayCol, int length, String labelCol, int classes) {
        List<Column> aggs = new ArrayList<>(List.of(functions.count(functions.lit(1)),
                functions.min(functions.size(functions.col(arrayCol))), functions.max(functions.size(functions.col(arrayCol))),
                functions.sum(functions.when(functions.col(arrayCol).isNull(), 1).otherwise(0))));
        if (labelCol != null) {
            aggs.add(functions.min(functions.col(labelCol)));
            aggs.add(functions.max(functions.col(labelCol)));
            aggs.add(functions.sum(functions.when(functions.col(labelCol).isNull(), 1).otherwise(0)));
        }
        Row r = df.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).head();
        long n = r.getLong(0);
        if (n == 0) throw new JobInputException(what + ": the dataset is empty (0 rows)");
        long nulls = r.isNullAt(3) ? 0 : r.getLong(3);
        if (nulls > 0) throw new JobInputException(what + ": " + nulls + " rows have a null '" + arrayCol + "'");
        int lo = r.getInt(1), hi = r.getInt(2);
        if (lo != length || hi != length) {
            throw new JobInputException(what + ": wrong layout: '" + arrayCol + "' holds " + (lo == hi ? lo : lo + ".." + hi)
                    + " values per row, expected " + length);
        }
        if (labelCol != null) {
            long lnull = r.isNullAt(6) ? 0 : r.getLong(6);
            if (lnull > 0) throw new JobInputException(what + ": " + lnull + " rows have a null '" + labelCol + "'");
            long lmin = ((Number) r.get(4)).longValue(), lmax = ((Number) r.get(5)).longValue();
            if (lmin < 0 || lmax >= classes) {
                throw new JobInputException(what + ": wrong layout: '" + labelCol + "' runs " + lmin + ".." + lmax + ", expected 0.."
                        + (classes - 1));
            }
        }
        return n;
    }
}
