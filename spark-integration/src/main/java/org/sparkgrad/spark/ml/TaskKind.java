package org.sparkgrad.spark.ml;

/** What a Sparkgrad estimator learns: decides label handling, the default loss and the output columns. */
public enum TaskKind {
    /** Integer class labels in [0, numClasses); outputs rawPrediction, probability, prediction. */
    CLASSIFICATION,
    /** A numeric target (or a vector target via labelShape); outputs prediction. */
    REGRESSION,
    /** A tensor target column; outputs a tensor column. */
    TENSOR
}
