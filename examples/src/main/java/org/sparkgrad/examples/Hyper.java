package org.sparkgrad.examples;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sparkgrad.spark.ml.SparkgradParams;

/** The hyper-parameters of a Sparkgrad estimator as a map, for {@code metrics.json}. */
final class Hyper {
    private Hyper() {}

    /** The estimator's training Params, then {@code extra} key/value pairs. */
    static Map<String, Object> of(SparkgradParams p, Object... extra) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (!p.getNetwork().isEmpty()) m.put("network", p.getNetwork());
        if (!p.getModuleFactory().isEmpty()) m.put("moduleFactory", p.getModuleFactory());
        m.put("loss", p.getLoss());
        m.put("optimizer", p.getOptimizer());
        m.put("optimizerOptions", p.getOptimizerOptions());
        m.put("learningRate", p.getLearningRate());
        m.put("lrSchedule", p.getLrSchedule());
        m.put("batchSize", p.getBatchSize());
        m.put("maxEpochs", p.getMaxEpochs());
        m.put("averagingFrequency", p.getAveragingFrequency());
        m.put("numWorkers", p.getNumWorkers());
        m.put("seed", p.getSeed());
        m.put("precision", p.getPrecision());
        for (int i = 0; i + 1 < extra.length; i += 2) m.put(String.valueOf(extra[i]), extra[i + 1]);
        return m;
    }
}
