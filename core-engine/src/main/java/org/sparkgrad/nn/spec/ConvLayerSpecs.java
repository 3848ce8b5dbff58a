package org.sparkgrad.nn.spec;

import com.fasterxml.jackson.databind.JsonNode;
import org.sparkgrad.nn.AdaptiveAvgPool1d;
import org.sparkgrad.nn.AdaptiveAvgPool2d;
import org.sparkgrad.nn.AdaptiveAvgPool3d;
import org.sparkgrad.nn.AdaptiveMaxPool1d;
import org.sparkgrad.nn.AdaptiveMaxPool2d;
import org.sparkgrad.nn.AdaptiveMaxPool3d;
import org.sparkgrad.nn.AvgPool1d;
import org.sparkgrad.nn.AvgPool2d;
import org.sparkgrad.nn.AvgPool3d;
import org.sparkgrad.nn.AvgPool4d;
import org.sparkgrad.nn.Conv1d;
import org.sparkgrad.nn.Conv2d;
import org.sparkgrad.nn.Conv3d;
import org.sparkgrad.nn.Conv4d;
import org.sparkgrad.nn.ConvNd;
import org.sparkgrad.nn.ConvTranspose1d;
import org.sparkgrad.nn.ConvTranspose2d;
import org.sparkgrad.nn.ConvTranspose3d;
import org.sparkgrad.nn.MaxPool1d;
import org.sparkgrad.nn.MaxPool2d;
import org.sparkgrad.nn.MaxPool3d;
import org.sparkgrad.nn.MaxPool4d;
import org.sparkgrad.nn.Module;
import org.sparkgrad.tensor.Generator;

/**
 * {@link NetworkSpec} layer types of the convolution family, with PyTorch's class and keyword names:
 * {@code Conv1d..Conv4d} ({@code in_channels, out_channels, kernel_size, stride, padding} (int, list,
 * {@code "same"} or {@code "valid"}), {@code dilation, groups, bias}), {@code ConvTranspose1d..3d} (plus
 * {@code output_padding}), {@code MaxPool1d..4d} ({@code kernel_size, stride, padding, dilation, ceil_mode}),
 * {@code AvgPool1d..4d} ({@code kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override}),
 * {@code AdaptiveAvgPool1d..3d} and {@code AdaptiveMaxPool1d..3d} ({@code output_size}; a null entry keeps
 * that input size).
 */
final class ConvLayerSpecs {
    private ConvLayerSpecs() {}

    static void registerAll() {
        for (int nd = 1; nd <= 4; nd++) {
            final int n = nd;
            NetworkSpec.register("Conv" + nd + "d", (c, g) -> conv(n, c, g));
            NetworkSpec.register("MaxPool" + nd + "d", (c, g) -> maxPool(n, c));
            NetworkSpec.register("AvgPool" + nd + "d", (c, g) -> avgPool(n, c));
            if (nd <= 3) {
                NetworkSpec.register("ConvTranspose" + nd + "d", (c, g) -> convTranspose(n, c, g));
                NetworkSpec.register("AdaptiveAvgPool" + nd + "d", (c, g) -> adaptive(n, c, false));
                NetworkSpec.register("AdaptiveMaxPool" + nd + "d", (c, g) -> adaptive(n, c, true));
            }
        }
    }

    private static Module maxPool(int nd, JsonNode c) {
        int[] k = kernel(c), s = NetworkSpec.ints(c, "stride"), p = NetworkSpec.ints(c, "padding"), d = NetworkSpec.ints(c, "dilation");
        boolean ceil = c.path("ceil_mode").asBoolean(false);
        switch (nd) {
            case 1: return new MaxPool1d(k, s, p, d, ceil);
            case 2: return new MaxPool2d(k, s, p, d, ceil);
            case 3: return new MaxPool3d(k, s, p, d, ceil);
            default: return new MaxPool4d(k, s, p, d, ceil);
        }
    }

    private static Module avgPool(int nd, JsonNode c) {
        int[] k = kernel(c), s = NetworkSpec.ints(c, "stride"), p = NetworkSpec.ints(c, "padding");
        boolean ceil = c.path("ceil_mode").asBoolean(false), incl = c.path("count_include_pad").asBoolean(true);
        Integer div = c.hasNonNull("divisor_override") ? c.get("divisor_override").asInt() : null;
        switch (nd) {
            case 1: return new AvgPool1d(k, s, p, ceil, incl, div);
            case 2: return new AvgPool2d(k, s, p, ceil, incl, div);
            case 3: return new AvgPool3d(k, s, p, ceil, incl, div);
            default: return new AvgPool4d(k, s, p, ceil, incl, div);
        }
    }

