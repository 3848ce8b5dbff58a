package org.sparkgrad.spark.ml;

import java.io.Serializable;

/**
 * The rows one worker trains on during one round of an epoch: {@code rows} samples of features and labels,
 * packed as flat float arrays (features {@code rows x featureSize}, labels {@code rows x labelSize}).
 */
final class Chunk implements Serializable {
    private static final long serialVersionUID = 1L;
    final int worker, index, rows;
    final float[] x, y;

    Chunk(int worker, int index, int rows, float[] x, float[] y) {
        this.worker = worker;
        this.index = index;
        this.rows = rows;
        this.x = x;
        this.y = y;
    }
}
