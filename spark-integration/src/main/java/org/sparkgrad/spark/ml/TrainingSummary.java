package org.sparkgrad.spark.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a fit recorded: the mean training loss and throughput of every round, and a validation metric per epoch. */
public final class TrainingSummary implements Serializable {
    private static final long serialVersionUID = 1L;
    private final List<Double> roundLoss = new ArrayList<>();
    private final List<Double> roundExamplesPerSecond = new ArrayList<>();
    private final List<Double> validation = new ArrayList<>();
    private final List<Double> epochEndSeconds = new ArrayList<>();
    private String dataPath = "";

    void addRound(double loss, double examplesPerSecond) {
        roundLoss.add(loss);
        roundExamplesPerSecond.add(examplesPerSecond);
    }

    void addValidation(double metric) { validation.add(metric); }

    void endEpoch(double secondsSinceFitStart) { epochEndSeconds.add(secondsSinceFitStart); }

    /** Seconds from the start of {@code fit} to the end of each epoch (validation included). */
    public double[] epochEndSeconds() { return epochEndSeconds.stream().mapToDouble(Double::doubleValue).toArray(); }

    /** Mean training loss of each round, in order. */
    public double[] lossHistory() { return roundLoss.stream().mapToDouble(Double::doubleValue).toArray(); }

    /** Examples per second of each round. */
    public double[] throughputHistory() { return roundExamplesPerSecond.stream().mapToDouble(Double::doubleValue).toArray(); }

    /** Validation metric per epoch (accuracy for classifiers, RMSE otherwise); empty without validation data. */
    public double[] validationHistory() { return validation.stream().mapToDouble(Double::doubleValue).toArray(); }

    void setDataPath(String path) { this.dataPath = path; }

    /**
     * How the training rows reached the workers: {@code "parquet"} (executors read the Parquet files themselves
     * through arrow-io), {@code "arrow"} (Spark's partition-to-Arrow-batches conversion) or {@code "rows"} (the
     * {@code Row} path, used for ML {@code Vector} columns); empty when not recorded.
     */
    public String dataPath() { return dataPath; }

    /** Number of rounds run. */
    public int totalRounds() { return roundLoss.size(); }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", new ArrayList<>(roundLoss));
        m.put("examplesPerSecond", new ArrayList<>(roundExamplesPerSecond));
        m.put("validation", new ArrayList<>(validation));
        m.put("epochEndSeconds", new ArrayList<>(epochEndSeconds));
        m.put("dataPath", dataPath);
        return m;
    }

    @SuppressWarnings("unchecked")
    static TrainingSummary fromMap(Map<String, Object> m) {
        TrainingSummary s = new TrainingSummary();
        if (m == null) return s;
        for (Object v : (List<Object>) m.getOrDefault("loss", List.of())) s.roundLoss.add(((Number) v).doubleValue());
        for (Object v : (List<Object>) m.getOrDefault("examplesPerSecond", List.of())) s.roundExamplesPerSecond.add(((Number) v).doubleValue());
        for (Object v : (List<Object>) m.getOrDefault("validation", List.of())) s.validation.add(((Number) v).doubleValue());
        for (Object v : (List<Object>) m.getOrDefault("epochEndSeconds", List.of())) s.epochEndSeconds.add(((Number) v).doubleValue());
        Object dp = m.get("dataPath");
        if (dp != null) s.dataPath = dp.toString();
        return s;
    }
}
