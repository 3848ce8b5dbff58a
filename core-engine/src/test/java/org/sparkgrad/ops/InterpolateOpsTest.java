package org.sparkgrad.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * {@code F.interpolate} of PyTorch 1.13 (no golden fixture covers it). Expected values: small cases known from PyTorch's
 * documented behaviour, and a direct (non-separable) plain-double N-d reference written from
 * aten/src/ATen/native/UpSample.h ({@code nearest_idx}, {@code area_pixel_compute_scale},
 * {@code area_pixel_compute_source_index}, {@code compute_source_index_and_lambda}), whose backward is its adjoint:
 * nearest sums the output gradients reading one input, linear spreads each with the product of the weights.
 */
class InterpolateOpsTest {
    private static final Generator G = new Generator(21);

    private static Tensor t(double[] v, int... shape) { return Tensor.fromArray(v.clone(), shape); }

    private static double[] vals(Tensor x) { return x.toDouble().toDoubleArray(); }

    // ---------------------------------------------------------------- plain-double reference (one dim's taps)

    /** Source taps of one output index: {index0, index1} and weights {w0, w1} (nearest: one tap of weight 1). */
    private static final class Taps {
        final int[] idx;
        final double[] w;

        Taps(int[] idx, double[] w) {
            this.idx = idx;
            this.w = w;
        }
    }

    private static Taps taps(String mode, int dst, int in, int out, boolean align, Double sf) {
        if (mode.equals("nearest")) {
            int src;
            if (out == in) src = dst;
            else if (out == 2 * in) src = dst >> 1;
            else {
                float scale = sf != null ? (float) (1.0 / sf) : (float) in / out;
                src = Math.min((int) Math.floor((float) dst * scale), in - 1);
            }
            return new Taps(new int[] {src}, new double[] {1});
        }
        if (out == in) return new Taps(new int[] {dst}, new double[] {1});
        double scale = align ? (out > 1 ? (double) (in - 1) / (out - 1) : 0) : (sf != null ? 1.0 / sf : (double) in / out);
        double real = align ? scale * dst : Math.max(scale * (dst + 0.5) - 0.5, 0);
        int i0 = Math.min((int) real, in - 1);
        int i1 = i0 < in - 1 ? i0 + 1 : i0;
        double l1 = Math.min(Math.max(real - i0, 0), 1);
        return new Taps(new int[] {i0, i1}, new double[] {1 - l1, l1});
    }

    /** Direct N-d interpolation and its adjoint applied to {@code up}: returns {y, dx}. */
    private static double[][] reference(double[] x, int[] shape, int[] out, String mode, boolean align, double[] sf, double[] up) {
        int nd = shape.length - 2, planes = shape[0] * shape[1];
        int inPlane = 1, outPlane = 1;
        for (int i = 0; i < nd; i++) {
            inPlane *= shape[2 + i];
            outPlane *= out[i];
        }
        double[] y = new double[planes * outPlane], dx = new double[x.length];
        int[] pos = new int[nd];
        for (int o = 0; o < outPlane; o++) {
            int r = o;
            for (int i = nd - 1; i >= 0; i--) {
                pos[i] = r % out[i];
                r /= out[i];
            }
            Taps[] tp = new Taps[nd];
            for (int i = 0; i < nd; i++) tp[i] = taps(mode, pos[i], shape[2 + i], out[i], align, sf == null ? null : sf[i]);
            int[] k = new int[nd];
            while (true) {
                double w = 1;
                int src = 0;
                for (int i = 0; i < nd; i++) {
                    w *= tp[i].w[k[i]];
                    src = src * shape[2 + i] + tp[i].idx[k[i]];
                }
                for (int p = 0; p < planes; p++) {
                    y[p * outPlane + o] += w * x[p * inPlane + src];
                    dx[p * inPlane + src] += w * up[p * outPlane + o];
                }
                int i = nd - 1;
                while (i >= 0 && ++k[i] == tp[i].idx.length) k[i--] = 0;
                if (i < 0) break;
            }
        }
        return new double[][] {y, dx};
    }

    private static void checkAgainstReference(int[] shape, int[] size, double[] sf, String mode, Boolean align) {
        Tensor x = Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_();
        Tensor y = InterpolateOps.interpolate(x, size, sf, mode, align, null);
        int nd = shape.length - 2;
        int[] out = size != null ? size : new int[nd];
        if (size == null) for (int i = 0; i < nd; i++) out[i] = (int) Math.floor(shape[2 + i] * sf[i]);
        int[] expectShape = shape.clone();
        System.arraycopy(out, 0, expectShape, 2, nd);
        assertArrayEquals(expectShape, y.shape(), mode);
        Tensor up = Tensor.randn(G, expectShape).to(DType.FLOAT64);
        y.backward(up);
        String mref = mode.equals("nearest") ? "nearest" : "linear";
        double[][] ref = reference(vals(x), shape, out, mref, align != null && align, sf, vals(up));
        String what = mode + " " + java.util.Arrays.toString(shape) + " -> " + java.util.Arrays.toString(out) + " align=" + align
                + " sf=" + java.util.Arrays.toString(sf);
        assertArrayEquals(ref[0], vals(y), 1e-13, what);
        assertArrayEquals(ref[1], vals(x.grad()), 1e-13, what + " (gradient)");
    }

