package org.sparkgrad.nn;

import java.util.Arrays;
import org.sparkgrad.ops.ConvOps;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * An N-dimensional transposed convolution layer (PyTorch's {@code _ConvTransposeNd}); {@link ConvTranspose1d},
 * {@link ConvTranspose2d} and {@link ConvTranspose3d} fix the number of spatial dims. Input
 * {@code (N, C_in, *in)} or unbatched; weight {@code (C_in, C_out/groups, *kernel_size)}; bias {@code (C_out)};
 * output size per dim {@code (in-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1}. Initialised as
 * PyTorch does (kaiming_uniform with a=sqrt(5) on this weight layout, i.e. fan_in = C_out/groups * prod(k)).
 * The math is {@link ConvOps#convTransposeNd}.
 */
public class ConvTransposeNd extends Module {
    public final int inChannels, outChannels, groups;
    /** Per spatial dim. */
    public final int[] kernelSize, stride, padding, outputPadding, dilation;
    public final Tensor weight, bias;

    /**
     * @param nd            number of spatial dims (>= 1)
     * @param kernel        one value for all dims, or one per dim
     * @param stride        null = 1
     * @param padding       null = 0: removed from both sides of each output dim
     * @param outputPadding null = 0: added to one side; must be smaller than the stride or the dilation
     * @param dilation      null = 1
     * @throws IllegalArgumentException when groups does not divide both channel counts, or for bad sizes
     */
    public ConvTransposeNd(int nd, int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, int[] outputPadding,
                           int groups, boolean bias, int[] dilation, Generator g) {
        String name = "ConvTranspose" + nd + "d";
        ConvNd.checkChannels(name, nd, inChannels, outChannels, groups);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.kernelSize = LayerArgs.expand(name, "kernel_size", kernel, nd, 1, 1);
        this.stride = LayerArgs.expand(name, "stride", stride, nd, 1, 1);
        this.padding = LayerArgs.expand(name, "padding", padding, nd, 0, 0);
        this.outputPadding = LayerArgs.expand(name, "output_padding", outputPadding, nd, 0, 0);
        this.dilation = LayerArgs.expand(name, "dilation", dilation, nd, 1, 1);
        for (int d = 0; d < nd; d++) {
            if (this.outputPadding[d] >= this.stride[d] && this.outputPadding[d] >= this.dilation[d]) {
                throw new IllegalArgumentException(name + ": output padding must be smaller than either stride or dilation, got output_padding="
                        + Arrays.toString(this.outputPadding) + ", stride=" + Arrays.toString(this.stride) + ", dilation="
                        + Arrays.toString(this.dilation));
            }
        }
        int[] ws = new int[nd + 2];
        ws[0] = inChannels;
        ws[1] = outChannels / groups;
        System.arraycopy(kernelSize, 0, ws, 2, nd);
        this.weight = registerParameter("weight", Tensor.zeros(ws));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outChannels) : null);
        Init.defaultLayerInit(this.weight, this.bias, g);
    }

    /** Number of spatial dims. */
    public int spatialDims() { return kernelSize.length; }

    @Override public Tensor forward(Tensor x) {
        return ConvOps.convTransposeNd(x, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /**
     * Forward with the output's spatial size chosen explicitly (PyTorch's {@code output_size} argument): the
     * output padding is derived from it instead of the layer's.
     *
     * @param outputSize the spatial size, or the full size including the batch/channel dims (as PyTorch)
     * @throws IllegalArgumentException when the size is outside PyTorch's valid range [min, min + stride - 1]
     */
    public Tensor forward(Tensor x, int[] outputSize) {
        int nd = spatialDims();
        // PyTorch also accepts the full size (N, C, *spatial) or (C, *spatial) and keeps its spatial part
        if (outputSize != null && outputSize.length == x.dim() && x.dim() > nd) {
            outputSize = Arrays.copyOfRange(outputSize, x.dim() - nd, x.dim());
        }
        if (outputSize == null || outputSize.length != nd) {
            throw new IllegalArgumentException("ConvTranspose" + nd + "d: output_size must have " + nd + " values, got "
                    + Arrays.toString(outputSize));
        }
        int[] op = new int[nd];
        int off = x.dim() - nd;
        for (int d = 0; d < nd; d++) {
            int min = (x.size(off + d) - 1) * stride[d] - 2 * padding[d] + dilation[d] * (kernelSize[d] - 1) + 1;
            op[d] = outputSize[d] - min;
            // PyTorch's _output_padding: valid sizes are [min, min + stride - 1]
            if (op[d] < 0 || op[d] >= stride[d]) {
                throw new IllegalArgumentException("ConvTranspose" + nd + "d: requested an output size of " + Arrays.toString(outputSize)
                        + ", but the valid sizes for input of size " + Arrays.toString(x.shape()) + " range from " + min + " to "
                        + (min + stride[d] - 1) + " in dim " + d);
            }
        }
        return ConvOps.convTransposeNd(x, weight, bias, stride, padding, op, groups, dilation);
    }

    @Override public String extraRepr() {
        StringBuilder sb = new StringBuilder();
        sb.append(inChannels).append(", ").append(outChannels).append(", kernel_size=").append(LayerArgs.tuple(kernelSize))
                .append(", stride=").append(LayerArgs.tuple(stride));
        if (!LayerArgs.all(padding, 0)) sb.append(", padding=").append(LayerArgs.tuple(padding));
        if (!LayerArgs.all(dilation, 1)) sb.append(", dilation=").append(LayerArgs.tuple(dilation));
        if (!LayerArgs.all(outputPadding, 0)) sb.append(", output_padding=").append(LayerArgs.tuple(outputPadding));
        if (groups != 1) sb.append(", groups=").append(groups);
        if (bias == null) sb.append(", bias=False");
        return sb.toString();
    }
}
