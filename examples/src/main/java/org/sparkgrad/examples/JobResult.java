package org.sparkgrad.examples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a job reports: the headline metrics (the final JSON line: {@code job}, {@code train_seconds} and the job's
 * test metrics), further details for {@code metrics.json}, and the curves for the PNG.
 */
public final class JobResult {
    /** Headline metrics, in the order they are printed. */
    public final Map<String, Object> headline = new LinkedHashMap<>();
    /** Details for metrics.json only (hyper-parameters, data sizes, loss history, ...). */
    public final Map<String, Object> details = new LinkedHashMap<>();
    /** Curves for curve.png. */
    public final List<Charts.Series> curves = new ArrayList<>();
    /** Chart title, axis titles. */
    public String chartTitle = "", xLabel = "round", yLeft = "loss", yRight = "";

    public JobResult headline(String key, Object value) {
        headline.put(key, value);
        return this;
    }

    public JobResult detail(String key, Object value) {
        details.put(key, value);
        return this;
    }
}