    // ---------------------------------------------------------------- nearest

    @Test
    void nearestUsesFloorOfDstTimesScale() {
        Tensor x = t(new double[] {10, 20, 30}, 1, 1, 3);
        // scale = 3/5: floor(j * 0.6) = 0, 0, 1, 1, 2 (PyTorch's legacy nearest, not rounding to the closest)
        assertArrayEquals(new double[] {10, 10, 20, 20, 30}, vals(InterpolateOps.interpolate(x, new int[] {5}, null, "nearest", null, null)), 0);
        assertArrayEquals(new double[] {10, 10, 20, 20, 30, 30}, vals(InterpolateOps.interpolate(x, null, new double[] {2}, "nearest", null, null)), 0);
        Tensor x5 = t(new double[] {1, 2, 3, 4, 5}, 1, 1, 5);
        assertArrayEquals(new double[] {1, 3}, vals(InterpolateOps.interpolate(x5, new int[] {2}, null, "nearest", null, null)), 0);
        // scale_factor 1.7 on 4 points: out = floor(6.8) = 6; the given factor (1/1.7) and the recomputed one (4/6) pick
        // different sources, as in PyTorch with recompute_scale_factor None vs True (or size=6)
        Tensor x4 = t(new double[] {0, 1, 2, 3}, 1, 1, 4);
        assertArrayEquals(new double[] {0, 0, 1, 1, 2, 2}, vals(InterpolateOps.interpolate(x4, null, new double[] {1.7}, "nearest", null, null)), 0);
        assertArrayEquals(new double[] {0, 0, 1, 2, 2, 3}, vals(InterpolateOps.interpolate(x4, null, new double[] {1.7}, "nearest", null, true)), 0);
        assertArrayEquals(new double[] {0, 0, 1, 2, 2, 3}, vals(InterpolateOps.interpolate(x4, new int[] {6}, null, "nearest", null, null)), 0);
        // nearest-exact: floor((j + 0.5) * 4/6) = 0, 1, 1, 2, 3, 3
        assertArrayEquals(new double[] {0, 1, 1, 2, 3, 3}, vals(InterpolateOps.interpolate(x4, new int[] {6}, null, "nearest-exact", null, null)), 0);
    }

    @Test
    void nearestForwardAndSummedBackwardMatchTheReferenceIn1d2d3d() {
        checkAgainstReference(new int[] {2, 3, 5}, new int[] {8}, null, "nearest", null);
        checkAgainstReference(new int[] {2, 3, 7}, new int[] {3}, null, "nearest", null);
        checkAgainstReference(new int[] {1, 2, 3, 4}, new int[] {6, 8}, null, "nearest", null);
        checkAgainstReference(new int[] {1, 2, 4, 5}, null, new double[] {1.7, 0.6}, "nearest", null);
        checkAgainstReference(new int[] {1, 2, 2, 3, 4}, new int[] {3, 5, 2}, null, "nearest", null);
        checkAgainstReference(new int[] {1, 1, 2, 3, 2}, null, new double[] {2, 1.5, 2.5}, "nearest", null);
    }

    // ---------------------------------------------------------------- linear

    @Test
    void linearKnownValues() {
        Tensor x = t(new double[] {1, 2}, 1, 1, 2);
        // align_corners=False: src = 0.5 (j + 0.5) - 0.5 clamped at 0 -> 0, 0.25, 0.75, 1.25
        assertArrayEquals(new double[] {1, 1.25, 1.75, 2}, vals(InterpolateOps.interpolate(x, new int[] {4}, null, "linear", null, null)), 1e-15);
        assertArrayEquals(new double[] {1, 1.25, 1.75, 2}, vals(InterpolateOps.interpolate(x, new int[] {4}, null, "linear", false, null)), 1e-15);
        // align_corners=True: src = j / 3
        assertArrayEquals(new double[] {1, 4.0 / 3, 5.0 / 3, 2}, vals(InterpolateOps.interpolate(x, new int[] {4}, null, "linear", true, null)), 1e-15);
        // one output point: align_corners picks the first input, otherwise the centre (scale 2: src 0.5)
        Tensor x2 = t(new double[] {1, 2}, 1, 1, 2);
        assertArrayEquals(new double[] {1}, vals(InterpolateOps.interpolate(x2, new int[] {1}, null, "linear", true, null)), 0);
        assertArrayEquals(new double[] {1.5}, vals(InterpolateOps.interpolate(x2, new int[] {1}, null, "linear", false, null)), 0);
        Tensor img = t(new double[] {1, 2, 3, 4}, 1, 1, 2, 2);
        assertArrayEquals(new double[] {1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4},
                vals(InterpolateOps.interpolate(img, new int[] {3, 3}, null, "bilinear", true, null)), 1e-15);
    }

