package org.sparkgrad.nn;

import org.sparkgrad.ops.PoolOps;
import org.sparkgrad.tensor.Tensor;

/**
 * N-dimensional adaptive average pooling (PyTorch's {@code _AdaptiveAvgPoolNd}): output bin {@code i} of a dim
 * of length L averages [floor(i*L/out), ceil((i+1)*L/out)). See {@link PoolOps#adaptiveAvgPoolNd}.
 */
public class AdaptiveAvgPoolNd extends Module {
    /** Per spatial dim; -1 keeps the input size. */
    public final int[] outputSize;

    public AdaptiveAvgPoolNd(int nd, int[] outputSize) {
        this.outputSize = LayerArgs.expand("AdaptiveAvgPool" + nd + "d", "output_size", outputSize, nd, -1, -1);
    }

    public int spatialDims() { return outputSize.length; }

    @Override public Tensor forward(Tensor x) { return PoolOps.adaptiveAvgPoolNd(x, spatialDims(), outputSize); }

    @Override public String extraRepr() { return "output_size=" + LayerArgs.tuple(outputSize); }
}
