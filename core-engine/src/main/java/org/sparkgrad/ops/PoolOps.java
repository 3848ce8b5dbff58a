package org.sparkgrad.ops;

import java.util.Arrays;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.backend.PoolWindows;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Pooling with autograd, written once for any number {@code nd >= 1} of spatial dims (the {@code nd}
 * argument of every method: 1 for {@code max_pool1d}, 2 for {@code max_pool2d}, ...): max, average, adaptive average and adaptive max pooling of inputs
 * {@code (N, C, *spatial)} — {@code (N, C, L)}, {@code (N, C, H, W)}, {@code (N, C, D, H, W)},
 * {@code (N, C, T, D, H, W)}, ... — or unbatched {@code (C, *spatial)}. Float32 and float64.
 *
 * <p>Semantics follow PyTorch's {@code torch.nn.functional.max_pool2d}, {@code avg_pool2d},
 * {@code adaptive_avg_pool2d} and {@code adaptive_max_pool2d} documentation, with the same formula in every
 * dim: output size {@code floor((in + 2*pad - dil*(k-1) - 1) / stride) + 1} (ceil in ceil mode, where the
 * last window must start inside the input or its left padding); padding is implicit {@code -inf} for max and
 * zero for average; adaptive bin {@code i} of a dim of length L covers
 * {@code [floor(i*L/out), ceil((i+1)*L/out))}. Max-pool indices are the flat positions of the maxima inside
 * their (n, c) input plane, as PyTorch's {@code return_indices}. Integer-array arguments take {@code null}
 * for the default, one value for all dims, or one value per dim.
 */
public final class PoolOps {
    private PoolOps() {}

    // ================================================================================ max pooling
    /**
     * N-d max pooling.
     *
     * @param input    {@code (N, C, *in)} or {@code (C, *in)}
     * @param nd       number of spatial dims
     * @param kernel   window size (one value for all dims, or one per dim)
     * @param stride   per dim (null = kernel)
     * @param padding  implicit -inf padding per dim (null = 0), at most half the kernel
     * @param dilation spacing of the window taps (null = 1)
     * @param ceilMode round the output size up instead of down
     * @return {@code (N, C, *out)}
     * @throws IllegalArgumentException for bad ranks, sizes or arguments
     */
    public static Tensor maxPoolNd(Tensor input, int nd, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        return maxPoolNdWithIndices(input, nd, kernel, stride, padding, dilation, ceilMode)[0];
    }

    /** {@link #maxPoolNd} that also returns the int64 indices {values, indices} (no gradient through indices). */
    public static Tensor[] maxPoolNdWithIndices(Tensor input, int nd, int[] kernel, int[] stride, int[] padding, int[] dilation,
                                                boolean ceilMode) {
        checkDims("max_pool", nd, kernel);
        String name = "max_pool" + nd + "d";
        int[] k = ConvOps.expand(name, "kernel_size", kernel, nd, 1, 1);
        int[] s = stride == null || stride.length == 0 ? k.clone() : ConvOps.expand(name, "stride", stride, nd, 1, 1);
        int[] p = ConvOps.expand(name, "padding", padding, nd, 0, 0);
        int[] dl = ConvOps.expand(name, "dilation", dilation, nd, 1, 1);
        for (int d = 0; d < nd; d++) {
            if (p[d] > k[d] / 2) {
                throw new IllegalArgumentException(name + ": pad should be at most half of kernel size, but got pad=" + Arrays.toString(p)
                        + " and kernel_size=" + Arrays.toString(k));
            }
        }
        return maxPool(name, input, nd, sp -> PoolWindows.regular(sp, k, s, p, dl, ceilMode, true, null));
    }

    /**
     * N-d adaptive max pooling: bin {@code i} of a dim of length L covers [floor(i*L/out), ceil((i+1)*L/out)).
     *
     * @param nd         number of spatial dims
     * @param outputSize one value for all dims or one per dim; -1 keeps that input size
     */
    public static Tensor adaptiveMaxPoolNd(Tensor input, int nd, int[] outputSize) {
        return adaptiveMaxPoolNdWithIndices(input, nd, outputSize)[0];
    }

    /** {@link #adaptiveMaxPoolNd} that also returns the int64 indices {values, indices}. */
    public static Tensor[] adaptiveMaxPoolNdWithIndices(Tensor input, int nd, int[] outputSize) {
        checkDims("adaptive_max_pool", nd, outputSize);
        String name = "adaptive_max_pool" + nd + "d";
        int[] out = ConvOps.expand(name, "output_size", outputSize, nd, 1, -1);
        return maxPool(name, input, nd, sp -> PoolWindows.adaptive(sp, adaptiveSize(name, input, sp, out)));
    }

    private static Tensor[] maxPool(String name, Tensor input, int nd, java.util.function.Function<int[], PoolWindows> geometry) {
        checkInput(name, input, nd);
        boolean unbatched = ConvOps.checkRank(name, input, nd, "");
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        int[] xs = x.shape();
        PoolWindows w = geometry.apply(Arrays.copyOfRange(xs, 2, xs.length));
        checkOutput(name, input, w);
        Tensor[] r = x.backend().maxPool(x, w);
        Tensor ind = r[1];
        Tensor y = Function.record(name, r[0], x, (ctx, g) -> new Tensor[] {g.backend().maxPoolBackward(g, ctx.saved(0), xs)}, ind);
        return unbatched ? new Tensor[] {y.squeeze(0), ind.squeeze(0)} : new Tensor[] {y, ind};
    }

