package org.sparkgrad.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * Runs golden ops on another device without changing them: each case's inputs are moved to the device (a
 * differentiable copy, so gradients flow back to the host leaves the runner checks), the op runs there, and its
 * outputs and extras come back to the host for comparison. Lives in {@code org.sparkgrad.testing} to read
 * {@link GoldenResult}'s fields.
 */
public final class DeviceGoldenOps {
    private DeviceGoldenOps() {
    }

    public static Map<String, GoldenOp> on(Device device, Map<String, GoldenOp> ops) {
        Map<String, GoldenOp> out = new LinkedHashMap<>();
        ops.forEach((name, op) -> out.put(name, c -> run(device, op, c)));
        return out;
    }

    private static GoldenResult run(Device device, GoldenOp op, GoldenCase c) {
        Map<String, Tensor> inputs = c.inputs();
        Map<String, Tensor> host = new LinkedHashMap<>(inputs);
        try {
            inputs.replaceAll((k, t) -> t.to(device));
            GoldenResult r = op.run(c);
            List<Tensor> outs = r.outputs.stream().map(t -> t.to(Device.CPU)).toList();
            GoldenResult back = new GoldenResult(outs);
            r.extra.forEach((k, t) -> back.extra(k, t.to(Device.CPU)));
            return back;
        } finally {
            inputs.clear();
            inputs.putAll(host);   // the runner differentiates with respect to the host inputs
        }
    }

    /** Whether every output and extra of {@code r} is on {@code device} (for tests of the wrapper). */
    static boolean allOn(GoldenResult r, Device device) {
        return r.outputs.stream().allMatch(t -> t.device().equals(device))
                && r.extra.values().stream().allMatch(t -> t.device().equals(device));
    }
}
