package org.sparkgrad.backend;

/**
 * The float32 inner loops of the CPU backend. Hot ops get their own loop (so the JIT vectorises them);
 * the rest go through the op's double formula.
 */
final class CpuKernels {
    private CpuKernels() {}

    static void unaryF(UnaryOp op, float[] in, int off, float[] out, int from, int to, float a, float b) {
        switch (op) {
            case RELU:
                if (FastMath.VECTOR) VectorEltwise.relu(in, off, out, from, to);
                else for (int i = from; i < to; i++) out[i] = Math.max(in[off + i], 0f); // NaN stays NaN, as in PyTorch
                return;
            case NEG:
                for (int i = from; i < to; i++) out[i] = -in[off + i];
                return;
            case ADD_SCALAR:
                for (int i = from; i < to; i++) out[i] = in[off + i] + a;
                return;
            case MUL_SCALAR:
                for (int i = from; i < to; i++) out[i] = in[off + i] * a;
                return;
            case AFFINE:
                for (int i = from; i < to; i++) out[i] = in[off + i] * a + b;
                return;
            case SQUARE:
                for (int i = from; i < to; i++) { float v = in[off + i]; out[i] = v * v; }
                return;
            case ABS:
                for (int i = from; i < to; i++) out[i] = Math.abs(in[off + i]);
                return;
            case SQRT:
                for (int i = from; i < to; i++) out[i] = (float) Math.sqrt(in[off + i]);
                return;
            case EXP:
                for (int i = from; i < to; i++) out[i] = (float) Math.exp(in[off + i]);
                return;
            case TANH:
                for (int i = from; i < to; i++) out[i] = (float) Math.tanh(in[off + i]);
                return;
            case LEAKY_RELU:
                for (int i = from; i < to; i++) { float v = in[off + i]; out[i] = v > 0 ? v : a * v; }
                return;
            case GELU:
                FastMath.gelu(in, off, out, from, to);
                return;
            default:
                for (int i = from; i < to; i++) out[i] = (float) op.apply(in[off + i], a, b);
        }
    }

    static void unaryBackwardF(UnaryOp op, float[] g, int go, float[] x, int xo, float[] y, int yo, float[] r,
                               int from, int to, double a, double b) {
        switch (op) {
            case RELU:
                if (FastMath.VECTOR) VectorEltwise.reluBackward(g, go, x, xo, r, from, to);
                else for (int i = from; i < to; i++) r[i] = x[xo + i] <= 0 ? 0f : g[go + i]; // NaN passes the gradient, as PyTorch
                return;
            case NEG:
                for (int i = from; i < to; i++) r[i] = -g[go + i];
                return;
            case ADD_SCALAR:
                System.arraycopy(g, go + from, r, from, to - from);
                return;
            case MUL_SCALAR: {
                float fa = (float) a;
                for (int i = from; i < to; i++) r[i] = g[go + i] * fa;
                return;
            }
            case TANH:
                for (int i = from; i < to; i++) { float v = y[yo + i]; r[i] = g[go + i] * (1 - v * v); }
                return;
            case SIGMOID:
                for (int i = from; i < to; i++) { float v = y[yo + i]; r[i] = g[go + i] * v * (1 - v); }
                return;
            case EXP:
                for (int i = from; i < to; i++) r[i] = g[go + i] * y[yo + i];
                return;
            case SQUARE:
                for (int i = from; i < to; i++) r[i] = 2 * g[go + i] * x[xo + i];
                return;
            case GELU:
                FastMath.geluBackward(g, go, x, xo, r, from, to);
                return;
            default:
                for (int i = from; i < to; i++) {
                    double xv = x[xo + i];
                    double yv = y == null ? op.apply(xv, a, b) : y[yo + i];
                    r[i] = (float) (g[go + i] * op.derivative(xv, yv, a, b));
                }
        }
    }

    /** {@code o[oo + e*os] = op(x[xo + e*xs], y[yo + e*ys])} for e in [0, n). */
    static void binaryF(BinaryOp op, float[] x, int xo, int xs, float[] y, int yo, int ys, float[] o, int oo, int os, int n) {
        switch (op) {
            case ADD:
                if (xs == 1 && ys == 1 && os == 1) { for (int e = 0; e < n; e++) o[oo + e] = x[xo + e] + y[yo + e]; return; }
                if (xs == 1 && ys == 0 && os == 1) { float c = y[yo]; for (int e = 0; e < n; e++) o[oo + e] = x[xo + e] + c; return; }
                for (int e = 0; e < n; e++, xo += xs, yo += ys, oo += os) o[oo] = x[xo] + y[yo];
                return;
            case SUB:
                if (xs == 1 && ys == 1 && os == 1) { for (int e = 0; e < n; e++) o[oo + e] = x[xo + e] - y[yo + e]; return; }
                for (int e = 0; e < n; e++, xo += xs, yo += ys, oo += os) o[oo] = x[xo] - y[yo];
                return;
            case MUL:
                if (xs == 1 && ys == 1 && os == 1) { for (int e = 0; e < n; e++) o[oo + e] = x[xo + e] * y[yo + e]; return; }
                if (xs == 1 && ys == 0 && os == 1) { float c = y[yo]; for (int e = 0; e < n; e++) o[oo + e] = x[xo + e] * c; return; }
                for (int e = 0; e < n; e++, xo += xs, yo += ys, oo += os) o[oo] = x[xo] * y[yo];
                return;
            case DIV:
                for (int e = 0; e < n; e++, xo += xs, yo += ys, oo += os) o[oo] = x[xo] / y[yo];
                return;
            default:
                for (int e = 0; e < n; e++, xo += xs, yo += ys, oo += os) o[oo] = (float) op.apply(x[xo], y[yo]);
        }
    }

