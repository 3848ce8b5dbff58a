package org.sparkgrad.backend;

import java.util.Arrays;

/**
 * The window geometry of an N-dimensional pooling, separable per spatial dim: output index {@code i} of dim
 * {@code d} reads the input positions {@code start[d][i] + t * dilation[d]} for {@code t in [0, taps[d][i])};
 * positions outside {@code [0, inputSize[d])} are padding (skipped by max, and by the sum of avg). An avg
 * pooling divides each output by {@code prod_d divisor[d][i_d]}. One geometry describes regular pooling
 * (kernel, stride, padding, dilation, ceil mode) and adaptive pooling (PyTorch's bins
 * {@code [floor(i*L/out), ceil((i+1)*L/out))}), so a backend implements each pooling kernel once.
 *
 * <p>Math: PyTorch {@code aten/src/ATen/native/Pool.h} ({@code pooling_output_shape}),
 * {@code AvgPoolKernel.cpp} (divisor rules) and {@code AdaptivePooling.h} ({@code start_index},
 * {@code end_index}).
 */
public final class PoolWindows {
    /** Input spatial size per dim. */
    public final int[] inputSize;
    /** Output spatial size per dim. */
    public final int[] outputSize;
    /** First input position of each window, per dim (may be negative inside the left padding). */
    public final int[][] start;
    /** Number of taps of each window, per dim. */
    public final int[][] taps;
    /** Distance between taps, per dim. */
    public final int[] dilation;
    /** Avg-pool divisor factors per dim and output index (their product divides the window sum). */
    public final double[][] divisor;

    private PoolWindows(int[] inputSize, int[] outputSize, int[][] start, int[][] taps, int[] dilation, double[][] divisor) {
        this.inputSize = inputSize;
        this.outputSize = outputSize;
        this.start = start;
        this.taps = taps;
        this.dilation = dilation;
        this.divisor = divisor;
    }

    /** Number of spatial dims. */
    public int spatialDims() { return inputSize.length; }

    /** Product of the output sizes. */
    public int outputVolume() {
        int v = 1;
        for (int s : outputSize) v *= s;
        return v;
    }

    /** Product of the input sizes. */
    public int inputVolume() {
        int v = 1;
        for (int s : inputSize) v *= s;
        return v;
    }

    /**
     * PyTorch's pooled output length {@code floor_or_ceil((in + 2p - dil*(k-1) - 1) / s) + 1}; in ceil mode
     * the last window must start inside the input or its left padding.
     */
    public static int outputLength(int in, int k, int s, int p, int dil, boolean ceilMode) {
        long num = (long) in + 2L * p - (long) dil * (k - 1) - 1 + (ceilMode ? s - 1 : 0);
        long out = Math.floorDiv(num, s) + 1;
        if (ceilMode && (out - 1) * s >= in + p) out--;
        return (int) out;
    }

    /**
     * Regular pooling windows. Sizes must already be validated (positive output sizes).
     *
     * @param divisorOverride for avg: divide by this constant instead (null: the PyTorch count rule)
     */
    public static PoolWindows regular(int[] in, int[] k, int[] s, int[] p, int[] dil, boolean ceilMode,
                                      boolean countIncludePad, Integer divisorOverride) {
        int nd = in.length;
        int[] out = new int[nd];
        int[][] start = new int[nd][], taps = new int[nd][];
        double[][] div = new double[nd][];
        for (int d = 0; d < nd; d++) {
            out[d] = outputLength(in[d], k[d], s[d], p[d], dil[d], ceilMode);
            int n = Math.max(out[d], 0);
            start[d] = new int[n];
            taps[d] = new int[n];
            div[d] = new double[n];
            for (int i = 0; i < n; i++) {
                int st = i * s[d] - p[d];
                start[d][i] = st;
                taps[d][i] = k[d];
                // avg divisor (dilation 1 for avg pooling): the window clipped to input + padding, then to input
                int end = Math.min(st + k[d], in[d] + p[d]);
                int poolSize = end - st;
                int inside = Math.min(end, in[d]) - Math.max(st, 0);
                div[d][i] = divisorOverride != null ? (d == 0 ? divisorOverride : 1) : countIncludePad ? poolSize : inside;
            }
        }
        return new PoolWindows(in.clone(), out, start, taps, dil.clone(), div);
    }

    /** Adaptive windows: output index {@code i} of a dim of length L covers [floor(i*L/out), ceil((i+1)*L/out)). */
    public static PoolWindows adaptive(int[] in, int[] out) {
        int nd = in.length;
        int[][] start = new int[nd][], taps = new int[nd][];
        double[][] div = new double[nd][];
        int[] dil = new int[nd];
        Arrays.fill(dil, 1);
        for (int d = 0; d < nd; d++) {
            int n = out[d];
            start[d] = new int[n];
            taps[d] = new int[n];
            div[d] = new double[n];
            for (int i = 0; i < n; i++) {
                int st = (int) Math.floorDiv((long) i * in[d], n);
                int end = (int) -Math.floorDiv(-(long) (i + 1) * in[d], n);
                start[d][i] = st;
                taps[d][i] = end - st;
                div[d][i] = end - st;
            }
        }
        return new PoolWindows(in.clone(), out.clone(), start, taps, dil, div);
    }
}
