package org.sparkgrad.spark.ml;

import java.io.Serializable;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import scala.collection.Seq;

/**
 * Copies one row's feature and label values into float buffers, validating them: nulls, a length that
 * differs from the declared shape, NaN/Inf features and out-of-range class labels are errors that name the
 * column and the row.
 */
final class RowReader implements Serializable {
    private static final long serialVersionUID = 1L;
    final String featuresCol, labelCol;
    final int featureSize, labelSize, numClasses;
    final TaskKind kind;

    RowReader(String featuresCol, int featureSize, String labelCol, int labelSize, TaskKind kind, int numClasses) {
        this.featuresCol = featuresCol;
        this.featureSize = featureSize;
        this.labelCol = labelCol;
        this.labelSize = labelSize;
        this.kind = kind;
        this.numClasses = numClasses;
    }

    /** Writes the features of {@code row} (field index {@code fi}) at {@code x[off..off+featureSize)}. */
    void features(Row row, int fi, float[] x, int off, int partition, long rowIndex) {
        readNumbers(row, fi, featuresCol, featureSize, x, off, partition, rowIndex, true);
    }

    /** Writes the label of {@code row} (field index {@code li}) at {@code y[off..off+labelSize)}. */
    void label(Row row, int li, float[] y, int off, int partition, long rowIndex) {
        if (labelSize == 1 && !(row.get(li) instanceof Vector) && !(row.get(li) instanceof Seq)) {
            if (row.isNullAt(li)) throw new SparkgradDataException(labelCol, partition, rowIndex, "null label");
            double v = ((Number) row.get(li)).doubleValue();
            if (Double.isNaN(v) || Double.isInfinite(v)) throw new SparkgradDataException(labelCol, partition, rowIndex, "label is " + v);
            if (kind == TaskKind.CLASSIFICATION) {
                if (v != Math.rint(v) || v < 0 || v >= numClasses) {
                    throw new SparkgradDataException(labelCol, partition, rowIndex, "label " + v
                            + " is not a class index in [0, " + numClasses + ")");
                }
            }
            y[off] = (float) v;
            return;
        }
        readNumbers(row, li, labelCol, labelSize, y, off, partition, rowIndex, true);
    }

    private static void readNumbers(Row row, int i, String col, int size, float[] dst, int off, int partition, long rowIndex,
                                    boolean finite) {
        if (row.isNullAt(i)) throw new SparkgradDataException(col, partition, rowIndex, "null value");
        Object v = row.get(i);
        if (v instanceof Vector) {
            Vector vec = (Vector) v;
            if (vec.size() != size) {
                throw new SparkgradDataException(col, partition, rowIndex, "vector of length " + vec.size()
                        + " does not match the expected " + size + " elements");
            }
            if (vec instanceof org.apache.spark.ml.linalg.DenseVector) {
                double[] d = ((org.apache.spark.ml.linalg.DenseVector) vec).values();
                for (int k = 0; k < size; k++) dst[off + k] = (float) d[k];
            } else {
                java.util.Arrays.fill(dst, off, off + size, 0f);
                org.apache.spark.ml.linalg.SparseVector sv = (org.apache.spark.ml.linalg.SparseVector) vec;
                int[] idx = sv.indices();
                double[] val = sv.values();
                for (int k = 0; k < idx.length; k++) dst[off + idx[k]] = (float) val[k];
            }
        } else if (v instanceof Seq) {
            Seq<?> s = (Seq<?>) v;
            if (s.length() != size) {
                throw new SparkgradDataException(col, partition, rowIndex, "array of length " + s.length()
                        + " does not match the expected " + size + " elements (featuresShape)");
            }
            scala.collection.Iterator<?> it = s.iterator();
            for (int k = 0; k < size; k++) {
                Object e = it.next();
                if (e == null) throw new SparkgradDataException(col, partition, rowIndex, "null element at index " + k);
                dst[off + k] = ((Number) e).floatValue();
            }
        } else if (v instanceof Number && size == 1) {
            dst[off] = ((Number) v).floatValue();
        } else {
            throw new SparkgradDataException(col, partition, rowIndex, "unsupported value of type " + v.getClass().getSimpleName());
        }
        if (finite) {
            for (int k = 0; k < size; k++) {
                float f = dst[off + k];
                if (Float.isNaN(f) || Float.isInfinite(f)) {
                    throw new SparkgradDataException(col, partition, rowIndex, "non-finite value " + f + " at index " + k);
                }
            }
        }
    }
}
