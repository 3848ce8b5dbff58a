package org.sparkgrad.ops;

import org.sparkgrad.amp.Autocast;
import java.util.Arrays;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.backend.BinaryOp;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Convolutions with autograd, written once for any number {@code nd >= 1} of spatial dims: {@code conv1d}
 * (N, C, L), {@code conv2d} (N, C, H, W), {@code conv3d} (N, C, D, H, W), {@code conv4d} (N, C, T, D, H, W)
 * and beyond are the same op ({@link #convNd}); likewise the transposed convolution ({@link #convTransposeNd}).
 * The spatial rank is the weight's rank minus 2. Every op also accepts an unbatched input {@code (C, *spatial)}
 * and then returns an unbatched result, as PyTorch does.
 *
 * <p>Math (PyTorch {@code torch.nn.functional.conv2d} / {@code conv_transpose2d} documentation, generalised
 * to nd dims): {@code y[n, o, i] = b[o] + sum_{c, a} w[o, c, a] * xpad[n, g*C/groups + c, i*stride + a*dilation]}
 * over the input channels {@code c} of the group {@code g} of output channel {@code o} and the kernel taps
 * {@code a}; output size per dim {@code floor((in + 2*pad - dil*(k-1) - 1) / stride) + 1}. The transposed
 * convolution is the adjoint (input gradient) of that map, plus bias. Computation goes through the
 * {@link org.sparkgrad.backend.Backend} primitives {@code conv}, {@code convBackwardInput} and
 * {@code convBackwardWeight} (on the CPU: direct vectorised kernels or im2col + GEMM).
 *
 * <p>Integer-array arguments ({@code stride}, {@code padding}, {@code dilation}, {@code outputPadding}) take
 * {@code null} for PyTorch's default (1, 0, 1, 0), one value for all dims, or one value per spatial dim.
 * Dtypes: float32 or float64, the same for input, weight and bias. Shape errors throw
 * {@link IllegalArgumentException} naming the shapes involved.
 */
public final class ConvOps {
    private ConvOps() {}

    // ================================================================================ convolution
    /**
     * N-d convolution (cross-correlation) with explicit zero padding.
     *
     * @param input    {@code (N, C, *in)} or unbatched {@code (C, *in)}
     * @param weight   {@code (O, C/groups, *kernel)}; its rank fixes the number of spatial dims
     * @param bias     {@code (O)} or null
     * @param stride   per-dim stride (null = 1)
     * @param padding  per-dim zero padding on both sides (null = 0)
     * @param dilation per-dim spacing of the kernel taps (null = 1)
     * @param groups   number of channel groups; must divide C and O
     * @return {@code (N, O, *out)} (or {@code (O, *out)} for an unbatched input)
     * @throws IllegalArgumentException for inconsistent shapes, dtypes or arguments
     */
    public static Tensor convNd(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv("conv", -1, input, weight, bias, stride, padding, null, dilation, groups);
    }

    /**
     * N-d convolution with a padding mode, PyTorch's string form of {@code padding}: {@code "valid"} (no padding)
     * or {@code "same"} (output size = input size; stride must be 1; when the total padding {@code dil*(k-1)} of
     * a dim is odd, the extra element goes on the right, as in PyTorch). Shapes and dtypes as {@link #convNd}.
     */
    public static Tensor convNdPadding(Tensor input, Tensor weight, Tensor bias, int[] stride, String padding, int[] dilation,
                                       int groups) {
        return conv("conv", -1, input, weight, bias, stride, null, padding, dilation, groups);
    }

    /** {@code conv1d}: input {@code (N, C, L)} or {@code (C, L)}, weight {@code (O, C/groups, kL)}; see {@link #convNd}. */
    public static Tensor conv1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv("conv1d", 1, input, weight, bias, stride, padding, null, dilation, groups);
    }

    /** {@code conv2d}: input {@code (N, C, H, W)} or {@code (C, H, W)}, weight {@code (O, C/groups, kH, kW)}; see {@link #convNd}. */
    public static Tensor conv2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv("conv2d", 2, input, weight, bias, stride, padding, null, dilation, groups);
    }

    /** {@code conv3d}: input {@code (N, C, D, H, W)} or unbatched, weight {@code (O, C/groups, kD, kH, kW)}; see {@link #convNd}. */
    public static Tensor conv3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv("conv3d", 3, input, weight, bias, stride, padding, null, dilation, groups);
    }

    /**
     * {@code conv4d} (no PyTorch counterpart; conv3d with one more spatial dim): input {@code (N, C, T, D, H, W)}
     * or unbatched, weight {@code (O, C/groups, kT, kD, kH, kW)}; see {@link #convNd}.
     */
    public static Tensor conv4d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        return conv("conv4d", 4, input, weight, bias, stride, padding, null, dilation, groups);
    }

    private static Tensor conv(String op, int wantNd, Tensor input, Tensor weight, Tensor bias, int[] stride0, int[] padding0,
                               String padMode, int[] dilation0, int groups) {
        if (input == null || weight == null) throw new IllegalArgumentException(op + ": input and weight must not be null");
        Tensor[] ac = Autocast.lowerPrecision(input, weight, bias);
        input = ac[0];
        weight = ac[1];
        bias = ac[2];
        int[] ws = weight.shapeRef(), is = input.shapeRef();
        if (weight.dim() < 3 || (wantNd > 0 && weight.dim() != wantNd + 2)) {
            throw new IllegalArgumentException(op + ": expected a " + (wantNd > 0 ? (wantNd + 2) + "-D" : "3-D or higher")
                    + " weight (O, C/groups, *kernel), but got weight of size " + Shape.str(ws) + " (input of size " + Shape.str(is) + ")");
        }
        int nd = weight.dim() - 2;
        String name = wantNd > 0 ? op : "conv" + nd + "d";
        boolean unbatched = checkRank(name, input, nd, " (weight of size " + Shape.str(ws) + ")");
        checkTensors(name, input, weight, bias);
        if (groups <= 0) throw new IllegalArgumentException(name + ": non-positive groups is not supported, got groups=" + groups);
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        int[] xs = x.shapeRef();
        if (ws[0] % groups != 0) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be divisible by " + groups
                    + " at dimension 0, but got weight of size " + Shape.str(ws) + " instead");
        }
        if (xs[1] != ws[1] * groups) {
            throw new IllegalArgumentException("Given groups=" + groups + ", weight of size " + Shape.str(ws) + ", expected input"
                    + Shape.str(is) + " to have " + ws[1] * groups + " channels, but got " + xs[1] + " channels instead");
        }
        checkBias(name, bias, ws[0], ws);
        int[] k = Arrays.copyOfRange(ws, 2, ws.length);
        int[] stride = expand(name, "stride", stride0, nd, 1, 1);
        int[] dilation = expand(name, "dilation", dilation0, nd, 1, 1);
        int[] padding;
        if (padMode != null) {
            padding = new int[nd];
            int[] extra = new int[nd];
            boolean odd = false;
            switch (padMode) {
                case "valid":
                    break;
                case "same":
                    for (int d = 0; d < nd; d++) {
                        if (stride[d] != 1) {
                            throw new IllegalArgumentException(name + ": padding='same' is not supported for strided convolutions, got stride="
                                    + Arrays.toString(stride));
                        }
                        int total = dilation[d] * (k[d] - 1);
                        padding[d] = total / 2;
                        extra[d] = total - 2 * padding[d];
                        odd |= extra[d] != 0;
                    }
                    break;
                default:
                    throw new IllegalArgumentException(name + ": invalid padding string '" + padMode + "', expected 'same' or 'valid'");
            }
            if (odd) {
                // PyTorch pads the extra element on the right explicitly, then convolves with the symmetric part
                int[] pad = new int[2 * nd];
                for (int d = 0; d < nd; d++) pad[2 * (nd - 1 - d) + 1] = extra[d];
                x = x.pad(pad, 0);
                xs = x.shapeRef();
            }
        } else {
            padding = expand(name, "padding", padding0, nd, 0, 0);
        }
        int[] in = Arrays.copyOfRange(xs, 2, xs.length);
        for (int d = 0; d < nd; d++) {
            if (in[d] + 2 * padding[d] < dilation[d] * (k[d] - 1) + 1) {
                throw new IllegalArgumentException(name + ": calculated padded input size per channel: (" + join(in, padding, 2)
                        + "). Kernel size: (" + join(effective(k, dilation), null, 0) + "). Kernel size can't be greater than actual input size"
                        + " (input of size " + Shape.str(is) + ", weight of size " + Shape.str(ws) + ", padding " + Arrays.toString(padding)
                        + ", dilation " + Arrays.toString(dilation) + ")");
            }
        }
        Tensor out = x.backend().conv(x, weight, bias, stride, padding, dilation, groups);
        final int[] s = stride, p = padding, dl = dilation;
        out = Function.record(name, out, new Tensor[] {x, weight, bias}, (ctx, g) -> {
            Tensor xv = ctx.saved(0), wv = ctx.saved(1);
            Tensor gx = ctx.needsInputGrad(0) ? g.backend().convBackwardInput(g, wv, in, s, p, dl, groups) : null;
            Tensor gw = ctx.needsInputGrad(1) ? g.backend().convBackwardWeight(xv, g, k, s, p, dl, groups) : null;
            Tensor gb = ctx.needsInputGrad(2) ? biasGrad(g) : null;
            return new Tensor[] {gx, gw, gb};
        }, x, weight);
        return unbatched ? out.squeeze(0) : out;
    }

    // ================================================================================ transposed convolution
    /**
     * N-d transposed convolution (the adjoint of {@link #convNd}, sometimes called deconvolution).
     *
     * @param input         {@code (N, C_in, *in)} or unbatched {@code (C_in, *in)}
     * @param weight        {@code (C_in, O/groups, *kernel)} (PyTorch's layout)
     * @param bias          {@code (O)} or null
     * @param stride        per-dim stride (null = 1)
     * @param padding       per-dim padding removed from both sides of the output (null = 0)
     * @param outputPadding extra size added to one side of each output dim (null = 0); must be smaller than the
     *                      stride or the dilation of that dim
     * @param groups        channel groups; must divide C_in and O
     * @param dilation      per-dim spacing of the kernel taps (null = 1)
     * @return {@code (N, O, *out)} with {@code out = (in-1)*stride - 2*padding + dilation*(k-1) + outputPadding + 1}
     * @throws IllegalArgumentException for inconsistent shapes, dtypes or arguments
     */
    public static Tensor convTransposeNd(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return convTranspose("conv_transpose", -1, input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** {@code conv_transpose1d}: input {@code (N, C_in, L)}, weight {@code (C_in, O/groups, kL)}; see {@link #convTransposeNd}. */
    public static Tensor convTranspose1d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return convTranspose("conv_transpose1d", 1, input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** {@code conv_transpose2d}: input {@code (N, C_in, H, W)}, weight {@code (C_in, O/groups, kH, kW)}; see {@link #convTransposeNd}. */
    public static Tensor convTranspose2d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return convTranspose("conv_transpose2d", 2, input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    /** {@code conv_transpose3d}: input {@code (N, C_in, D, H, W)}, weight {@code (C_in, O/groups, kD, kH, kW)}; see {@link #convTransposeNd}. */
    public static Tensor convTranspose3d(Tensor input, Tensor weight, Tensor bias, int[] stride, int[] padding,
                                         int[] outputPadding, int groups, int[] dilation) {
        return convTranspose("conv_transpose3d", 3, input, weight, bias, stride, padding, outputPadding, groups, dilation);
    }

    private static Tensor convTranspose(String op, int wantNd, Tensor input, Tensor weight, Tensor bias, int[] stride0,
                                        int[] padding0, int[] outputPadding0, int groups, int[] dilation0) {
        if (input == null || weight == null) throw new IllegalArgumentException(op + ": input and weight must not be null");
        Tensor[] ac = Autocast.lowerPrecision(input, weight, bias);
        input = ac[0];
        weight = ac[1];
        bias = ac[2];
        int[] ws = weight.shapeRef(), is = input.shapeRef();
        if (weight.dim() < 3 || (wantNd > 0 && weight.dim() != wantNd + 2)) {
            throw new IllegalArgumentException(op + ": expected a " + (wantNd > 0 ? (wantNd + 2) + "-D" : "3-D or higher")
                    + " weight (C_in, O/groups, *kernel), but got weight of size " + Shape.str(ws) + " (input of size " + Shape.str(is) + ")");
        }
        int nd = weight.dim() - 2;
        String name = wantNd > 0 ? op : "conv_transpose" + nd + "d";
        boolean unbatched = checkRank(name, input, nd, " (weight of size " + Shape.str(ws) + ")");
        checkTensors(name, input, weight, bias);
        if (groups <= 0) throw new IllegalArgumentException(name + ": non-positive groups is not supported, got groups=" + groups);
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        int[] xs = x.shapeRef();
        if (ws[0] % groups != 0) {
            throw new IllegalArgumentException("Given groups=" + groups + ", expected weight to be divisible by " + groups
                    + " at dimension 0, but got weight of size " + Shape.str(ws) + " instead");
        }
        if (xs[1] != ws[0]) {
            throw new IllegalArgumentException("Given transposed=1, weight of size " + Shape.str(ws) + ", expected input" + Shape.str(is)
                    + " to have " + ws[0] + " channels, but got " + xs[1] + " channels instead");
        }
        int outCh = ws[1] * groups;
        checkBias(name, bias, outCh, ws);
        int[] k = Arrays.copyOfRange(ws, 2, ws.length);
        int[] stride = expand(name, "stride", stride0, nd, 1, 1);
        int[] padding = expand(name, "padding", padding0, nd, 0, 0);
        int[] outPad = expand(name, "output_padding", outputPadding0, nd, 0, 0);
        int[] dilation = expand(name, "dilation", dilation0, nd, 1, 1);
        int[] in = Arrays.copyOfRange(xs, 2, xs.length);
        int[] out = new int[nd];
        for (int d = 0; d < nd; d++) {
            if (outPad[d] >= stride[d] && outPad[d] >= dilation[d]) {
                throw new IllegalArgumentException(name + ": output padding must be smaller than either stride or dilation, but got output_padding="
                        + Arrays.toString(outPad) + ", stride=" + Arrays.toString(stride) + ", dilation=" + Arrays.toString(dilation));
            }
            out[d] = (in[d] - 1) * stride[d] - 2 * padding[d] + dilation[d] * (k[d] - 1) + outPad[d] + 1;
        }
        for (int d = 0; d < nd; d++) {
            if (out[d] < 1) {
                throw new IllegalArgumentException(name + ": given input of size " + Shape.str(is) + " and weight of size " + Shape.str(ws)
                        + ", the calculated output size per channel " + Arrays.toString(out) + " is too small");
            }
        }
        Tensor y = x.backend().convBackwardInput(x, weight, out, stride, padding, dilation, groups);
        if (bias != null) {
            int[] bshape = new int[nd + 2];
            Arrays.fill(bshape, 1);
            bshape[1] = outCh;
            y.backend().binaryInPlace(BinaryOp.ADD, y, bias.detach().reshape(bshape));
        }
        y = Function.record(name, y, new Tensor[] {x, weight, bias}, (ctx, g) -> {
            Tensor xv = ctx.saved(0), wv = ctx.saved(1);
            Tensor gx = null, gw = null, gb = null;
            if (ctx.needsInputGrad(0)) {
                gx = g.backend().conv(g, wv, null, stride, padding, dilation, groups);
                // an output padding >= stride makes the forward conv of the gradient one step longer: drop it
                if (!Arrays.equals(gx.shapeRef(), xv.shapeRef())) {
                    for (int d = 0; d < nd; d++) gx = gx.narrow(d + 2, 0, in[d]);
                    gx = gx.contiguousCopy();
                }
            }
            if (ctx.needsInputGrad(1)) gw = g.backend().convBackwardWeight(g, xv, k, stride, padding, dilation, groups);
            if (ctx.needsInputGrad(2)) gb = biasGrad(g);
            return new Tensor[] {gx, gw, gb};
        }, x, weight);
        return unbatched ? y.squeeze(0) : y;
    }

    // ================================================================================ helpers
    /**
     * The bias gradient: {@code grad (N, O, *out)} summed over every dim but 1, as two reductions over
     * contiguous data (the spatial plane, then the batch) instead of one over strided dims.
     */
    static Tensor biasGrad(Tensor g) {
        int n = g.size(0), o = g.size(1), vol = 1;
        for (int d = 2; d < g.dim(); d++) vol *= g.size(d);
        // the plane size explicitly, not -1: with an empty batch (n = 0) a -1 would be ambiguous
        Tensor planes = g.isContiguous() ? g.reshape(n, o, vol) : g.contiguousCopy().reshape(n, o, vol);
        return planes.sum(2).sum(0);
    }

    /** Checks that {@code input} has rank nd + 1 (unbatched, returns true) or nd + 2 (batched). */
    static boolean checkRank(String op, Tensor input, int nd, String context) {
        if (input.dim() == nd + 2) return false;
        if (input.dim() == nd + 1) return true;
        throw new IllegalArgumentException(op + ": expected " + (nd + 1) + "-D (unbatched) or " + (nd + 2) + "-D (batched) input, but got input of size "
                + Shape.str(input.shapeRef()) + context);
    }

    private static void checkTensors(String op, Tensor input, Tensor weight, Tensor bias) {
        if (!input.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected a floating point input, but got " + input.dtype().torchName());
        }
        if (input.dtype() != weight.dtype() || (bias != null && bias.dtype() != input.dtype())) {
            throw new IllegalArgumentException(op + ": input type (" + input.dtype().torchName() + ") and weight type ("
                    + weight.dtype().torchName() + ")" + (bias != null ? " and bias type (" + bias.dtype().torchName() + ")" : "")
                    + " should be the same");
        }
        Arithmetic.sameDevice(input, weight, op);
        if (bias != null) Arithmetic.sameDevice(input, bias, op);
    }

    private static void checkBias(String op, Tensor bias, int outCh, int[] ws) {
        if (bias != null && (bias.dim() != 1 || bias.size(0) != outCh)) {
            throw new IllegalArgumentException(op + ": given weight of size " + Shape.str(ws) + ", expected bias to be 1-dimensional with "
                    + outCh + " elements, but got bias of size " + Shape.str(bias.shapeRef()) + " instead");
        }
    }

    /**
     * Normalises an int-or-list argument to {@code nd} values (null = {@code dflt}); each value must be at
     * least {@code min}.
     */
    static int[] expand(String op, String what, int[] v, int nd, int dflt, int min) {
        int[] r = new int[nd];
        if (v == null || v.length == 0) {
            Arrays.fill(r, dflt);
        } else if (v.length == 1) {
            Arrays.fill(r, v[0]);
        } else if (v.length == nd) {
            r = v.clone();
        } else {
            throw new IllegalArgumentException(op + ": expected " + what + " to be a single integer value or a list of " + nd
                    + " values to match the spatial dimensions, but got " + what + "=" + Arrays.toString(v));
        }
        for (int x : r) {
            if (x < min) {
                throw new IllegalArgumentException(op + ": " + (min > 0 ? "non-positive " : "negative ") + what + " is not supported, got "
                        + what + "=" + Arrays.toString(v));
            }
        }
        return r;
    }

    private static int[] effective(int[] k, int[] dil) {
        int[] r = new int[k.length];
        for (int i = 0; i < k.length; i++) r[i] = dil[i] * (k[i] - 1) + 1;
        return r;
    }

    private static String join(int[] a, int[] add, int mul) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.length; i++) {
            if (i > 0) sb.append(" x ");
            sb.append(a[i] + (add == null ? 0 : mul * add[i]));
        }
        return sb.toString();
    }
}
