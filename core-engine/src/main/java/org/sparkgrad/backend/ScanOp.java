package org.sparkgrad.backend;

/**
 * Inclusive scans along one dim ({@link Backend#scan}): element {@code i} of the result combines elements
 * {@code 0..i} of the input. Semantics are PyTorch 1.13's CPU kernels ({@code aten/src/ATen/native/ReduceOps.cpp},
 * {@code LogcumsumexpKernel.cpp}).
 */
public enum ScanOp {
    /** {@code torch.cumsum}: running sum. Float dtypes (accumulated in double on the CPU) and int64. */
    SUM,
    /** {@code torch.cumprod}: running product. Float dtypes (accumulated in double on the CPU) and int64. */
    PROD,
    /**
     * {@code torch.logcumsumexp}: running {@code log(sum(exp(x)))}, combined pairwise as
     * {@code max + log1p(exp(min - max))} (never overflows); NaN propagates, equal infinities stay. Float dtypes.
     */
    LOGSUMEXP,
    /**
     * {@code torch.cummax}: running maximum and its index. A later element replaces the running value when it is NaN,
     * or when the running value is not NaN and the element is {@code >=} it: ties report the last index, a NaN sticks
     * (each later NaN taking over its index). Float dtypes and int64.
     */
    MAX,
    /** {@code torch.cummin}: as {@link #MAX} with {@code <=}. */
    MIN;

    /** Whether the scan also returns int64 indices. */
    public boolean hasIndices() { return this == MAX || this == MIN; }

    /** The PyTorch name of the op ({@code cumsum}, ...). */
    public String torchName() {
        switch (this) {
            case SUM: return "cumsum";
            case PROD: return "cumprod";
            case LOGSUMEXP: return "logcumsumexp";
            case MAX: return "cummax";
            default: return "cummin";
        }
    }
}
