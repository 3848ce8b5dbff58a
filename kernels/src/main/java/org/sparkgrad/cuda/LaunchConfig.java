package org.sparkgrad.cuda;

/**
 * Grid and block sizes. Grid-stride kernels are correct for any grid, so elementwise launches cap the grid at a
 * few waves of the device ({@link #MAX_BLOCKS_PER_SM} blocks per multiprocessor) instead of one thread per element.
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ) {
    /** Threads per block of elementwise kernels. */
    public static final int THREADS = 256;
    /** Resident blocks per SM worth launching for grid-stride loops. */
    public static final int MAX_BLOCKS_PER_SM = 32;
    /** CUDA's limit on gridDim.y and gridDim.z. */
    public static final int MAX_GRID_YZ = 65535;

    /** A 1-D launch covering {@code n} work items with grid-stride loops on a device of {@code sms} SMs. */
    public static LaunchConfig linear(long n, int sms) {
        long blocks = (n + THREADS - 1) / THREADS;
        long cap = (long) Math.max(sms, 1) * MAX_BLOCKS_PER_SM;
        return new LaunchConfig((int) Math.max(1, Math.min(blocks, cap)), 1, 1, THREADS, 1, 1);
    }

    /** One block per row (grid-stride over rows), the block sized to the row: a multiple of 32, 32..1024. */
    public static LaunchConfig rowPerBlock(long rows, int rowLength, int sms, int maxThreads) {
        int threads = 32;
        while (threads < rowLength && threads < maxThreads) threads <<= 1;
        long cap = (long) Math.max(sms, 1) * MAX_BLOCKS_PER_SM;
        return new LaunchConfig((int) Math.max(1, Math.min(rows, cap)), 1, 1, threads, 1, 1);
    }

    public long threadsPerBlock() {
        return (long) blockX * blockY * blockZ;
    }
}
