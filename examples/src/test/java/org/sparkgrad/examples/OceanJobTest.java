package org.sparkgrad.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.nn.Module;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** The pieces of the ocean4d job: window features, the network's starting point, the metric, and bad-input exits. */
class OceanJobTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = JobTestSupport.session();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static List<Float> floats(int n, float v) {
        List<Float> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(v);
        return l;
    }

    @Test
    void featuresHoldMonthsMaskMonthAngleAndLatitudePerCell() {
        int d = 2, p = 3, cells = d * p * p, frames = 3;
        float[] lat = new float[10];
        for (int i = 0; i < lat.length; i++) lat[i] = -45 + 10 * i;
        StructType schema = new StructType().add("input", DataTypes.createArrayType(DataTypes.FloatType))
                .add("mask", DataTypes.createArrayType(DataTypes.FloatType)).add("t", DataTypes.LongType).add("y", DataTypes.LongType);
        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(floats(frames * cells, 5f), floats(cells, 1f), 11L, 4L)), schema);
        df.createOrReplaceTempView("__THIS__");
        List<Object> f = spark.sql(OceanJob.featuresSql(lat, 12, d, p)).head().getList(4);
        assertEquals((frames + OceanForecastNet.STATIC) * cells, f.size());
        double angle = 2 * Math.PI * 0 / 12; // t = 11 (December) -> target month 0 (January)
        for (int i = 0; i < cells; i++) {
            assertEquals(5f, (Float) f.get(i));
            assertEquals(1f, (Float) f.get(frames * cells + i));
            assertEquals((float) Math.sin(angle), (Float) f.get((frames + 1) * cells + i), 1e-6);
            assertEquals((float) Math.cos(angle), (Float) f.get((frames + 2) * cells + i), 1e-6);
            int row = 4 + (i / p) % p; // y origin 4 plus the row inside the patch
            assertEquals(lat[row] / 90f, (Float) f.get((frames + 3) * cells + i), 1e-6, "cell " + i);
        }
    }

    @Test
    void theUntrainedNetworkIsPersistence() {
        int frames = 3, d = 2, h = 4, w = 4, cells = d * h * w;
        Module net = new OceanForecastNet().create(new int[] {frames + OceanForecastNet.STATIC, d, h, w}, cells, 5);
        Generator g = new Generator(1);
        float[] x = new float[2 * (frames + OceanForecastNet.STATIC) * cells];
        for (int i = 0; i < x.length; i++) x[i] = (float) (10 * g.nextDouble());
        for (int n = 0; n < 2; n++) {
            int maskAt = (n * (frames + OceanForecastNet.STATIC) + frames) * cells;
            for (int c = 0; c < cells; c++) x[maskAt + c] = c % 3 == 0 ? 0f : 1f;
        }
        float[] out = net.forward(Tensor.fromArray(x, 2, (frames + OceanForecastNet.STATIC) * cells)).toFloatArray();
        for (int n = 0; n < 2; n++) {
            int base = n * (frames + OceanForecastNet.STATIC) * cells;
            for (int c = 0; c < cells; c++) {
                float last = x[base + (frames - 1) * cells + c], mask = x[base + frames * cells + c];
                assertEquals(last * mask, out[n * cells + c], 1e-5f);
            }
        }
    }

    @Test
    void coveringStrideReachesTheFarEdge() {
        assertEquals(2, OceanJob.coveringStride(90, 16)); // 74 = 2 * 37
        assertEquals(10, OceanJob.coveringStride(36, 16));
        assertEquals(1, OceanJob.coveringStride(16, 16));
        for (int n = 16; n < 200; n++) {
            int s = OceanJob.coveringStride(n, 16);
            assertTrue(s >= 1 && s <= 16 && (n - 16) % s == 0, "n=" + n);
        }
    }

    @Test
    void metricCountsEachOceanCellOnceAndComparesWithPersistence() {
        // 2 months, 1 depth, 2 x 4 grid; column 3 is land
        float[] temp = {1, 2, 3, 0, 1, 1, 1, 0, /* month 1 */ 2, 4, 5, 0, 2, 2, 2, 0};
        float[] mask = {1, 1, 1, 0, 1, 1, 1, 0};
        OceanJob.Field f = new OceanJob.Field(temp, mask, new float[] {0, 2}, 2, 1, 2, 4);
        StructType schema = new StructType().add("t", DataTypes.LongType).add("y", DataTypes.LongType).add("x", DataTypes.LongType)
                .add("output", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> rows = new ArrayList<>();
        // 2x2 patches at x = 0 and x = 2; t = 0 predicts month 1 exactly, t = 1 predicts month 0 one degree too warm
        rows.add(RowFactory.create(0L, 0L, 0L, List.of(2f, 4f, 2f, 2f)));
        rows.add(RowFactory.create(0L, 0L, 2L, List.of(5f, 0f, 2f, 0f)));
        rows.add(RowFactory.create(1L, 0L, 0L, List.of(2f, 3f, 2f, 2f)));
        rows.add(RowFactory.create(1L, 0L, 2L, List.of(4f, 9f, 2f, 9f))); // land predictions are ignored
        double[] r = OceanJob.evaluate(spark.createDataFrame(rows, schema), f, 1, 2);
        assertEquals(Math.sqrt(6.0 / 12), r[0], 1e-12, "6 cells exact, 6 cells off by 1");
        assertEquals(Math.sqrt(24.0 / 12), r[1], 1e-12, "persistence: differences 1,2,2,1,1,1 both ways round the cycle");
        assertEquals(12, r[2]);
        assertEquals(1.0, r[3]);
    }

    static void raw(Path dir, String meta, String file, float[] values) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("meta.json"), meta);
        if (file != null) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            Files.write(dir.resolve(file), b.array());
        }
    }

    @Test
    void badFoldersStopWithAClearMessage(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out");
        JobTestSupport.Run r = JobTestSupport.cli("train", "ocean4d", "--data", tmp.resolve("missing").toString(), "--out", out.toString());
        assertEquals(SparkgradCli.EXIT_BAD_INPUT, r.exit());
        assertTrue(r.err().contains("no such file or folder"), r.err());

        Path noMeta = Files.createDirectories(tmp.resolve("no-meta"));
        r = JobTestSupport.cli("train", "ocean4d", "--data", noMeta.toString(), "--out", out.toString());
        assertEquals(SparkgradCli.EXIT_BAD_INPUT, r.exit());
        assertTrue(r.err().contains("no meta.json"), r.err());

        Path other = tmp.resolve("other");
        raw(other, "{\"files\": {\"features\": {\"file\": \"features.f32\", \"dtype\": \"float32\", \"shape\": [2, 3]}}}", "features.f32", new float[6]);
        r = JobTestSupport.cli("train", "ocean4d", "--data", other.toString(), "--out", out.toString(), "--progress", "none");
        assertEquals(SparkgradCli.EXIT_BAD_INPUT, r.exit(), r.err());
        assertTrue(r.err().contains("wrong layout") && r.err().contains("[features]"), r.err());

        Path truncated = tmp.resolve("truncated");
        raw(truncated, "{\"files\": {\"temp\": {\"file\": \"temp.f32\", \"dtype\": \"float32\", \"shape\": [12, 2, 20, 40]}}}", "temp.f32", new float[10]);
        r = JobTestSupport.cli("train", "ocean4d", "--data", truncated.toString(), "--out", out.toString(), "--progress", "none");
        assertEquals(SparkgradCli.EXIT_BAD_INPUT, r.exit(), r.err());
        assertTrue(r.err().contains("truncated"), r.err());
        assertFalse(Files.exists(out));
    }
    /** A small ocean_temp_4d-like folder: 12 months x 1 depth x lat x lon, every cell ocean, latitudes from {@code lat0}. */
    static Path smallOcean(Path dir, int lat, int lon, float lat0) throws IOException {
        Files.createDirectories(dir);
        float[] temp = new float[12 * lat * lon], mask = new float[lat * lon], lats = new float[lat];
        for (int m = 0; m < 12; m++) {
            for (int c = 0; c < lat * lon; c++) temp[m * lat * lon + c] = (float) (10 + 3 * Math.sin(2 * Math.PI * m / 12) + 0.01 * c);
        }
        java.util.Arrays.fill(mask, 1f);
        for (int y = 0; y < lat; y++) lats[y] = lat0 + 2 * y;
        Files.writeString(dir.resolve("meta.json"), String.format(java.util.Locale.ROOT, "{\"files\": {"
                + "\"temp\": {\"file\": \"temp.f32\", \"dtype\": \"float32\", \"shape\": [12, 1, %d, %d]},"
                + "\"mask\": {\"file\": \"mask.f32\", \"dtype\": \"float32\", \"shape\": [1, %d, %d]},"
                + "\"lat\": {\"file\": \"lat.f32\", \"dtype\": \"float32\", \"shape\": [%d]}}}", lat, lon, lat, lon, lat));
        for (Object[] a : new Object[][] {{"temp.f32", temp}, {"mask.f32", mask}, {"lat.f32", lats}}) {
            float[] v = (float[]) a[1];
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(v);
            Files.write(dir.resolve((String) a[0]), b.array());
        }
        return dir;
    }

    @Test
    void testDataOnAnotherLatitudeGridIsAWrongLayout(@TempDir Path tmp) throws IOException {
        Path data = smallOcean(tmp.resolve("data"), 8, 12, -10);
        Path out = tmp.resolve("out");
        for (Path test : List.of(smallOcean(tmp.resolve("taller"), 10, 12, -10), smallOcean(tmp.resolve("shifted"), 8, 12, 30))) {
            JobTestSupport.Run r = JobTestSupport.cli("train", "ocean4d", "--data", data.toString(), "--test-data", test.toString(),
                    "--out", out.toString(), "--patch", "4", "--stride", "4", "--epochs", "1", "--batch-size", "4", "--progress", "none");
            assertEquals(SparkgradCli.EXIT_BAD_INPUT, r.exit(), r.err());
            assertTrue(r.err().contains("--test-data") && r.err().contains("wrong layout") && r.err().contains("latitude"), r.err());
            assertEquals("", r.out());
            assertFalse(Files.exists(out));
        }
        // another sector on the same latitude rows is fine
        JobTestSupport.Run ok = JobTestSupport.cli("train", "ocean4d", "--data", data.toString(), "--test-data",
                smallOcean(tmp.resolve("sector"), 8, 12, -10).toString(), "--out", out.toString(), "--patch", "4", "--stride", "4",
                "--epochs", "1", "--batch-size", "4", "--progress", "none");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.lastLine().contains("\"test_rmse\""), ok.out());
        assertTrue(Files.isDirectory(out.resolve("model")));
    }
}
