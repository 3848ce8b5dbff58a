package org.sparkgrad.ops;

import java.util.Arrays;
import java.util.Locale;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Resizing of {@code (N, C, *spatial)} tensors, {@code torch.nn.functional.interpolate} of PyTorch 1.13: modes
 * {@code nearest} (PyTorch's legacy nearest), {@code nearest-exact}, {@code linear}/{@code bilinear}/{@code trilinear}
 * and {@code area}. Written once for any number of spatial dims as a composition of differentiable ops, one spatial dim
 * at a time (the interpolations are separable): {@code index_select} for nearest, and for the linear modes
 * {@code x[i0] * lambda0 + x[i1] * lambda1} with the source indices and weights of PyTorch's kernels, processed from the
 * last spatial dim to the first in the order of PyTorch's recursive CPU kernel. So every backend runs it, the nearest
 * backward sums the gradients of the outputs that read one input (index_add), and the linear backward distributes each
 * output gradient with the interpolation weights. {@code area} is {@link PoolOps#adaptiveAvgPoolNd}, as in PyTorch.
 *
 * <p>Index math (aten/src/ATen/native/UpSample.h):
 * <ul>
 *   <li>{@code compute_scales_value}: {@code 1 / scale_factor} when a scale factor is used, else {@code in / out};</li>
 *   <li>nearest: {@code src = min(floor(dst * scale), in - 1)} in float32 arithmetic, with {@code src = dst} when
 *       {@code out == in} and {@code src = dst >> 1} when {@code out == 2 in} ({@code nearest_idx});</li>
 *   <li>nearest-exact: {@code src = min(floor((dst + 0.5) * scale), in - 1)};</li>
 *   <li>linear ({@code area_pixel_compute_source_index}, {@code compute_source_index_and_lambda}): with
 *       {@code align_corners} {@code real = dst * (in - 1) / (out - 1)} (0 when {@code out == 1}), otherwise
 *       {@code real = max(scale * (dst + 0.5) - 0.5, 0)}; {@code i0 = min(floor(real), in - 1)},
 *       {@code i1 = min(i0 + 1, in - 1)}, {@code lambda1 = clamp(real - i0, 0, 1)}, {@code lambda0 = 1 - lambda1};
 *       a dim with {@code out == in} is copied. Computed in the input's precision (float for float32 input).</li>
 *   <li>nearest-exact has no {@code out == in} shortcut: a scale factor that keeps the size (e.g. 1.19 on 5 points)
 *       still resamples.</li>
 * </ul>
 */
public final class InterpolateOps {
    private InterpolateOps() {}

    private static final String MODES = "nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact";

    /**
     * {@code F.interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)}.
     *
     * @param x                    input {@code (N, C, W)}, {@code (N, C, H, W)} or {@code (N, C, D, H, W)}, float32/float64
     * @param size                 output spatial size, one value per spatial dim or a single value for all; null when
     *                             {@code scaleFactor} is given
     * @param scaleFactor          multiplier per spatial dim (or a single one for all); null when {@code size} is given.
     *                             The output size is {@code floor(in * scale_factor)}; the source index math uses
     *                             {@code 1 / scale_factor} unless {@code recomputeScaleFactor} is true (then
     *                             {@code in / out}), as PyTorch
     * @param mode                 {@code nearest} (default in PyTorch), {@code nearest-exact}, {@code linear} (3-D input),
     *                             {@code bilinear} (4-D), {@code trilinear} (5-D) or {@code area}
     * @param alignCorners         linear modes only: null means false; must be null for the other modes
     * @param recomputeScaleFactor null/false: use the given scale factor in the index math; true: recompute it from the
     *                             output size (not allowed with an explicit size)
     * @return {@code (N, C, *out)} of x's dtype
     * @throws IllegalArgumentException for both or neither of size and scale factor, a size/scale-factor count that
     *                                  differs from the spatial rank, an input rank other than 3 to 5 or one that does
     *                                  not fit the mode (e.g. bilinear on a 3-D input), an unknown or unsupported mode
     *                                  ({@code bicubic}), {@code alignCorners} with a non-linear mode, or an output size
     *                                  below 1 (naming the shapes)
     */
    public static Tensor interpolate(Tensor x, int[] size, double[] scaleFactor, String mode, Boolean alignCorners,
                                     Boolean recomputeScaleFactor) {
        String m = mode == null ? "nearest" : mode.toLowerCase(Locale.ROOT);
        boolean linear = m.equals("linear") || m.equals("bilinear") || m.equals("trilinear");
        boolean known = linear || m.equals("nearest") || m.equals("nearest-exact") || m.equals("area") || m.equals("bicubic");
        if (!known) {
            throw new IllegalArgumentException("interpolate: unknown mode '" + mode + "'; the modes are " + MODES);
        }
        if (!linear && !m.equals("bicubic") && alignCorners != null) {
            throw new IllegalArgumentException("align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear");
        }
        if (linear && x.dtype().isReducedPrecision()) {
            // PyTorch blends float16/bfloat16 in float32 with float32 weights and rounds the result once
            return interpolate(x.toFloat(), size, scaleFactor, mode, alignCorners, recomputeScaleFactor).to(x.dtype());
        }
        boolean align = alignCorners != null && alignCorners;
        int rank = x.dim();
        if (rank < 3 || rank > 5) {
            throw new IllegalArgumentException("Input Error: Only 3D, 4D and 5D input Tensors supported (got " + rank + "D, shape "
                    + Shape.str(x.shapeRef()) + ") for the modes: " + MODES + " (got " + m + ")");
        }
        int nd = rank - 2;
        if (size != null && scaleFactor != null) throw new IllegalArgumentException("only one of size or scale_factor should be defined");
        if (size == null && scaleFactor == null) throw new IllegalArgumentException("either size or scale_factor should be defined");
        int[] in = Arrays.copyOfRange(x.shapeRef(), 2, rank);
        int[] outSize = null;
        double[] scales = null;
        if (size != null) {
            outSize = expand(size, nd, "output size", in);
        } else {
            scales = expand(scaleFactor, nd, in);
        }
        boolean recompute = recomputeScaleFactor != null && recomputeScaleFactor;
        if (recompute && size != null) throw new IllegalArgumentException("recompute_scale_factor is not meaningful with an explicit size.");
        if (m.equals("area") && outSize == null) recompute = true;
        if (scales != null) {
            // Python: math.floor(float(input.size(i + 2)) * scale_factors[i]) when recomputing; C++ compute_output_size:
            // static_cast<int64_t>(input_size * scale) otherwise (the same for positive products)
            outSize = new int[nd];
            for (int i = 0; i < nd; i++) outSize[i] = (int) Math.floor(in[i] * scales[i]);
            if (recompute) scales = null;
        }
        if (linear) {
            int want = m.equals("linear") ? 3 : m.equals("bilinear") ? 4 : 5;
            if (rank != want) {
                throw new IllegalArgumentException("Got " + rank + "D input (shape " + Shape.str(x.shapeRef()) + "), but " + m + " mode needs "
                        + want + "D input");
            }
        }
        if (m.equals("bicubic")) {
            throw new IllegalArgumentException("interpolate: mode 'bicubic' is not supported by this engine (supported: nearest | "
                    + "nearest-exact | linear | bilinear | trilinear | area)");
        }
        for (int i = 0; i < nd; i++) {
            if (in[i] <= 0 || outSize[i] <= 0) {
                throw new IllegalArgumentException("Input and output sizes should be greater than 0, but got input spatial size "
                        + Shape.str(in) + " and output size " + Shape.str(outSize) + " (input shape " + Shape.str(x.shapeRef()) + ")");
            }
        }
        if (!x.dtype().isFloatingPoint() && !m.startsWith("nearest")) {
            throw new IllegalArgumentException("interpolate: mode " + m + " needs a floating point input, got " + x.dtype().torchName());
        }
        if (m.equals("area")) return PoolOps.adaptiveAvgPoolNd(x, nd, outSize);
        Tensor y = x;
        boolean changed = false;
        for (int i = nd - 1; i >= 0; i--) {
            Double s = scales == null ? null : scales[i];
            int axis = 2 + i;
            if (m.equals("nearest") || m.equals("nearest-exact")) {
                long[] idx = new long[outSize[i]];
                boolean identity = outSize[i] == in[i];
                for (int j = 0; j < idx.length; j++) {
                    idx[j] = m.equals("nearest") ? nearestIdx(j, in[i], outSize[i], s) : nearestExactIdx(j, in[i], outSize[i], s);
                    identity &= idx[j] == j;
                }
                // nearest_idx copies an unchanged size; nearest_exact_idx has no such shortcut (a scale factor such as
                // 1.19 on 5 points keeps the size but resamples), so only an identity index is skipped
                if (identity) continue;
                y = y.indexSelect(axis, Tensor.fromArray(idx, idx.length).to(x.device()));
            } else {
                if (outSize[i] == in[i]) continue; // compute_source_index_and_lambda copies a dim whose size is unchanged
                y = linearAlong(y, axis, in[i], outSize[i], align, s);
            }
            changed = true;
        }
        return changed ? y : x.clone();
    }

    /** PyTorch's {@code nearest_idx} (legacy 'nearest'). */
    static long nearestIdx(int dst, int in, int out, Double scale) {
        if (out == in) return dst;
        if (out == 2 * in) return dst >> 1;
        float sc = scaleF(scale, in, out);
        return Math.min((long) Math.floor((float) dst * sc), in - 1);
    }

    /** PyTorch's {@code nearest_exact_idx}: {@code floorf((dst + 0.5) * scale)}, the product in double then rounded to float. */
    static long nearestExactIdx(int dst, int in, int out, Double scale) {
        float sc = scaleF(scale, in, out);
        return Math.min((long) Math.floor((float) ((dst + 0.5) * sc)), in - 1);
    }

    /** {@code compute_scales_value<float>}. */
    private static float scaleF(Double scale, int in, int out) {
        return scale != null && scale > 0 ? (float) (1.0 / scale) : (float) in / (float) out;
    }

    /**
     * Linear interpolation of {@code y} along {@code axis} from {@code in} to {@code out} points:
     * {@code y[i0] * lambda0 + y[i1] * lambda1}.
     */
    private static Tensor linearAlong(Tensor y, int axis, int in, int out, boolean align, Double scale) {
        long[] i0 = new long[out], i1 = new long[out];
        Tensor l0, l1;
        int[] wShape = new int[y.dim()];
        Arrays.fill(wShape, 1);
        wShape[axis] = out;
        if (y.dtype() == DType.FLOAT32) {
            float[] w0 = new float[out], w1 = new float[out];
            float ratio = align ? (out > 1 ? (float) (in - 1) / (float) (out - 1) : 0f) : scaleF(scale, in, out);
            for (int j = 0; j < out; j++) {
                float real = align ? ratio * (float) j : ratio * ((float) j + 0.5f) - 0.5f;
                if (!align && real < 0) real = 0;
                long a = Math.min((long) real, in - 1);
                i0[j] = a;
                i1[j] = a < in - 1 ? a + 1 : a;
                w1[j] = Math.min(Math.max(real - (float) a, 0f), 1f);
                w0[j] = 1f - w1[j];
            }
            l0 = Tensor.fromArray(w0, wShape);
            l1 = Tensor.fromArray(w1, wShape);
        } else {
            double[] w0 = new double[out], w1 = new double[out];
            double ratio = align ? (out > 1 ? (double) (in - 1) / (out - 1) : 0) : (scale != null && scale > 0 ? 1.0 / scale : (double) in / out);
            for (int j = 0; j < out; j++) {
                double real = align ? ratio * j : ratio * (j + 0.5) - 0.5;
                if (!align && real < 0) real = 0;
                long a = Math.min((long) real, in - 1);
                i0[j] = a;
                i1[j] = a < in - 1 ? a + 1 : a;
                w1[j] = Math.min(Math.max(real - a, 0), 1);
                w0[j] = 1 - w1[j];
            }
            l0 = Tensor.fromArray(w0, wShape).to(y.dtype());
            l1 = Tensor.fromArray(w1, wShape).to(y.dtype());
        }
        Tensor a = y.indexSelect(axis, Tensor.fromArray(i0, out).to(y.device()));
        Tensor b = y.indexSelect(axis, Tensor.fromArray(i1, out).to(y.device()));
        return a.mul(l0.to(y.device())).add(b.mul(l1.to(y.device())));
    }

    private static int[] expand(int[] v, int nd, String what, int[] in) {
        if (v.length == 1 && nd > 1) {
            int[] r = new int[nd];
            Arrays.fill(r, v[0]);
            return r;
        }
        if (v.length != nd) {
            throw new IllegalArgumentException("Input and output must have the same number of spatial dimensions, but got input with spatial "
                    + "dimensions of " + Shape.str(in) + " and " + what + " of " + Shape.str(v) + ". Please provide input tensor in "
                    + "(N, C, d1, d2, ...,dK) format and " + what + " in (o1, o2, ...,oK) format.");
        }
        return v.clone();
    }

    private static double[] expand(double[] v, int nd, int[] in) {
        if (v.length == 1 && nd > 1) {
            double[] r = new double[nd];
            Arrays.fill(r, v[0]);
            return r;
        }
        if (v.length != nd) {
            throw new IllegalArgumentException("Input and scale_factor must have the same number of spatial dimensions, but got input with "
                    + "spatial dimensions of " + Shape.str(in) + " and scale_factor of shape " + Arrays.toString(v)
                    + ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.");
        }
        return v.clone();
    }
}
