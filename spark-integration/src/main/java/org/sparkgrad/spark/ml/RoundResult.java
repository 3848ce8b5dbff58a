package org.sparkgrad.spark.ml;

import java.io.Serializable;

/**
 * What the workers of one round return, summed by {@code treeAggregate}: example-weighted sums of the
 * parameters and optimizer-state tensors, the loss sum, and counts. Arrays are plain doubles.
 */
final class RoundResult implements Serializable {
    private static final long serialVersionUID = 1L;
    long examples;
    long steps;
    double lossSum;
    double[] paramSum;
    double[] optSum;
    /** Optimizer-state skeleton (JSON) of the worker that took the most steps, for counters. */
    String optSkeleton;
    long maxSteps = -1;
    long computeNanos;
    /** The smallest float16 loss scale a worker ended with (infinity: no loss scaling). */
    double lossScale = Double.POSITIVE_INFINITY;
    /** Steps the float16 loss scaler skipped (inf/NaN gradients). */
    long skippedSteps;

    RoundResult add(RoundResult o) {
        if (o.examples == 0 && o.steps == 0) return this;
        examples += o.examples;
        steps += o.steps;
        lossSum += o.lossSum;
        computeNanos += o.computeNanos;
        lossScale = Math.min(lossScale, o.lossScale);
        skippedSteps += o.skippedSteps;
        paramSum = addArrays(paramSum, o.paramSum);
        optSum = addArrays(optSum, o.optSum);
        if (o.maxSteps > maxSteps || (o.maxSteps == maxSteps && o.optSkeleton != null && optSkeleton == null)) {
            maxSteps = o.maxSteps;
            optSkeleton = o.optSkeleton;
        }
        return this;
    }

    private static double[] addArrays(double[] a, double[] b) {
        if (b == null) return a;
        if (a == null) return b.clone();
        if (a.length != b.length) throw new IllegalStateException("workers returned states of different sizes: " + a.length + " vs " + b.length);
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        return a;
    }
}
