package org.sparkgrad.cuda;

import java.util.Arrays;

/**
 * How a reduction over some dims runs on the GPU (reduce.cu): the kept and reduced dims as two coalesced
 * descriptors over the input's storage, the output shape, and the kernel variant.
 *
 * <ul>
 *   <li>{@link Variant#SMALL}: one thread per output, sequential over the reduced elements: many outputs with
 *       short rows (up to {@link #SMALL_MAX_ROW} elements);</li>
 *   <li>{@link Variant#BLOCK}: one block per output with a tree reduction; with few outputs and long rows
 *       {@code splits > 1} chunks per row run in parallel and a finish kernel combines their partials.</li>
 * </ul>
 */
public record ReducePlan(TensorDesc keep, TensorDesc red, long nOut, int nRed, int[] outShape, Variant variant,
                         int blockThreads, int splits) {
    /** Kernel variants. */
    public enum Variant { SMALL, BLOCK }

    /** Longest row reduced by one thread. */
    public static final int SMALL_MAX_ROW = 32;
    /** Elements per thread worth giving a block before splitting a row further. */
    static final int ELEMS_PER_THREAD = 16;
    /** At most this many chunks per row. */
    static final int MAX_SPLITS = 256;

    /**
     * @param shape   input shape
     * @param strides input strides
     * @param offset  input offset
     * @param dims    reduced dims, normalised (sorted, distinct, in range); empty reduces nothing
     * @param keepdim keep reduced dims as size 1
     * @param sms     multiprocessors of the device
     */
    public static ReducePlan of(int[] shape, int[] strides, int offset, int[] dims, boolean keepdim, int sms) {
        int rank = shape.length;
        boolean[] reduced = new boolean[rank];
        for (int d : dims) {
            if (d < 0 || d >= rank) throw new IllegalArgumentException("dim " + d + " out of range for rank " + rank);
            reduced[d] = true;
        }
        int nk = 0;
        for (boolean b : reduced) if (!b) nk++;
        int[] ks = new int[nk], kst = new int[nk], rs = new int[rank - nk], rst = new int[rank - nk];
        int ki = 0, ri = 0;
        long nOut = 1, nRed = 1;
        for (int d = 0; d < rank; d++) {
            if (reduced[d]) {
                rs[ri] = shape[d];
                rst[ri++] = strides[d];
                nRed *= shape[d];
            } else {
                ks[ki] = shape[d];
                kst[ki++] = strides[d];
                nOut *= shape[d];
            }
        }
        if (nRed > Integer.MAX_VALUE) throw new IllegalArgumentException("reduction of more than 2^31 elements");
        TensorDesc keep = TensorDesc.coalesce(ks, new int[][] {kst}, new int[] {offset})[0];
        TensorDesc red = TensorDesc.coalesce(rs, new int[][] {rst}, new int[] {0})[0];
        int[] outShape;
        if (keepdim) {
            outShape = shape.clone();
            for (int d : dims) outShape[d] = 1;
        } else {
            outShape = ks;
        }
        int row = (int) nRed;
        if (row <= SMALL_MAX_ROW && nOut >= (long) sms * 64) {
            return new ReducePlan(keep, red, nOut, row, outShape, Variant.SMALL, LaunchConfig.THREADS, 1);
        }
        int threads = 32;
        while (threads < row && threads < 512) threads <<= 1;
        int splits = 1;
        long wantedBlocks = (long) Math.max(sms, 1) * 4;
        if (nOut < wantedBlocks) {
            long byWork = row / ((long) threads * ELEMS_PER_THREAD);
            long byOccupancy = (wantedBlocks + nOut - 1) / Math.max(nOut, 1);
            splits = (int) Math.max(1, Math.min(Math.min(byWork, byOccupancy), MAX_SPLITS));
        }
        return new ReducePlan(keep, red, nOut, row, outShape, Variant.BLOCK, threads, splits);
    }

    @Override
    public String toString() {
        return "ReducePlan{" + variant + ", nOut=" + nOut + ", nRed=" + nRed + ", threads=" + blockThreads + ", splits="
                + splits + ", keep=" + keep + ", red=" + red + ", out=" + Arrays.toString(outShape) + "}";
    }
}
