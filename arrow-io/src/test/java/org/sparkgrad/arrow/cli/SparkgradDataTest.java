package org.sparkgrad.arrow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.arrow.ArrowTensorReader;
import org.sparkgrad.arrow.ParquetFooter;
import org.sparkgrad.data.Batch;

class SparkgradDataTest {
    @TempDir
    Path tmp;

    record Run(int rc, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = SparkgradData.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(rc, out.toString(), err.toString());
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(SparkgradDataTest.class.getClassLoader().getResource(name).toURI());
    }

    static float[] floats(Path p) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }

    @Test
    void describeDigits() throws Exception {
        Run r = run("describe", resource("data/digits/digits.parquet").toString(), "--shape", "features=1,8,8");
        assertEquals(0, r.rc(), r.err());
        float[] f = floats(resource("data/digits/features.f32"));
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        double sum = 0;
        for (float v : f) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            sum += v;
        }
        assertTrue(r.out().contains("rows: 1438"), r.out());
        assertTrue(r.out().contains("row_groups=1"), r.out());
        String stats = String.format(Locale.ROOT, "tensor [1, 8, 8]  min=%.6g max=%.6g mean=%.6g", min, max, sum / f.length);
        assertTrue(r.out().contains(stats), "expected «" + stats + "» in\n" + r.out());
        assertTrue(r.out().contains("label: Int(32, true)"), r.out());
    }

    /** The summary's numbers do not follow the JVM's default locale (a CI machine may use one with a decimal comma). */
    /**
     * A list column whose rows have different lengths (as fmri_small.parquet's volumes of three runs on different
     * grids) is described by its length range and value statistics instead of an error from the first row's shape.
     */
    @Test
    void describeRaggedListColumn() throws Exception {
        Path p = tmp.resolve("ragged.arrow");
        try (BufferAllocator al = new RootAllocator()) {
            org.apache.arrow.vector.types.pojo.Field elem = org.apache.arrow.vector.types.pojo.Field.notNullable("item",
                    new org.apache.arrow.vector.types.pojo.ArrowType.FloatingPoint(
                            org.apache.arrow.vector.types.FloatingPointPrecision.SINGLE));
            org.apache.arrow.vector.types.pojo.Field vol = new org.apache.arrow.vector.types.pojo.Field("volume",
                    org.apache.arrow.vector.types.pojo.FieldType.notNullable(new org.apache.arrow.vector.types.pojo.ArrowType.List()),
                    java.util.List.of(elem));
            try (org.apache.arrow.vector.VectorSchemaRoot root = org.apache.arrow.vector.VectorSchemaRoot.create(
                    new org.apache.arrow.vector.types.pojo.Schema(java.util.List.of(vol)), al)) {
                org.apache.arrow.vector.complex.ListVector lv = (org.apache.arrow.vector.complex.ListVector) root.getVector("volume");
                org.apache.arrow.vector.complex.impl.UnionListWriter w = lv.getWriter();
                float[][] rows = {{1, 2, 3}, {4, 5, 6}, {-1, 7, 8, 9, 10}};
                for (int r = 0; r < rows.length; r++) {
                    w.setPosition(r);
                    w.startList();
                    for (float v : rows[r]) {
                        w.float4().writeFloat4(v);
                    }
                    w.endList();
                }
                root.setRowCount(rows.length);
                try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                        org.apache.arrow.vector.ipc.ArrowFileWriter fw = new org.apache.arrow.vector.ipc.ArrowFileWriter(root, null, ch)) {
                    fw.start();
                    fw.writeBatch();
                    fw.end();
                }
            }
        }
        Run r = run("describe", p.toString());
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("volume        ragged list, lengths 3..5  min=-1.00000 max=10.0000 mean=4.90909"), r.out());
        assertTrue(!r.out().contains("ERROR"), r.out());
        // with a shape the ragged rows are still an error naming the column and row
        Run shaped = run("describe", p.toString(), "--shape", "volume=3");
        assertTrue(shaped.out().contains("ERROR") && shaped.out().contains("row=2"), shaped.out() + shaped.err());
    }

    @Test
    void describeIsTheSameInEveryDefaultLocale() throws Exception {
        String digits = resource("data/digits/digits.parquet").toString();
        Locale saved = Locale.getDefault();
        Run root;
        Run german;
        try {
            Locale.setDefault(Locale.ROOT);
            root = run("describe", digits, "--shape", "features=1,8,8");
            Locale.setDefault(Locale.GERMANY);
            german = run("describe", digits, "--shape", "features=1,8,8");
        } finally {
            Locale.setDefault(saved);
        }
        assertEquals(0, german.rc(), german.err());
        assertTrue(root.out().contains(" mean="), root.out());
        assertEquals(root.out(), german.out());
    }

    @Test
    void convertIrisThenRead() throws Exception {
        Path out = tmp.resolve("iris.parquet");
        Run r = run("convert", resource("data/iris").toString(), out.toString(), "--column", "features",
                "--column", "labels:label", "--row-group-rows", "50");
        assertEquals(0, r.rc(), r.err());
        assertTrue(r.out().contains("wrote 120 rows"), r.out());
        assertEquals(3, ParquetFooter.read(out).rowGroups().size());
        try (BufferAllocator al = new RootAllocator();
                ArrowTensorReader rd = ArrowTensorReader.builder(out).columns("features", "label").batchSize(500)
                        .allocator(al).build()) {
            Batch b = rd.iterator().next();
            assertArrayEquals(new int[] {120, 4}, b.features().shape());
            assertArrayEquals(floats(resource("data/iris/features.f32")), b.features().toFloatArray());
        }
        Run d = run("describe", out.toString());
        assertEquals(0, d.rc(), d.err());
        assertTrue(d.out().contains("sparkgrad.shape.features = [4]"), d.out());
    }

    @Test
    void windowsCommand() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("raw"));
        ByteBuffer b = ByteBuffer.allocate(4 * 1 * 8 * 8 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 4 * 64; i++) {
            b.putFloat(i);
        }
        Files.write(dir.resolve("v.f32"), b.array());
        Files.writeString(dir.resolve("meta.json"),
                "{\"files\":{\"v\":{\"file\":\"v.f32\",\"dtype\":\"float32\",\"shape\":[4,1,8,8]}}}");
        Path out = tmp.resolve("w.parquet");
        Run r = run("windows", dir.toString(), out.toString(), "--data", "v", "--history", "1", "--patch", "4,4",
                "--stride", "4,4");
        assertEquals(0, r.rc(), r.err());
        // t in [1, 2], 2 x 2 patch origins
        assertTrue(r.out().contains("wrote 8 windows"), r.out());
        assertTrue(r.out().contains("input [1, 2, 1, 4, 4]"), r.out());
        assertEquals(8, ParquetFooter.read(out).numRows());
    }

    @Test
    void badInputExitCodes() {
        Path missing = tmp.resolve("missing.parquet");
        Run r = run("describe", missing.toString());
        assertEquals(1, r.rc());
        assertTrue(r.err().contains(missing.toString()), r.err());
        assertEquals(2, run("describe").rc(), "usage error");
        assertEquals(2, run("frobnicate").rc());
    }
}
