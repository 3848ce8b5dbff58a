package org.sparkgrad.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.sparkgrad.ops.ConvOps;
import org.sparkgrad.ops.InterpolateOps;
import org.sparkgrad.ops.PoolOps;
import org.sparkgrad.tensor.Tensor;

/**
 * Golden ops of {@code conv.json} and {@code pooling.json}: conv1d..conv4d, conv_transpose1d..3d,
 * max_pool1d..4d, avg_pool1d..4d, adaptive_avg_pool1d..3d, adaptive_max_pool1d..3d, all through the N-d ops of
 * {@link ConvOps} and {@link PoolOps}; and {@code interpolate} (with the deprecated {@code upsample},
 * {@code upsample_nearest}, {@code upsample_bilinear}) through {@link InterpolateOps}. Each handler reads every keyword
 * of the PyTorch 1.13 functional ({@code return_indices} is read and ignored: {@code extra.indices} is compared
 * whenever the fixture has it).
 */
public final class ConvGoldenOps implements GoldenOps.Provider {
    @Override public void register(Map<String, GoldenOp> m) {
        for (int nd = 1; nd <= 4; nd++) {
            final int n = nd;
            // F.convNd(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)
            m.put("conv" + nd + "d", c -> conv(c, n));
            // F.max_poolNd(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)
            m.put("max_pool" + nd + "d", c -> maxPool(c, n));
            // F.avg_poolNd(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)
            m.put("avg_pool" + nd + "d", c -> avgPool(c, n));
            // F.adaptive_avg_poolNd(input, output_size); a None entry keeps that input size
            m.put("adaptive_avg_pool" + nd + "d", c -> GoldenResult.of(PoolOps.adaptiveAvgPoolNd(CoreGoldenOps.x(c), n, outputSize(c, n))));
            // F.adaptive_max_poolNd(input, output_size, return_indices=False)
            m.put("adaptive_max_pool" + nd + "d", c -> {
                c.ignore("return_indices");
                Tensor[] r = PoolOps.adaptiveMaxPoolNdWithIndices(CoreGoldenOps.x(c), n, outputSize(c, n));
                return GoldenResult.of(r[0]).extra("indices", r[1]);
            });
            if (nd <= 3) {
                // F.conv_transposeNd(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1)
                m.put("conv_transpose" + nd + "d", c -> GoldenResult.of(ConvOps.convTransposeNd(CoreGoldenOps.x(c), c.in("weight"),
                        c.inOpt("bias"), c.argInts("stride", n), c.argInts("padding", n), c.argInts("output_padding", n),
                        c.argInt("groups", 1), c.argInts("dilation", n))));
            }
        }
        // F.interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None,
        // antialias=False)
        m.put("interpolate", c -> {
            c.requireDefault("antialias", false);
            return interpolate(c, c.argString("mode", "nearest"), alignCorners(c), recompute(c));
        });
        // deprecated forms: F.upsample(input, size, scale_factor, mode='nearest', align_corners=None),
        // F.upsample_nearest(input, size, scale_factor), F.upsample_bilinear(input, size, scale_factor) (align_corners=True)
        m.put("upsample", c -> interpolate(c, c.argString("mode", "nearest"), alignCorners(c), null));
        m.put("upsample_nearest", c -> interpolate(c, "nearest", null, null));
        m.put("upsample_bilinear", c -> interpolate(c, "bilinear", true, null));
    }

    private static Boolean alignCorners(GoldenCase c) { return c.has("align_corners") ? c.argBool("align_corners", false) : null; }

    private static Boolean recompute(GoldenCase c) {
        return c.has("recompute_scale_factor") ? c.argBool("recompute_scale_factor", false) : null;
    }

    private static GoldenResult interpolate(GoldenCase c, String mode, Boolean alignCorners, Boolean recompute) {
        Tensor x = CoreGoldenOps.x(c);
        int nd = Math.max(1, x.dim() - 2);
        int[] size = c.argInts("size", nd);
        double[] scale = null;
        if (c.has("scale_factor")) {
            JsonNode s = c.arg("scale_factor");
            if (s.isArray()) {
                scale = new double[s.size()];
                for (int i = 0; i < scale.length; i++) scale[i] = s.get(i).asDouble();
            } else {
                scale = new double[] {s.asDouble()};
            }
        }
        return GoldenResult.of(InterpolateOps.interpolate(x, size, scale, mode, alignCorners, recompute));
    }

    /** {@code output_size}: an int, or a list whose None entries keep the input size (-1 for {@link PoolOps}). */
    private static int[] outputSize(GoldenCase c, int nd) {
        int[] r = c.argInts("output_size", nd, -1);
        if (r == null) throw new IllegalArgumentException(c.op() + ": output_size is required");
        return r;
    }

    private static GoldenResult conv(GoldenCase c, int nd) {
        Tensor x = CoreGoldenOps.x(c), w = c.in("weight"), b = c.inOpt("bias");
        int groups = c.argInt("groups", 1);
        if (c.has("padding") && c.arg("padding").isTextual()) {
            return GoldenResult.of(ConvOps.convNdPadding(x, w, b, c.argInts("stride", nd), c.argString("padding", "valid"),
                    c.argInts("dilation", nd), groups));
        }
        return GoldenResult.of(ConvOps.convNd(x, w, b, c.argInts("stride", nd), c.argInts("padding", nd), c.argInts("dilation", nd), groups));
    }

    private static GoldenResult maxPool(GoldenCase c, int nd) {
        c.ignore("return_indices");
        Tensor[] r = PoolOps.maxPoolNdWithIndices(CoreGoldenOps.x(c), nd, c.argInts("kernel_size", nd), c.argInts("stride", nd),
                c.argInts("padding", nd), c.argInts("dilation", nd), c.argBool("ceil_mode", false));
        return GoldenResult.of(r[0]).extra("indices", r[1]);
    }

    private static GoldenResult avgPool(GoldenCase c, int nd) {
        return GoldenResult.of(PoolOps.avgPoolNd(CoreGoldenOps.x(c), nd, c.argInts("kernel_size", nd), c.argInts("stride", nd),
                c.argInts("padding", nd), c.argBool("ceil_mode", false), c.argBool("count_include_pad", true),
                c.argIntOrNull("divisor_override")));
    }
}
