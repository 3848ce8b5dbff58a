package org.sparkgrad.backend;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits index ranges over the common fork-join pool when the work is large enough; small work runs on
 * the calling thread (no task overhead for tiny tensors).
 */
public final class Parallel {
    /** Elements below which elementwise loops stay single-threaded (system property {@code sparkgrad.grain}). */
    public static final int GRAIN = Integer.getInteger("sparkgrad.grain", 1 << 15);

    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private Parallel() {}

    /** A body over the half-open range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    /**
     * Runs {@code body} over {@code [0, n)}, in parallel chunks when {@code n * costPerItem >= GRAIN}.
     *
     * @param costPerItem rough number of elements touched per index (1 for flat elementwise loops)
     */
    public static void range(int n, int costPerItem, RangeBody body) {
        long work = (long) n * Math.max(1, costPerItem);
        if (THREADS == 1 || n < 2 || work < GRAIN || ForkJoinPool.getCommonPoolParallelism() < 1) {
            body.run(0, n);
            return;
        }
        int chunks = (int) Math.min(n, Math.min((long) THREADS * 4, work / (GRAIN / 2)));
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        ForkJoinPool.commonPool().invoke(new Chunk(body, n, chunks, 0, chunks));
    }

    private static final class Chunk extends RecursiveAction {
        private final RangeBody body;
        private final int n, chunks, lo, hi;

        Chunk(RangeBody body, int n, int chunks, int lo, int hi) {
            this.body = body;
            this.n = n;
            this.chunks = chunks;
            this.lo = lo;
            this.hi = hi;
        }

        @Override protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) n * lo / chunks);
                int to = (int) ((long) n * (lo + 1) / chunks);
                if (to > from) body.run(from, to);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunk(body, n, chunks, lo, mid), new Chunk(body, n, chunks, mid, hi));
        }
    }
}
