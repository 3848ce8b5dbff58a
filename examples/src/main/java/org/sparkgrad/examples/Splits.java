package org.sparkgrad.examples;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;

/** Seeded, reproducible train/test splits of a DataFrame. */
public final class Splits {
    private Splits() {}

    /**
     * A stratified split: within each value of {@code labelCol}, the rows are ordered by a seeded hash of their
     * position and the first {@code round(fraction * n)} go to the test side. The same input file, seed and fraction
     * always give the same split.
     *
     * @return {train, test}
     */
    public static Dataset<Row>[] stratified(Dataset<Row> df, String labelCol, double fraction, long seed) {
        Dataset<Row> keyed = df.withColumn("_sg_row", functions.monotonically_increasing_id())
                .withColumn("_sg_key", functions.xxhash64(functions.col("_sg_row"), functions.lit(seed)));
        WindowSpec byLabel = Window.partitionBy(labelCol).orderBy("_sg_key", "_sg_row");
        WindowSpec all = Window.partitionBy(labelCol);
        Dataset<Row> ranked = keyed.withColumn("_sg_rank", functions.row_number().over(byLabel))
                .withColumn("_sg_n", functions.count(functions.lit(1)).over(all));
        Column isTest = functions.col("_sg_rank").leq(functions.round(functions.col("_sg_n").multiply(fraction)));
        return split(ranked, isTest, "_sg_row", "_sg_key", "_sg_rank", "_sg_n");
    }

    /**
     * The rows spread over {@code partitions} partitions in a seeded pseudo-random order (hash-partitioned and sorted
     * within each partition on a hash of each row's position and the seed; one shuffle, no sampling pass). The
     * trainer cuts each worker's rows into chunks of consecutive rows, so data stored sorted by label must be
     * shuffled first, or every chunk would hold one or two classes.
     */
    public static Dataset<Row> shuffle(Dataset<Row> df, int partitions, long seed) {
        Column key = functions.xxhash64(functions.col("_sg_row"), functions.lit(seed ^ 0x5DEECE66DL));
        return df.withColumn("_sg_row", functions.monotonically_increasing_id()).withColumn("_sg_shuffle", key)
                .repartition(partitions, functions.col("_sg_shuffle")).sortWithinPartitions("_sg_shuffle", "_sg_row")
                .drop("_sg_row", "_sg_shuffle");
    }

    /** A split of a contiguous block: rows with {@code from <= indexCol < to} are the test side. */
    public static Dataset<Row>[] byRange(Dataset<Row> df, String indexCol, long from, long to) {
        Column isTest = functions.col(indexCol).geq(from).and(functions.col(indexCol).lt(to));
        return split(df, isTest);
    }

    @SuppressWarnings("unchecked")
    private static Dataset<Row>[] split(Dataset<Row> df, Column isTest, String... drop) {
        return new Dataset[] {df.filter(functions.not(isTest)).drop(drop), df.filter(isTest).drop(drop)};
    }
}
