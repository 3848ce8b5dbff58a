package org.sparkgrad.spark.ml;

import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.nn.Module;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;
import org.sparkgrad.train.LocalTrainer;
import org.sparkgrad.train.LrSchedules;

/**
 * One worker's part of a round: rebuild network and optimizer from the broadcast state, run the local steps
 * on its chunk (rows shuffled with a generator derived from seed, epoch, worker and chunk), and return the
 * example-weighted state. A retried task computes exactly the same result from the same broadcast.
 */
final class RoundTask implements FlatMapFunction<Iterator<Chunk>, RoundResult> {
    private static final long serialVersionUID = 1L;

    /** The broadcast input of a round. */
    static final class Input implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        byte[] params;
        byte[] optimizer;
        long globalStep;
        int epoch;
        /** The float16 loss scale the previous round ended with (0: the scaler's initial 2^16). */
        double lossScale;
    }

    private final TrainConfig conf;
    private final Broadcast<Input> input;

    /**
     * Network instances of recent fits, reused by later rounds in the same executor JVM (their weights are
     * overwritten from each round's broadcast, so reuse changes no result). One instance per concurrent task.
     */
    private static final Map<String, java.util.concurrent.ConcurrentLinkedQueue<Module>> POOL =
            java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<String, java.util.concurrent.ConcurrentLinkedQueue<Module>>(4, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override protected boolean removeEldestEntry(Map.Entry<String, java.util.concurrent.ConcurrentLinkedQueue<Module>> e) {
                    return size() > 2;
                }
            });

    private static java.util.concurrent.ConcurrentLinkedQueue<Module> pool(String fitId) {
        return POOL.computeIfAbsent(fitId, k -> new java.util.concurrent.ConcurrentLinkedQueue<>());
    }

    RoundTask(TrainConfig conf, Broadcast<Input> input) {
        this.conf = conf;
        this.input = input;
    }

    /** Seed of the row order of one chunk in one epoch. */
    static long chunkSeed(long seed, int epoch, int worker, int chunk) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch;
        h = h * 0xBF58476D1CE4E5B9L + worker;
        return h * 0x94D049BB133111EBL + chunk;
    }

    @Override public Iterator<RoundResult> call(Iterator<Chunk> chunks) {
        RoundResult res = new RoundResult();
        if (!chunks.hasNext()) return Collections.singletonList(res).iterator();
        Input in = input.value();
        long t0 = System.nanoTime();
        Device dev = conf.resolveDevice();
        java.util.concurrent.ConcurrentLinkedQueue<Module> pool = pool(conf.fitId + "@" + dev);
        Module pooled = pool.poll();
        Module model = pooled != null ? pooled : conf.buildModel(conf.seed);
        model.loadStateDict(StateCodec.toStateDict(StateCodec.decode(in.params)), true);
        model.to(dev);
        Optimizer opt = conf.buildOptimizer(model);
        if (conf.averageOptimizerState && in.optimizer != null) opt.loadStateDict(StateCodec.toMap(StateCodec.decode(in.optimizer)));
        LocalTrainer trainer = new LocalTrainer(model, opt, conf.loss, conf.autocastDType(dev),
                in.lossScale > 0 ? in.lossScale : org.sparkgrad.amp.GradScaler.DEFAULT_INIT_SCALE);
        long step = in.globalStep;
        while (chunks.hasNext()) {
            Chunk c = chunks.next();
            long cs = chunkSeed(conf.seed, in.epoch, c.worker, c.index);
            int[] order = permutation(c.rows, new Generator(cs));
            model.manualSeed(cs);
            for (int start = 0; start < c.rows; start += conf.batchSize) {
                int n = Math.min(conf.batchSize, c.rows - start);
                Tensor[] xy = batch(c, order, start, n, dev);
                double lr = LrSchedules.lr(conf.lrSchedule, conf.learningRate, step, conf.totalSteps);
                double loss = trainer.step(xy[0], xy[1], lr);
                res.lossSum += loss * n;
                res.examples += n;
                res.steps++;
                step++;
            }
        }
        res.maxSteps = res.steps;
        if (trainer.scaler() != null) {
            res.lossScale = trainer.scaler().getScale();
            res.skippedSteps = trainer.skippedSteps();
        }
        try (GradMode.Guard g = GradMode.noGrad()) {
            Map<String, Tensor> state = model.stateDict();
            StateCodec.Flat p = StateCodec.flatten(state);
            for (int i = 0; i < p.values.length; i++) p.values[i] *= res.examples;
            res.paramSum = p.values;
            if (conf.averageOptimizerState) {
                StateCodec.Flat o = StateCodec.flatten(opt.stateDict());
                for (int i = 0; i < o.values.length; i++) o.values[i] *= res.examples;
                res.optSum = o.values;
                res.optSkeleton = o.skeleton.toString();
            }
        }
        model.zeroGrad();
        pool.offer(model);
        res.computeNanos = System.nanoTime() - t0;
        return Collections.singletonList(res).iterator();
    }

    static int[] permutation(int n, Generator g) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Features {@code (n, *featuresShape)} and targets of rows {@code order[start..start+n)}. */
    Tensor[] batch(Chunk c, int[] order, int start, int n, Device dev) {
        int fs = conf.featureSize, ls = conf.labelSize;
        float[] x = new float[n * fs], y = new float[n * ls];
        for (int i = 0; i < n; i++) {
            int r = order[start + i];
            System.arraycopy(c.x, r * fs, x, i * fs, fs);
            System.arraycopy(c.y, r * ls, y, i * ls, ls);
        }
        int[] xs = new int[conf.featuresShape.length + 1];
        xs[0] = n;
        System.arraycopy(conf.featuresShape, 0, xs, 1, conf.featuresShape.length);
        Tensor xt = Tensor.fromArray(x, xs);
        Tensor yt;
        if (conf.kind == TaskKind.CLASSIFICATION) {
            long[] l = new long[n];
            for (int i = 0; i < n; i++) l[i] = (long) y[i];
            yt = Tensor.fromArray(l, n);
        } else {
            int[] ys = new int[conf.labelShape.length + 1];
            ys[0] = n;
            System.arraycopy(conf.labelShape, 0, ys, 1, conf.labelShape.length);
            yt = Tensor.fromArray(y, ys);
        }
        if (!dev.isCpu()) {
            xt = xt.to(dev);
            yt = yt.to(dev);
        }
        return new Tensor[] {xt, yt};
    }
}