    @Test
    void linearBilinearTrilinearMatchTheReferenceWithAndWithoutAlignCorners() {
        for (Boolean align : new Boolean[] {null, false, true}) {
            checkAgainstReference(new int[] {2, 3, 5}, new int[] {9}, null, "linear", align);
            checkAgainstReference(new int[] {2, 2, 9}, new int[] {4}, null, "linear", align);
            checkAgainstReference(new int[] {1, 2, 4, 4}, null, new double[] {1.7, 1.7}, "bilinear", align);
            checkAgainstReference(new int[] {1, 2, 3, 5}, new int[] {7, 2}, null, "bilinear", align);
            checkAgainstReference(new int[] {1, 2, 3, 4}, new int[] {3, 6}, null, "bilinear", align);
            checkAgainstReference(new int[] {1, 1, 2, 3, 4}, new int[] {4, 5, 3}, null, "trilinear", align);
            checkAgainstReference(new int[] {1, 2, 3, 2, 2}, null, new double[] {1.5, 2, 0.5}, "trilinear", align);
        }
    }

    @Test
    void scaleFactorIsUsedInTheIndexMathUnlessRecomputed() {
        Tensor x = t(new double[] {0, 1, 2, 3}, 1, 1, 4);
        // out = 6; scale 1/1.7: src = (j + 0.5) / 1.7 - 0.5
        double[] given = new double[6], recomputed = new double[6];
        for (int j = 0; j < 6; j++) {
            given[j] = Math.min(Math.max((j + 0.5) * (1 / 1.7) - 0.5, 0), 3);
            recomputed[j] = Math.min(Math.max((j + 0.5) * (4.0 / 6) - 0.5, 0), 3);
        }
        assertArrayEquals(given, vals(InterpolateOps.interpolate(x, null, new double[] {1.7}, "linear", null, null)), 1e-15);
        assertArrayEquals(recomputed, vals(InterpolateOps.interpolate(x, null, new double[] {1.7}, "linear", null, true)), 1e-15);
        assertArrayEquals(recomputed, vals(InterpolateOps.interpolate(x, new int[] {6}, null, "linear", null, null)), 1e-15);
    }

