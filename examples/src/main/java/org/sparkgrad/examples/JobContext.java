package org.sparkgrad.examples;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * What a running job gets: the Spark session, its options, where to write (a staging folder committed into
 * {@code --out} only when the whole job succeeds), and the progress display.
 *
 * @param spark    the session (local or on a cluster)
 * @param options  the command-line options
 * @param output   the output folder being written
 * @param progress progress display (stderr)
 */
public record JobContext(SparkSession spark, JobOptions options, OutputDir output, Progress progress) {
    /** A path in the staging folder. */
    public Path file(String name) { return output.file(name); }

    /** The path, as a string Spark and Hadoop accept, of an entry in the staging folder. */
    public String sparkPath(String name) { return output.file(name).toUri().toString(); }
}
