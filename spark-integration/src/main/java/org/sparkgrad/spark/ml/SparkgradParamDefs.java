package org.sparkgrad.spark.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import scala.Function1;

/**
 * The Param objects of one Sparkgrad estimator or model instance (Spark ML Params need the owner's uid).
 * Documentation of each is in {@link SparkgradParams}.
 */
final class SparkgradParamDefs implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    final Param<String> featuresCol, labelCol, predictionCol, probabilityCol, rawPredictionCol, outputCol;
    final IntArrayParam featuresShape, labelShape;
    final Param<String> network, moduleFactory, loss, optimizer, optimizerOptions, lrSchedule, device, precision, checkpointDir, validationCol;
    final DoubleParam learningRate, validationFraction;
    final IntParam batchSize, maxEpochs, averagingFrequency, numWorkers, checkpointInterval, numClasses;
    final BooleanParam averageOptimizerState, resumeFromCheckpoint, shuffle;
    final LongParam seed;

    private static Function1<String, Object> oneOf(String... allowed) {
        return ParamValidators.<String>inArray(java.util.List.of(allowed));
    }

    SparkgradParamDefs(String uid, org.apache.spark.ml.param.Params owner) {
        featuresCol = new Param<>(uid, "featuresCol", "features column: an ML Vector or an array<float>/array<double> column");
        labelCol = new Param<>(uid, "labelCol", "label column: numeric (class index or regression target) or an array column for tensor targets");
        predictionCol = new Param<>(uid, "predictionCol", "prediction column name");
        probabilityCol = new Param<>(uid, "probabilityCol", "column of class probabilities (softmax of the raw outputs)");
        rawPredictionCol = new Param<>(uid, "rawPredictionCol", "column of raw network outputs (logits)");
        outputCol = new Param<>(uid, "outputCol", "tensor output column (array<float>) of SparkgradModel");
        featuresShape = new IntArrayParam(owner, "featuresShape",
                "shape of one sample, e.g. [1, 28, 28]; empty = a flat vector of the column's length");
        labelShape = new IntArrayParam(owner, "labelShape", "shape of one tensor target (SparkgradEstimator); empty = flat");
        network = new Param<>(uid, "network", "the network as a JSON layer spec (see NetworkSpec)");
        moduleFactory = new Param<>(uid, "moduleFactory",
                "class name of a org.sparkgrad.spark.ml.ModuleFactory that builds the network (instead of 'network')");
        loss = new Param<String>(uid, "loss", "loss: cross_entropy, nll, mse, l1, smooth_l1, huber, bce_with_logits",
                oneOf("cross_entropy", "nll", "mse", "l1", "smooth_l1", "huber", "bce_with_logits"));
        optimizer = new Param<String>(uid, "optimizer", "optimizer: sgd, adam, adamw, rmsprop, adagrad",
                oneOf("sgd", "adam", "adamw", "rmsprop", "adagrad"));
        optimizerOptions = new Param<>(uid, "optimizerOptions",
                "JSON object of optimizer options in PyTorch names, e.g. {\"momentum\": 0.9, \"weight_decay\": 1e-4}");
        lrSchedule = new Param<>(uid, "lrSchedule",
                "learning-rate schedule over global steps: constant, cosine, step:<stepSize>:<gamma>, exponential:<gamma>, onecycle, warmup_cosine:<warmupSteps>");
        device = new Param<String>(uid, "device", "cpu, cuda or auto (cuda when the task was assigned a GPU resource)",
                oneOf("cpu", "cuda", "auto"));
        precision = new Param<String>(uid, "precision", "training arithmetic: float32, or mixed precision (float32 weights, "
                + "linear/conv/matmul/attention under autocast) in bfloat16 or float16 (float16 adds dynamic loss scaling); "
                + "mixed precision runs on the CPU", oneOf("float32", "bfloat16", "float16"));
        checkpointDir = new Param<>(uid, "checkpointDir", "Hadoop path for checkpoints (empty = none)");
        validationCol = new Param<>(uid, "validationCol", "boolean column marking validation rows (empty = none)");
        learningRate = new DoubleParam(uid, "learningRate", "base learning rate (> 0)", ParamValidators.gt(0));
        validationFraction = new DoubleParam(uid, "validationFraction",
                "fraction of rows held out for validation when no validationCol is set, in [0, 1)", ParamValidators.inRange(0, 1, true, false));
        batchSize = new IntParam(uid, "batchSize", "mini-batch size per worker (> 0)", ParamValidators.gt(0));
        maxEpochs = new IntParam(uid, "maxEpochs", "number of passes over the data (> 0)", ParamValidators.gt(0));
        averagingFrequency = new IntParam(uid, "averagingFrequency", "local steps per worker between parameter averages (> 0)",
                ParamValidators.gt(0));
        numWorkers = new IntParam(uid, "numWorkers", "number of parallel workers (0 = Spark's default parallelism)",
                ParamValidators.gtEq(0));
        checkpointInterval = new IntParam(uid, "checkpointInterval", "rounds between checkpoints (> 0)", ParamValidators.gt(0));
        numClasses = new IntParam(uid, "numClasses", "number of classes (0 = infer from the largest label)", ParamValidators.gtEq(0));
        averageOptimizerState = new BooleanParam(uid, "averageOptimizerState",
                "average the optimizer state (momentum, Adam moments) with the parameters each round; otherwise reset it each round");
        resumeFromCheckpoint = new BooleanParam(uid, "resumeFromCheckpoint", "resume fit from the newest checkpoint in checkpointDir");
        shuffle = new BooleanParam(uid, "shuffle", "shuffle the training rows (seeded) before they are cut into per-worker chunks,"
                + " so that data sorted by label or time still gives each round a mixed sample; rows within a chunk are"
                + " reshuffled every epoch either way");
        seed = new LongParam(uid, "seed", "random seed (weights, shuffling, dropout)");
    }
}
