package org.sparkgrad.spark.ml;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkgrad.io.Checkpoint;
import org.sparkgrad.nn.Module;
import org.sparkgrad.tensor.Tensor;
import scala.Tuple2;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Data-parallel training by parameter averaging. The training rows are cut once into chunks of
 * {@code batchSize x averagingFrequency} rows per worker (one RDD partition each, persisted). Each round,
 * the driver broadcasts parameters and optimizer state as compact bytes; every worker trains on one of its
 * chunks (visited in an order reshuffled per epoch) and returns example-weighted sums; the driver averages
 * them with {@code treeAggregate}, advances the global step and checkpoints every
 * {@code checkpointInterval} rounds. An epoch is over when every worker has visited all its chunks, so each
 * row is used exactly once per epoch. Rounds are deterministic functions of the broadcast, so a retried task
 * recomputes the same result.
 */
final class ParameterAveragingTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(ParameterAveragingTrainer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SparkgradParams p;
    private final TaskKind kind;

    ParameterAveragingTrainer(SparkgradParams p, TaskKind kind) {
        this.p = p;
        this.kind = kind;
    }

    /** Routes a chunk key (its partition index) to that partition. */
    static final class IndexPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int n;

        IndexPartitioner(int n) { this.n = n; }

        @Override public int numPartitions() { return n; }

        @Override public int getPartition(Object key) { return (Integer) key; }
    }

    /** Keeps the partitions of one round. */
    static final class Keep extends AbstractFunction1<Object, Object> implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        private final java.util.Set<Integer> keep;

        Keep(java.util.Set<Integer> keep) { this.keep = keep; }

        @Override public Object apply(Object idx) { return keep.contains((Integer) idx); }
    }

    TrainedNetwork fit(Dataset<?> dataset) {
        long fitStart = System.nanoTime();
        Dataset<Row> df = dataset.toDF();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        String fc = p.getFeaturesCol(), lc = p.getLabelCol();
        Dataset<Row> train = df, val = null;
        if (!p.getValidationCol().isEmpty()) {
            train = df.filter(functions.not(functions.col(p.getValidationCol())));
            val = df.filter(functions.col(p.getValidationCol()));
        } else if (p.getValidationFraction() > 0) {
            Dataset<Row>[] parts = df.randomSplit(new double[] {1 - p.getValidationFraction(), p.getValidationFraction()}, p.getSeed());
            train = parts[0];
            val = parts[1];
        }
        TrainConfig conf = TrainConfig.from(p, kind);
        int[] fShape = resolveShape(train, fc, p.getFeaturesShape());
        conf.featuresShape = fShape;
        conf.featureSize = prod(fShape);
        int[] lShape = kind == TaskKind.CLASSIFICATION ? new int[0] : resolveShape(train, lc, p.getLabelShape());
        conf.labelShape = lShape;
        conf.labelSize = Math.max(1, prod(lShape));
        if (kind == TaskKind.CLASSIFICATION) {
            int k = p.getNumClasses();
            if (k == 0) k = numClassesFromMetadata(SchemaChecks.field(df.schema(), lc));
            if (k == 0) {
                // over all labelled rows, validation included: a class that only the validation rows hold is still a
                // class of the model (and of the validation metric)
                Row r = df.agg(functions.max(functions.col(lc))).head();
                if (r.isNullAt(0)) throw new SparkgradDataException(lc, "no labels: the training data is empty");
                double max = ((Number) r.get(0)).doubleValue();
                k = (int) Math.max(2, Math.floor(max) + 1);
            }
            conf.outputs = k;
        } else {
            conf.outputs = conf.labelSize;
        }
        int workers = p.getNumWorkers() > 0 ? p.getNumWorkers() : jsc.defaultParallelism();
        RowReader reader = new RowReader(fc, conf.featureSize, lc, conf.labelSize, kind, conf.outputs);
        ArrowChunks arrow = new ArrowChunks(fc, fShape, lc, lShape, kind, conf.outputs);
        int chunkRows = conf.batchSize * p.getAveragingFrequency();
        final boolean shuffle = p.getShuffle();
        final long seed = conf.seed;
        DataPaths path = DataPaths.choose(train, fc, lc);
        List<String> parquetFiles = path == DataPaths.PARQUET ? DataPaths.parquetFiles(train, fc, lc) : null;
        LOG.info("sparkgrad data path: {} ({})", path.label, path == DataPaths.PARQUET
                ? parquetFiles.size() + " Parquet file(s) read by the executors" : train.schema().simpleString());
        lastDataPath = path;

        JavaRDD<Row> rows = null;
        Dataset<Row> sel = null;
        JavaRDD<Integer> shards = null;
        List<Long> counts;
        if (path == DataPaths.PARQUET) {
            List<Integer> ws = new ArrayList<>();
            for (int w = 0; w < workers; w++) ws.add(w);
            shards = jsc.parallelize(ws, workers);
            final int nw = workers;
            jsc.setJobDescription("sparkgrad: planning Parquet row groups per worker (footers only)");
            counts = shards.map(w -> arrow.parquetShardRows(parquetFiles, w, nw, chunkRows, shuffle, seed)).collect();
        } else if (path == DataPaths.ARROW) {
            sel = train.select(fc, lc);
            if (shuffle) {
                sel = shuffled(sel, workers, seed);
            } else {
                int parts = ((org.apache.spark.sql.classic.Dataset<Row>) sel).queryExecution().toRdd().getNumPartitions();
                if (parts > workers) sel = sel.coalesce(workers);
                else if (parts < workers) sel = sel.repartition(workers);
            }
            jsc.setJobDescription("sparkgrad: counting rows per worker");
            counts = ((org.apache.spark.sql.classic.Dataset<Row>) sel).queryExecution().toRdd().toJavaRDD()
                    .mapPartitions(ParameterAveragingTrainer::countRows).collect();
        } else {
            if (shuffle) {
                rows = shuffled(train.select(fc, lc), workers, seed).javaRDD();
            } else {
                rows = train.select(fc, lc).javaRDD();
                int parts = rows.getNumPartitions();
                if (parts > workers) rows = rows.coalesce(workers);
                else if (parts < workers) rows = rows.repartition(workers);
            }
            jsc.setJobDescription("sparkgrad: counting rows per worker");
            counts = rows.mapPartitions(ParameterAveragingTrainer::countRows).collect();
        }
        if (counts.size() != workers) throw new IllegalStateException("expected " + workers + " partitions, got " + counts.size());
        long total = 0;
        int[] chunksPerWorker = new int[workers];
        int rmax = 0;
        for (int w = 0; w < workers; w++) {
            total += counts.get(w);
            chunksPerWorker[w] = (int) ((counts.get(w) + chunkRows - 1) / chunkRows);
            rmax = Math.max(rmax, chunksPerWorker[w]);
        }
        if (total == 0) throw new SparkgradDataException(fc, "the training data is empty");
        final int rm = rmax;
        final int fsz = conf.featureSize, lsz = conf.labelSize;
        jsc.setJobDescription("sparkgrad: packing " + total + " rows into chunks of " + chunkRows + " (" + path.label + " path)");
        JavaRDD<Chunk> packed;
        if (path == DataPaths.PARQUET) {
            final int nw = workers;
            packed = shards.mapPartitionsWithIndex((w, it) -> arrow.packParquetShard(parquetFiles, w, nw, chunkRows, rm, shuffle, seed),
                    true);
        } else if (path == DataPaths.ARROW) {
            SparkSession ss = sel.sparkSession();
            String schemaJson = org.apache.spark.sql.util.ArrowUtils.toArrowSchema(sel.schema(),
                    ss.conf().get("spark.sql.session.timeZone"), true, false).toJson();
            JavaRDD<byte[]> batches = ((org.apache.spark.sql.classic.Dataset<Row>) sel).toArrowBatchRdd().toJavaRDD();
            packed = batches.mapPartitionsWithIndex((w, it) -> arrow.packArrowBatches(w, it, schemaJson, chunkRows, rm), true);
        } else {
            JavaRDD<Row> rs = rows;
            packed = rs.mapPartitionsWithIndex((w, it) -> packChunks(w, it, reader, chunkRows, fsz, lsz, rm), true);
        }
        JavaPairRDD<Integer, Chunk> keyed = packed.mapToPair(c -> new Tuple2<>(c.worker * rm + c.index, c));
        JavaRDD<Chunk> chunks = keyed.partitionBy(new IndexPartitioner(workers * rm)).values().persist(StorageLevel.MEMORY_AND_DISK_SER());
        chunks.count(); // materialise: data errors surface here, before the first round
        try {
            checkNetworkOutputs(conf, fc); // the data are valid: now does the network fit them?
        } catch (RuntimeException e) {
            chunks.unpersist(false);
            jsc.setJobDescription(null);
            throw e;
        }
        conf.totalSteps = totalSteps(conf.seed, p.getMaxEpochs(), counts, chunksPerWorker, rm, chunkRows, conf.batchSize);
        lastTotalSteps = conf.totalSteps;

        Module model = conf.buildModel(conf.seed);
        StateCodec.Flat params = StateCodec.flatten(model.stateDict());
        byte[] optState = null;
        long globalStep = 0;
        int startEpoch = 0, startRound = 0, roundsDone = 0;
        TrainingSummary summary = new TrainingSummary();
        summary.setDataPath(path.label);
        Checkpoints ckpt = p.getCheckpointDir().isEmpty() ? null : new Checkpoints(p.getCheckpointDir(), jsc.hadoopConfiguration());
        if (ckpt != null && p.getResumeFromCheckpoint()) {
            Checkpoints.State s;
            try {
                s = ckpt.latest();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read checkpoints in " + p.getCheckpointDir(), e);
            }
            if (s != null) {
                // re-flatten in the model's own key order: workers return their state in that order
                model.loadStateDict(StateCodec.toStateDict(StateCodec.decode(s.params)), true);
                params = StateCodec.flatten(model.stateDict());
                optState = s.optimizer;
                globalStep = s.globalStep;
                startEpoch = s.epoch;
                startRound = s.round;
                roundsDone = s.roundsDone;
                summary = s.summary;
                summary.setDataPath(path.label);
                LOG.info("resuming from checkpoint {} (epoch {}, round {})", s.path, startEpoch, startRound);
            }
        }
        int totalRounds = p.getMaxEpochs() * rm;
        double lossScale = 0; // float16 mixed precision: carried from round to round, the smallest any worker ended with
        boolean saveAtEpochEnd = false;
        try {
            for (int epoch = startEpoch; epoch < p.getMaxEpochs(); epoch++) {
                int[][] order = chunkOrder(conf.seed, epoch, chunksPerWorker);
                for (int r = (epoch == startEpoch ? startRound : 0); r < rm; r++) {
                    long tb = System.nanoTime();
                    java.util.Set<Integer> keep = new java.util.HashSet<>();
                    for (int w = 0; w < workers; w++) if (r < chunksPerWorker[w]) keep.add(w * rm + order[w][r]);
                    RoundTask.Input in = new RoundTask.Input();
                    in.params = StateCodec.encode(params);
                    in.optimizer = optState;
                    in.globalStep = globalStep;
                    in.epoch = epoch;
                    in.lossScale = lossScale;
                    Broadcast<RoundTask.Input> b = jsc.broadcast(in);
                    long tc = System.nanoTime();
                    jsc.setJobDescription("sparkgrad round " + (roundsDone + 1) + "/" + totalRounds + ", epoch " + (epoch + 1));
                    JavaRDD<Chunk> roundData = JavaRDD.fromRDD(PartitionPruningRDD.create(chunks.rdd(), new Keep(keep)),
                            ClassTag$.MODULE$.apply(Chunk.class));
                    RoundResult agg = roundData.mapPartitions(new RoundTask(conf, b))
                            .treeAggregate(new RoundResult(), RoundResult::add, RoundResult::add);
                    long ta = System.nanoTime();
                    b.destroy();
                    if (agg.examples == 0) continue;
                    for (int i = 0; i < agg.paramSum.length; i++) agg.paramSum[i] /= agg.examples;
                    params = new StateCodec.Flat(params.skeleton, agg.paramSum);
                    if (conf.averageOptimizerState && agg.optSum != null) {
                        for (int i = 0; i < agg.optSum.length; i++) agg.optSum[i] /= agg.examples;
                        optState = StateCodec.encode(new StateCodec.Flat(JSON.readTree(agg.optSkeleton), agg.optSum));
                    }
                    globalStep += agg.maxSteps;
                    if (Double.isFinite(agg.lossScale)) lossScale = agg.lossScale;
                    if (agg.skippedSteps > 0) {
                        LOG.info("sparkgrad round {}: the float16 loss scaler skipped {} of {} steps (inf/NaN gradients); scale now {}",
                                roundsDone + 1, agg.skippedSteps, agg.steps, lossScale);
                    }
                    roundsDone++;
                    double loss = agg.lossSum / agg.examples;
                    double secs = (System.nanoTime() - tb) / 1e9;
                    summary.addRound(loss, agg.examples / secs);
                    LOG.info(String.format(java.util.Locale.ROOT,
                            "sparkgrad round %d/%d, epoch %d: loss %.5f, %.0f examples/s, broadcast %.3fs, compute %.3fs, aggregate %.3fs",
                            roundsDone, totalRounds, epoch + 1, loss, agg.examples / secs, (tc - tb) / 1e9,
                            agg.computeNanos / 1e9 / Math.max(1, keep.size()), (System.nanoTime() - ta) / 1e9 + 0.0));
                    if (ckpt != null && roundsDone % p.getCheckpointInterval() == 0) {
                        // at the epoch's last round, save after the epoch's validation and end time are in the summary:
                        // a resume starts at the next epoch and would never record them
                        if (r + 1 < rm) ckpt.save(roundsDone, StateCodec.encode(params), optState, globalStep, epoch, r + 1, summary, conf);
                        else saveAtEpochEnd = true;
                    }
                }
                if (val != null) {
                    TrainedNetwork snapshot = new TrainedNetwork(conf, StateCodec.toStateDict(params), summary);
                    double metric = Scoring.validationMetric(snapshot, val, p, kind);
                    summary.addValidation(metric);
                    LOG.info(String.format(java.util.Locale.ROOT, "sparkgrad epoch %d: validation %s %.5f", epoch + 1,
                            kind == TaskKind.CLASSIFICATION ? "accuracy" : "rmse", metric));
                }
                summary.endEpoch((System.nanoTime() - fitStart) / 1e9);
                if (saveAtEpochEnd) {
                    ckpt.save(roundsDone, StateCodec.encode(params), optState, globalStep, epoch + 1, 0, summary, conf);
                    saveAtEpochEnd = false;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            chunks.unpersist(false);
            jsc.setJobDescription(null);
        }
        return new TrainedNetwork(conf, StateCodec.toStateDict(params), summary);
    }

    /** The path the last fit in this JVM took (test hook). */
    static volatile DataPaths lastDataPath;

    /** The learning-rate schedule length of the last fit in this JVM (test hook). */
    static volatile long lastTotalSteps;

    /** The order in which each worker visits its chunks in {@code epoch}. */
    static int[][] chunkOrder(long seed, int epoch, int[] chunksPerWorker) {
        int[][] order = new int[chunksPerWorker.length][];
        for (int w = 0; w < order.length; w++) {
            order[w] = RoundTask.permutation(chunksPerWorker[w], new org.sparkgrad.tensor.Generator(RoundTask.chunkSeed(seed, epoch, w, -1)));
        }
        return order;
    }

    /**
     * The global steps the whole fit will take: each round advances the step by the most local steps any worker
     * takes in it, i.e. by {@code ceil(rows / batchSize)} of the largest chunk visited in that round (only a worker's
     * last chunk is short, and which round visits it depends on the epoch's chunk order).
     */
    static long totalSteps(long seed, int epochs, List<Long> counts, int[] chunksPerWorker, int rm, int chunkRows, int batchSize) {
        long total = 0;
        for (int e = 0; e < epochs; e++) {
            int[][] order = chunkOrder(seed, e, chunksPerWorker);
            for (int r = 0; r < rm; r++) {
                long most = 0;
                for (int w = 0; w < order.length; w++) {
                    if (r >= chunksPerWorker[w]) continue;
                    int c = order[w][r];
                    long rows = c < chunksPerWorker[w] - 1 ? chunkRows : counts.get(w) - (long) c * chunkRows;
                    most = Math.max(most, (rows + batchSize - 1) / batchSize);
                }
                total += most;
            }
        }
        return total;
    }

    private static <T> Iterator<Long> countRows(Iterator<T> it) {
        long n = 0;
        while (it.hasNext()) {
            it.next();
            n++;
        }
        return java.util.Collections.singletonList(n).iterator();
    }

    /**
     * The rows of {@code df} in a seeded pseudo-random order, in {@code parts} partitions: each row's key is a hash of
     * its {@code monotonically_increasing_id} and the seed; rows are hash-partitioned and sorted by it (Spark's sort,
     * which spills; no partition is held in the heap). Deterministic for the same input partitioning and seed.
     */
    static Dataset<Row> shuffled(Dataset<Row> df, int parts, long seed) {
        String row = "__sparkgrad_row", key = "__sparkgrad_key";
        return df.withColumn(row, functions.monotonically_increasing_id())
                .withColumn(key, functions.xxhash64(functions.col(row), functions.lit(seed ^ 0x5DEECE66DL)))
                .repartition(parts, functions.col(key)).sortWithinPartitions(key, row).drop(row, key);
    }

    /**
     * The class count recorded in the label column's ML attribute (a {@code NominalAttribute} with its number of
     * values, as {@code StringIndexer} writes, or a {@code BinaryAttribute}), as Spark's classifiers read it; 0 if none.
     */
    static int numClassesFromMetadata(StructField label) {
        org.apache.spark.ml.attribute.Attribute a = org.apache.spark.ml.attribute.Attribute.fromStructField(label);
        if (a instanceof org.apache.spark.ml.attribute.BinaryAttribute) return 2;
        if (a instanceof org.apache.spark.ml.attribute.NominalAttribute) {
            scala.Option<Object> n = ((org.apache.spark.ml.attribute.NominalAttribute) a).getNumValues();
            if (n.isDefined()) return (Integer) n.get();
        }
        return 0;
    }

    /**
     * Runs the network once on the driver on one zero sample of the resolved features shape and checks that it gives
     * one logit per class (classifier), one row of class scores per label element (other estimators with a
     * cross-entropy / NLL loss and a label of several class indices), or exactly the label's size (element-wise
     * losses), so that
     * a network that does not fit the data fails here with a message naming both sizes, not in the first round.
     */
    static void checkNetworkOutputs(TrainConfig conf, String featuresCol) {
        Module m = conf.buildModel(conf.seed);
        m.eval();
        int[] shape = new int[conf.featuresShape.length + 1];
        shape[0] = 1;
        System.arraycopy(conf.featuresShape, 0, shape, 1, conf.featuresShape.length);
        int[] out;
        try (org.sparkgrad.autograd.GradMode.Guard g = org.sparkgrad.autograd.GradMode.noGrad()) {
            out = m.forward(Tensor.zeros(shape)).shape();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the network does not accept samples of shape " + java.util.Arrays.toString(conf.featuresShape)
                    + " from column '" + featuresCol + "': " + e.getMessage(), e);
        }
        int got = prod(out);
        if (conf.kind == TaskKind.CLASSIFICATION) {
            if (got != conf.outputs) {
                throw new IllegalArgumentException("the network gives " + got + " outputs per sample, expected " + conf.outputs
                        + " (one logit per class; numClasses " + conf.outputs + ")");
            }
        } else if (org.sparkgrad.train.Objectives.takesClassIndices(conf.loss)) {
            // the labels are flattened to class indices, so one sample's output must be one row of class scores per
            // label element: (labelSize, classes)
            if (conf.labelSize > 1 && (out.length != 2 || out[0] != conf.labelSize)) {
                throw new IllegalArgumentException("the network gives output shape " + java.util.Arrays.toString(out)
                        + " for one sample; loss " + conf.loss + " with labels of shape " + java.util.Arrays.toString(conf.labelShape)
                        + " needs one row of class scores per label element, i.e. shape [" + conf.labelSize + ", classes]");
            }
        } else if (got != conf.labelSize) {
            throw new IllegalArgumentException("the network gives " + got + " outputs per sample, expected " + conf.labelSize
                    + " (the size of one label, shape " + java.util.Arrays.toString(conf.labelShape) + "; loss " + conf.loss + ")");
        }
    }

    static int prod(int[] s) {
        int n = 1;
        for (int v : s) n *= v;
        return n;
    }

    /** The per-sample shape: the declared one, else the length of the first row's vector/array. */
    private static int[] resolveShape(Dataset<Row> df, String col, int[] declared) {
        if (declared != null && declared.length > 0) return declared.clone();
        StructField f = SchemaChecks.field(df.schema(), col);
        if (SchemaChecks.isVector(f.dataType())) {
            AttributeGroup g = AttributeGroup.fromStructField(f);
            if (g.size() > 0) return new int[] {g.size()};
        } else if (!SchemaChecks.isNumericArray(f.dataType())) {
            return new int[0];
        }
        List<Row> first = df.select(col).filter(functions.col(col).isNotNull()).limit(1).collectAsList();
        if (first.isEmpty()) throw new SparkgradDataException(col, "cannot infer the sample shape: no non-null rows");
        Object v = first.get(0).get(0);
        int n = v instanceof Vector ? ((Vector) v).size() : ((scala.collection.Seq<?>) v).length();
        return new int[] {n};
    }

    private static Iterator<Chunk> packChunks(int worker, Iterator<Row> it, RowReader reader, int chunkRows, int fs, int ls, int rmax) {
        List<Chunk> none = new ArrayList<>();
        return new Iterator<Chunk>() {
            long row = 0;
            int index = 0;

            @Override public boolean hasNext() { return it.hasNext(); }

            @Override public Chunk next() {
                float[] x = new float[chunkRows * fs], y = new float[chunkRows * ls];
                int n = 0;
                while (n < chunkRows && it.hasNext()) {
                    Row r = it.next();
                    reader.features(r, 0, x, n * fs, worker, row);
                    reader.label(r, 1, y, n * ls, worker, row);
                    n++;
                    row++;
                }
                if (n < chunkRows) {
                    x = java.util.Arrays.copyOf(x, n * fs);
                    y = java.util.Arrays.copyOf(y, n * ls);
                }
                if (index >= rmax) throw new IllegalStateException("partition " + worker + " changed size between passes");
                return new Chunk(worker, index++, n, x, y);
            }
        };
    }

    /**
     * Checkpoints in a Hadoop directory, one {@link Checkpoint} (safetensors layout: model weights, optimizer
     * state, step, epoch and provenance) per file, written to a temporary name and then renamed.
     */
    static final class Checkpoints {
        private final Path dir;
        private final org.apache.hadoop.conf.Configuration hconf;

        static final class State {
            byte[] params, optimizer;
            long globalStep;
            int epoch, round, roundsDone;
            TrainingSummary summary;
            Path path;
        }

        Checkpoints(String dir, org.apache.hadoop.conf.Configuration hconf) {
            this.dir = new Path(dir);
            this.hconf = hconf;
        }

        void save(int roundsDone, byte[] params, byte[] opt, long globalStep, int epoch, int round, TrainingSummary summary,
                  TrainConfig conf) throws IOException {
            FileSystem fs = dir.getFileSystem(hconf);
            fs.mkdirs(dir);
            Checkpoint ck = Checkpoint.builder()
                    .modelState(StateCodec.toStateDict(StateCodec.decode(params)))
                    .optimizerState(opt == null ? new java.util.LinkedHashMap<>() : StateCodec.toMap(StateCodec.decode(opt)))
                    .step(globalStep).epoch(epoch).seed(conf.seed)
                    .hyperParameter("round", round).hyperParameter("roundsDone", roundsDone)
                    .hyperParameter("hasOptimizerState", opt != null)
                    .hyperParameter("summary", summary.toMap())
                    .hyperParameter("learningRate", conf.learningRate).hyperParameter("batchSize", conf.batchSize)
                    .hyperParameter("averagingFrequency", conf.averagingFrequency).hyperParameter("optimizer", conf.optimizer)
                    .hyperParameter("network", conf.network == null ? "" : conf.network)
                    .dataDescription("Spark DataFrame, features " + java.util.Arrays.toString(conf.featuresShape))
                    .build();
            String name = String.format(java.util.Locale.ROOT, "checkpoint-%08d.safetensors", roundsDone);
            ModelPersistence.writeAtomically(fs, new Path(dir, name), ck::write);
            LOG.info("checkpoint written: {}", new Path(dir, name));
        }

        State latest() throws IOException {
            FileSystem fs = dir.getFileSystem(hconf);
            if (!fs.exists(dir)) return null;
            FileStatus best = null;
            for (FileStatus s : fs.listStatus(dir)) {
                String n = s.getPath().getName();
                if (n.startsWith("checkpoint-") && n.endsWith(".safetensors") && (best == null || n.compareTo(best.getPath().getName()) > 0)) best = s;
            }
            if (best == null) return null;
            Checkpoint ck;
            try (FSDataInputStream in = fs.open(best.getPath())) {
                ck = Checkpoint.read(in, best.getLen(), best.getPath().toString());
            }
            State st = new State();
            st.path = best.getPath();
            st.params = StateCodec.encode(StateCodec.flatten(ck.modelState()));
            Map<String, Object> hp = ck.hyperParameters();
            if (Boolean.TRUE.equals(hp.get("hasOptimizerState"))) st.optimizer = StateCodec.encode(StateCodec.flatten(ck.optimizerState()));
            st.globalStep = ck.step();
            st.epoch = (int) ck.epoch();
            st.round = ((Number) hp.get("round")).intValue();
            st.roundsDone = ((Number) hp.get("roundsDone")).intValue();
            @SuppressWarnings("unchecked") Map<String, Object> sm = (Map<String, Object>) hp.get("summary");
            st.summary = TrainingSummary.fromMap(sm);
            return st;
        }
    }
}
