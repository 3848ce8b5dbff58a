package org.sparkgrad.arrow;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkgrad.tensor.DType;

/**
 * Cuts sliding spacetime windows out of a 4-D raw array {@code (T, D, H, W)} (time, depth, lat, lon) into a Parquet
 * training set, streaming: the source is read one time step {@code (D, H, W)} at a time (at most {@code k+2} of
 * them held), and at most {@code rowGroupRows} windows are in memory.
 *
 * <p>For each time {@code t}, and each patch origin {@code (y, x)} on a grid of stride {@code (sy, sx)}, a row is
 * <ul>
 *   <li>{@code input}: float32 {@code (1, k+1, D, h, w)} = {@code data[t-k..t, :, y:y+h, x:x+w]} (channel, time,
 *       depth, lat, lon);</li>
 *   <li>{@code target}: float32 {@code (1, D, h, w)} = {@code data[t+1, :, y:y+h, x:x+w]};</li>
 *   <li>{@code mask} (when a mask {@code (D, H, W)} or {@code (H, W)} is given): float32 {@code (1, D, h, w)}, 1 = valid (ocean),
 *       0 = land, to mask the loss;</li>
 *   <li>{@code t}, {@code y}, {@code x}: int64, the time index of the last input and the patch origin.</li>
 * </ul>
 * Patches whose mask holds less than {@code minValidFraction} valid cells are skipped (the count is reported by
 * {@link Result}). With {@code cyclic} time (a climatology: Dec → Jan), indices wrap modulo {@code T} and every
 * {@code t} gives a window; otherwise {@code t} runs over {@code [k, T-2]}.
 */
public final class SpacetimeWindows {
    private static final Logger LOG = LoggerFactory.getLogger(SpacetimeWindows.class);

    /** What was written: windows kept, and patches skipped for too little valid area (per time step, summed). */
    public record Result(long windows, long skipped, int[] inputShape, int[] targetShape) {}

    private final RawDataset.Array data;
    private final RawDataset.Array mask;
    private final int history;
    private final int patchH;
    private final int patchW;
    private final int strideY;
    private final int strideX;
    private final double minValidFraction;
    private final boolean cyclic;
    private final int rowGroupRows;

