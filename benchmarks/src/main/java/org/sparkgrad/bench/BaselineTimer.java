package org.sparkgrad.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.infra.Blackhole;
import org.sparkgrad.backend.Blas;
import org.sparkgrad.backend.CpuConvKernels;

/**
 * The workloads of {@code shared/bench/pytorch-cpu-baseline.md} that the JMH benchmarks run ({@link CoreBenchmark}'s
 * MLP step, {@link ConvBenchmark}'s LeNet step and convolutions, {@link GptBlockBenchmark}), timed with the method of
 * {@code shared/bench/pytorch-cpu-baseline.md} so that the figures compare with PyTorch's on a shared machine:
 * warm-up (at least 3 calls and 1 s), then calls timed one by one in chunks of at least 0.5 s; for each chunk the
 * CPU used by other processes is computed from {@code /proc/stat} (machine busy time minus this process's CPU
 * time); only chunks where others used less than 0.15 cores count; stop at 4 such chunks and 7 calls, or after
 * the time limit. Reports the median over the calls of the counted chunks, or, when no chunk was clean, the
 * median over all chunks flagged as contended, with the other processes' load. It also reports the median CPU
 * time of the calling thread per call: run with {@code -XX:ActiveProcessorCount=1} (and
 * {@code OPENBLAS_NUM_THREADS=1}) all work runs on that thread, so this is the single-core cost of a call, which
 * other processes competing for the cores do not inflate (unlike wall time).
 *
 * <p>Usage: {@code java --add-modules=jdk.incubator.vector -cp benchmarks.jar org.sparkgrad.bench.BaselineTimer
 * [limitSeconds] [workload ...]} with workloads {@code mlp lenet gpt conv2d conv3d conv4d} (default all). Prints a
 * table.
 */
public final class BaselineTimer {
    private BaselineTimer() {}

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** Machine busy and total time in seconds, from the first line of /proc/stat (USER_HZ = 100). */
    private static double[] machineBusy() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            double total = 0, idle = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                double v = Double.parseDouble(f[i]);
                total += v;
                if (i == 4 || i == 5) idle += v;
            }
            return new double[] {(total - idle) / 100.0, total / 100.0};
        } catch (IOException | RuntimeException e) {
            return new double[] {Double.NaN, Double.NaN};
        }
    }

    private static String time(String name, Runnable call, double limitS) {
        long w0 = System.nanoTime();
        int warm = 0;
        while (warm < 3 || System.nanoTime() - w0 < 1e9) {
            call.run();
            warm++;
        }
        List<Double> clean = new ArrayList<>(), all = new ArrayList<>(), cpu = new ArrayList<>();
        java.lang.management.ThreadMXBean tb = ManagementFactory.getThreadMXBean();
        int cleanChunks = 0, chunks = 0;
        double otherSum = 0, ownCpu = 0;
        long start = System.nanoTime();
        while ((cleanChunks < 4 || clean.size() < 7) && System.nanoTime() - start < limitS * 1e9) {
            double[] m0 = machineBusy();
            long p0 = OS.getProcessCpuTime(), c0 = System.nanoTime();
            List<Double> calls = new ArrayList<>();
            while (System.nanoTime() - c0 < 0.5e9) {
                long t = System.nanoTime(), tc = tb.getCurrentThreadCpuTime();
                call.run();
                calls.add((System.nanoTime() - t) / 1e6);
                cpu.add((tb.getCurrentThreadCpuTime() - tc) / 1e6);
            }
            double wall = (System.nanoTime() - c0) / 1e9;
            double[] m1 = machineBusy();
            double own = (OS.getProcessCpuTime() - p0) / 1e9;
            double other = Math.max(0, (m1[0] - m0[0]) - own) / wall;
            chunks++;
            otherSum += other;
            ownCpu += own * 1e3;
            all.addAll(calls);
            if (other < 0.15) {
                cleanChunks++;
                clean.addAll(calls);
            }
        }
        boolean ok = cleanChunks > 0;
        List<Double> use = ok ? clean : all;
        Collections.sort(use);
        Collections.sort(cpu);
        double median = use.get(use.size() / 2), min = use.get(0);
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %d | %d/%d | %.2f | %s |", name, median, min,
                cpu.get(cpu.size() / 2), ownCpu / all.size(), use.size(), cleanChunks, chunks, otherSum / chunks,
                ok ? "clean chunks" : "CONTENDED (no clean chunk)");
    }

    public static void main(String[] args) throws Exception {
        double limit = args.length > 0 ? Double.parseDouble(args[0]) : 75;
        List<String> which = new ArrayList<>();
        for (int i = 1; i < args.length; i++) which.add(args[i]);
        if (which.isEmpty()) which = List.of("mlp", "lenet", "gpt", "conv2d", "conv3d", "conv4d");
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        System.out.println("BLAS: " + Blas.description() + "; direct Vector API kernels: " + CpuConvKernels.vectorKernelsEnabled()
                + "; cores: " + Runtime.getRuntime().availableProcessors());
        System.out.println("| workload | median ms | min ms | caller thread CPU ms (median) | process CPU ms/call | calls | clean/all chunks | other cores (mean) | note |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        ConvBenchmark b = new ConvBenchmark();
        for (String w : which) {
            if (w.equals("mlp")) {
                CoreBenchmark.Mlp s = new CoreBenchmark.Mlp();
                s.setup();
                CoreBenchmark cb = new CoreBenchmark();
                System.out.println(time("(a) mlp train step", () -> bh.consume(cb.mlpTrainStep(s)), limit));
                continue;
            }
            if (w.equals("gpt")) {
                GptBlockBenchmark.Block s = new GptBlockBenchmark.Block();
                s.setup();
                GptBlockBenchmark gb = new GptBlockBenchmark();
                System.out.println(time("(f) gpt block forward", () -> bh.consume(gb.forward(s)), limit));
                System.out.println(time("(f) gpt block fwd+bwd", () -> bh.consume(gb.forwardBackward(s)), limit));
                continue;
            }
            if (w.equals("lenet")) {
                ConvBenchmark.LeNet s = new ConvBenchmark.LeNet();
                s.setup();
                System.out.println(time("(b) lenet train step", () -> bh.consume(b.lenetTrainStep(s)), limit));
                continue;
            }
            ConvBenchmark.Workload s = new ConvBenchmark.Workload();
            s.shape = w;
            s.kernels = "auto";
            s.setup();
            System.out.println(time(w + " forward", () -> bh.consume(b.forward(s)), limit));
            System.out.println(time(w + " fwd+bwd", () -> bh.consume(b.forwardBackward(s)), limit));
            s.tearDown();
        }
    }
}
