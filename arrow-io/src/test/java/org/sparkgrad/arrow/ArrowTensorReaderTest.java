package org.sparkgrad.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

class ArrowTensorReaderTest {
    @TempDir
    Path tmp;
    BufferAllocator al;

    @BeforeEach
    void setUp() {
        al = new RootAllocator();
    }

    @AfterEach
    void tearDown() {
        al.close();
    }

    /** Spark's digits.parquet read as (N, 1, 8, 8) batches equals the raw files. */
    @Test
    void sparkDigitsMatchRawFiles() {
        float[] want = TestData.floats(TestData.resource("data/digits/features.f32"));
        int[] labels = TestData.ints(TestData.resource("data/digits/labels.i32"));
        List<Batch> batches = new ArrayList<>();
        try (ArrowTensorReader r = ArrowTensorReader.builder(TestData.resource("data/digits/digits.parquet"))
                .columns(TensorColumn.of("features", 1, 8, 8), TensorColumn.of("label")).batchSize(100).scanRows(333)
                .allocator(al).build()) {
            r.forEach(batches::add);
        }
        assertEquals(15, batches.size());
        assertEquals(38, batches.get(14).size(), "ragged last batch: 1438 = 14 * 100 + 38");
        float[] got = new float[want.length];
        long[] gotLabels = new long[labels.length];
        int row = 0;
        for (Batch b : batches) {
            assertArrayEquals(new int[] {b.size(), 1, 8, 8}, b.features().shape());
            assertEquals(DType.INT64, b.labels().dtype());
            System.arraycopy(b.features().toFloatArray(), 0, got, row * 64, b.size() * 64);
            System.arraycopy(b.labels().toLongArray(), 0, gotLabels, row, b.size());
            row += b.size();
        }
        TestData.assertBitEquals(want, got, "digits features");
        assertArrayEquals(Arrays.stream(labels).asLongStream().toArray(), gotLabels);
    }

    @Test
    void irisWithShapeFromTheData() {
        float[] want = TestData.floats(TestData.resource("data/iris/features.f32"));
        try (ArrowTensorReader r = ArrowTensorReader.builder(TestData.resource("data/iris/iris.parquet"))
                .columns("features", "label").batchSize(1000).allocator(al).build()) {
            Batch b = r.iterator().next();
            assertArrayEquals(new int[] {120, 4}, b.features().shape());
            TestData.assertBitEquals(want, b.features().toFloatArray(), "iris");
            assertArrayEquals(new int[] {4}, r.sampleShape(0));
        }
    }

    @Test
    void projectionReadsOneColumn() {
        try (ArrowTensorReader r = ArrowTensorReader.builder(TestData.resource("data/digits/digits.parquet"))
                .columns("label").batchSize(2000).allocator(al).build()) {
            Batch b = r.iterator().next();
            assertArrayEquals(new int[] {1438}, b.features().shape());
        }
    }

