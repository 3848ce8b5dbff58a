package org.sparkgrad.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.Blas;
import org.sparkgrad.nn.GPT;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * Workload (f) of {@code shared/bench/pytorch-cpu-baseline.md}: one pre-LN GPT block on x {@code (16, 128, 256)},
 * float32: {@code h = x + proj(attn(ln1(x)))}, {@code y = h + fc2(gelu(fc1(ln2(h))))}, LayerNorm(256, eps 1e-5), qkv
 * Linear(256, 768), 4 causal heads of 64 (scale 1/8), proj Linear(256, 256), fc1 Linear(256, 1024), exact GELU,
 * fc2 Linear(1024, 256). {@code forward} runs under no-grad; {@code forwardBackward} computes the gradients of x and
 * of the 12 parameter tensors with a fixed random upstream gradient (all {@code .grad} reset to null first), no
 * optimizer step. PyTorch 1.13 at 2 threads (openblas): forward 25.7 ms, fwd+bwd 73.1 ms (3.49 / 10.5 GFLOP).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class GptBlockBenchmark {
    /** Batch, sequence length, width, heads of workload (f). */
    public static final int B = 16, T = 128, D = 256, HEADS = 4;

    @State(Scope.Benchmark)
    public static class Block {
        GPT.Block block;
        Tensor x, gy;

        @Setup(Level.Trial)
        public void setup() {
            Generator g = new Generator(0);
            block = new GPT.Block(new GPT.Config(256, T, 1, HEADS, D, 0.0, true), g);
            x = Tensor.randn(g, B, T, D).requiresGrad_();
            gy = Tensor.randn(g, B, T, D);
            System.err.println("BLAS: " + Blas.description());
        }
    }

    /** Forward under no-grad. */
    @Benchmark
    public Tensor forward(Block s) {
        try (GradMode.Guard g = GradMode.noGrad()) {
            return s.block.forward(s.x);
        }
    }

    /**
     * A second view of the same workload for shared, oversubscribed machines, where wall-clock JMH scores mostly
     * measure the other tenants: {@code java -cp benchmarks.jar org.sparkgrad.bench.GptBlockBenchmark [reps]} prints,
     * per call, the median and minimum wall time and the process CPU time (all threads: BLAS, fork-join pool, GC).
     * On an idle machine wall time approaches CPU time divided by the cores used.
     */
    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Block s = new Block();
        s.setup();
        GptBlockBenchmark b = new GptBlockBenchmark();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        for (String which : new String[] {"forward", "forwardBackward"}) {
            Runnable call = which.equals("forward") ? () -> b.forward(s) : () -> b.forwardBackward(s);
            for (int i = 0; i < Math.max(5, reps / 2); i++) call.run();
            double[] wall = new double[reps];
            long cpu0 = os.getProcessCpuTime();
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                call.run();
                wall[i] = (System.nanoTime() - t0) / 1e6;
            }
            double cpu = (os.getProcessCpuTime() - cpu0) / 1e6 / reps;
            java.util.Arrays.sort(wall);
            System.out.printf(java.util.Locale.ROOT, "%-16s wall median %.1f ms, min %.1f ms; process CPU %.1f ms per call (%d calls, %d cores)%n",
                    which, wall[reps / 2], wall[0], cpu, reps, Runtime.getRuntime().availableProcessors());
        }
    }

    /** Forward with autograd, then {@code y.backward(gy)}: gradients of x and the 12 parameters. */
    @Benchmark
    public Tensor forwardBackward(Block s) {
        s.x.setGrad(null);
        s.block.zeroGrad();
        Tensor y = s.block.forward(s.x);
        y.backward(s.gy);
        return s.x.grad();
    }
}
