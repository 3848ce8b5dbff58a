package org.sparkgrad.examples;

import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.nn.Conv4d;
import org.sparkgrad.nn.Module;
import org.sparkgrad.spark.ml.ModuleFactory;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * The ocean4d network, as a {@link ModuleFactory} (named by the estimator's {@code moduleFactory} Param, so it survives
 * save/load and reaches executors): a next-month forecast of a {@code (D, H, W)} temperature patch from the {@code F}
 * previous months, by three {@link Conv4d} layers over (time, depth, lat, lon).
 *
 * <p>Input per sample, {@code featuresShape = [F + 4, D, H, W]}: the {@code F} months {@code t-F+1..t} in degrees C
 * (land 0), then four per-cell channels: the ocean mask (1 ocean, 0 land), the sine and cosine of the target month's
 * angle {@code 2 pi m / 12}, and the latitude / 90. Output: {@code D*H*W} values, the forecast of month {@code t+1}
 * with land set to 0, so that a plain MSE against a land-zero target is the masked MSE times a constant.
 *
 * <pre>
 *   z   = mask * (frames - 9.56) / 8.95                                   (N, 1, F, D, H, W), ocean mean and std
 *   s   = [mask, sin, cos, lat] repeated over the F months                (N, 4, F, D, H, W)
 *   dz  = mask * (frames[f] - frames[f-1]) / 0.7, 0 for the first month    (N, 1, F, D, H, W)
 *   c   = depth level / (D - 1), the same at every month and cell          (1, 1, F, D, H, W)
 *   h   = GELU(Conv4d(7 -> C, kernel 3x3x3x3, padding 1)([z, dz, s, c]))  (N, C, F, D, H, W)
 *   h   = GELU(Conv4d(C -> C, kernel F x 1 x 1 x 1)(h))                   (N, C, 1, D, H, W)
 *   d   = Conv4d(C -> 1, kernel 1 x 3 x 3 x 3, padding 0,1,1,1)(h)        (N, 1, 1, D, H, W)
 *   out = mask * (frames[t] + d)                                          (N, D*H*W)
 * </pre>
 * The last layer starts at zero, so the untrained network is exactly the persistence forecast ("same as last month")
 * and training learns the correction. The depth coordinate {@code c} (as in CoordConv, Liu et al. 2018) tells the
 * translation-invariant convolutions which level they are at: the seasonal tendency differs by depth.
 */
public final class OceanForecastNet implements ModuleFactory {
    private static final long serialVersionUID = 1L;
    /** Hidden channels. */
    static final int CHANNELS = 16;
    /** Mean and std of the ocean temperatures (meta.json temp_stats_over_ocean), for input scaling. */
    static final double MEAN = 9.56, STD = 8.95;
    /** Scale of month-to-month changes (rms of the ocean cells' monthly change, about 0.69 degrees C). */
    static final double TENDENCY_STD = 0.7;
    /** Per-cell channels after the months: mask, sin(month), cos(month), latitude. */
    static final int STATIC = 4;

    @Override public Module create(int[] featuresShape, int outputs, long seed) {
        if (featuresShape.length != 4 || featuresShape[0] < STATIC + 1) {
            throw new IllegalArgumentException("OceanForecastNet needs featuresShape [F+" + STATIC + ", D, H, W] with F >= 1, got "
                    + java.util.Arrays.toString(featuresShape));
        }
        int f = featuresShape[0] - STATIC, d = featuresShape[1], h = featuresShape[2], w = featuresShape[3];
        if (outputs != d * h * w) throw new IllegalArgumentException("OceanForecastNet outputs " + d * h * w + " values, the label has " + outputs);
        return new Net(f, d, h, w, CHANNELS, new Generator(seed));
    }

    /** The module; see the class comment. */
    static final class Net extends Module {
        final int frames, depth, height, width;
        final Conv4d conv1, conv2, conv3;

        Net(int frames, int depth, int height, int width, int channels, Generator g) {
            this.frames = frames;
            this.depth = depth;
            this.height = height;
            this.width = width;
            this.conv1 = registerModule("conv1", new Conv4d(3 + STATIC, channels, new int[] {3, 3, 3, 3}, null, new int[] {1, 1, 1, 1}, null, 1,
                    true, g));
            this.conv2 = registerModule("conv2", new Conv4d(channels, channels, new int[] {frames, 1, 1, 1}, null, null, null, 1, true, g));
            this.conv3 = registerModule("conv3", new Conv4d(channels, 1, new int[] {1, 3, 3, 3}, null, new int[] {0, 1, 1, 1}, null, 1, true, g));
            try (GradMode.Guard ng = GradMode.noGrad()) {
                conv3.weight.zero_();
                conv3.bias.zero_();
            }
        }

        @Override public Tensor forward(Tensor x) {
            int n = x.size(0);
            Tensor s = x.reshape(n, frames + STATIC, depth, height, width);
            Tensor series = s.narrow(1, 0, frames);
            Tensor statics = s.narrow(1, frames, STATIC);
            Tensor mask = s.narrow(1, frames, 1);
            Tensor last = series.narrow(1, frames - 1, 1);
            Tensor z = series.sub(MEAN).div(STD).mul(mask).unsqueeze(1);
            Tensor st = statics.unsqueeze(2).expand(n, STATIC, frames, depth, height, width);
            Tensor c = depthCoordinate(z).expand(n, 1, frames, depth, height, width);
            Tensor dz = tendency(series).mul(mask).unsqueeze(1);
            Tensor h = conv1.forward(Tensor.cat(1, z, dz, st, c)).gelu();
            h = conv2.forward(h).gelu();
            Tensor d = conv3.forward(h).reshape(n, 1, depth, height, width);
            return last.add(d).mul(mask).reshape(n, depth * height * width);
        }

        /** Month-to-month change {@code (x_f - x_(f-1)) / TENDENCY_STD}, 0 for the first month: (N, F, D, H, W). */
        private Tensor tendency(Tensor series) {
            int n = series.size(0);
            Tensor zero = Tensor.zeros(series.dtype(), series.device(), n, 1, depth, height, width);
            if (frames == 1) return zero;
            Tensor diff = series.narrow(1, 1, frames - 1).sub(series.narrow(1, 0, frames - 1)).div(TENDENCY_STD);
            return Tensor.cat(1, zero, diff);
        }

        /** {@code d / (D - 1)} for depth level d, shape (1, 1, 1, D, 1, 1), in the dtype and on the device of {@code like}. */
        private Tensor depthCoordinate(Tensor like) {
            double[] v = new double[depth];
            for (int i = 0; i < depth; i++) v[i] = depth == 1 ? 0 : (double) i / (depth - 1);
            return Tensor.fromArray(v, 1, 1, 1, depth, 1, 1).to(like.dtype()).to(like.device());
        }

        @Override public String extraRepr() {
            return "frames=" + frames + ", depth=" + depth + ", patch=" + height + "x" + width;
        }
    }
}
