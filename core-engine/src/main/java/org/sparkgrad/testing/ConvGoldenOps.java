package org.sparkgrad.testing;

import java.util.Map;
import org.sparkgrad.ops.ConvOps;
import org.sparkgrad.ops.PoolOps;
import org.sparkgrad.tensor.Tensor;

/**
 * Golden ops of {@code conv.json} and {@code pooling.json}: conv1d..conv4d, conv_transpose1d..3d,
 * max_pool1d..4d, avg_pool1d..4d, adaptive_avg_pool1d/2d, adaptive_max_pool2d, all through the N-d ops of
 * {@link ConvOps} and {@link PoolOps}.
 */
public final class ConvGoldenOps implements GoldenOps.Provider {
    @Override public void register(Map<String, GoldenOp> m) {
        for (int nd = 1; nd <= 4; nd++) {
            final int n = nd;
            m.put("conv" + nd + "d", c -> conv(c, n));
            m.put("max_pool" + nd + "d", c -> maxPool(c, n));
            m.put("avg_pool" + nd + "d", c -> avgPool(c, n));
            m.put("adaptive_avg_pool" + nd + "d", c -> GoldenResult.of(PoolOps.adaptiveAvgPoolNd(c.in("input"), n, c.argInts("output_size", n))));
            m.put("adaptive_max_pool" + nd + "d", c -> {
                Tensor[] r = PoolOps.adaptiveMaxPoolNdWithIndices(c.in("input"), n, c.argInts("output_size", n));
                return GoldenResult.of(r[0]).extra("indices", r[1]);
            });
            if (nd <= 3) {
                m.put("conv_transpose" + nd + "d", c -> GoldenResult.of(ConvOps.convTransposeNd(c.in("input"), c.in("weight"),
                        c.inOpt("bias"), c.argInts("stride", n), c.argInts("padding", n), c.argInts("output_padding", n),
                        c.argInt("groups", 1), c.argInts("dilation", n))));
            }
        }
    }

    private static GoldenResult conv(GoldenCase c, int nd) {
        Tensor x = c.in("input"), w = c.in("weight"), b = c.inOpt("bias");
        int groups = c.argInt("groups", 1);
        if (c.has("padding") && c.arg("padding").isTextual()) {
            return GoldenResult.of(ConvOps.convNdPadding(x, w, b, c.argInts("stride", nd), c.argString("padding", "valid"),
                    c.argInts("dilation", nd), groups));
        }
        return GoldenResult.of(ConvOps.convNd(x, w, b, c.argInts("stride", nd), c.argInts("padding", nd), c.argInts("dilation", nd), groups));
    }

    private static GoldenResult maxPool(GoldenCase c, int nd) {
        Tensor[] r = PoolOps.maxPoolNdWithIndices(c.in("input"), nd, c.argInts("kernel_size", nd), c.argInts("stride", nd),
                c.argInts("padding", nd), c.argInts("dilation", nd), c.argBool("ceil_mode", false));
        return GoldenResult.of(r[0]).extra("indices", r[1]);
    }

    private static GoldenResult avgPool(GoldenCase c, int nd) {
        return GoldenResult.of(PoolOps.avgPoolNd(c.in("input"), nd, c.argInts("kernel_size", nd), c.argInts("stride", nd),
                c.argInts("padding", nd), c.argBool("ceil_mode", false), c.argBool("count_include_pad", true),
                c.has("divisor_override") ? c.argInt("divisor_override", 1) : null));
    }
}
