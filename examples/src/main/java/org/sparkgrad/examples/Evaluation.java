package org.sparkgrad.examples;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** Test metrics computed with Spark from scored DataFrames. */
public final class Evaluation {
    private Evaluation() {}

    /**
     * Classification results.
     *
     * @param confusion {@code confusion[label][prediction]} counts
     */
    public record Classification(long[][] confusion) {
        public long total() {
            long n = 0;
            for (long[] row : confusion) for (long v : row) n += v;
            return n;
        }

        /** Fraction of rows predicted right. */
        public double accuracy() {
            long right = 0;
            for (int i = 0; i < confusion.length; i++) right += confusion[i][i];
            return total() == 0 ? Double.NaN : (double) right / total();
        }

        /** Unweighted mean over classes of the F1 score (classes absent from labels and predictions are skipped). */
        public double macroF1() {
            double sum = 0;
            int k = 0;
            for (int c = 0; c < confusion.length; c++) {
                long tp = confusion[c][c], fn = 0, fp = 0;
                for (int j = 0; j < confusion.length; j++) {
                    if (j != c) {
                        fn += confusion[c][j];
                        fp += confusion[j][c];
                    }
                }
                if (tp + fn + fp == 0) continue;
                sum += 2.0 * tp / (2.0 * tp + fn + fp);
                k++;
            }
            return k == 0 ? Double.NaN : sum / k;
        }
    }

    /** The confusion matrix of {@code prediction} against {@code labelCol} over {@code classes} classes. */
    public static Classification classification(Dataset<Row> scored, String labelCol, int classes) {
        List<Row> rows = scored.groupBy(functions.col(labelCol).cast("int").as("l"), functions.col("prediction").cast("int").as("p"))
                .count().collectAsList();
        long[][] m = new long[classes][classes];
        for (Row r : rows) {
            int l = r.getInt(0), p = r.getInt(1);
            if (l < 0 || l >= classes || p < 0 || p >= classes) {
                throw new IllegalStateException("label " + l + " / prediction " + p + " outside 0.." + (classes - 1));
            }
            m[l][p] += r.getLong(2);
        }
        return new Classification(m);
    }

    /** {@code v} rounded to {@code digits} decimals (for readable JSON). */
    public static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return v;
        return java.math.BigDecimal.valueOf(v).setScale(digits, java.math.RoundingMode.HALF_EVEN).doubleValue();
    }

    /** Every value rounded. */
    public static double[] round(double[] v, int digits) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = round(v[i], digits);
        return r;
    }
}
