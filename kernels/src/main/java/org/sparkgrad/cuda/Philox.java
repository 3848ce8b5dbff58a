package org.sparkgrad.cuda;

/**
 * Java twin of the kernels' Philox4x32-10 generator ({@code sg_random.cuh}, Salmon et al., SC'11): the same
 * streams on the host, so a GPU dropout mask or random fill can be reproduced (and checked) from its seed and
 * offset. Layout: block {@code b} of stream (seed, offset) is philox(counter = (b, offset), key = seed).
 */
public final class Philox {
    private static final int M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    private Philox() {
    }

    /** Ten rounds on counter (c0..c3) with key (k0, k1): the four output words. */
    public static int[] block(int c0, int c1, int c2, int c3, int k0, int k1) {
        for (int r = 0; r < 10; r++) {
            if (r > 0) {
                k0 += W0;
                k1 += W1;
            }
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32), lo0 = (int) p0, hi1 = (int) (p1 >>> 32), lo1 = (int) p1;
            int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
        }
        return new int[] {c0, c1, c2, c3};
    }

    /** Block {@code group} of the stream (seed, offset). */
    public static int[] streamBlock(long seed, long offset, long group) {
        return block((int) group, (int) (group >>> 32), (int) offset, (int) (offset >>> 32), (int) seed,
                (int) (seed >>> 32));
    }

    /** Element {@code i} of a float32 uniform stream: {@code (word >> 8) * 2^-24}, in [0, 1). */
    public static float uniformFloat(long seed, long offset, long i) {
        int w = streamBlock(seed, offset, i / 4)[(int) (i % 4)];
        return (w >>> 8) * 5.9604644775390625e-8f;
    }

    /** Element {@code i} of a float64 uniform stream: 53 bits of two words, in [0, 1). */
    public static double uniformDouble(long seed, long offset, long i) {
        int[] b = streamBlock(seed, offset, i / 2);
        int a = b[(int) (i % 2) * 2], c = b[(int) (i % 2) * 2 + 1];
        long bits = ((long) (a >>> 5) << 26) | (c >>> 6);
        return bits * 1.1102230246251565e-16;
    }
}