    // ================================================================================ average pooling
    /**
     * N-d average pooling.
     *
     * @param input            {@code (N, C, *in)} or {@code (C, *in)}
     * @param nd               number of spatial dims
     * @param kernel           window size (one value for all dims, or one per dim)
     * @param stride           per dim (null = kernel)
     * @param padding          implicit zero padding per dim (null = 0), at most half the kernel
     * @param ceilMode         round the output size up instead of down
     * @param countIncludePad  whether the zero padding counts in the divisor
     * @param divisorOverride  when non-null, divide every window sum by this instead
     * @return {@code (N, C, *out)}
     * @throws IllegalArgumentException for bad ranks, sizes or arguments
     */
    public static Tensor avgPoolNd(Tensor input, int nd, int[] kernel, int[] stride, int[] padding, boolean ceilMode,
                                   boolean countIncludePad, Integer divisorOverride) {
        checkDims("avg_pool", nd, kernel);
        String name = "avg_pool" + nd + "d";
        int[] k = ConvOps.expand(name, "kernel_size", kernel, nd, 1, 1);
        int[] s = stride == null || stride.length == 0 ? k.clone() : ConvOps.expand(name, "stride", stride, nd, 1, 1);
        int[] p = ConvOps.expand(name, "padding", padding, nd, 0, 0);
        for (int d = 0; d < nd; d++) {
            if (p[d] > k[d] / 2) {
                throw new IllegalArgumentException(name + ": pad should be at most half of kernel size, but got pad=" + Arrays.toString(p)
                        + " and kernel_size=" + Arrays.toString(k));
            }
        }
        if (divisorOverride != null && divisorOverride == 0) {
            throw new IllegalArgumentException(name + ": divisor must be not zero");
        }
        int[] ones = new int[nd];
        Arrays.fill(ones, 1);
        return avgPool(name, input, nd, sp -> PoolWindows.regular(sp, k, s, p, ones, ceilMode, countIncludePad, divisorOverride));
    }

    /**
     * N-d adaptive average pooling: bin {@code i} of a dim of length L averages [floor(i*L/out), ceil((i+1)*L/out)).
     *
     * @param nd         number of spatial dims
     * @param outputSize one value for all dims or one per dim; -1 keeps that input size
     */
    public static Tensor adaptiveAvgPoolNd(Tensor input, int nd, int[] outputSize) {
        checkDims("adaptive_avg_pool", nd, outputSize);
        String name = "adaptive_avg_pool" + nd + "d";
        int[] out = ConvOps.expand(name, "output_size", outputSize, nd, 1, -1);
        return avgPool(name, input, nd, sp -> PoolWindows.adaptive(sp, adaptiveSize(name, input, sp, out)));
    }

    private static Tensor avgPool(String name, Tensor input, int nd, java.util.function.Function<int[], PoolWindows> geometry) {
        checkInput(name, input, nd);
        boolean unbatched = ConvOps.checkRank(name, input, nd, "");
        Tensor x = unbatched ? input.unsqueeze(0) : input;
        int[] xs = x.shape();
        PoolWindows w = geometry.apply(Arrays.copyOfRange(xs, 2, xs.length));
        checkOutput(name, input, w);
        Tensor y = x.backend().avgPool(x, w);
        y = Function.record(name, y, x, (ctx, g) -> new Tensor[] {g.backend().avgPoolBackward(g, w, xs)});
        return unbatched ? y.squeeze(0) : y;
    }

    // ================================================================================ helpers
    private static void checkDims(String op, int nd, int[] sizes) {
        if (nd < 1) throw new IllegalArgumentException(op + ": the number of spatial dims must be at least 1, got " + nd);
        if (sizes == null || sizes.length == 0) {
            throw new IllegalArgumentException(op + nd + "d: the kernel/output size must be given (one value, or one per spatial dim)");
        }
    }

    private static void checkInput(String name, Tensor input, int nd) {
        if (input == null) throw new IllegalArgumentException(name + ": input must not be null");
        if (!input.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(name + ": expected a floating point input, but got " + input.dtype().torchName());
        }
        ConvOps.checkRank(name, input, nd, "");
        int[] s = input.shapeRef();
        for (int d = s.length - nd; d < s.length; d++) {
            if (s[d] == 0) {
                throw new IllegalArgumentException(name + ": expected input to have non-zero size for non-batch dimensions, but got input of size "
                        + Shape.str(s));
            }
        }
    }

    private static int[] adaptiveSize(String name, Tensor input, int[] in, int[] outputSize) {
        int[] out = new int[in.length];
        for (int d = 0; d < in.length; d++) {
            int v = outputSize[d];
            if (v == -1) v = in[d];
            if (v <= 0) {
                throw new IllegalArgumentException(name + ": output_size must be positive (or -1 to keep the input size), got "
                        + Arrays.toString(outputSize) + " for input of size " + Shape.str(input.shapeRef()));
            }
            out[d] = v;
        }
        return out;
    }

    private static void checkOutput(String name, Tensor input, PoolWindows w) {
        for (int v : w.outputSize) {
            if (v < 1) {
                throw new IllegalArgumentException(name + ": given input of size " + Shape.str(input.shapeRef()) + ", the calculated output size "
                        + Arrays.toString(w.outputSize) + " is too small");
            }
        }
    }
}