    /** {@code y[yo + i] += alpha * x[xo + i]} for {@code i < n}, the product rounded to float before the add. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        if (FastMath.VECTOR) {
            VectorEltwise.axpy(alpha, x, xo, y, yo, n);
            return;
        }
        for (int i = 0; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }

    static long binaryLong(BinaryOp op, long x, long y) {
        switch (op) {
            case ADD: return x + y;
            case SUB: return x - y;
            case MUL: return x * y;
            case DIV: return y == 0 ? 0 : Math.floorDiv(x, y);
            case MAXIMUM: return Math.max(x, y);
            case MINIMUM: return Math.min(x, y);
            case POW: return (long) Math.pow(x, y);
            // integer fmod/remainder/floor division by zero give 0, as the CUDA kernels (PyTorch's CPU raises ZeroDivisionError)
            case FMOD: return y == 0 ? 0 : x % y;
            case REMAINDER: return y == 0 ? 0 : Math.floorMod(x, y);
            case FLOOR_DIVIDE: return y == 0 ? 0 : Math.floorDiv(x, y);
            default: return (long) op.apply(x, y);
        }
    }

    /**
     * {@code sum(f[o .. o + len))} accumulated in double; with the Vector API, in float lanes per block of
     * {@link VectorNormKernels#BLOCK} elements whose totals are added in double (the layer norm's sum).
     */
    static double sumF(float[] f, int o, int len) {
        if (FastMath.VECTOR && len >= 64) return VectorNormKernels.sum(f, o, len);
        double s = 0;
        for (int i = 0; i < len; i++) s += f[o + i];
        return s;
    }

    static double reduceRowF(ReduceOp op, float[] f, int o, int len) {
        switch (op) {
            case SUM: return sumF(f, o, len);
            case MEAN: return sumF(f, o, len) / len;
            case PROD: { double s = 1; for (int i = 0; i < len; i++) s *= f[o + i]; return s; }
            case AMAX: { float m = f[o]; for (int i = 1; i < len; i++) { float v = f[o + i]; if (v > m || v != v) m = v; } return m; }
            case AMIN: { float m = f[o]; for (int i = 1; i < len; i++) { float v = f[o + i]; if (v < m || v != v) m = v; } return m; }
            default: {
                if (len == 0) return Double.NEGATIVE_INFINITY;
                double m = f[o];
                for (int i = 1; i < len; i++) m = Math.max(m, f[o + i]);
                if (Double.isInfinite(m)) return m;
                double s = 0;
                for (int i = 0; i < len; i++) s += Math.exp(f[o + i] - m);
                return m + Math.log(s);
            }
        }
    }

    static double reduceRowD(ReduceOp op, double[] f, int o, int len) {
        switch (op) {
            case SUM: { double s = 0; for (int i = 0; i < len; i++) s += f[o + i]; return s; }
            case MEAN: { double s = 0; for (int i = 0; i < len; i++) s += f[o + i]; return s / len; }
            case PROD: { double s = 1; for (int i = 0; i < len; i++) s *= f[o + i]; return s; }
            case AMAX: { double m = f[o]; for (int i = 1; i < len; i++) { double v = f[o + i]; if (v > m || v != v) m = v; } return m; }
            case AMIN: { double m = f[o]; for (int i = 1; i < len; i++) { double v = f[o + i]; if (v < m || v != v) m = v; } return m; }
            default: {
                if (len == 0) return Double.NEGATIVE_INFINITY;
                double m = f[o];
                for (int i = 1; i < len; i++) m = Math.max(m, f[o + i]);
                if (Double.isInfinite(m)) return m;
                double s = 0;
                for (int i = 0; i < len; i++) s += Math.exp(f[o + i] - m);
                return m + Math.log(s);
            }
        }
    }

    static void softmaxRowF(float[] x, int xo, float[] y, int yo, int len, boolean log) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) m = Math.max(m, x[xo + i]);
        if (m == Float.NEGATIVE_INFINITY) m = 0; // all -inf: softmax gives NaN as in PyTorch, log-softmax -inf
        double s = 0;
        if (log) {
            for (int i = 0; i < len; i++) s += Math.exp(x[xo + i] - m);
            float ls = (float) Math.log(s);
            for (int i = 0; i < len; i++) y[yo + i] = x[xo + i] - m - ls;
        } else {
            for (int i = 0; i < len; i++) {
                float e = (float) Math.exp(x[xo + i] - m);
                y[yo + i] = e;
                s += e;
            }
            float inv = (float) (1 / s);
            for (int i = 0; i < len; i++) y[yo + i] *= inv;
        }
    }

    static void softmaxRowD(double[] x, int xo, double[] y, int yo, int len, boolean log) {
        double m = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) m = Math.max(m, x[xo + i]);
        if (m == Double.NEGATIVE_INFINITY) m = 0;
        double s = 0;
        for (int i = 0; i < len; i++) s += Math.exp(x[xo + i] - m);
        double ls = Math.log(s);
        for (int i = 0; i < len; i++) y[yo + i] = log ? x[xo + i] - m - ls : Math.exp(x[xo + i] - m - ls);
    }

    static void softmaxBackwardRowF(float[] g, int go, float[] y, int yo, float[] r, int ro, int len, boolean log) {
        double dot = 0;
        if (log) {
            for (int i = 0; i < len; i++) dot += g[go + i];
            for (int i = 0; i < len; i++) r[ro + i] = (float) (g[go + i] - Math.exp(y[yo + i]) * dot);
        } else {
            for (int i = 0; i < len; i++) dot += (double) g[go + i] * y[yo + i];
            float d = (float) dot;
            for (int i = 0; i < len; i++) r[ro + i] = y[yo + i] * (g[go + i] - d);
        }
    }
}
