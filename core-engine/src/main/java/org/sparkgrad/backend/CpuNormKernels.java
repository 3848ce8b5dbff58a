package org.sparkgrad.backend;

import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * CPU kernels of the normalisation layers behind {@link Backend#layerNorm}, {@link Backend#batchNorm},
 * {@link Backend#groupNorm} and their backwards: one pass per statistic, fused affine, float32 and float64
 * loops, statistics accumulated in double (two-pass variance, so an offset mean does not cost precision), rows
 * or channels spread over the cores.
 *
 * <p>Sources of the math: layer norm, Ba, Kiros and Hinton 2016; RMS norm, Zhang and Sennrich 2019; batch norm,
 * Ioffe and Szegedy 2015; group norm, Wu and He 2018. Backward formulas as in PyTorch's native kernels.
 */
final class CpuNormKernels {
    private static final int PROCS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private CpuNormKernels() {}

    static Tensor contig(CpuBackend be, Tensor t) {
        return t == null || t.isContiguous() ? t : be.contiguous(t);
    }

    private static Tensor like(Tensor x, int... shape) {
        return CpuBackend.newTensor(x.dtype(), shape);
    }

    private static void checkFloat(Tensor x, String op) {
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + " is not supported for dtype " + x.dtype().torchName());
        }
    }

    private static void checkSameType(Tensor x, Tensor p, String what, String op) {
        if (p != null && p.dtype() != x.dtype()) {
            throw new IllegalArgumentException(op + ": expected " + what + " of dtype " + x.dtype().torchName() + " (the input's), got "
                    + p.dtype().torchName());
        }
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** Number of row chunks for a column reduction over {@code rows} rows of {@code cols}. */
    private static int chunks(int rows, int cols) {
        long work = (long) rows * cols;
        if (work < Parallel.GRAIN || rows < 2) return 1;
        return (int) Math.min(rows, PROCS * 2L);
    }

    // ================================================================== layer norm / RMS norm
    static Tensor[] layerNorm(CpuBackend be, Tensor x0, int d, Tensor w0, Tensor b0, double eps, boolean rms) {
        checkFloat(x0, rms ? "rms_norm" : "layer_norm");
        checkSameType(x0, w0, "weight", rms ? "rms_norm" : "layer_norm");
        checkSameType(x0, b0, "bias", "layer_norm");
        Tensor x = contig(be, x0), w = contig(be, w0), b = rms ? null : contig(be, b0);
        int n = x.numel();
        int rows = d == 0 ? 0 : n / d;
        Tensor y = like(x, x.shapeRef());
        Tensor mean = rms ? null : like(x, rows), rstd = like(x, rows);
        int xo = x.storageOffset(), wo = w == null ? 0 : w.storageOffset(), bo = b == null ? 0 : b.storageOffset();
        if (x.dtype() == DType.FLOAT32) {
            float[] xf = CpuBackend.st(x).f, yf = CpuBackend.st(y).f, rf = CpuBackend.st(rstd).f;
            float[] mf = mean == null ? null : CpuBackend.st(mean).f;
            float[] wf = w == null ? null : CpuBackend.st(w).f, bf = b == null ? null : CpuBackend.st(b).f;
            Parallel.range(rows, 3 * d, (from, to) -> {
                if (FastMath.VECTOR) {
                    float[] stats = new float[2];
                    float[] vw = wf != null ? wf : filled(d, 1f), vb = bf != null ? bf : new float[d];
                    int vwo = wf != null ? wo : 0, vbo = bf != null ? bo : 0;
                    for (int r = from; r < to; r++) {
                        VectorNormKernels.layerNormRow(xf, xo + r * d, yf, r * d, d, vw, vwo, vb, vbo, eps, rms, stats);
                        if (mf != null) mf[r] = stats[0];
                        rf[r] = stats[1];
                    }
                } else {
                    for (int r = from; r < to; r++) layerNormRowF(xf, xo + r * d, yf, r * d, d, wf, wo, bf, bo, eps, rms, mf, rf, r);
                }
            });
        } else {
            double[] xd = CpuBackend.st(x).d, yd = CpuBackend.st(y).d, rd = CpuBackend.st(rstd).d;
            double[] md = mean == null ? null : CpuBackend.st(mean).d;
            double[] wd = w == null ? null : CpuBackend.st(w).d, bd = b == null ? null : CpuBackend.st(b).d;
            Parallel.range(rows, 3 * d, (from, to) -> {
                for (int r = from; r < to; r++) layerNormRowD(xd, xo + r * d, yd, r * d, d, wd, wo, bd, bo, eps, rms, md, rd, r);
            });
        }
        return new Tensor[] {y, mean, rstd};
    }

    static void layerNormRowF(float[] x, int o, float[] y, int yo, int d, float[] w, int wo, float[] b, int bo,
                                      double eps, boolean rms, float[] meanOut, float[] rstdOut, int r) {
        double mean = 0;
        if (!rms) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int j = 0;
            for (; j + 3 < d; j += 4) {
                s0 += x[o + j];
                s1 += x[o + j + 1];
                s2 += x[o + j + 2];
                s3 += x[o + j + 3];
            }
            for (; j < d; j++) s0 += x[o + j];
            mean = (s0 + s1 + s2 + s3) / d;
        }
        float m = (float) mean;
        double q0 = 0, q1 = 0, q2 = 0, q3 = 0, dev = 0;
        int j = 0;
        for (; j + 3 < d; j += 4) {
            float a0 = x[o + j] - m, a1 = x[o + j + 1] - m, a2 = x[o + j + 2] - m, a3 = x[o + j + 3] - m;
            q0 += a0 * a0;
            q1 += a1 * a1;
            q2 += a2 * a2;
            q3 += a3 * a3;
            dev += (a0 + a1) + (a2 + a3);
        }
        for (; j < d; j++) {
            float a = x[o + j] - m;
            q0 += a * a;
            dev += a;
        }
        // centred on the exact mean, not on its float rounding m: sum (x - mean)^2 = sum (x - m)^2 - (sum (x - m))^2 / d
        double q = rms ? q0 + q1 + q2 + q3 : Math.max(q0 + q1 + q2 + q3 - dev * dev / d, 0);
        float rs = (float) (1.0 / Math.sqrt(q / d + eps));
        if (meanOut != null) meanOut[r] = m;
        rstdOut[r] = rs;
        if (w != null && b != null) {
            for (int i = 0; i < d; i++) y[yo + i] = (x[o + i] - m) * rs * w[wo + i] + b[bo + i];
        } else if (w != null) {
            for (int i = 0; i < d; i++) y[yo + i] = (x[o + i] - m) * rs * w[wo + i];
        } else if (b != null) {
            for (int i = 0; i < d; i++) y[yo + i] = (x[o + i] - m) * rs + b[bo + i];
        } else {
            for (int i = 0; i < d; i++) y[yo + i] = (x[o + i] - m) * rs;
        }
    }

    private static void layerNormRowD(double[] x, int o, double[] y, int yo, int d, double[] w, int wo, double[] b, int bo,
                                      double eps, boolean rms, double[] meanOut, double[] rstdOut, int r) {
        double mean = 0;
        if (!rms) {
            double s0 = 0, s1 = 0;
            int j = 0;
            for (; j + 1 < d; j += 2) {
                s0 += x[o + j];
                s1 += x[o + j + 1];
            }
            for (; j < d; j++) s0 += x[o + j];
            mean = (s0 + s1) / d;
        }
        double q0 = 0, q1 = 0;
        int j = 0;
        for (; j + 1 < d; j += 2) {
            double a0 = x[o + j] - mean, a1 = x[o + j + 1] - mean;
            q0 += a0 * a0;
            q1 += a1 * a1;
        }
        for (; j < d; j++) {
            double a = x[o + j] - mean;
            q0 += a * a;
        }
        double rs = 1.0 / Math.sqrt((q0 + q1) / d + eps);
        if (meanOut != null) meanOut[r] = mean;
        rstdOut[r] = rs;
        for (int i = 0; i < d; i++) {
            double v = (x[o + i] - mean) * rs;
            if (w != null) v *= w[wo + i];
            if (b != null) v += b[bo + i];
            y[yo + i] = v;
        }
    }

    static Tensor[] layerNormBackward(CpuBackend be, Tensor g0, Tensor x0, Tensor mean0, Tensor rstd0, Tensor w0, int d,
                                      boolean rms, boolean[] need) {
        Tensor g = contig(be, g0), x = contig(be, x0), mean = contig(be, mean0), rstd = contig(be, rstd0), w = contig(be, w0);
        int n = x.numel();
        int rows = d == 0 ? 0 : n / d;
        boolean needX = need[0], needW = need.length > 1 && need[1] && w != null, needB = need.length > 2 && need[2];
        Tensor dx = needX ? like(x, x.shapeRef()) : null;
        int nc = chunks(rows, d);
        double[][] pw = needW ? new double[nc][d] : null, pb = needB ? new double[nc][d] : null;
        int go = g.storageOffset(), xo = x.storageOffset(), wo = w == null ? 0 : w.storageOffset();
        int mo = mean == null ? 0 : mean.storageOffset(), ro = rstd.storageOffset();
        boolean f32 = x.dtype() == DType.FLOAT32;
        CpuStorage gs = CpuBackend.st(g), xs = CpuBackend.st(x), rs = CpuBackend.st(rstd);
        CpuStorage ms = mean == null ? null : CpuBackend.st(mean), ws = w == null ? null : CpuBackend.st(w);
        CpuStorage dxs = dx == null ? null : CpuBackend.st(dx);
        Parallel.range(nc, Math.max(1, rows / nc) * d * 4, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int r0 = (int) ((long) rows * c / nc), r1 = (int) ((long) rows * (c + 1) / nc);
                double[] aw = pw == null ? null : pw[c], ab = pb == null ? null : pb[c];
                if (f32 && FastMath.VECTOR) {
                    float[] wf = ws == null ? filled(d, 1f) : ws.f, mf = ms == null ? null : ms.f;
                    int vwo = ws == null ? 0 : wo;
                    float[] fw = new float[d], fb = new float[d], scratchDx = dxs == null ? new float[d] : null;
                    for (int r = r0; r < r1; r++) {
                        VectorNormKernels.layerNormBackRow(gs.f, go + r * d, xs.f, xo + r * d, mf == null ? 0f : mf[mo + r], rs.f[ro + r], wf, vwo,
                                d, rms, dxs == null ? scratchDx : dxs.f, dxs == null ? 0 : r * d, fw, fb);
                    }
                    for (int j = 0; j < d; j++) {
                        if (aw != null) aw[j] += fw[j];
                        if (ab != null) ab[j] += fb[j];
                    }
                } else if (f32) {
                    float[] wf = ws == null ? null : ws.f, mf = ms == null ? null : ms.f;
                    for (int r = r0; r < r1; r++) {
                        layerNormBackRowF(gs.f, go + r * d, xs.f, xo + r * d, mf == null ? 0f : mf[mo + r], rs.f[ro + r], wf, wo, d,
                                rms, dxs == null ? null : dxs.f, r * d, aw, ab);
                    }
                } else {
                    double[] wd = ws == null ? null : ws.d, md = ms == null ? null : ms.d;
                    for (int r = r0; r < r1; r++) {
                        layerNormBackRowD(gs.d, go + r * d, xs.d, xo + r * d, md == null ? 0 : md[mo + r], rs.d[ro + r], wd, wo, d,
                                rms, dxs == null ? null : dxs.d, r * d, aw, ab);
                    }
                }
            }
        });
        int[] pshape = w0 != null ? w0.shape() : new int[] {d};
        return new Tensor[] {dx, needW ? reduceChunks(x.dtype(), pw, pshape) : null, needB ? reduceChunks(x.dtype(), pb, pshape) : null};
    }

    static void layerNormBackRowF(float[] g, int go, float[] x, int xo, float mean, float rstd, float[] w, int wo, int d,
                                          boolean rms, float[] dx, int dxo, double[] aw, double[] ab) {
        double s1 = 0, s2 = 0;
        for (int j = 0; j < d; j++) {
            float gv = g[go + j];
            float xh = (x[xo + j] - mean) * rstd;
            float wg = w == null ? gv : gv * w[wo + j];
            s1 += wg;
            s2 += wg * xh;
            if (aw != null) aw[j] += gv * xh;
            if (ab != null) ab[j] += gv;
        }
        if (dx == null) return;
        float c1 = rms ? 0f : (float) (s1 / d), c2 = (float) (s2 / d);
        if (w == null) {
            for (int j = 0; j < d; j++) {
                float xh = (x[xo + j] - mean) * rstd;
                dx[dxo + j] = rstd * (g[go + j] - c1 - xh * c2);
            }
        } else {
            for (int j = 0; j < d; j++) {
                float xh = (x[xo + j] - mean) * rstd;
                dx[dxo + j] = rstd * (g[go + j] * w[wo + j] - c1 - xh * c2);
            }
        }
    }

    private static void layerNormBackRowD(double[] g, int go, double[] x, int xo, double mean, double rstd, double[] w, int wo,
                                          int d, boolean rms, double[] dx, int dxo, double[] aw, double[] ab) {
        double s1 = 0, s2 = 0;
        for (int j = 0; j < d; j++) {
            double gv = g[go + j];
            double xh = (x[xo + j] - mean) * rstd;
            double wg = w == null ? gv : gv * w[wo + j];
            s1 += wg;
            s2 += wg * xh;
            if (aw != null) aw[j] += gv * xh;
            if (ab != null) ab[j] += gv;
        }
        if (dx == null) return;
        double c1 = rms ? 0 : s1 / d, c2 = s2 / d;
        for (int j = 0; j < d; j++) {
            double xh = (x[xo + j] - mean) * rstd;
            double wg = w == null ? g[go + j] : g[go + j] * w[wo + j];
            dx[dxo + j] = rstd * (wg - c1 - xh * c2);
        }
    }

    /** Sums per-chunk partial column sums into a tensor of the given shape and dtype. */
    private static Tensor reduceChunks(DType dt, double[][] parts, int[] shape) {
        int d = parts[0].length;
        double[] acc = parts[0];
        for (int c = 1; c < parts.length; c++) {
            double[] p = parts[c];
            for (int j = 0; j < d; j++) acc[j] += p[j];
        }
        Tensor out = CpuBackend.newTensor(dt, shape);
        CpuStorage os = CpuBackend.st(out);
        for (int j = 0; j < d; j++) os.set(j, acc[j]);
        return out;
    }

    // ================================================================== batch norm
    /** x viewed as (N, C, S): sizes. */
    private static int[] ncs(Tensor x) {
        int[] s = x.shapeRef();
        int n = s[0], c = s.length > 1 ? s[1] : 1;
        int sp = 1;
        for (int i = 2; i < s.length; i++) sp *= s[i];
        return new int[] {n, c, sp};
    }

    private static double param(CpuStorage s, Tensor t, int i, double dflt) {
        return t == null ? dflt : s.get(t.storageOffset() + i * (t.dim() == 0 ? 0 : t.stride(0)));
    }

    static Tensor[] batchNorm(CpuBackend be, Tensor x0, Tensor w0, Tensor b0, Tensor rm, Tensor rv, boolean training,
                              double momentum, double eps) {
        checkFloat(x0, "batch_norm");
        Tensor x = contig(be, x0);
        int[] ncs = ncs(x);
        int n = ncs[0], ch = ncs[1], sp = ncs[2];
        int plane = ch * sp;
        long count = (long) n * sp;
        double[] mean = new double[ch], invstd = new double[ch];
        int xo = x.storageOffset();
        CpuStorage xs = CpuBackend.st(x);
        boolean f32 = x.dtype() == DType.FLOAT32;
        if (training) {
            double[] var = new double[ch];
            Parallel.range(ch, (int) Math.min(Integer.MAX_VALUE, 2 * count), (c0, c1) -> {
                for (int c = c0; c < c1; c++) {
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        int o = xo + i * plane + c * sp;
                        if (f32 && FastMath.VECTOR) s += VectorNormKernels.sum(xs.f, o, sp);
                        else if (f32) for (int j = 0; j < sp; j++) s += xs.f[o + j];
                        else for (int j = 0; j < sp; j++) s += xs.d[o + j];
                    }
                    double m = count == 0 ? Double.NaN : s / count;
                    double q = 0;
                    double[] dev = {0};
                    for (int i = 0; i < n; i++) {
                        int o = xo + i * plane + c * sp;
                        if (f32 && FastMath.VECTOR) {
                            // centred on the float mean; the rounding is removed below: sum (x - mean)^2 =
                            // sum (x - mf)^2 - (sum (x - mf))^2 / count
                            q += VectorNormKernels.squares(xs.f, o, sp, (float) m, dev);
                        } else if (f32) {
                            for (int j = 0; j < sp; j++) {
                                double a = xs.f[o + j] - m;
                                q += a * a;
                            }
                        } else {
                            for (int j = 0; j < sp; j++) {
                                double a = xs.d[o + j] - m;
                                q += a * a;
                            }
                        }
                    }
                    if (f32 && FastMath.VECTOR) q = Math.max(q - dev[0] * dev[0] / count, 0);
                    mean[c] = m;
                    var[c] = q / count;
                    invstd[c] = 1.0 / Math.sqrt(var[c] + eps);
                }
            });
            if (rm != null) {
                CpuStorage s = CpuBackend.st(rm);
                for (int c = 0; c < ch; c++) {
                    int o = rm.storageOffset() + c * rm.stride(0);
                    s.set(o, (1 - momentum) * s.get(o) + momentum * mean[c]);
                }
            }
            if (rv != null) {
                CpuStorage s = CpuBackend.st(rv);
                for (int c = 0; c < ch; c++) {
                    int o = rv.storageOffset() + c * rv.stride(0);
                    double unbiased = count > 1 ? var[c] * count / (count - 1) : Double.NaN;
                    s.set(o, (1 - momentum) * s.get(o) + momentum * unbiased);
                }
            }
        } else {
            CpuStorage ms = CpuBackend.st(rm), vs = CpuBackend.st(rv);
            for (int c = 0; c < ch; c++) {
                mean[c] = ms.get(rm.storageOffset() + c * rm.stride(0));
                invstd[c] = 1.0 / Math.sqrt(vs.get(rv.storageOffset() + c * rv.stride(0)) + eps);
            }
        }
        CpuStorage ws = w0 == null ? null : CpuBackend.st(w0), bs = b0 == null ? null : CpuBackend.st(b0);
        double[] scale = new double[ch], shift = new double[ch];
        for (int c = 0; c < ch; c++) {
            scale[c] = invstd[c] * param(ws, w0, c, 1);
            shift[c] = param(bs, b0, c, 0);
        }
        Tensor y = like(x, x.shapeRef());
        CpuStorage ys = CpuBackend.st(y);
        Parallel.range(n * ch, sp * 2, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int c = p % ch, o = p * sp;
                if (f32 && FastMath.VECTOR) {
                    VectorNormKernels.affine(xs.f, xo + o, ys.f, o, sp, (float) mean[c], (float) scale[c], (float) shift[c]);
                } else if (f32) {
                    float m = (float) mean[c], a = (float) scale[c], sh = (float) shift[c];
                    float[] xf = xs.f, yf = ys.f;
                    for (int j = 0; j < sp; j++) yf[o + j] = (xf[xo + o + j] - m) * a + sh;
                } else {
                    double m = mean[c], a = scale[c], sh = shift[c];
                    double[] xd = xs.d, yd = ys.d;
                    for (int j = 0; j < sp; j++) yd[o + j] = (xd[xo + o + j] - m) * a + sh;
                }
            }
        });
        Tensor sm = like(x, ch), si = like(x, ch);
        CpuStorage sms = CpuBackend.st(sm), sis = CpuBackend.st(si);
        for (int c = 0; c < ch; c++) {
            sms.set(c, mean[c]);
            sis.set(c, invstd[c]);
        }
        return new Tensor[] {y, sm, si};
    }

    static Tensor[] batchNormBackward(CpuBackend be, Tensor g0, Tensor x0, Tensor w0, Tensor sm, Tensor si, boolean training,
                                      boolean[] need) {
        Tensor g = contig(be, g0), x = contig(be, x0);
        int[] ncs = ncs(x);
        int n = ncs[0], ch = ncs[1], sp = ncs[2];
        int plane = ch * sp;
        long count = (long) n * sp;
        boolean f32 = x.dtype() == DType.FLOAT32;
        CpuStorage gs = CpuBackend.st(g), xs = CpuBackend.st(x), ws = w0 == null ? null : CpuBackend.st(w0);
        CpuStorage ms = CpuBackend.st(sm), is = CpuBackend.st(si);
        int go = g.storageOffset(), xo = x.storageOffset();
        double[] sumG = new double[ch], sumGX = new double[ch], mean = new double[ch], invstd = new double[ch];
        for (int c = 0; c < ch; c++) {
            mean[c] = ms.get(sm.storageOffset() + c * sm.stride(0));
            invstd[c] = is.get(si.storageOffset() + c * si.stride(0));
        }
        Parallel.range(ch, (int) Math.min(Integer.MAX_VALUE, 2 * count), (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                double s = 0, sx = 0, m = mean[c];
                double[] acc = new double[2];
                for (int i = 0; i < n; i++) {
                    int o = i * plane + c * sp;
                    if (f32 && FastMath.VECTOR) {
                        // sum g (x - m) with the float mean, corrected: + (mf - m) sum g
                        float mf = (float) m;
                        acc[0] = 0;
                        acc[1] = 0;
                        VectorNormKernels.gradSums(gs.f, go + o, xs.f, xo + o, sp, mf, acc);
                        s += acc[0];
                        sx += acc[1] + (mf - m) * acc[0];
                    } else if (f32) {
                        for (int j = 0; j < sp; j++) {
                            double gv = gs.f[go + o + j];
                            s += gv;
                            sx += gv * (xs.f[xo + o + j] - m);
                        }
                    } else {
                        for (int j = 0; j < sp; j++) {
                            double gv = gs.d[go + o + j];
                            s += gv;
                            sx += gv * (xs.d[xo + o + j] - m);
                        }
                    }
                }
                sumG[c] = s;
                sumGX[c] = sx * invstd[c];
            }
        });
        Tensor dx = null;
        if (need[0]) {
            dx = like(x, x.shapeRef());
            CpuStorage ds = CpuBackend.st(dx);
            Parallel.range(n * ch, sp * 2, (p0, p1) -> {
                for (int p = p0; p < p1; p++) {
                    int c = p % ch, o = p * sp;
                    double w = param(ws, w0, c, 1), is0 = invstd[c];
                    double a = w * is0;
                    // training: dx = a * (g - sumG/n - xhat * sumGX/n), xhat = (x - mean) * invstd
                    double cg = training ? sumG[c] / count : 0, cx = training ? sumGX[c] / count * is0 : 0, m = mean[c];
                    if (f32 && FastMath.VECTOR) {
                        VectorNormKernels.normGrad(gs.f, go + o, xs.f, xo + o, ds.f, o, sp, (float) a, 1f, (float) cg, (float) m, (float) cx);
                    } else if (f32) {
                        float fa = (float) a, fcg = (float) cg, fcx = (float) cx, fm = (float) m;
                        float[] gf = gs.f, xf = xs.f, df = ds.f;
                        for (int j = 0; j < sp; j++) df[o + j] = fa * (gf[go + o + j] - fcg - (xf[xo + o + j] - fm) * fcx);
                    } else {
                        double[] gd = gs.d, xd = xs.d, dd = ds.d;
                        for (int j = 0; j < sp; j++) dd[o + j] = a * (gd[go + o + j] - cg - (xd[xo + o + j] - m) * cx);
                    }
                }
            });
        }
        Tensor dw = null, db = null;
        if (need.length > 1 && need[1] && w0 != null) {
            dw = like(x, ch);
            for (int c = 0; c < ch; c++) CpuBackend.st(dw).set(c, sumGX[c]);
        }
        if (need.length > 2 && need[2]) {
            db = like(x, ch);
            for (int c = 0; c < ch; c++) CpuBackend.st(db).set(c, sumG[c]);
        }
        return new Tensor[] {dx, dw, db};
    }

    // ================================================================== group norm
    static Tensor[] groupNorm(CpuBackend be, Tensor x0, int groups, Tensor w0, Tensor b0, double eps) {
        checkFloat(x0, "group_norm");
        checkSameType(x0, w0, "weight", "group_norm");
        checkSameType(x0, b0, "bias", "group_norm");
        Tensor x = contig(be, x0);
        int[] ncs = ncs(x);
        int n = ncs[0], ch = ncs[1], sp = ncs[2];
        int cpg = ch / groups, len = cpg * sp, rows = n * groups;
        Tensor y = like(x, x.shapeRef()), mean = like(x, n, groups), rstd = like(x, n, groups);
        CpuStorage xs = CpuBackend.st(x), ys = CpuBackend.st(y), ms = CpuBackend.st(mean), rs = CpuBackend.st(rstd);
        CpuStorage ws = w0 == null ? null : CpuBackend.st(w0), bs = b0 == null ? null : CpuBackend.st(b0);
        int xo = x.storageOffset();
        boolean f32 = x.dtype() == DType.FLOAT32;
        Parallel.range(rows, 3 * len, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = xo + r * len;
                double s = 0;
                if (f32 && FastMath.VECTOR) s = VectorNormKernels.sum(xs.f, o, len);
                else if (f32) for (int j = 0; j < len; j++) s += xs.f[o + j];
                else for (int j = 0; j < len; j++) s += xs.d[o + j];
                double m = s / len;
                double q = 0;
                if (f32 && FastMath.VECTOR) {
                    float mf = (float) m;
                    double[] dev = {0};
                    q = VectorNormKernels.squares(xs.f, o, len, mf, dev);
                    q = Math.max(q - dev[0] * dev[0] / len, 0); // centre on the exact mean, not on its float rounding
                } else if (f32) {
                    for (int j = 0; j < len; j++) {
                        double a = xs.f[o + j] - m;
                        q += a * a;
                    }
                } else {
                    for (int j = 0; j < len; j++) {
                        double a = xs.d[o + j] - m;
                        q += a * a;
                    }
                }
                double is = 1.0 / Math.sqrt(q / len + eps);
                ms.set(r, m);
                rs.set(r, is);
                int gidx = r % groups;
                for (int cc = 0; cc < cpg; cc++) {
                    int c = gidx * cpg + cc;
                    double a = is * param(ws, w0, c, 1), sh = param(bs, b0, c, 0);
                    int po = cc * sp;
                    if (f32 && FastMath.VECTOR) {
                        VectorNormKernels.affine(xs.f, o + po, ys.f, r * len + po, sp, (float) m, (float) a, (float) sh);
                    } else if (f32) {
                        float fm = (float) m, fa = (float) a, fsh = (float) sh;
                        for (int j = 0; j < sp; j++) ys.f[r * len + po + j] = (xs.f[o + po + j] - fm) * fa + fsh;
                    } else {
                        for (int j = 0; j < sp; j++) ys.d[r * len + po + j] = (xs.d[o + po + j] - m) * a + sh;
                    }
                }
            }
        });
        return new Tensor[] {y, mean, rstd};
    }

    static Tensor[] groupNormBackward(CpuBackend be, Tensor g0, Tensor x0, Tensor mean0, Tensor rstd0, Tensor w0, int groups,
                                      boolean[] need) {
        Tensor g = contig(be, g0), x = contig(be, x0), mean = contig(be, mean0), rstd = contig(be, rstd0);
        int[] ncs = ncs(x);
        int n = ncs[0], ch = ncs[1], sp = ncs[2];
        int cpg = ch / groups, len = cpg * sp, rows = n * groups;
        CpuStorage gs = CpuBackend.st(g), xs = CpuBackend.st(x), ms = CpuBackend.st(mean), rs = CpuBackend.st(rstd);
        CpuStorage ws = w0 == null ? null : CpuBackend.st(w0);
        int go = g.storageOffset(), xo = x.storageOffset(), mo = mean.storageOffset(), ro = rstd.storageOffset();
        boolean f32 = x.dtype() == DType.FLOAT32;
        // per (n, c) plane: sum g and sum g * (x - mean)
        double[] pg = new double[n * ch], pgx = new double[n * ch];
        Parallel.range(n * ch, 2 * sp, (p0, p1) -> {
            for (int p = p0; p < p1; p++) {
                int i = p / ch, c = p % ch;
                int r = i * groups + c / cpg;
                double m = ms.get(mo + r);
                int o = p * sp;
                double s = 0, sx = 0;
                if (f32 && FastMath.VECTOR) {
                    float mf = (float) m;
                    double[] acc = new double[2];
                    VectorNormKernels.gradSums(gs.f, go + o, xs.f, xo + o, sp, mf, acc);
                    s = acc[0];
                    sx = acc[1] + (mf - m) * acc[0];
                } else if (f32) {
                    for (int j = 0; j < sp; j++) {
                        double gv = gs.f[go + o + j];
                        s += gv;
                        sx += gv * (xs.f[xo + o + j] - m);
                    }
                } else {
                    for (int j = 0; j < sp; j++) {
                        double gv = gs.d[go + o + j];
                        s += gv;
                        sx += gv * (xs.d[xo + o + j] - m);
                    }
                }
                pg[p] = s;
                pgx[p] = sx;
            }
        });
        Tensor dx = null;
        if (need[0]) {
            dx = like(x, x.shapeRef());
            CpuStorage ds = CpuBackend.st(dx);
            Parallel.range(rows, 3 * len, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int i = r / groups, gi = r % groups;
                    double m = ms.get(mo + r), is = rs.get(ro + r);
                    // sums over the group of wg = g * w[c] and wg * (x - mean)
                    double s1 = 0, s2 = 0;
                    for (int cc = 0; cc < cpg; cc++) {
                        int c = gi * cpg + cc;
                        double w = param(ws, w0, c, 1);
                        s1 += w * pg[i * ch + c];
                        s2 += w * pgx[i * ch + c];
                    }
                    double c1 = s1 / len, c2 = s2 * is * is / len;
                    for (int cc = 0; cc < cpg; cc++) {
                        int c = gi * cpg + cc;
                        double w = param(ws, w0, c, 1);
                        int o = r * len + cc * sp;
                        if (f32 && FastMath.VECTOR) {
                            VectorNormKernels.normGrad(gs.f, go + o, xs.f, xo + o, ds.f, o, sp, (float) is, (float) w, (float) c1, (float) m, (float) c2);
                        } else if (f32) {
                            float fw = (float) w, fis = (float) is, fc1 = (float) c1, fc2 = (float) c2, fm = (float) m;
                            for (int j = 0; j < sp; j++) {
                                ds.f[o + j] = fis * (gs.f[go + o + j] * fw - fc1 - (xs.f[xo + o + j] - fm) * fc2);
                            }
                        } else {
                            for (int j = 0; j < sp; j++) {
                                ds.d[o + j] = is * (gs.d[go + o + j] * w - c1 - (xs.d[xo + o + j] - m) * c2);
                            }
                        }
                    }
                }
            });
        }
        Tensor dw = null, db = null;
        if (need.length > 1 && need[1] && w0 != null) {
            dw = like(x, ch);
            CpuStorage s = CpuBackend.st(dw);
            for (int c = 0; c < ch; c++) {
                double acc = 0;
                for (int i = 0; i < n; i++) acc += pgx[i * ch + c] * rs.get(ro + i * groups + c / cpg);
                s.set(c, acc);
            }
        }
        if (need.length > 2 && need[2]) {
            db = like(x, ch);
            CpuStorage s = CpuBackend.st(db);
            for (int c = 0; c < ch; c++) {
                double acc = 0;
                for (int i = 0; i < n; i++) acc += pg[i * ch + c];
                s.set(c, acc);
            }
        }
        return new Tensor[] {dx, dw, db};
    }
}