    private static Module adaptive(int nd, JsonNode c, boolean max) {
        int[] o = outputSize(c);
        switch (nd) {
            case 1: return max ? new AdaptiveMaxPool1d(o) : new AdaptiveAvgPool1d(o);
            case 2: return max ? new AdaptiveMaxPool2d(o) : new AdaptiveAvgPool2d(o);
            default: return max ? new AdaptiveMaxPool3d(o) : new AdaptiveAvgPool3d(o);
        }
    }

    private static Module convTranspose(int nd, JsonNode c, Generator g) {
        int in = NetworkSpec.req(c, "in_channels"), out = NetworkSpec.req(c, "out_channels");
        int[] k = kernel(c), s = NetworkSpec.ints(c, "stride"), p = NetworkSpec.ints(c, "padding"), op = NetworkSpec.ints(c, "output_padding");
        int[] d = NetworkSpec.ints(c, "dilation");
        int groups = c.path("groups").asInt(1);
        boolean bias = c.path("bias").asBoolean(true);
        switch (nd) {
            case 1: return new ConvTranspose1d(in, out, k, s, p, op, groups, bias, d, g);
            case 2: return new ConvTranspose2d(in, out, k, s, p, op, groups, bias, d, g);
            default: return new ConvTranspose3d(in, out, k, s, p, op, groups, bias, d, g);
        }
    }

    private static int[] kernel(JsonNode c) {
        int[] k = NetworkSpec.ints(c, "kernel_size");
        if (k == null) throw new IllegalArgumentException("missing argument 'kernel_size' in " + c);
        return k;
    }

    private static int[] outputSize(JsonNode c) {
        JsonNode v = c.get("output_size");
        if (v == null || v.isNull()) throw new IllegalArgumentException("missing argument 'output_size' in " + c);
        if (!v.isArray()) return new int[] {v.asInt()};
        int[] r = new int[v.size()];
        for (int i = 0; i < r.length; i++) r[i] = v.get(i).isNull() ? -1 : v.get(i).asInt();
        return r;
    }

    private static ConvNd conv(int nd, JsonNode c, Generator g) {
        int in = NetworkSpec.req(c, "in_channels"), out = NetworkSpec.req(c, "out_channels");
        int groups = c.path("groups").asInt(1);
        boolean bias = c.path("bias").asBoolean(true);
        int[] k = kernel(c), s = NetworkSpec.ints(c, "stride"), d = NetworkSpec.ints(c, "dilation");
        JsonNode pm = c.get("padding_mode");
        if (pm != null && !pm.isNull() && !"zeros".equals(pm.asText())) {
            // unknown keys are ignored elsewhere, but this one would silently change the result
            throw new IllegalArgumentException("padding_mode='" + pm.asText() + "' is not supported (only 'zeros') in " + c);
        }
        JsonNode pn = c.get("padding");
        // PyTorch: padding='valid' (no padding) works with any stride; only 'same' needs stride 1
        if (pn != null && pn.isTextual() && !("valid".equals(pn.asText()) && s != null && !all1(s))) {
            if (s != null && !all1(s)) throw new IllegalArgumentException("padding='" + pn.asText() + "' needs stride 1 in " + c);
            String mode = pn.asText();
            switch (nd) {
                case 1: return new Conv1d(in, out, k, mode, d, groups, bias, g);
                case 2: return new Conv2d(in, out, k, mode, d, groups, bias, g);
                case 3: return new Conv3d(in, out, k, mode, d, groups, bias, g);
                default: return new Conv4d(in, out, k, mode, d, groups, bias, g);
            }
        }
        int[] p = pn != null && pn.isTextual() ? null : NetworkSpec.ints(c, "padding");
        switch (nd) {
            case 1: return new Conv1d(in, out, k, s, p, d, groups, bias, g);
            case 2: return new Conv2d(in, out, k, s, p, d, groups, bias, g);
            case 3: return new Conv3d(in, out, k, s, p, d, groups, bias, g);
            default: return new Conv4d(in, out, k, s, p, d, groups, bias, g);
        }
    }

    private static boolean all1(int[] v) {
        for (int x : v) if (x != 1) return false;
        return true;
    }
}
