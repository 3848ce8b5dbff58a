package org.sparkgrad.tensor;

/**
 * A seedable pseudo-random generator (SplitMix64 core). The same seed gives the same sequence on every
 * JVM and platform. Not thread-safe: give each thread its own generator.
 */
public final class Generator {
    private static final Generator DEFAULT = new Generator(0x5eed5eedL);
    private long state;
    private double spareNormal;
    private boolean hasSpare;

    public Generator(long seed) {
        manualSeed(seed);
    }

    /** The process-wide default generator used when none is given (seed it with {@link #manualSeed}). */
    public static Generator defaultGenerator() { return DEFAULT; }

    /** Resets the generator to the sequence of {@code seed}. */
    public Generator manualSeed(long seed) {
        this.state = seed;
        this.hasSpare = false;
        return this;
    }

    /** Next 64 random bits. */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform double in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform int in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive, got " + bound);
        return (int) Math.floorMod(nextLong() >>> 1, (long) bound);
    }

    /** Uniform long in [low, high). */
    public long nextLong(long low, long high) {
        if (high <= low) throw new IllegalArgumentException("empty range [" + low + ", " + high + ")");
        return low + Math.floorMod(nextLong() >>> 1, high - low);
    }

    /** Standard normal (Box–Muller, polar form). */
    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spareNormal;
        }
        double u, v, s;
        do {
            u = nextDouble() * 2 - 1;
            v = nextDouble() * 2 - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.sqrt(-2 * Math.log(s) / s);
        spareNormal = v * m;
        hasSpare = true;
        return u * m;
    }
}
