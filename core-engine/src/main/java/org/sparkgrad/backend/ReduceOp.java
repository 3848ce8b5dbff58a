package org.sparkgrad.backend;

/** Reductions over one or more dims. Float inputs accumulate in double on the CPU. */
public enum ReduceOp {
    SUM, MEAN, PROD, AMAX, AMIN,
    /** {@code log(sum(exp(x)))}, computed stably as {@code m + log(sum(exp(x - m)))} with {@code m = max(x)}. */
    LOGSUMEXP
}
