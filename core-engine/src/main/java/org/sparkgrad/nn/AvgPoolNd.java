package org.sparkgrad.nn;

import org.sparkgrad.ops.PoolOps;
import org.sparkgrad.tensor.Tensor;

/**
 * N-dimensional average pooling (PyTorch's {@code _AvgPoolNd}); {@link AvgPool1d} ... {@link AvgPool4d} fix the
 * number of spatial dims. Input {@code (N, C, *in)} or {@code (C, *in)}; implicit zero padding, counted in the
 * divisor when {@code countIncludePad}. See {@link PoolOps#avgPoolNd}.
 */
public class AvgPoolNd extends Module {
    public final int[] kernelSize, stride, padding;
    public final boolean ceilMode, countIncludePad;
    /** Null: PyTorch's divisor rule. */
    public final Integer divisorOverride;

    /**
     * @param stride null = kernel size
     * @throws IllegalArgumentException for non-positive sizes or padding above half the kernel
     */
    public AvgPoolNd(int nd, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
        String name = "AvgPool" + nd + "d";
        this.kernelSize = LayerArgs.expand(name, "kernel_size", kernel, nd, 1, 1);
        this.stride = stride == null || stride.length == 0 ? kernelSize.clone() : LayerArgs.expand(name, "stride", stride, nd, 1, 1);
        this.padding = LayerArgs.expand(name, "padding", padding, nd, 0, 0);
        for (int d = 0; d < nd; d++) {
            if (this.padding[d] > kernelSize[d] / 2) {
                throw new IllegalArgumentException(name + ": pad should be at most half of kernel size, got padding="
                        + LayerArgs.tuple(this.padding) + " and kernel_size=" + LayerArgs.tuple(kernelSize));
            }
        }
        if (divisorOverride != null && divisorOverride == 0) throw new IllegalArgumentException(name + ": divisor must be not zero");
        this.ceilMode = ceilMode;
        this.countIncludePad = countIncludePad;
        this.divisorOverride = divisorOverride;
    }

    public int spatialDims() { return kernelSize.length; }

    @Override public Tensor forward(Tensor x) {
        return PoolOps.avgPoolNd(x, spatialDims(), kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
    }

    @Override public String extraRepr() {
        return "kernel_size=" + LayerArgs.tuple(kernelSize) + ", stride=" + LayerArgs.tuple(stride) + ", padding=" + LayerArgs.tuple(padding)
                + (ceilMode ? ", ceil_mode=True" : "") + (countIncludePad ? "" : ", count_include_pad=False")
                + (divisorOverride != null ? ", divisor_override=" + divisorOverride : "");
    }
}
