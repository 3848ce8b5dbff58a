package org.sparkgrad.nn;

import java.util.Arrays;
import org.sparkgrad.ops.ConvOps;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * An N-dimensional convolution layer (PyTorch's {@code _ConvNd}): {@link Conv1d}, {@link Conv2d},
 * {@link Conv3d} and {@link Conv4d} are this class with a fixed number of spatial dims; any other number works
 * too. Input {@code (N, C_in, *spatial)} or unbatched {@code (C_in, *spatial)}; weight
 * {@code (C_out, C_in/groups, *kernel_size)}; bias {@code (C_out)}. Initialised as PyTorch does: weight
 * {@code kaiming_uniform_(a=sqrt(5))}, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with
 * {@code fan_in = C_in/groups * prod(kernel_size)}, and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)). Float32
 * parameters ({@link Module#to(org.sparkgrad.tensor.DType)} converts). The math is {@link ConvOps#convNd}.
 */
public class ConvNd extends Module {
    public final int inChannels, outChannels, groups;
    /** Per spatial dim. */
    public final int[] kernelSize, stride, padding, dilation;
    /** {@code "same"} or {@code "valid"} when the padding was given as a string, else null. */
    public final String paddingMode;
    public final Tensor weight, bias;

    /**
     * @param nd       number of spatial dims (>= 1)
     * @param kernel   one value for all dims, or one per dim
     * @param stride   null = 1; one value or one per dim
     * @param padding  null = 0; one value or one per dim (zero padding on both sides)
     * @param dilation null = 1; one value or one per dim
     * @param bias     whether to learn an additive bias
     * @param g        generator for the initial weights
     * @throws IllegalArgumentException when groups does not divide both channel counts, or for bad sizes
     */
    public ConvNd(int nd, int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups,
                  boolean bias, Generator g) {
        this(nd, inChannels, outChannels, kernel, stride, padding, null, dilation, groups, bias, g);
    }

    /**
     * With PyTorch's string padding, stride 1: {@code "same"} (output size = input size) or {@code "valid"}
     * (no padding).
     */
    public ConvNd(int nd, int inChannels, int outChannels, int[] kernel, String padding, int[] dilation, int groups, boolean bias,
                  Generator g) {
        this(nd, inChannels, outChannels, kernel, null, null, padding, dilation, groups, bias, g);
    }

    private ConvNd(int nd, int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, String paddingMode,
                   int[] dilation, int groups, boolean bias, Generator g) {
        String name = "Conv" + nd + "d";
        checkChannels(name, nd, inChannels, outChannels, groups);
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.groups = groups;
        this.kernelSize = LayerArgs.expand(name, "kernel_size", kernel, nd, 1, 1);
        this.stride = LayerArgs.expand(name, "stride", stride, nd, 1, 1);
        this.padding = LayerArgs.expand(name, "padding", padding, nd, 0, 0);
        this.dilation = LayerArgs.expand(name, "dilation", dilation, nd, 1, 1);
        if (paddingMode != null) {
            if (!paddingMode.equals("same") && !paddingMode.equals("valid")) {
                throw new IllegalArgumentException("Invalid padding string '" + paddingMode + "', should be one of {'valid', 'same'}");
            }
            for (int s : this.stride) {
                if (s != 1 && paddingMode.equals("same")) {
                    throw new IllegalArgumentException("padding='same' is not supported for strided convolutions, got stride="
                            + Arrays.toString(this.stride));
                }
            }
        }
        this.paddingMode = paddingMode;
        int[] ws = new int[nd + 2];
        ws[0] = outChannels;
        ws[1] = inChannels / groups;
        System.arraycopy(kernelSize, 0, ws, 2, nd);
        this.weight = registerParameter("weight", Tensor.zeros(ws));
        this.bias = registerParameter("bias", bias ? Tensor.zeros(outChannels) : null);
        Init.defaultLayerInit(this.weight, this.bias, g);
    }

    static void checkChannels(String name, int nd, int in, int out, int groups) {
        if (nd < 1) throw new IllegalArgumentException(name + ": the number of spatial dims must be at least 1, got " + nd);
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException(name + ": in_channels and out_channels must be positive, got " + in + " and " + out);
        }
        if (groups <= 0) throw new IllegalArgumentException(name + ": groups must be a positive integer, got " + groups);
        if (in % groups != 0) throw new IllegalArgumentException(name + ": in_channels (" + in + ") must be divisible by groups (" + groups + ")");
        if (out % groups != 0) throw new IllegalArgumentException(name + ": out_channels (" + out + ") must be divisible by groups (" + groups + ")");
    }

    /** Number of spatial dims. */
    public int spatialDims() { return kernelSize.length; }

    @Override public Tensor forward(Tensor x) {
        if (paddingMode != null) return ConvOps.convNdPadding(x, weight, bias, stride, paddingMode, dilation, groups);
        return ConvOps.convNd(x, weight, bias, stride, padding, dilation, groups);
    }

    @Override public String extraRepr() {
        StringBuilder sb = new StringBuilder();
        sb.append(inChannels).append(", ").append(outChannels).append(", kernel_size=").append(LayerArgs.tuple(kernelSize))
                .append(", stride=").append(LayerArgs.tuple(stride));
        if (paddingMode != null) sb.append(", padding=").append(paddingMode);
        else if (!LayerArgs.all(padding, 0)) sb.append(", padding=").append(LayerArgs.tuple(padding));
        if (!LayerArgs.all(dilation, 1)) sb.append(", dilation=").append(LayerArgs.tuple(dilation));
        if (groups != 1) sb.append(", groups=").append(groups);
        if (bias == null) sb.append(", bias=False");
        return sb.toString();
    }
}
