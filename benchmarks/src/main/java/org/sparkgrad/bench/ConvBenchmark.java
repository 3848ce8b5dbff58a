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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.Blas;
import org.sparkgrad.backend.CpuConvKernels;
import org.sparkgrad.nn.Conv2d;
import org.sparkgrad.nn.Flatten;
import org.sparkgrad.nn.Linear;
import org.sparkgrad.nn.MaxPool2d;
import org.sparkgrad.nn.ReLU;
import org.sparkgrad.nn.Sequential;
import org.sparkgrad.ops.ConvOps;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.optim.SGD;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * Convolution workloads (c), (d), (e) of {@code shared/bench/pytorch-cpu-baseline.md}, float32, stride 1,
 * padding 1:
 * <ul>
 *   <li>{@code conv2d}: x (32, 64, 56, 56), weight (64, 64, 3, 3), bias (64) — 7.399 GFLOP forward;</li>
 *   <li>{@code conv3d}: x (8, 32, 16, 16, 16), weight (32, 32, 3, 3, 3) — 1.812 GFLOP forward;</li>
 *   <li>{@code conv4d}: x (4, 8, 16, 16, 16, 16), weight (16, 8, 3, 3, 3, 3) — 5.436 GFLOP forward (PyTorch has
 *       no conv4d; its baseline is a sum of conv3d calls).</li>
 * </ul>
 * {@code forward} runs under no-grad; {@code forwardBackward} computes the gradients of x, weight and bias
 * with a fixed upstream gradient, resetting {@code .grad} before each call (fwd+bwd FLOPs = 3x forward).
 * {@code lenetTrainStep} is workload (b): {@code Conv2d(1,6,5,padding=2) -> ReLU -> MaxPool2d(2) -> Conv2d(6,16,5) -> ReLU ->
 * MaxPool2d(2) -> Flatten -> Linear(400,120) -> ReLU -> Linear(120,84) -> ReLU -> Linear(84,10)} on a (64,1,28,28)
 * batch, cross-entropy, SGD(lr=0.01): zero grads + forward + loss + backward + step.
 * {@code kernels=auto} uses the engine's choice (the direct Vector API kernels when the JVM has the
 * {@code jdk.incubator.vector} module, as the fork here does); {@code kernels=gemm} forces im2col + GEMM.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class ConvBenchmark {

    @State(Scope.Benchmark)
    public static class Workload {
        @Param({"conv2d", "conv3d", "conv4d"})
        public String shape;

        @Param({"auto"})
        public String kernels;

        Tensor x, w, b, gy, xg, wg, bg;
        int[] one, pad;
        private boolean vectorWas;

        @Setup(Level.Trial)
        public void setup() {
            Generator g = new Generator(0);
            int[] xs, ws;
            switch (shape) {
                case "conv2d": xs = new int[] {32, 64, 56, 56}; ws = new int[] {64, 64, 3, 3}; break;
                case "conv3d": xs = new int[] {8, 32, 16, 16, 16}; ws = new int[] {32, 32, 3, 3, 3}; break;
                case "conv4d": xs = new int[] {4, 8, 16, 16, 16, 16}; ws = new int[] {16, 8, 3, 3, 3, 3}; break;
                default: throw new IllegalArgumentException("unknown shape " + shape);
            }
            x = Tensor.randn(g, xs);
            w = Tensor.randn(g, ws).mul(0.05);
            b = Tensor.randn(g, ws[0]);
            xg = x.detach().requiresGrad_();
            wg = w.detach().requiresGrad_();
            bg = b.detach().requiresGrad_();
            int[] ys = xs.clone();
            ys[1] = ws[0];
            gy = Tensor.randn(g, ys);
            one = new int[] {1};
            pad = new int[] {1};
            vectorWas = CpuConvKernels.vectorKernelsEnabled();
            if ("gemm".equals(kernels)) CpuConvKernels.setVectorKernelsEnabled(false);
            System.err.println("BLAS: " + Blas.description() + "; direct Vector API kernels: " + CpuConvKernels.vectorKernelsEnabled());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (vectorWas) CpuConvKernels.setVectorKernelsEnabled(true);
        }
    }

    @Benchmark
    public Tensor forward(Workload s) {
        try (GradMode.Guard g = GradMode.noGrad()) {
            return ConvOps.convNd(s.x, s.w, s.b, s.one, s.pad, s.one, 1);
        }
    }

    @Benchmark
    public Tensor forwardBackward(Workload s) {
        s.xg.setGrad(null);
        s.wg.setGrad(null);
        s.bg.setGrad(null);
        Tensor y = ConvOps.convNd(s.xg, s.wg, s.bg, s.one, s.pad, s.one, 1);
        y.backward(s.gy);
        return s.xg.grad();
    }

    @State(Scope.Benchmark)
    public static class LeNet {
        Sequential net;
        SGD opt;
        Tensor x, target;

        @Setup(Level.Trial)
        public void setup() {
            Generator g = new Generator(0);
            net = new Sequential(
                    new Conv2d(1, 6, new int[] {5}, null, new int[] {2}, null, 1, true, g), new ReLU(), new MaxPool2d(2),
                    new Conv2d(6, 16, new int[] {5}, null, null, null, 1, true, g), new ReLU(), new MaxPool2d(2),
                    new Flatten(), new Linear(400, 120, true, g), new ReLU(), new Linear(120, 84, true, g), new ReLU(),
                    new Linear(84, 10, true, g));
            opt = new SGD(net.parameters(), 0.01);
            x = Tensor.randn(g, 64, 1, 28, 28);
            target = Tensor.randint(0, 10, g, 64);
        }
    }

    /** (b) one LeNet-like training step, batch 64. */
    @Benchmark
    public Tensor lenetTrainStep(LeNet s) {
        s.opt.zeroGrad();
        Tensor loss = Losses.crossEntropy(s.net.forward(s.x), s.target);
        loss.backward();
        s.opt.step();
        return loss;
    }
}
