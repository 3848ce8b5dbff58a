package org.sparkgrad.nn;

import org.sparkgrad.ops.PoolOps;
import org.sparkgrad.tensor.Tensor;

/**
 * N-dimensional adaptive max pooling (PyTorch's {@code _AdaptiveMaxPoolNd}): output bin {@code i} of a dim of
 * length L takes the max over [floor(i*L/out), ceil((i+1)*L/out)). See {@link PoolOps#adaptiveMaxPoolNd}.
 */
public class AdaptiveMaxPoolNd extends Module {
    /** Per spatial dim; -1 keeps the input size. */
    public final int[] outputSize;

    public AdaptiveMaxPoolNd(int nd, int[] outputSize) {
        this.outputSize = LayerArgs.expand("AdaptiveMaxPool" + nd + "d", "output_size", outputSize, nd, -1, -1);
    }

    public int spatialDims() { return outputSize.length; }

    @Override public Tensor forward(Tensor x) { return PoolOps.adaptiveMaxPoolNd(x, spatialDims(), outputSize); }

    /** {values, int64 indices}: PyTorch's {@code return_indices=True}. */
    public Tensor[] forwardWithIndices(Tensor x) { return PoolOps.adaptiveMaxPoolNdWithIndices(x, spatialDims(), outputSize); }

    @Override public String extraRepr() { return "output_size=" + LayerArgs.tuple(outputSize); }
}
