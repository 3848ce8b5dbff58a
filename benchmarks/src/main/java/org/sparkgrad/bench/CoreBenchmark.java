package org.sparkgrad.bench;

import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.Blas;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * Engine-core workloads of {@code shared/bench/pytorch-cpu-baseline.md}: (h) sgemm n = 256/1024/2048 through
 * the tensor API and raw BLAS, a 1024x1024 Linear forward+backward at batch 1024, and (g) 10,000 tiny adds
 * with and without autograd. Average time per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class CoreBenchmark {

    @State(Scope.Benchmark)
    public static class Matmul {
        @Param({"256", "1024", "2048"})
        public int n;
        Tensor a, b;
        float[] ra, rb, rc;

        @Setup(Level.Trial)
        public void setup() {
            Generator g = new Generator(0);
            a = Tensor.randn(g, n, n);
            b = Tensor.randn(g, n, n);
            ra = ((CpuStorage) a.storage()).f;
            rb = ((CpuStorage) b.storage()).f;
            rc = new float[n * n];
            System.err.println("BLAS: " + Blas.description());
        }
    }

    /** (h) through the tensor API: allocates the result, like torch.mm without out=. */
    @Benchmark
    public Tensor matmul(Matmul s) {
        return s.a.matmul(s.b);
    }

    /** (h) raw sgemm into a preallocated output, like torch.mm(a, b, out=c). */
    @Benchmark
    public float[] rawSgemm(Matmul s) {
        Blas.sgemm(false, false, s.n, s.n, s.n, 1f, s.ra, 0, s.n, s.rb, 0, s.n, 0f, s.rc, 0, s.n);
        return s.rc;
    }

    @State(Scope.Benchmark)
    public static class Linear {
        Tensor x, w, b, gy;

        @Setup(Level.Trial)
        public void setup() {
            Generator g = new Generator(1);
            x = Tensor.randn(g, 1024, 1024).requiresGrad_();
            w = Tensor.randn(g, 1024, 1024).mul(1 / 32.0).detach().requiresGrad_();
            b = Tensor.randn(g, 1024).requiresGrad_();
            gy = Tensor.randn(g, 1024, 1024);
        }
    }

    /** 1024x1024 Linear at batch 1024: y = x W^T + b, backward for x, W and b (3 GEMMs, 6.44 GFLOP). */
    @Benchmark
    public Tensor linearForwardBackward(Linear s) {
        s.x.setGrad(null);
        s.w.setGrad(null);
        s.b.setGrad(null);
        Tensor y = s.x.matmul(s.w.t()).add(s.b);
        y.backward(s.gy);
        return s.w.grad();
    }

    @State(Scope.Benchmark)
    public static class Tiny {
        Tensor x, y;

        @Setup(Level.Trial)
        public void setup() {
            Generator g = new Generator(2);
            x = Tensor.randn(g, 16).requiresGrad_();
            y = Tensor.randn(g, 16);
        }
    }

    /** (g) 10,000 adds of 16-element tensors, each recording a graph node. */
    @Benchmark
    public void tinyAddsAutogradOn(Tiny s, Blackhole bh) {
        for (int i = 0; i < 10_000; i++) bh.consume(s.x.add(s.y));
    }

    /** (g) the same under no-grad. */
    @Benchmark
    public void tinyAddsAutogradOff(Tiny s, Blackhole bh) {
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (int i = 0; i < 10_000; i++) bh.consume(s.x.add(s.y));
        }
    }

    @State(Scope.Benchmark)
    public static class Mlp {
        org.sparkgrad.nn.Module net;
        org.sparkgrad.optim.SGD opt;
        Tensor x, y;

        @Setup(Level.Trial)
        public void setup() {
            Generator g = new Generator(3);
            net = new org.sparkgrad.nn.Sequential(new org.sparkgrad.nn.Linear(784, 256, true, g), new org.sparkgrad.nn.ReLU(),
                    new org.sparkgrad.nn.Linear(256, 128, true, g), new org.sparkgrad.nn.ReLU(), new org.sparkgrad.nn.Linear(128, 10, true, g));
            opt = new org.sparkgrad.optim.SGD(net.parameters(), 0.01);
            x = Tensor.randn(g, 128, 784);
            y = Tensor.randint(0, 10, g, 128);
        }
    }

    /** (a) MLP 784-256-128-10 train step at batch 128: zero grads, forward, cross entropy, backward, SGD step. */
    @Benchmark
    public double mlpTrainStep(Mlp s) {
        s.opt.zeroGrad(true);
        Tensor loss = org.sparkgrad.ops.Losses.crossEntropy(s.net.forward(s.x), s.y);
        loss.backward();
        s.opt.step();
        return loss.item();
    }
}
