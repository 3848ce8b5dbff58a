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