    @Test
    void folderOfMixedFormatsInOrder() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("ds"));
        for (int part = 0; part < 3; part++) {
            DataFormat f = DataFormat.values()[part];
            long[] ids = new long[10];
            float[] x = new float[20];
            for (int i = 0; i < 10; i++) {
                ids[i] = part * 10 + i;
                x[2 * i] = ids[i];
                x[2 * i + 1] = -ids[i];
            }
            try (TensorWriter w = TensorWriter.builder(dir.resolve("part-" + part + f.extension())).format(f)
                    .column("x", DType.FLOAT32, 2).column("id", DType.INT64).rowGroupRows(4).allocator(al).build()) {
                w.write(Tensor.fromArray(x, 10, 2), Tensor.fromArray(ids, 10));
            }
        }
        Files.writeString(dir.resolve("_SUCCESS"), "");
        List<Long> ids = new ArrayList<>();
        try (ArrowTensorReader r = ArrowTensorReader.builder(dir).columns("x", "id").batchSize(7).allocator(al).build()) {
            for (Batch b : r) {
                for (long v : b.labels().toLongArray()) {
                    ids.add(v);
                }
                float[] x = b.features().toFloatArray();
                long[] id = b.labels().toLongArray();
                for (int i = 0; i < id.length; i++) {
                    assertEquals(id[i], x[2 * i]);
                }
            }
        }
        List<Long> want = new ArrayList<>();
        for (long i = 0; i < 30; i++) {
            want.add(i);
        }
        assertEquals(want, ids);
    }

    @Test
    void missingColumnNamesFileAndColumn() {
        Path p = TestData.resource("data/digits/digits.parquet");
        try (ArrowTensorReader r = ArrowTensorReader.builder(p).columns("pixels", "label").allocator(al).build()) {
            ArrowDataException e = assertThrows(ArrowDataException.class, () -> r.iterator().hasNext());
            assertEquals(p.toString(), e.file());
            assertEquals("pixels", e.column());
        }
    }

    @Test
    void wrongShapeNamesTheRow() {
        Path p = TestData.resource("data/digits/digits.parquet");
        try (ArrowTensorReader r = ArrowTensorReader.builder(p).columns(TensorColumn.of("features", 10, 10))
                .allocator(al).build()) {
            ArrowDataException e = assertThrows(ArrowDataException.class, () -> r.iterator().hasNext());
            assertEquals(0, e.row());
            assertEquals(0, e.rowGroup());
            assertTrue(e.getMessage().contains("length 64"), e.getMessage());
        }
    }

    @Test
    void truncatedFilesAreNamed() throws Exception {
        byte[] pq = Files.readAllBytes(TestData.resource("data/digits/digits.parquet"));
        Path cut = tmp.resolve("cut.parquet");
        Files.write(cut, Arrays.copyOf(pq, pq.length - 100));
        ArrowDataException e = assertThrows(ArrowDataException.class,
                () -> ArrowTensorReader.builder(cut).columns("label").allocator(al).build());
        assertEquals(cut.toString(), e.file());

        Path ipc = tmp.resolve("x.arrow");
        try (TensorWriter w = TensorWriter.builder(ipc).column("x", DType.FLOAT32, 64).allocator(al).build()) {
            w.write(Tensor.fromArray(new float[64 * 100], 100, 64));
        }
        byte[] all = Files.readAllBytes(ipc);
        Path cutIpc = tmp.resolve("cut.arrow");
        Files.write(cutIpc, Arrays.copyOf(all, all.length / 2));
        ArrowDataException e2 = assertThrows(ArrowDataException.class, () -> {
            try (ArrowTensorReader r = ArrowTensorReader.builder(cutIpc).columns("x").allocator(al).build()) {
                r.forEach(b -> { });
            }
        });
        assertEquals(cutIpc.toString(), e2.file());

        Path cutStream = tmp.resolve("cut.arrows");
        Path stream = tmp.resolve("x.arrows");
        try (TensorWriter w = TensorWriter.builder(stream).column("x", DType.FLOAT32, 64).rowGroupRows(10).allocator(al)
                .build()) {
            w.write(Tensor.fromArray(new float[64 * 100], 100, 64));
        }
        byte[] s = Files.readAllBytes(stream);
        Files.write(cutStream, Arrays.copyOf(s, s.length / 2));
        ArrowDataException e3 = assertThrows(ArrowDataException.class, () -> {
            try (ArrowTensorReader r = ArrowTensorReader.builder(cutStream).columns("x").allocator(al).build()) {
                r.forEach(b -> { });
            }
        });
        assertEquals(cutStream.toString(), e3.file());
        assertTrue(e3.rowGroup() >= 1, "names the record batch: " + e3.getMessage());
    }

    @Test
    void corruptDataPagesAreNamed() throws Exception {
        // keep the footer, scribble over the middle of the column data
        Path p = tmp.resolve("corrupt.parquet");
        byte[] pq = Files.readAllBytes(TestData.resource("data/digits/digits.parquet"));
        for (int i = 2000; i < 6000; i++) {
            pq[i] = (byte) (i * 31);
        }
        Files.write(p, pq);
        ArrowDataException e = assertThrows(ArrowDataException.class, () -> {
            try (ArrowTensorReader r = ArrowTensorReader.builder(p).columns("features", "label").allocator(al).build()) {
                r.forEach(b -> { });
            }
        });
        assertEquals(p.toString(), e.file());
        assertEquals(0, e.rowGroup());
    }

    /** Stopping after one batch while the scan-ahead thread is decoding leaks nothing (checked by tearDown). */
    @Test
    void earlyCloseWithScanAhead() {
        Path p = tmp.resolve("big.parquet");
        try (TensorWriter w = TensorWriter.builder(p).column("x", DType.FLOAT32, 256).rowGroupRows(1000).allocator(al)
                .build()) {
            w.write(Tensor.fromArray(new float[20_000 * 256], 20_000, 256));
        }
        try (ArrowTensorReader r = ArrowTensorReader.builder(p).columns("x").batchSize(100).scanRows(500).allocator(al)
                .build()) {
            Batch b = r.iterator().next();
            assertArrayEquals(new int[] {100, 256}, b.features().shape());
        }
        assertEquals(0, al.getAllocatedMemory());
    }

    /** Writes {@code rows.length} Parquet files (one row group each) of ids counting up across files, x = (id, -id). */
    private Path parquetParts(String name, int... rows) {
        Path dir = tmp.resolve(name);
        long id = 0;
        for (int f = 0; f < rows.length; f++) {
            long[] ids = new long[rows[f]];
            float[] x = new float[2 * rows[f]];
            for (int i = 0; i < rows[f]; i++, id++) {
                ids[i] = id;
                x[2 * i] = id;
                x[2 * i + 1] = -id;
            }
            try (TensorWriter w = TensorWriter.builder(dir.resolve(String.format("part-%03d.parquet", f)))
                    .column("x", DType.FLOAT32, 2).column("id", DType.INT64).rowGroupRows(rows[f]).allocator(al).build()) {
                w.write(Tensor.fromArray(x, rows[f], 2), Tensor.fromArray(ids, rows[f]));
            }
        }
        return dir;
    }

    /** Reads ids until the end or an error; checks x against id on the way. */
    private static List<Long> readIds(ArrowTensorReader r, List<RuntimeException> error) {
        List<Long> ids = new ArrayList<>();
        try {
            for (Batch b : r) {
                long[] id = b.labels().toLongArray();
                float[] x = b.features().toFloatArray();
                for (int i = 0; i < id.length; i++) {
                    assertEquals((float) id[i], x[2 * i]);
                    assertEquals((float) -id[i], x[2 * i + 1]);
                    ids.add(id[i]);
                }
            }
        } catch (RuntimeException e) {
            error.add(e);
        }
        return ids;
    }

    private static List<Long> range(long n) {
        List<Long> l = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    private static boolean scanThreadsAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("sparkgrad-scan-ahead") && t.isAlive());
    }

    /**
     * Many one-row-group Parquet files (the next one is opened and decoded ahead) come out in exact order, for
     * batches that cross file boundaries, native scan batches larger or smaller than the batch, and ragged ends.
     */
    @Test
    void readAheadAcrossFilesKeepsExactOrder() {
        Path dir = parquetParts("parts", 37, 1, 250, 64, 100, 3);
        int[][] cases = {{7, 8192}, {64, 16}, {100, 100}, {1000, 8192}};
        for (int[] c : cases) {
            List<RuntimeException> err = new ArrayList<>();
            try (ArrowTensorReader r = ArrowTensorReader.builder(dir).columns("x", "id").batchSize(c[0]).scanRows(c[1])
                    .allocator(al).build()) {
                assertEquals(range(455), readIds(r, err), "batch " + c[0] + ", scan " + c[1]);
            }
            assertTrue(err.isEmpty(), () -> err.get(0).toString());
            assertEquals(0, al.getAllocatedMemory());
        }
        assertFalse(scanThreadsAlive());
    }

    /**
     * A file whose opening fails (missing column) is reported after every row of the files before it (batches that
     * end where the bad file starts; a batch that would take rows of both is never made).
     */
    @Test
    void errorOpeningTheNextFileComesAfterEveryEarlierRow() throws Exception {
        Path dir = parquetParts("bad-next", 30, 20);
        Path bad = dir.resolve("part-002.parquet");
        try (TensorWriter w = TensorWriter.builder(bad).column("x", DType.FLOAT32, 2).allocator(al).build()) {
            w.write(Tensor.fromArray(new float[20], 10, 2)); // no "id" column
        }
        List<RuntimeException> err = new ArrayList<>();
        try (ArrowTensorReader r = ArrowTensorReader.builder(dir).columns("x", "id").batchSize(10).allocator(al)
                .build()) {
            assertEquals(range(50), readIds(r, err));
        }
        assertEquals(1, err.size());
        ArrowDataException e = assertInstanceOf(ArrowDataException.class, err.get(0));
        assertEquals(bad.toString(), e.file());
        assertEquals("id", e.column());
        assertEquals(0, al.getAllocatedMemory());
        assertFalse(scanThreadsAlive());
    }

    /** Corrupt pages in the next file (decoded ahead) fail only once every row before that file is out. */
    @Test
    void corruptNextFileFailsAfterEveryEarlierRow() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("corrupt-next"));
        byte[] pq = Files.readAllBytes(TestData.resource("data/digits/digits.parquet"));
        Files.write(dir.resolve("a.parquet"), pq);
        byte[] bad = pq.clone();
        for (int i = 2000; i < 6000; i++) {
            bad[i] = (byte) (i * 31);
        }
        Path badFile = dir.resolve("b.parquet");
        Files.write(badFile, bad);
        long rows = 0;
        ArrowDataException e = null;
        try (ArrowTensorReader r = ArrowTensorReader.builder(dir).columns("features", "label").batchSize(719)
                .allocator(al).build()) {
            for (Batch b : r) {
                rows += b.size();
            }
        } catch (ArrowDataException x) {
            e = x;
        }
        assertNotNull(e, "the corrupt file must fail");
        assertEquals(1438, rows, "all of a.parquet first");
        assertEquals(badFile.toString(), e.file());
        assertEquals(0, e.rowGroup());
        assertEquals(0, al.getAllocatedMemory());
        assertFalse(scanThreadsAlive());
    }

    /** Closing after one batch, with the next file open and decoding ahead, leaks nothing and stops the threads. */
    @Test
    void earlyCloseWithTheNextFileReadAhead() throws Exception {
        Path dir = parquetParts("early", 5000, 5000, 5000);
        for (int scan : new int[] {100, 8192}) {
            try (ArrowTensorReader r = ArrowTensorReader.builder(dir).columns("x", "id").batchSize(10).scanRows(scan)
                    .allocator(al).build()) {
                Iterator<Batch> it = r.iterator();
                assertEquals(range(10), Arrays.stream(it.next().labels().toLongArray()).boxed().toList());
                Thread.sleep(50); // let both files' scan-ahead threads fill their queues
            }
            assertEquals(0, al.getAllocatedMemory());
            assertFalse(scanThreadsAlive());
        }
    }

    /** An error in record batch 2 of an IPC file names the row within the file, not within the batch. */
    @Test
    void ipcFileErrorsNameTheRowWithinTheFile() {
        Path f = tmp.resolve("nan.arrow");
        float[] x = new float[60];
        x[2 * 25 + 1] = Float.NaN;
        try (TensorWriter w = TensorWriter.builder(f).column("x", DType.FLOAT32, 2).column("id", DType.INT64)
                .rowGroupRows(10).allocator(al).build()) {
            w.write(Tensor.fromArray(x, 30, 2), Tensor.fromArray(new long[30], 30));
        }
        try (ArrowTensorReader r = ArrowTensorReader.builder(f).columns("x", "id").allocator(al).build()) {
            ArrowDataException e = assertThrows(ArrowDataException.class, () -> r.forEach(b -> { }));
            assertEquals("x", e.column());
            assertEquals(25, e.row(), e.getMessage());
            assertEquals(2, e.rowGroup(), e.getMessage());
        }
        try (ArrowDataLoader l = ArrowDataLoader.builder(f).columns("x", "id").shuffle(true).allocator(al).build()) {
            assertEquals(30, l.rowsPerEpoch());
            ArrowDataException e = assertThrows(ArrowDataException.class, () -> l.forEach(b -> { }));
            assertEquals(25, e.row(), e.getMessage());
            assertEquals(2, e.rowGroup(), e.getMessage());
        }
    }

    /**
     * Corrupt record batch metadata in an IPC file is an ArrowDataException naming the file, and leaks nothing
     * (Arrow Java's own reader keeps the batch's buffer when its metadata does not parse).
     */
    @Test
    void corruptIpcRecordBatchMetadataLeaksNothing() throws Exception {
        Path src = tmp.resolve("src.arrow");
        try (TensorWriter w = TensorWriter.builder(src).column("x", DType.FLOAT32, 2).column("id", DType.INT64)
                .rowGroupRows(50).allocator(al).build()) {
            w.write(Tensor.fromArray(new float[400], 200, 2), Tensor.fromArray(new long[200], 200));
        }
        byte[] all = Files.readAllBytes(src);
        org.apache.arrow.vector.ipc.message.ArrowBlock blk;
        try (org.apache.arrow.vector.ipc.ArrowFileReader r = new org.apache.arrow.vector.ipc.ArrowFileReader(
                Files.newByteChannel(src), al)) {
            blk = r.getRecordBlocks().get(1);
        }
        for (long at = blk.getOffset(); at < blk.getOffset() + blk.getMetadataLength(); at += 2) {
            byte[] b = all.clone();
            for (long i = at; i < at + 8; i++) {
                b[(int) i] = (byte) ~b[(int) i];
            }
            Path p = tmp.resolve("c" + at + ".arrow");
            Files.write(p, b);
            try (ArrowTensorReader r = ArrowTensorReader.builder(p).columns("x", "id").allocator(al).build()) {
                r.forEach(x -> { });
            } catch (ArrowDataException e) {
                assertEquals(p.toString(), e.file());
            }
            assertEquals(0, al.getAllocatedMemory(), "leak after flipping bytes at " + at);
        }
    }

    /**
     * The same for an IPC stream: corrupt record batch metadata is an ArrowDataException naming the file and leaks
     * nothing (Arrow Java's stream reader keeps the message body when the batch metadata does not parse).
     */
    @Test
    void corruptIpcStreamRecordBatchMetadataLeaksNothing() throws Exception {
        Path src = tmp.resolve("src.arrows");
        try (TensorWriter w = TensorWriter.builder(src).column("x", DType.FLOAT32, 2).column("id", DType.INT64)
                .rowGroupRows(50).allocator(al).build()) {
            w.write(Tensor.fromArray(new float[400], 200, 2), Tensor.fromArray(new long[200], 200));
        }
        byte[] all = Files.readAllBytes(src);
        // walk the stream's messages (continuation, length, flatbuffer, body) to the second record batch
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(all).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int pos = 0, metaStart = -1, metaLen = -1;
        for (int msg = 0; msg < 3; msg++) {
            int len = bb.getInt(pos);
            int prefix = 4;
            if (len == -1) {
                len = bb.getInt(pos + 4);
                prefix = 8;
            }
            java.nio.ByteBuffer fb = java.nio.ByteBuffer.wrap(all, pos + prefix, len).slice()
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            long body = org.apache.arrow.flatbuf.Message.getRootAsMessage(fb).bodyLength();
            metaStart = pos + prefix;
            metaLen = len;
            pos += prefix + len + (int) body;
        }
        int checked = 0;
        for (int at = metaStart; at + 8 <= metaStart + metaLen; at += 2) {
            byte[] b = all.clone();
            for (int i = at; i < at + 8; i++) {
                b[i] = (byte) ~b[i];
            }
            Path p = tmp.resolve("c" + at + ".arrows");
            Files.write(p, b);
            try (ArrowTensorReader r = ArrowTensorReader.builder(p).columns("x", "id").allocator(al).build()) {
                r.forEach(x -> { });
            } catch (ArrowDataException e) {
                assertEquals(p.toString(), e.file());
                checked++;
            }
            assertEquals(0, al.getAllocatedMemory(), "leak after flipping bytes at " + at);
        }
        assertTrue(checked > 0, "no corruption was detected at all");
    }

    @Test
    void missingPath() {
        Path p = tmp.resolve("nope.parquet");
        ArrowDataException e = assertThrows(ArrowDataException.class,
                () -> ArrowTensorReader.builder(p).columns("x").allocator(al).build());
        assertEquals(p.toString(), e.file());
    }
}
