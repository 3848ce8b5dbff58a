package org.sparkgrad.nn;

import org.sparkgrad.ops.PoolOps;
import org.sparkgrad.tensor.Tensor;

/**
 * N-dimensional max pooling (PyTorch's {@code _MaxPoolNd}); {@link MaxPool1d} ... {@link MaxPool4d} fix the
 * number of spatial dims. Input {@code (N, C, *in)} or {@code (C, *in)}; implicit -inf padding. See
 * {@link PoolOps#maxPoolNd}.
 */
public class MaxPoolNd extends Module {
    public final int[] kernelSize, stride, padding, dilation;
    public final boolean ceilMode;

    /**
     * @param stride null = kernel size
     * @throws IllegalArgumentException for non-positive sizes or padding above half the kernel
     */
    public MaxPoolNd(int nd, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        String name = "MaxPool" + nd + "d";
        this.kernelSize = LayerArgs.expand(name, "kernel_size", kernel, nd, 1, 1);
        this.stride = stride == null || stride.length == 0 ? kernelSize.clone() : LayerArgs.expand(name, "stride", stride, nd, 1, 1);
        this.padding = LayerArgs.expand(name, "padding", padding, nd, 0, 0);
        this.dilation = LayerArgs.expand(name, "dilation", dilation, nd, 1, 1);
        for (int d = 0; d < nd; d++) {
            if (this.padding[d] > kernelSize[d] / 2) {
                throw new IllegalArgumentException(name + ": pad should be at most half of kernel size, got padding="
                        + LayerArgs.tuple(this.padding) + " and kernel_size=" + LayerArgs.tuple(kernelSize));
            }
        }
        this.ceilMode = ceilMode;
    }

    public int spatialDims() { return kernelSize.length; }

    @Override public Tensor forward(Tensor x) {
        return PoolOps.maxPoolNd(x, spatialDims(), kernelSize, stride, padding, dilation, ceilMode);
    }

    /** {values, int64 indices}: PyTorch's {@code return_indices=True}. */
    public Tensor[] forwardWithIndices(Tensor x) {
        return PoolOps.maxPoolNdWithIndices(x, spatialDims(), kernelSize, stride, padding, dilation, ceilMode);
    }

    @Override public String extraRepr() {
        return "kernel_size=" + LayerArgs.tuple(kernelSize) + ", stride=" + LayerArgs.tuple(stride) + ", padding="
                + LayerArgs.tuple(padding) + ", dilation=" + LayerArgs.tuple(dilation) + ", ceil_mode=" + (ceilMode ? "True" : "False");
    }
}
