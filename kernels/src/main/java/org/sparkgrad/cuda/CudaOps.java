package org.sparkgrad.cuda;

import static org.sparkgrad.cuda.CudaLaunch.before;
import static org.sparkgrad.cuda.CudaLaunch.ptrAt;
import static org.sparkgrad.cuda.CudaLaunch.sfx;
import static org.sparkgrad.cuda.CudaLaunch.written;

import java.util.Arrays;
import jcuda.driver.CUdeviceptr;
import org.sparkgrad.backend.ReduceOp;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * GPU kernels that the engine's {@code Backend} SPI does not expose (yet): N-d im2col/col2im for convolution,
 * N-d max/avg/adaptive pooling with backward, layer norm and RMS norm with backward, fused SGD/Adam/AdamW/RMSprop/
 * Adagrad updates, Philox random fills and dropout. Each takes and returns CUDA tensors (float32 or float64),
 * contiguous unless stated; they are the building blocks for SPI methods of those families.
 *
 * <p>Shapes: images {@code (N, C, S_0, ..., S_{d-1})} with 1 to 6 spatial dims described by a
 * {@link WindowGeometry}; columns {@code (N, C * prod(kernel), prod(out))}.
 */
public final class CudaOps {
    private CudaOps() {
    }

    private static CudaDevice dev(Tensor... ts) {
        return CudaBackend.devOf(ts);
    }

    private static Tensor contiguous(CudaDevice d, Tensor t) {
        return CudaBackend.contiguousOn(d, t);
    }

