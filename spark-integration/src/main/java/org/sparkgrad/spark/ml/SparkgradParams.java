package org.sparkgrad.spark.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The Params shared by every Sparkgrad estimator and model, with their getters. Spark ML finds Params by
 * reflection over these public accessor methods, so they appear in {@code explainParams()}, are copied by
 * {@code copy} and persisted by {@code write()}.
 */
public interface SparkgradParams extends Params {
    /** The Param objects of this instance. */
    SparkgradParamDefs defs();

    /** Features column: an ML {@code Vector} or {@code array<float>} column (default {@code features}). */
    default Param<String> featuresCol() { return defs().featuresCol; }

    /** Label column (default {@code label}). */
    default Param<String> labelCol() { return defs().labelCol; }

    /** Prediction column (default {@code prediction}). */
    default Param<String> predictionCol() { return defs().predictionCol; }

    /** Class-probability vector column (default {@code probability}). */
    default Param<String> probabilityCol() { return defs().probabilityCol; }

    /** Raw network output (logits) vector column (default {@code rawPrediction}). */
    default Param<String> rawPredictionCol() { return defs().rawPredictionCol; }

    /** Tensor output column of {@link SparkgradModel} (default {@code output}). */
    default Param<String> outputCol() { return defs().outputCol; }

    /** Per-sample shape of the features (default empty: a flat vector). */
    default IntArrayParam featuresShape() { return defs().featuresShape; }

    /** Per-sample shape of tensor targets (default empty: flat). */
    default IntArrayParam labelShape() { return defs().labelShape; }

    /** JSON layer spec of the network. */
    default Param<String> network() { return defs().network; }

    /** Class name of a {@link ModuleFactory} (alternative to {@link #network()}). */
    default Param<String> moduleFactory() { return defs().moduleFactory; }

    default Param<String> loss() { return defs().loss; }

    default Param<String> optimizer() { return defs().optimizer; }

    default Param<String> optimizerOptions() { return defs().optimizerOptions; }

    default DoubleParam learningRate() { return defs().learningRate; }

    default Param<String> lrSchedule() { return defs().lrSchedule; }

    default IntParam batchSize() { return defs().batchSize; }

    default IntParam maxEpochs() { return defs().maxEpochs; }

    default IntParam averagingFrequency() { return defs().averagingFrequency; }

    default IntParam numWorkers() { return defs().numWorkers; }

    default BooleanParam averageOptimizerState() { return defs().averageOptimizerState; }

    default LongParam seed() { return defs().seed; }

    default Param<String> checkpointDir() { return defs().checkpointDir; }

    default IntParam checkpointInterval() { return defs().checkpointInterval; }

    default BooleanParam resumeFromCheckpoint() { return defs().resumeFromCheckpoint; }

    default BooleanParam shuffle() { return defs().shuffle; }

    default Param<String> device() { return defs().device; }

    /** Training arithmetic: {@code float32} (default), {@code bfloat16} or {@code float16} mixed precision. */
    default Param<String> precision() { return defs().precision; }

    default Param<String> validationCol() { return defs().validationCol; }

    default DoubleParam validationFraction() { return defs().validationFraction; }

    default IntParam numClasses() { return defs().numClasses; }

    default String getFeaturesCol() { return $(featuresCol()); }

    default String getLabelCol() { return $(labelCol()); }

    default String getPredictionCol() { return $(predictionCol()); }

    default String getProbabilityCol() { return $(probabilityCol()); }

    default String getRawPredictionCol() { return $(rawPredictionCol()); }

    default String getOutputCol() { return $(outputCol()); }

    default int[] getFeaturesShape() { return $(featuresShape()); }

    default int[] getLabelShape() { return $(labelShape()); }

    default String getNetwork() { return $(network()); }

    default String getModuleFactory() { return $(moduleFactory()); }

    default String getLoss() { return $(loss()); }

    default String getOptimizer() { return $(optimizer()); }

    default String getOptimizerOptions() { return $(optimizerOptions()); }

    default double getLearningRate() { return (Double) $(learningRate()); }

    default String getLrSchedule() { return $(lrSchedule()); }

    default int getBatchSize() { return (Integer) $(batchSize()); }

    default int getMaxEpochs() { return (Integer) $(maxEpochs()); }

    default int getAveragingFrequency() { return (Integer) $(averagingFrequency()); }

    default int getNumWorkers() { return (Integer) $(numWorkers()); }

    default boolean getAverageOptimizerState() { return (Boolean) $(averageOptimizerState()); }

    default long getSeed() { return (Long) $(seed()); }

    default String getCheckpointDir() { return $(checkpointDir()); }

    default int getCheckpointInterval() { return (Integer) $(checkpointInterval()); }

    default boolean getResumeFromCheckpoint() { return (Boolean) $(resumeFromCheckpoint()); }

    default boolean getShuffle() { return (Boolean) $(shuffle()); }

    default String getDevice() { return $(device()); }

    default String getPrecision() { return $(precision()); }

    default String getValidationCol() { return $(validationCol()); }

    default double getValidationFraction() { return (Double) $(validationFraction()); }

    default int getNumClasses() { return (Integer) $(numClasses()); }

    /** Sets the defaults shared by estimators and models (called from constructors). */
    static void setSharedDefaults(SparkgradParams p, String defaultLoss) {
        p.setDefault(p.featuresCol(), "features");
        p.setDefault(p.labelCol(), "label");
        p.setDefault(p.predictionCol(), "prediction");
        p.setDefault(p.probabilityCol(), "probability");
        p.setDefault(p.rawPredictionCol(), "rawPrediction");
        p.setDefault(p.outputCol(), "output");
        p.setDefault(p.featuresShape(), new int[0]);
        p.setDefault(p.labelShape(), new int[0]);
        p.setDefault(p.network(), "");
        p.setDefault(p.moduleFactory(), "");
        p.setDefault(p.loss(), defaultLoss);
        p.setDefault(p.optimizer(), "adam");
        p.setDefault(p.optimizerOptions(), "{}");
        p.setDefault(p.learningRate(), 1e-3);
        p.setDefault(p.lrSchedule(), "constant");
        p.setDefault(p.batchSize(), 64);
        p.setDefault(p.maxEpochs(), 10);
        p.setDefault(p.averagingFrequency(), 8);
        p.setDefault(p.numWorkers(), 0);
        p.setDefault(p.averageOptimizerState(), true);
        p.setDefault(p.seed(), 42L);
        p.setDefault(p.checkpointDir(), "");
        p.setDefault(p.checkpointInterval(), 10);
        p.setDefault(p.resumeFromCheckpoint(), false);
        p.setDefault(p.shuffle(), false);
        p.setDefault(p.device(), "auto");
        p.setDefault(p.precision(), "float32");
        p.setDefault(p.validationCol(), "");
        p.setDefault(p.validationFraction(), 0.0);
        p.setDefault(p.numClasses(), 0);
    }
}
