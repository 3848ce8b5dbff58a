package org.sparkgrad.arrow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.sparkgrad.arrow.ArrowTensorReader;
import org.sparkgrad.arrow.ParquetFooter;
import org.sparkgrad.arrow.TensorColumn;
import org.sparkgrad.arrow.TensorWriter;
import org.sparkgrad.data.Batch;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * Throughput of reading a tensor column into {@link Tensor} batches: Parquet (through the Arrow dataset JNI) versus
 * the same data in an Arrow IPC file. One operation reads the whole file into batches of 1024 rows (shape
 * {@code (1024, 1, 28, 28)} float32 + int64 labels); the {@code bytes} counter is the float32 payload read, so its
 * rate is the MB/s figure.
 *
 * <ul>
 *   <li>{@code source=synthetic}: 32768 rows of 784 Gaussian floats, Parquet written by {@link TensorWriter}
 *       (uncompressed, as the dataset JNI writes it; row groups of {@code groupRows} rows, by default the writer's
 *       4 MiB, 1337 rows).</li>
 *   <li>{@code source=mnist}: {@code ../shared/data/mnist/mnist.parquet} as Spark wrote it (zstd, 60000 rows), and
 *       an IPC file of the same rows.</li>
 *   <li>{@code source=mnist-rewritten}: the same rows written to Parquet and IPC by {@link TensorWriter} (its
 *       default layout: uncompressed, 4 MiB row groups).</li>
 * </ul>
 * Both sides use the same reader settings (columns, batch size 1024, scan batch 8192 rows), read the same rows and
 * produce and touch the same tensors; the row count is checked every operation.
 *
 * <p>Run: {@code mvn -pl arrow-io -am -Pjmh -DskipTests integration-test -Djmh.args="-wi 2 -i 3 -f 1"}. The
 * native Parquet decoder allocates its buffers with Arrow's bundled mimalloc; prefixing the command with
 * {@code MIMALLOC_RESERVE_OS_MEMORY=2GiB} (inherited by the forked JVM) lets it reuse them instead of mapping fresh
 * pages for every row group (see arrow-io/README.md, "Parquet speed").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"})
public class ArrowReadBenchmark {

    @Param({"synthetic", "mnist", "mnist-rewritten"})
    public String source;

    /** Rows per row group / record batch of the files written here; 0 = {@link TensorWriter}'s default (4 MiB). */
    @Param({"0"})
    public int groupRows;

    private Path dir;
    private Path parquet;
    private Path ipc;
    private BufferAllocator allocator;
    private long payloadBytes;

    /** Bytes of tensor payload read per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long bytes;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        allocator = new RootAllocator();
        dir = Files.createTempDirectory("arrow-read-bench");
        ipc = dir.resolve("data.arrow");
        if ("synthetic".equals(source)) {
            int rows = 32768;
            float[] x = new float[rows * 784];
            long[] y = new long[rows];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            for (int i = 0; i < rows; i++) {
                y[i] = r.nextInt(10);
            }
            parquet = dir.resolve("data.parquet");
            for (Path p : new Path[] {parquet, ipc}) {
                try (TensorWriter w = writer(TensorWriter.builder(p).column("image", DType.FLOAT32, 1, 28, 28)
                        .column("label", DType.INT64).allocator(allocator))) {
                    w.write(Tensor.fromArray(x, rows, 1, 28, 28), Tensor.fromArray(y, rows));
                }
            }
        } else {
            Path shared = Path.of("").toAbsolutePath();
            while (shared != null && !Files.isDirectory(shared.resolve("shared/data/mnist"))) {
                shared = shared.getParent();
            }
            if (shared == null) {
                throw new IllegalStateException("shared/data/mnist not found above " + Path.of("").toAbsolutePath());
            }
            Path spark = shared.resolve("shared/data/mnist/mnist.parquet");
            parquet = "mnist".equals(source) ? spark : dir.resolve("data.parquet");
            for (Path p : "mnist".equals(source) ? new Path[] {ipc} : new Path[] {ipc, parquet}) {
                try (ArrowTensorReader r = reader(spark, 8192);
                        TensorWriter w = writer(TensorWriter.builder(p).column("image", DType.FLOAT32, 1, 28, 28)
                                .column("label", DType.INT64).allocator(allocator))) {
                    for (Batch b : r) {
                        w.write(b);
                    }
                }
            }
        }
        try (ArrowTensorReader r = reader(ipc, 1024)) {
            long rows = 0;
            for (Batch b : r) {
                rows += b.size();
            }
            payloadBytes = rows * 784 * 4;
        }
        System.out.println("row groups in " + parquet.getFileName() + ": " + ParquetFooter.read(parquet).rowGroups().size());
    }

    private TensorWriter writer(TensorWriter.Builder b) {
        return (groupRows > 0 ? b.rowGroupRows(groupRows) : b).build();
    }

    private ArrowTensorReader reader(Path p, int batch) {
        return ArrowTensorReader.builder(p).columns(TensorColumn.of("image", 1, 28, 28), TensorColumn.of("label"))
                .batchSize(batch).scanRows(8192).allocator(allocator).build();
    }

    private void readAll(Path p, Blackhole bh, Counters c) {
        long rows = 0;
        try (ArrowTensorReader r = reader(p, 1024)) {
            for (Batch b : r) {
                // touch both tensors (first and last element of the batch), as a training step would read them
                int n = b.size();
                bh.consume(b.features().get(0, 0, 0, 0) + b.features().get(n - 1, 0, 27, 27));
                bh.consume(b.labels().get(0) + b.labels().get(n - 1));
                rows += n;
            }
        }
        if (rows * 784 * 4 != payloadBytes) {
            throw new IllegalStateException(p + ": read " + rows + " rows, expected " + payloadBytes / (784 * 4));
        }
        c.bytes += payloadBytes;
    }

    @Benchmark
    public void parquet(Blackhole bh, Counters c) {
        readAll(parquet, bh, c);
    }

    @Benchmark
    public void ipc(Blackhole bh, Counters c) {
        readAll(ipc, bh, c);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        allocator.close();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