    @Test
    void nearestExactWithAScaleFactorThatKeepsTheSizeStillResamples() {
        // PyTorch's nearest_exact_idx has no "out == in" shortcut (only nearest_idx and the linear kernels copy):
        // in = 5, scale_factor = 1.19 -> out = floor(5.95) = 5, src = floor((j + 0.5) / 1.19) = 0, 1, 2, 2, 3
        Tensor x = t(new double[] {10, 11, 12, 13, 14}, 1, 1, 5);
        assertArrayEquals(new double[] {10, 11, 12, 12, 13},
                vals(InterpolateOps.interpolate(x, null, new double[] {1.19}, "nearest-exact", null, null)), 0);
        // in = 7, scale 1.1 -> out 7, src = floor((j + 0.5) / 1.1) = 0, 1, 2, 3, 4, 5, 5
        Tensor x7 = t(new double[] {0, 1, 2, 3, 4, 5, 6}, 1, 1, 7);
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5, 5},
                vals(InterpolateOps.interpolate(x7, null, new double[] {1.1}, "nearest-exact", null, null)), 0);
        // the legacy nearest and the linear modes do copy a dim whose size is unchanged
        assertArrayEquals(vals(x), vals(InterpolateOps.interpolate(x, null, new double[] {1.19}, "nearest", null, null)), 0);
        assertArrayEquals(vals(x), vals(InterpolateOps.interpolate(x, null, new double[] {1.19}, "linear", null, null)), 0);
    }

    @Test
    void gradchecks() {
        String[][] cases = {{"nearest", "3"}, {"nearest-exact", "3"}, {"linear", "3"}, {"bilinear", "4"}, {"trilinear", "5"}, {"area", "4"}};
        for (String[] c : cases) {
            int rank = Integer.parseInt(c[1]);
            int[] shape = rank == 3 ? new int[] {2, 2, 4} : rank == 4 ? new int[] {1, 2, 3, 4} : new int[] {1, 1, 2, 3, 3};
            int[] size = rank == 3 ? new int[] {7} : rank == 4 ? new int[] {5, 3} : new int[] {3, 5, 2};
            boolean lin = c[0].endsWith("linear");
            for (Boolean align : lin ? new Boolean[] {false, true} : new Boolean[] {null}) {
                Tensor x = Tensor.randn(G, shape).to(DType.FLOAT64).requiresGrad_();
                GradCheck.Result r = GradCheck.check(tt -> InterpolateOps.interpolate(tt[0], size, null, c[0], align, null), x);
                assertTrue(r.ok, c[0] + " align=" + align + ": " + r.message);
                GradCheck.Result r2 = GradCheck.check(tt -> InterpolateOps.interpolate(tt[0], null, new double[] {1.7}, c[0], align, null), x);
                assertTrue(r2.ok, c[0] + " align=" + align + " scale 1.7: " + r2.message);
            }
        }
    }

    @Test
    void areaIsAdaptiveAveragePooling() {
        Tensor x = Tensor.randn(G, 2, 3, 6, 5);
        assertArrayEquals(PoolOps.adaptiveAvgPoolNd(x, 2, new int[] {3, 2}).toFloatArray(),
                InterpolateOps.interpolate(x, new int[] {3, 2}, null, "area", null, null).toFloatArray(), 0f);
        // area with a scale factor recomputes the output size (floor(6 * 0.5), floor(5 * 0.5)) = (3, 2)
        assertArrayEquals(new int[] {2, 3, 3, 2}, InterpolateOps.interpolate(x, null, new double[] {0.5}, "area", null, null).shape());
    }

    @Test
    void float32FollowsFloat64AndUnchangedSizeIsACopy() {
        Tensor x = Tensor.randn(G, 1, 2, 3, 5);
        for (String mode : new String[] {"nearest", "bilinear"}) {
            Tensor y32 = InterpolateOps.interpolate(x, new int[] {7, 4}, null, mode, null, null);
            Tensor y64 = InterpolateOps.interpolate(x.toDouble(), new int[] {7, 4}, null, mode, null, null);
            assertEquals(DType.FLOAT32, y32.dtype());
            assertArrayEquals(vals(y64), vals(y32), 1e-6);
        }
        Tensor same = InterpolateOps.interpolate(x, new int[] {3, 5}, null, "bilinear", true, null);
        assertArrayEquals(x.toFloatArray(), same.toFloatArray(), 0f);
        assertTrue(same != x, "a new tensor, as PyTorch");
    }

    @Test
    void errorsAreClear() {
        Tensor x3 = Tensor.zeros(1, 2, 4), x4 = Tensor.zeros(1, 2, 4, 4);
        assertMessage(() -> InterpolateOps.interpolate(x4, new int[] {8, 8}, new double[] {2}, "nearest", null, null),
                "only one of size or scale_factor should be defined");
        assertMessage(() -> InterpolateOps.interpolate(x4, null, null, "nearest", null, null), "either size or scale_factor should be defined");
        assertMessage(() -> InterpolateOps.interpolate(Tensor.zeros(2, 4), new int[] {8}, null, "nearest", null, null),
                "Only 3D, 4D and 5D input Tensors supported (got 2D");
        assertMessage(() -> InterpolateOps.interpolate(Tensor.zeros(1, 1, 2, 2, 2, 2), new int[] {3}, null, "nearest", null, null),
                "Only 3D, 4D and 5D input Tensors supported (got 6D");
        assertMessage(() -> InterpolateOps.interpolate(x3, new int[] {8}, null, "bilinear", null, null), "but bilinear mode needs 4D input");
        assertMessage(() -> InterpolateOps.interpolate(x4, new int[] {8, 8}, null, "linear", null, null), "but linear mode needs 3D input");
        assertMessage(() -> InterpolateOps.interpolate(x4, new int[] {8, 8}, null, "trilinear", null, null), "but trilinear mode needs 5D input");
        assertMessage(() -> InterpolateOps.interpolate(x4, new int[] {8, 8}, null, "nearest", false, null),
                "align_corners option can only be set with the interpolating modes");
        assertMessage(() -> InterpolateOps.interpolate(x4, new int[] {8, 8, 8}, null, "nearest", null, null),
                "Input and output must have the same number of spatial dimensions");
        assertMessage(() -> InterpolateOps.interpolate(x4, new int[] {8, 8}, null, "nearest", null, true),
                "recompute_scale_factor is not meaningful with an explicit size");
        assertMessage(() -> InterpolateOps.interpolate(x4, null, new double[] {0.1}, "nearest", null, null),
                "Input and output sizes should be greater than 0");
        assertMessage(() -> InterpolateOps.interpolate(x4, new int[] {8, 8}, null, "cubic", null, null), "unknown mode 'cubic'");
        assertMessage(() -> InterpolateOps.interpolate(x4, new int[] {8, 8}, null, "bicubic", null, null), "'bicubic' is not supported");
    }

    private static void assertMessage(Executable e, String part) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }
}