    private static void requireFloat(Tensor t, String op) {
        if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.FLOAT64) {
            throw new IllegalArgumentException(op + " is not supported for dtype " + t.dtype().torchName());
        }
    }

    private static int[] spatialShape(Tensor x, WindowGeometry g, String op) {
        int[] s = x.shapeRef();
        if (s.length != g.spatialDims() + 2) {
            throw new IllegalArgumentException(op + ": expected (N, C, " + g.spatialDims() + " spatial dims), got "
                    + Shape.str(s));
        }
        int[] sp = Arrays.copyOfRange(s, 2, s.length);
        if (!Arrays.equals(sp, g.in())) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(s) + " does not match the geometry " + g);
        }
        return s;
    }

    private static int[] withSpatial(int n, int c, int[] spatial) {
        int[] r = new int[spatial.length + 2];
        r[0] = n;
        r[1] = c;
        System.arraycopy(spatial, 0, r, 2, spatial.length);
        return r;
    }

    // ================================================================== convolution data movement
    /** {@code (N, C, *in)} to columns {@code (N, C * kprod, oprod)}; zero outside the image (padding). */
    public static Tensor im2col(Tensor x, WindowGeometry g) {
        requireFloat(x, "im2col");
        CudaDevice d = dev(x);
        int[] s = spatialShape(x, g, "im2col");
        Tensor xc = contiguous(d, x);
        int n = s[0], c = s[1];
        Tensor col = CudaBackend.empty(d, x.dtype(), new int[] {n, Math.toIntExact(c * g.kernelProduct()),
                Math.toIntExact(g.outputProduct())});
        long total = col.numel();
        if (total == 0) return col;
        before(xc, col);
        d.launch("conv", "sg_im2col_" + sfx(x.dtype()), CudaLaunch.linear(d, total), 0,
                new KernelArgs().i64(total).struct(g.pack(c)).ptr(ptrAt(xc)).ptr(ptrAt(col)));
        written(col);
        return col;
    }

    /** Columns {@code (N, C * kprod, oprod)} summed back into an image {@code (N, C, *in)} (im2col's adjoint). */
    public static Tensor col2im(Tensor col, int channels, WindowGeometry g) {
        requireFloat(col, "col2im");
        CudaDevice d = dev(col);
        int[] s = col.shapeRef();
        if (s.length != 3 || s[1] != channels * g.kernelProduct() || s[2] != g.outputProduct()) {
            throw new IllegalArgumentException("col2im: columns " + Shape.str(s) + " do not match " + channels
                    + " channels and " + g);
        }
        Tensor cc = contiguous(d, col);
        Tensor im = CudaBackend.empty(d, col.dtype(), withSpatial(s[0], channels, g.in()));
        long total = im.numel();
        if (total == 0) return im;
        before(cc, im);
        d.launch("conv", "sg_col2im_" + sfx(col.dtype()), CudaLaunch.linear(d, total), 0,
                new KernelArgs().i64(total).struct(g.pack(channels)).ptr(ptrAt(cc)).ptr(ptrAt(im)));
        written(im);
        return im;
    }

    // ================================================================== pooling
    /** Max pooling: {values (N, C, *out), int64 indices into each input plane}. NaN wins, as in PyTorch. */
    public static Tensor[] maxPool(Tensor x, WindowGeometry g) {
        return poolWithIndices(x, g, "sg_maxpool_fwd_", "max_pool");
    }

    /** Adaptive max pooling: {values, indices}. */
    public static Tensor[] adaptiveMaxPool(Tensor x, WindowGeometry g) {
        return poolWithIndices(x, g, "sg_adaptive_maxpool_fwd_", "adaptive_max_pool");
    }

    private static Tensor[] poolWithIndices(Tensor x, WindowGeometry g, String kernel, String op) {
        requireFloat(x, op);
        CudaDevice d = dev(x);
        int[] s = spatialShape(x, g, op);
        Tensor xc = contiguous(d, x);
        int[] outShape = withSpatial(s[0], s[1], g.out());
        Tensor out = CudaBackend.empty(d, x.dtype(), outShape);
        Tensor idx = CudaBackend.empty(d, DType.INT64, outShape);
        long total = out.numel();
        if (total > 0) {
            before(xc, out, idx);
            d.launch("pool", kernel + sfx(x.dtype()), CudaLaunch.linear(d, total), 0, new KernelArgs().i64(total)
                    .struct(g.pack(0)).ptr(ptrAt(xc)).ptr(ptrAt(out)).ptr(ptrAt(idx)));
            written(out);
            written(idx);
        }
        return new Tensor[] {out, idx};
    }

    /** Gradient of max pooling w.r.t. its input, from the forward's indices. */
    public static Tensor maxPoolBackward(Tensor gradOut, Tensor indices, WindowGeometry g) {
        return poolBackwardWithIndices(gradOut, indices, g, "sg_maxpool_bwd_");
    }

    /** Gradient of adaptive max pooling. */
    public static Tensor adaptiveMaxPoolBackward(Tensor gradOut, Tensor indices, WindowGeometry g) {
        return poolBackwardWithIndices(gradOut, indices, g, "sg_adaptive_maxpool_bwd_");
    }

    private static Tensor poolBackwardWithIndices(Tensor gradOut, Tensor indices, WindowGeometry g, String kernel) {
        requireFloat(gradOut, "pool backward");
        CudaDevice d = dev(gradOut, indices);
        int[] s = gradOut.shapeRef();
        if (!Arrays.equals(s, indices.shapeRef()) || indices.dtype() != DType.INT64) {
            throw new IllegalArgumentException("pool backward: gradient " + Shape.str(s) + " and int64 indices "
                    + Shape.str(indices.shapeRef()) + " must have one shape");
        }
        Tensor go = contiguous(d, gradOut), ic = contiguous(d, indices);
        Tensor gin = CudaBackend.empty(d, gradOut.dtype(), withSpatial(s[0], s[1], g.in()));
        long total = gin.numel();
        if (total == 0) return gin;
        before(go, ic, gin);
        d.launch("pool", kernel + sfx(gradOut.dtype()), CudaLaunch.linear(d, total), 0, new KernelArgs().i64(total)
                .struct(g.pack(0)).ptr(ptrAt(go)).ptr(ptrAt(ic)).ptr(ptrAt(gin)));
        written(gin);
        return gin;
    }

    /** Average pooling with PyTorch's divisor rules ({@code divisorOverride <= 0}: none). Dilation must be 1. */
    public static Tensor avgPool(Tensor x, WindowGeometry g, boolean countIncludePad, int divisorOverride) {
        requireFloat(x, "avg_pool");
        CudaDevice d = dev(x);
        int[] s = spatialShape(x, g, "avg_pool");
        Tensor xc = contiguous(d, x);
        Tensor out = CudaBackend.empty(d, x.dtype(), withSpatial(s[0], s[1], g.out()));
        long total = out.numel();
        if (total == 0) return out;
        before(xc, out);
        d.launch("pool", "sg_avgpool_fwd_" + sfx(x.dtype()), CudaLaunch.linear(d, total), 0, new KernelArgs()
                .i64(total).struct(g.pack(0)).ptr(ptrAt(xc)).ptr(ptrAt(out)).i32(countIncludePad ? 1 : 0)
                .i32(divisorOverride));
        written(out);
        return out;
    }

    /** Gradient of {@link #avgPool} w.r.t. its input. */
    public static Tensor avgPoolBackward(Tensor gradOut, WindowGeometry g, boolean countIncludePad, int divisorOverride) {
        requireFloat(gradOut, "avg_pool backward");
        CudaDevice d = dev(gradOut);
        int[] s = gradOut.shapeRef();
        Tensor go = contiguous(d, gradOut);
        Tensor gin = CudaBackend.empty(d, gradOut.dtype(), withSpatial(s[0], s[1], g.in()));
        long total = gin.numel();
        if (total == 0) return gin;
        before(go, gin);
        d.launch("pool", "sg_avgpool_bwd_" + sfx(gradOut.dtype()), CudaLaunch.linear(d, total), 0, new KernelArgs()
                .i64(total).struct(g.pack(0)).ptr(ptrAt(go)).ptr(ptrAt(gin)).i32(countIncludePad ? 1 : 0)
                .i32(divisorOverride));
        written(gin);
        return gin;
    }

    /** Adaptive average pooling to {@code g.out()}. */
    public static Tensor adaptiveAvgPool(Tensor x, WindowGeometry g) {
        requireFloat(x, "adaptive_avg_pool");
        CudaDevice d = dev(x);
        int[] s = spatialShape(x, g, "adaptive_avg_pool");
        Tensor xc = contiguous(d, x);
        Tensor out = CudaBackend.empty(d, x.dtype(), withSpatial(s[0], s[1], g.out()));
        long total = out.numel();
        if (total == 0) return out;
        before(xc, out);
        d.launch("pool", "sg_adaptive_avgpool_fwd_" + sfx(x.dtype()), CudaLaunch.linear(d, total), 0,
                new KernelArgs().i64(total).struct(g.pack(0)).ptr(ptrAt(xc)).ptr(ptrAt(out)));
        written(out);
        return out;
    }

    /** Gradient of {@link #adaptiveAvgPool}. */
    public static Tensor adaptiveAvgPoolBackward(Tensor gradOut, WindowGeometry g) {
        requireFloat(gradOut, "adaptive_avg_pool backward");
        CudaDevice d = dev(gradOut);
        int[] s = gradOut.shapeRef();
        Tensor go = contiguous(d, gradOut);
        Tensor gin = CudaBackend.empty(d, gradOut.dtype(), withSpatial(s[0], s[1], g.in()));
        long total = gin.numel();
        if (total == 0) return gin;
        before(go, gin);
        d.launch("pool", "sg_adaptive_avgpool_bwd_" + sfx(gradOut.dtype()), CudaLaunch.linear(d, total), 0,
                new KernelArgs().i64(total).struct(g.pack(0)).ptr(ptrAt(go)).ptr(ptrAt(gin)));
        written(gin);
        return gin;
    }

    // ================================================================== normalization
    private static CUdeviceptr opt(Tensor t) {
        return t == null ? null : ptrAt(t);
    }

    private static int rows(Tensor x, int normalizedSize, String op) {
        int n = x.numel();
        if (normalizedSize <= 0 || n % normalizedSize != 0) {
            throw new IllegalArgumentException(op + ": cannot normalise the last " + normalizedSize + " elements of "
                    + Shape.str(x.shapeRef()));
        }
        return n / normalizedSize;
    }

    private static void checkParam(Tensor p, int size, DType dt, String what) {
        if (p != null && (p.numel() != size || p.dtype() != dt)) {
            throw new IllegalArgumentException(what + " must have " + size + " elements of " + dt.torchName() + ", got "
                    + Shape.str(p.shapeRef()) + " " + p.dtype().torchName());
        }
    }

    /**
     * Layer norm over the trailing {@code normalizedSize} elements: {y (shape of x), mean (R), rstd (R)} with
     * {@code R = numel / normalizedSize}; gamma and beta optional (null).
     */
    public static Tensor[] layerNorm(Tensor x, int normalizedSize, Tensor gamma, Tensor beta, double eps) {
        return normForward(x, normalizedSize, gamma, beta, eps, false);
    }

    /** RMS norm: {y, rstd} ({@code y = x / sqrt(mean(x^2) + eps) * gamma}). */
    public static Tensor[] rmsNorm(Tensor x, int normalizedSize, Tensor gamma, double eps) {
        Tensor[] r = normForward(x, normalizedSize, gamma, null, eps, true);
        return new Tensor[] {r[0], r[2]};
    }

    private static Tensor[] normForward(Tensor x, int dsize, Tensor gamma, Tensor beta, double eps, boolean rms) {
        requireFloat(x, rms ? "rms_norm" : "layer_norm");
        CudaDevice d = dev(x, gamma, beta);
        int r = rows(x, dsize, rms ? "rms_norm" : "layer_norm");
        checkParam(gamma, dsize, x.dtype(), "weight");
        checkParam(beta, dsize, x.dtype(), "bias");
        Tensor xc = contiguous(d, x);
        Tensor gc = gamma == null ? null : contiguous(d, gamma), bc = beta == null ? null : contiguous(d, beta);
        Tensor y = CudaBackend.empty(d, x.dtype(), x.shapeRef());
        Tensor mean = rms ? null : CudaBackend.empty(d, x.dtype(), new int[] {r});
        Tensor rstd = CudaBackend.empty(d, x.dtype(), new int[] {r});
        if (r > 0) {
            before(xc, gc, bc, y, mean, rstd);
            LaunchConfig cfg = LaunchConfig.rowPerBlock(r, dsize, d.multiprocessors(), 1024);
            KernelArgs args = new KernelArgs().i32(r).i32(dsize).ptr(ptrAt(xc)).ptr(opt(gc));
            if (rms) {
                d.launch("norm", "sg_rmsnorm_fwd_" + sfx(x.dtype()), cfg, 0, args.f64(eps).ptr(ptrAt(y)).ptr(ptrAt(rstd)));
            } else {
                d.launch("norm", "sg_layernorm_fwd_" + sfx(x.dtype()), cfg, 0,
                        args.ptr(opt(bc)).f64(eps).ptr(ptrAt(y)).ptr(ptrAt(mean)).ptr(ptrAt(rstd)));
                written(mean);
            }
            written(y);
            written(rstd);
        }
        return new Tensor[] {y, mean, rstd};
    }

    /** Layer norm backward: {dx, dgamma (null without gamma), dbeta}. */
    public static Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor gamma) {
        return normBackward(grad, x, mean, rstd, gamma, false);
    }

    /** RMS norm backward: {dx, dgamma (null without gamma)}. */
    public static Tensor[] rmsNormBackward(Tensor grad, Tensor x, Tensor rstd, Tensor gamma) {
        Tensor[] r = normBackward(grad, x, null, rstd, gamma, true);
        return new Tensor[] {r[0], r[1]};
    }

    private static Tensor[] normBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor gamma, boolean rms) {
        requireFloat(x, "norm backward");
        CudaDevice d = dev(grad, x, mean, rstd, gamma);
        int r = rstd.numel();
        int dsize = r == 0 ? 0 : x.numel() / r;
        if (!Arrays.equals(grad.shapeRef(), x.shapeRef())) {
            throw new IllegalArgumentException("norm backward: gradient " + Shape.str(grad.shapeRef()) + " vs input "
                    + Shape.str(x.shapeRef()));
        }
        Tensor gc = contiguous(d, CudaBackend.as(d, grad, x.dtype())), xc = contiguous(d, x);
        Tensor mc = mean == null ? null : contiguous(d, mean), rc = contiguous(d, rstd);
        Tensor wc = gamma == null ? null : contiguous(d, gamma);
        Tensor gx = CudaBackend.empty(d, x.dtype(), x.shapeRef());
        Tensor dgamma = null, dbeta = null;
        if (r > 0 && dsize > 0) {
            before(gc, xc, mc, rc, wc, gx);
            LaunchConfig cfg = LaunchConfig.rowPerBlock(r, dsize, d.multiprocessors(), 1024);
            String s = sfx(x.dtype());
            if (rms) {
                d.launch("norm", "sg_rmsnorm_bwd_input_" + s, cfg, 0, new KernelArgs().i32(r).i32(dsize).ptr(ptrAt(xc))
                        .ptr(ptrAt(gc)).ptr(opt(wc)).ptr(ptrAt(rc)).ptr(ptrAt(gx)));
            } else {
                d.launch("norm", "sg_layernorm_bwd_input_" + s, cfg, 0, new KernelArgs().i32(r).i32(dsize)
                        .ptr(ptrAt(xc)).ptr(ptrAt(gc)).ptr(opt(wc)).ptr(ptrAt(mc)).ptr(ptrAt(rc)).ptr(ptrAt(gx)));
            }
            written(gx);
            // parameter gradients: column sums over row chunks, then a reduction over the chunks
            int chunks = (int) Math.max(1, Math.min(64, (r + 255L) / 256));
            Tensor pg = wc == null ? null : CudaBackend.empty(d, x.dtype(), new int[] {chunks, dsize});
            Tensor pb = rms ? null : CudaBackend.empty(d, x.dtype(), new int[] {chunks, dsize});
            if (pg != null || pb != null) {
                LaunchConfig pcfg = new LaunchConfig((int) Math.min((dsize + 31) / 32, 65535L * 32), chunks, 1, 32, 8, 1);
                d.launch("norm", "sg_layernorm_bwd_params_" + s, pcfg, 0, new KernelArgs().i32(r).i32(dsize)
                        .ptr(ptrAt(xc)).ptr(ptrAt(gc)).ptr(opt(mc)).ptr(ptrAt(rc)).ptr(opt(pg)).ptr(opt(pb)));
                CudaBackend be = new CudaBackend(i -> d);
                if (pg != null) {
                    written(pg);
                    dgamma = be.reduce(ReduceOp.SUM, pg, new int[] {0}, false);
                }
                if (pb != null) {
                    written(pb);
                    dbeta = be.reduce(ReduceOp.SUM, pb, new int[] {0}, false);
                }
            }
        }
        return new Tensor[] {gx, dgamma, dbeta};
    }

    // ================================================================== optimizers (in place)
    private static void sameLayout(String op, Tensor p, Tensor... others) {
        requireFloat(p, op);
        if (!p.isContiguous()) throw new IllegalArgumentException(op + ": parameter must be contiguous");
        for (Tensor t : others) {
            if (t == null) continue;
            if (t.numel() != p.numel() || t.dtype() != p.dtype() || !t.isContiguous()) {
                throw new IllegalArgumentException(op + ": every tensor must be contiguous with " + p.numel() + " "
                        + p.dtype().torchName() + " elements, got " + Shape.str(t.shapeRef()) + " "
                        + t.dtype().torchName());
            }
        }
    }

    /** torch.optim.SGD's update of one parameter ({@code buf} may be null when momentum is 0). */
    public static void sgdStep(Tensor p, Tensor g, Tensor buf, double lr, double momentum, double dampening,
                               double weightDecay, boolean nesterov, boolean maximize, boolean firstStep) {
        sameLayout("sgd", p, g, buf);
        if (momentum != 0 && buf == null) throw new IllegalArgumentException("sgd: momentum needs a buffer");
        CudaDevice d = dev(p, g, buf);
        long n = p.numel();
        if (n == 0) return;
        before(p, g, buf);
        d.launch("optim", "sg_sgd_step_" + sfx(p.dtype()), CudaLaunch.linear(d, n), 0, new KernelArgs().i64(n)
                .ptr(ptrAt(p)).ptr(ptrAt(g)).ptr(opt(buf)).f64(lr).f64(momentum).f64(dampening).f64(weightDecay)
                .i32(nesterov ? 1 : 0).i32(maximize ? 1 : 0).i32(firstStep ? 1 : 0));
        written(p);
        if (buf != null) written(buf);
    }

    /**
     * torch.optim.Adam ({@code decoupled = false}) or AdamW ({@code true}) update at step {@code step >= 1};
     * {@code vmax} is required with amsgrad.
     */
    public static void adamStep(Tensor p, Tensor g, Tensor m, Tensor v, Tensor vmax, double lr, double beta1,
                                double beta2, double eps, double weightDecay, boolean decoupled, boolean amsgrad,
                                boolean maximize, long step) {
        sameLayout(decoupled ? "adamw" : "adam", p, g, m, v, vmax);
        if (amsgrad && vmax == null) throw new IllegalArgumentException("amsgrad needs max_exp_avg_sq");
        if (step < 1) throw new IllegalArgumentException("step must be >= 1, got " + step);
        CudaDevice d = dev(p, g, m, v, vmax);
        long n = p.numel();
        if (n == 0) return;
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        before(p, g, m, v, vmax);
        d.launch("optim", "sg_adam_step_" + sfx(p.dtype()), CudaLaunch.linear(d, n), 0, new KernelArgs().i64(n)
                .ptr(ptrAt(p)).ptr(ptrAt(g)).ptr(ptrAt(m)).ptr(ptrAt(v)).ptr(opt(vmax)).f64(lr).f64(beta1).f64(beta2)
                .f64(eps).f64(weightDecay).i32(decoupled ? 1 : 0).i32(amsgrad ? 1 : 0).i32(maximize ? 1 : 0)
                .f64(lr / bc1).f64(Math.sqrt(bc2)));
        for (Tensor t : new Tensor[] {p, m, v, vmax}) if (t != null) written(t);
    }

    /** torch.optim.RMSprop update ({@code gradAvg} with centered, {@code buf} with momentum > 0). */
    public static void rmspropStep(Tensor p, Tensor g, Tensor squareAvg, Tensor gradAvg, Tensor buf, double lr,
                                   double alpha, double eps, double weightDecay, double momentum, boolean centered,
                                   boolean maximize) {
        sameLayout("rmsprop", p, g, squareAvg, gradAvg, buf);
        if ((centered && gradAvg == null) || (momentum > 0 && buf == null)) {
            throw new IllegalArgumentException("rmsprop: centered needs grad_avg, momentum needs a buffer");
        }
        CudaDevice d = dev(p, g, squareAvg, gradAvg, buf);
        long n = p.numel();
        if (n == 0) return;
        before(p, g, squareAvg, gradAvg, buf);
        d.launch("optim", "sg_rmsprop_step_" + sfx(p.dtype()), CudaLaunch.linear(d, n), 0, new KernelArgs().i64(n)
                .ptr(ptrAt(p)).ptr(ptrAt(g)).ptr(ptrAt(squareAvg)).ptr(opt(gradAvg)).ptr(opt(buf)).f64(lr).f64(alpha)
                .f64(eps).f64(weightDecay).f64(momentum).i32(centered ? 1 : 0).i32(maximize ? 1 : 0));
        for (Tensor t : new Tensor[] {p, squareAvg, gradAvg, buf}) if (t != null) written(t);
    }

    /** torch.optim.Adagrad update at step {@code step >= 1}. */
    public static void adagradStep(Tensor p, Tensor g, Tensor stateSum, double lr, double lrDecay, double eps,
                                   double weightDecay, boolean maximize, long step) {
        sameLayout("adagrad", p, g, stateSum);
        CudaDevice d = dev(p, g, stateSum);
        long n = p.numel();
        if (n == 0) return;
        double clr = lr / (1 + (step - 1) * lrDecay);
        before(p, g, stateSum);
        d.launch("optim", "sg_adagrad_step_" + sfx(p.dtype()), CudaLaunch.linear(d, n), 0, new KernelArgs().i64(n)
                .ptr(ptrAt(p)).ptr(ptrAt(g)).ptr(ptrAt(stateSum)).f64(clr).f64(eps).f64(weightDecay)
                .i32(maximize ? 1 : 0));
        written(p);
        written(stateSum);
    }

    // ================================================================== random
    /** Philox blocks a stream of {@code n} elements of {@code dt} uses (advance the offset by this much). */
    public static long philoxBlocks(long n, DType dt) {
        return dt == DType.FLOAT64 ? (n + 1) / 2 : (n + 3) / 4;
    }

    /** Fills {@code out} (contiguous, float) with U[lo, hi) from the Philox stream (seed, offset). */
    public static void uniform_(Tensor out, double lo, double hi, long seed, long offset) {
        randomFill(out, "sg_rand_uniform_", lo, hi, seed, offset);
    }

    /** Fills {@code out} with N(mean, std^2) from the Philox stream (seed, offset), Box-Muller. */
    public static void normal_(Tensor out, double mean, double std, long seed, long offset) {
        randomFill(out, "sg_rand_normal_", mean, std, seed, offset);
    }

    private static void randomFill(Tensor out, String kernel, double a, double b, long seed, long offset) {
        requireFloat(out, "random fill");
        if (!out.isContiguous()) throw new IllegalArgumentException("random fill needs a contiguous tensor");
        CudaDevice d = dev(out);
        long n = out.numel();
        if (n == 0) return;
        before(out);
        d.launch("random", kernel + sfx(out.dtype()), CudaLaunch.linear(d, philoxBlocks(n, out.dtype())), 0,
                new KernelArgs().i64(n).ptr(ptrAt(out)).f64(a).f64(b).i64(seed).i64(offset));
        written(out);
    }

    /** Dropout: {y = x * keep / (1 - p), keep mask (bool)} with keep ~ Bernoulli(1 - p) from (seed, offset). */
    public static Tensor[] dropout(Tensor x, double p, long seed, long offset) {
        requireFloat(x, "dropout");
        if (p < 0 || p > 1) throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        CudaDevice d = dev(x);
        Tensor xc = contiguous(d, x);
        Tensor y = CudaBackend.empty(d, x.dtype(), x.shapeRef());
        Tensor mask = CudaBackend.empty(d, DType.BOOL, x.shapeRef());
        long n = x.numel();
        if (n > 0) {
            before(xc, y, mask);
            d.launch("random", "sg_dropout_" + sfx(x.dtype()), CudaLaunch.linear(d, philoxBlocks(n, x.dtype())), 0,
                    new KernelArgs().i64(n).ptr(ptrAt(xc)).ptr(ptrAt(y)).ptr(ptrAt(mask)).f64(p).i64(seed).i64(offset));
            written(y);
            written(mask);
        }
        return new Tensor[] {y, mask};
    }
}
