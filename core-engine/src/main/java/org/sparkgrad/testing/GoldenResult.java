package org.sparkgrad.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.Tensor;

/** What an op produced for a golden case: its output tensor(s) and any {@code extra} results. */
public final class GoldenResult {
    final List<Tensor> outputs;
    final Map<String, Tensor> extra = new LinkedHashMap<>();

    public GoldenResult(List<Tensor> outputs) { this.outputs = outputs; }

    public static GoldenResult of(Tensor out) { return new GoldenResult(List.of(out)); }

    public static GoldenResult of(List<Tensor> outs) { return new GoldenResult(outs); }

    /** Adds an extra result compared against the case's {@code extra[name]}. */
    public GoldenResult extra(String name, Tensor t) {
        extra.put(name, t);
        return this;
    }
}
