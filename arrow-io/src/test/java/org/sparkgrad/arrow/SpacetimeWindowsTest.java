package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.data.Batch;

class SpacetimeWindowsTest {
    @TempDir
    Path tmp;
    BufferAllocator al;

    static final int T = 5;
    static final int D = 2;
    static final int H = 6;
    static final int W = 7;

    @BeforeEach
    void setUp() {
        al = new RootAllocator();
    }

    @AfterEach
    void tearDown() {
        al.close();
    }

    static float value(int t, int d, int y, int x) {
        return t * 1000 + d * 100 + y * 10 + x;
    }

    static boolean ocean(int d, int y, int x) {
        return x >= 3 || (d == 0 && y < 2); // land west of x = 3, except a shallow strip
    }

    /** A synthetic (T, D, H, W) raw dataset with a land mask. */
    Path synthetic() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("syn"));
        ByteBuffer b = ByteBuffer.allocate(T * D * H * W * 4).order(ByteOrder.LITTLE_ENDIAN);
        byte[] m = new byte[D * H * W];
        for (int t = 0; t < T; t++) {
            for (int d = 0; d < D; d++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        b.putFloat(value(t, d, y, x));
                        m[(d * H + y) * W + x] = (byte) (ocean(d, y, x) ? 1 : 0);
                    }
                }
            }
        }
        Files.write(dir.resolve("v.f32"), b.array());
        Files.write(dir.resolve("m.u8"), m);
        Files.writeString(dir.resolve("meta.json"), "{\"files\":{"
                + "\"v\":{\"file\":\"v.f32\",\"dtype\":\"float32\",\"shape\":[" + T + "," + D + "," + H + "," + W + "]},"
                + "\"mask\":{\"file\":\"m.u8\",\"dtype\":\"uint8\",\"shape\":[" + D + "," + H + "," + W + "]}}}");
        return dir;
    }

    void check(boolean cyclic) throws IOException {
        RawDataset ds = RawDataset.open(synthetic());
        Path out = tmp.resolve("w" + cyclic + ".parquet");
        int k = 1;
        int ph = 3;
        int pw = 3;
        int sy = 3;
        int sx = 2;
        double minValid = 0.5;
        SpacetimeWindows.Result r = SpacetimeWindows.builder(ds.array("v")).mask(ds.array("mask")).history(k)
                .patch(ph, pw).stride(sy, sx).minValidFraction(minValid).cyclic(cyclic).rowGroupRows(4).build().write(out);
        // expected windows, computed independently
        int times = cyclic ? T : T - k - 1;
        int kept = 0;
        int origins = 0;
        for (int y0 = 0; y0 + ph <= H; y0 += sy) {
            for (int x0 = 0; x0 + pw <= W; x0 += sx) {
                origins++;
                int valid = 0;
                for (int d = 0; d < D; d++) {
                    for (int y = y0; y < y0 + ph; y++) {
                        for (int x = x0; x < x0 + pw; x++) {
                            valid += ocean(d, y, x) ? 1 : 0;
                        }
                    }
                }
                kept += valid >= minValid * D * ph * pw ? 1 : 0;
            }
        }
        assertEquals((long) times * kept, r.windows());
        assertEquals((long) times * (origins - kept), r.skipped());
        Batch b = RawDatasetTest.readAll(out, al, TensorColumn.of("input"), TensorColumn.of("target"),
                TensorColumn.of("mask"), TensorColumn.of("t"), TensorColumn.of("y"), TensorColumn.of("x"));
        int n = (int) r.windows();
        assertArrayEquals(new int[] {n, 1, k + 1, D, ph, pw}, b.get(0).shape());
        assertArrayEquals(new int[] {n, 1, D, ph, pw}, b.get(1).shape());
        float[] in = b.get(0).toFloatArray();
        float[] tg = b.get(1).toFloatArray();
        float[] mk = b.get(2).toFloatArray();
        long[] ts = b.get(3).toLongArray();
        long[] ys = b.get(4).toLongArray();
        long[] xs = b.get(5).toLongArray();
        int patch = D * ph * pw;
        for (int i = 0; i < n; i++) {
            int t = (int) ts[i];
            int y0 = (int) ys[i];
            int x0 = (int) xs[i];
            for (int d = 0; d < D; d++) {
                for (int y = 0; y < ph; y++) {
                    for (int x = 0; x < pw; x++) {
                        int o = (d * ph + y) * pw + x;
                        for (int f = 0; f <= k; f++) {
                            int tf = Math.floorMod(t - k + f, T);
                            assertEquals(value(tf, d, y0 + y, x0 + x), in[(i * (k + 1) + f) * patch + o]);
                        }
                        assertEquals(value((t + 1) % T, d, y0 + y, x0 + x), tg[i * patch + o]);
                        assertEquals(ocean(d, y0 + y, x0 + x) ? 1f : 0f, mk[i * patch + o]);
                    }
                }
            }
        }
        assertEquals(cyclic ? 0 : k, ts[0]);
        assertEquals(cyclic ? T - 1 : T - 2, ts[n - 1]);
    }

    @Test
    void windowsMatchTheSource() throws IOException {
        check(false);
    }

    @Test
    void cyclicTimeWraps() throws IOException {
        check(true);
    }

    /**
     * A 2-D (H, W) mask (navy_winds' valid_mask over its U/V channels) applies to every depth / channel: the windows
     * equal those cut with the same mask repeated over D. A mask of another shape names both shapes.
     */
    @Test
    void twoDimensionalMaskBroadcastsOverDepth() throws IOException {
        Path dir = synthetic();
        byte[] m2 = new byte[H * W];
        byte[] m3 = new byte[D * H * W];
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                m2[y * W + x] = (byte) (ocean(1, y, x) ? 1 : 0);
                for (int d = 0; d < D; d++) {
                    m3[(d * H + y) * W + x] = m2[y * W + x];
                }
            }
        }
        Files.write(dir.resolve("m2.u8"), m2);
        Files.write(dir.resolve("m3.u8"), m3);
        Files.write(dir.resolve("bad.u8"), new byte[H]);
        Files.writeString(dir.resolve("meta.json"), "{\"files\":{"
                + "\"v\":{\"file\":\"v.f32\",\"dtype\":\"float32\",\"shape\":[" + T + "," + D + "," + H + "," + W + "]},"
                + "\"m2\":{\"file\":\"m2.u8\",\"dtype\":\"uint8\",\"shape\":[" + H + "," + W + "]},"
                + "\"bad\":{\"file\":\"bad.u8\",\"dtype\":\"uint8\",\"shape\":[" + H + "]},"
                + "\"m3\":{\"file\":\"m3.u8\",\"dtype\":\"uint8\",\"shape\":[" + D + "," + H + "," + W + "]}}}");
        RawDataset ds = RawDataset.open(dir);
        float[][] masks = new float[2][];
        long[] windows = new long[2];
        String[] names = {"m2", "m3"};
        for (int i = 0; i < 2; i++) {
            Path out = tmp.resolve(names[i] + ".parquet");
            windows[i] = SpacetimeWindows.builder(ds.array("v")).mask(ds.array(names[i])).history(1).patch(3, 3).stride(2, 2)
                    .minValidFraction(0.5).build().write(out).windows();
            masks[i] = RawDatasetTest.readAll(out, al, TensorColumn.of("mask")).get(0).toFloatArray();
        }
        assertTrue(windows[0] > 0);
        assertEquals(windows[1], windows[0]);
        assertArrayEquals(masks[1], masks[0]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpacetimeWindows.builder(ds.array("v")).mask(ds.array("bad")).build());
        assertTrue(e.getMessage().contains("[" + H + "]") && e.getMessage().contains("(H, W)"), e.getMessage());
    }

    /** The real ocean climatology: window values against temp.f32, counts against the mask. */
    @Test
    void oceanTemp4d() {
        Path dir = TestData.shared("ocean_temp_4d");
        RawDataset ds = RawDataset.open(dir);
        Path out = tmp.resolve("ocean.parquet");
        SpacetimeWindows.Result r = SpacetimeWindows.builder(ds.array("temp")).mask(ds.array("mask")).history(2)
                .patch(16, 16).stride(8, 8).minValidFraction(0.3).cyclic(true).build().write(out);
        float[] temp = TestData.floats(dir.resolve("temp.f32"));
        byte[] mask = TestData.bytes(dir.resolve("ocean_mask.u8"));
        int z = 19;
        int h = 90;
        int w = 144;
        int kept = 0;
        for (int y0 = 0; y0 + 16 <= h; y0 += 8) {
            for (int x0 = 0; x0 + 16 <= w; x0 += 8) {
                int valid = 0;
                for (int d = 0; d < z; d++) {
                    for (int y = y0; y < y0 + 16; y++) {
                        for (int x = x0; x < x0 + 16; x++) {
                            valid += mask[(d * h + y) * w + x];
                        }
                    }
                }
                kept += valid >= 0.3 * z * 256 ? 1 : 0;
            }
        }
        assertEquals(12L * kept, r.windows());
        int checked = 0;
        try (ArrowTensorReader rd = ArrowTensorReader.builder(out).columns("input", "target", "t", "y", "x")
                .batchSize(97).allocator(al).build()) {
            for (Batch b : rd) {
                // check the first window of every batch fully
                long t = b.get(2).toLongArray()[0];
                long y0 = b.get(3).toLongArray()[0];
                long x0 = b.get(4).toLongArray()[0];
                float[] in = b.get(0).toFloatArray();
                float[] tg = b.get(1).toFloatArray();
                assertArrayEquals(new int[] {b.size(), 1, 3, 19, 16, 16}, b.get(0).shape());
                for (int f = 0; f < 3; f++) {
                    int tf = (int) Math.floorMod(t - 2 + f, 12);
                    for (int d = 0; d < z; d++) {
                        for (int y = 0; y < 16; y++) {
                            for (int x = 0; x < 16; x++) {
                                float want = temp[((tf * z + d) * h + (int) y0 + y) * w + (int) x0 + x];
                                assertEquals(want, in[((f * z + d) * 16 + y) * 16 + x]);
                                if (f == 0) {
                                    int tt = (int) ((t + 1) % 12);
                                    assertEquals(temp[((tt * z + d) * h + (int) y0 + y) * w + (int) x0 + x],
                                            tg[(d * 16 + y) * 16 + x]);
                                }
                            }
                        }
                    }
                }
                checked++;
            }
        }
        assertEquals((r.windows() + 96) / 97, checked);
    }
}