    private SpacetimeWindows(Builder b) {
        this.data = Objects.requireNonNull(b.data, "data");
        this.mask = b.mask;
        this.history = b.history;
        this.patchH = b.patchH;
        this.patchW = b.patchW;
        this.strideY = b.strideY;
        this.strideX = b.strideX;
        this.minValidFraction = b.minValidFraction;
        this.cyclic = b.cyclic;
        this.rowGroupRows = b.rowGroupRows;
        int[] s = data.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException("data must be 4-D (T, D, H, W), got " + Arrays.toString(s));
        }
        if (mask != null && !Arrays.equals(mask.shape(), Arrays.copyOfRange(s, 1, 4))
                && !Arrays.equals(mask.shape(), Arrays.copyOfRange(s, 2, 4))) {
            throw new IllegalArgumentException("mask shape " + Arrays.toString(mask.shape()) + " is neither (D, H, W) = "
                    + Arrays.toString(Arrays.copyOfRange(s, 1, 4)) + " nor (H, W) = " + Arrays.toString(Arrays.copyOfRange(s, 2, 4)));
        }
        if (patchH > s[2] || patchW > s[3]) {
            throw new IllegalArgumentException("patch " + patchH + "x" + patchW + " larger than the grid " + s[2] + "x" + s[3]);
        }
        if (!cyclic && history + 2 > s[0]) {
            throw new IllegalArgumentException("history " + history + " needs at least " + (history + 2) + " time steps, got "
                    + s[0]);
        }
    }

    public static Builder builder(RawDataset.Array data) {
        return new Builder(data);
    }

    /**
     * Writes the windows.
     *
     * @return counts and shapes
     */
    public Result write(Path out) {
        int[] s = data.shape();
        int tN = s[0];
        int dN = s[1];
        int hN = s[2];
        int wN = s[3];
        int frames = history + 1;
        int[] inShape = {1, frames, dN, patchH, patchW};
        int[] tgtShape = {1, dN, patchH, patchW};
        int patchSize = dN * patchH * patchW;
        // valid fraction per patch origin (the mask is the same at every time)
        int ny = (hN - patchH) / strideY + 1;
        int nx = (wN - patchW) / strideX + 1;
        boolean[] keep = new boolean[ny * nx];
        float[] maskPatches = null;
        float[] maskAll = null;
        if (mask != null) {
            maskAll = mask.readFloats(0, (int) mask.numel());
            if (mask.shape().length == 2) { // (H, W): the same for every depth / channel
                float[] all = new float[dN * hN * wN];
                for (int d = 0; d < dN; d++) {
                    System.arraycopy(maskAll, 0, all, d * hN * wN, hN * wN);
                }
                maskAll = all;
            }
            maskPatches = new float[ny * nx * patchSize];
        }
        int kept = 0;
        for (int iy = 0; iy < ny; iy++) {
            for (int ix = 0; ix < nx; ix++) {
                int p = iy * nx + ix;
                if (maskAll == null) {
                    keep[p] = true;
                } else {
                    int valid = 0;
                    int o = p * patchSize;
                    for (int d = 0; d < dN; d++) {
                        for (int yy = 0; yy < patchH; yy++) {
                            int src = (d * hN + iy * strideY + yy) * wN + ix * strideX;
                            for (int xx = 0; xx < patchW; xx++) {
                                float m = maskAll[src + xx] != 0f ? 1f : 0f;
                                maskPatches[o++] = m;
                                valid += (int) m;
                            }
                        }
                    }
                    keep[p] = valid >= minValidFraction * patchSize;
                }
                kept += keep[p] ? 1 : 0;
            }
        }
        int tFirst = cyclic ? 0 : history;
        int tLast = cyclic ? tN - 1 : tN - 2;
        TensorWriter.Builder wb = TensorWriter.builder(out).column("input", DType.FLOAT32, inShape)
                .column("target", DType.FLOAT32, tgtShape);
        if (mask != null) {
            wb.column("mask", DType.FLOAT32, tgtShape);
        }
        wb.column("t", DType.INT64).column("y", DType.INT64).column("x", DType.INT64)
                .metadata("sparkgrad.windows", "{\"history\":" + history + ",\"patch\":[" + patchH + "," + patchW
                        + "],\"stride\":[" + strideY + "," + strideX + "],\"cyclic\":" + cyclic + ",\"min_valid_fraction\":"
                        + minValidFraction + "}");
        if (rowGroupRows > 0) {
            wb.rowGroupRows(rowGroupRows);
        }
        long windows = 0;
        long skipped = 0;
        try (TensorWriter w = wb.build(); RawDataset.Slicer src = data.slicer()) {
            int block = Math.min(w.rowGroupRows(), Math.max(1, kept));
            float[] in = new float[block * frames * patchSize];
            float[] tg = new float[block * patchSize];
            float[] mk = mask == null ? null : new float[block * patchSize];
            long[] tt = new long[block];
            long[] yy0 = new long[block];
            long[] xx0 = new long[block];
            int n = 0;
            for (int t = tFirst; t <= tLast; t++) {
                for (int p = 0; p < keep.length; p++) {
                    if (!keep[p]) {
                        skipped++;
                        continue;
                    }
                    int y0 = (p / nx) * strideY;
                    int x0 = (p % nx) * strideX;
                    for (int f = 0; f < frames; f++) {
                        int ti = Math.floorMod(t - history + f, tN);
                        readPatch(src, ti, y0, x0, dN, hN, wN, in, (n * frames + f) * patchSize);
                    }
                    readPatch(src, Math.floorMod(t + 1, tN), y0, x0, dN, hN, wN, tg, n * patchSize);
                    if (mk != null) {
                        System.arraycopy(maskPatches, p * patchSize, mk, n * patchSize, patchSize);
                    }
                    tt[n] = t;
                    yy0[n] = y0;
                    xx0[n] = x0;
                    if (++n == block) {
                        w.writeArrays(mk == null ? new Object[] {in, tg, tt, yy0, xx0} : new Object[] {in, tg, mk, tt, yy0, xx0},
                                0, n);
                        windows += n;
                        n = 0;
                    }
                }
            }
            if (n > 0) {
                w.writeArrays(mk == null ? new Object[] {in, tg, tt, yy0, xx0} : new Object[] {in, tg, mk, tt, yy0, xx0}, 0, n);
                windows += n;
            }
        }
        LOG.info("wrote {} windows to {} ({} patches skipped for < {} valid)", windows, out, skipped, minValidFraction);
        return new Result(windows, skipped, inShape, tgtShape);
    }

    /** The last few frames {@code (D, H, W)} read, least recently used dropped: at most history + 2 are held. */
    private final java.util.LinkedHashMap<Integer, float[]> frames = new java.util.LinkedHashMap<>(16, 0.75f, true);

    private float[] frame(RawDataset.Slicer src, int t, int frameSize) {
        float[] f = frames.get(t);
        if (f == null) {
            if (frames.size() >= history + 2) {
                Integer eldest = frames.keySet().iterator().next();
                f = frames.remove(eldest); // reuse its memory
            } else {
                f = new float[frameSize];
            }
            src.read((long) t * frameSize, frameSize, f, 0);
            frames.put(t, f);
        }
        return f;
    }

    private void readPatch(RawDataset.Slicer src, int t, int y0, int x0, int dN, int hN, int wN, float[] dst, int off) {
        float[] f = frame(src, t, dN * hN * wN);
        for (int d = 0; d < dN; d++) {
            for (int yy = 0; yy < patchH; yy++) {
                System.arraycopy(f, (d * hN + y0 + yy) * wN + x0, dst, off + (d * patchH + yy) * patchW, patchW);
            }
        }
    }

    /** Options of {@link SpacetimeWindows}. */
    public static final class Builder {
        private final RawDataset.Array data;
        private RawDataset.Array mask;
        private int history = 2;
        private int patchH = 16;
        private int patchW = 16;
        private int strideY = 8;
        private int strideX = 8;
        private double minValidFraction = 0.3;
        private boolean cyclic;
        private int rowGroupRows;

        private Builder(RawDataset.Array data) {
            this.data = data;
        }

        /**
         * The validity mask {@code (D, H, W)}, or {@code (H, W)} for the same mask at every depth / channel; nonzero =
         * valid (default none: every patch kept). A shape that is neither is an IllegalArgumentException naming both.
         */
        public Builder mask(RawDataset.Array m) {
            this.mask = m;
            return this;
        }

        /** {@code k}: inputs are times {@code t-k..t} (default 2, i.e. 3 frames). */
        public Builder history(int k) {
            if (k < 0) {
                throw new IllegalArgumentException("history must be >= 0");
            }
            this.history = k;
            return this;
        }

        /** Patch height (lat) and width (lon) in cells (default 16 x 16). */
        public Builder patch(int h, int w) {
            if (h <= 0 || w <= 0) {
                throw new IllegalArgumentException("patch must be positive");
            }
            this.patchH = h;
            this.patchW = w;
            return this;
        }

        /** Stride of patch origins (default 8, 8). */
        public Builder stride(int sy, int sx) {
            if (sy <= 0 || sx <= 0) {
                throw new IllegalArgumentException("stride must be positive");
            }
            this.strideY = sy;
            this.strideX = sx;
            return this;
        }

        /** Least fraction of valid mask cells for a patch to be kept (default 0.3). */
        public Builder minValidFraction(double f) {
            if (f < 0 || f > 1) {
                throw new IllegalArgumentException("minValidFraction must be in [0, 1]");
            }
            this.minValidFraction = f;
            return this;
        }

        /** Treat time as cyclic (default false). */
        public Builder cyclic(boolean c) {
            this.cyclic = c;
            return this;
        }

        /** Rows per Parquet row group (default: the writer's). */
        public Builder rowGroupRows(int n) {
            this.rowGroupRows = n;
            return this;
        }

        public SpacetimeWindows build() {
            return new SpacetimeWindows(this);
        }
    }
}
