package org.sparkgrad.tensor;

import java.util.Locale;

/** PyTorch-like {@code toString}: {@code tensor([[1.0000, 2.0000], ...], dtype=..., requires_grad=True)}. */
final class TensorFormat {
    private static final int SUMMARIZE_OVER = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(");
        CpuStorage s = t.backend().download(t);
        int[] shape = t.shape();
        boolean summarize = t.numel() > SUMMARIZE_OVER;
        boolean fp = t.dtype().isFloatingPoint();
        boolean allInt = true;
        double maxAbs = 0;
        for (int i = 0; i < s.size(); i++) {
            double v = s.get(i);
            if (fp && Double.isFinite(v) && v != Math.rint(v)) allInt = false;
            if (Double.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
        }
        boolean sci = fp && (maxAbs >= 1e8 || (maxAbs > 0 && maxAbs < 1e-4));
        int[] strides = Shape.contiguousStrides(shape);
        append(sb, s, shape, strides, 0, 0, "tensor(".length(), summarize, t.dtype(), allInt, sci);
        if (t.dtype() != DType.FLOAT32 && t.dtype() != DType.INT64 && t.dtype() != DType.BOOL) {
            sb.append(", dtype=").append(t.dtype().torchName());
        }
        if (!t.device().isCpu()) sb.append(", device='").append(t.device()).append('\'');
        if (t.gradFn() != null) sb.append(", grad_fn=").append(t.gradFn());
        else if (t.requiresGrad()) sb.append(", requires_grad=True");
        return sb.append(')').toString();
    }

    private static void append(StringBuilder sb, CpuStorage s, int[] shape, int[] strides, int dim, int off, int indent,
                               boolean summarize, DType dt, boolean allInt, boolean sci) {
        if (shape.length == 0) {
            sb.append(elem(s, off, dt, allInt, sci));
            return;
        }
        sb.append('[');
        int n = shape[dim];
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append("...");
                i = n - EDGE - 1;
                sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + dim + 1));
                continue;
            }
            if (dim == shape.length - 1) {
                sb.append(elem(s, off + i * strides[dim], dt, allInt, sci));
            } else {
                append(sb, s, shape, strides, dim + 1, off + i * strides[dim], indent, summarize, dt, allInt, sci);
            }
            if (i < n - 1) {
                sb.append(dim == shape.length - 1 ? ", " : "," + "\n".repeat(shape.length - 1 - dim) + " ".repeat(indent + dim + 1));
            }
        }
        sb.append(']');
    }

    private static String elem(CpuStorage s, int i, DType dt, boolean allInt, boolean sci) {
        switch (dt) {
            case BOOL: return s.get(i) != 0 ? "True" : "False";
            case INT64: return Long.toString(s.getLong(i));
            default:
                double v = s.get(i);
                if (Double.isNaN(v)) return "nan";
                if (Double.isInfinite(v)) return v > 0 ? "inf" : "-inf";
                if (sci) return String.format(Locale.ROOT, "%.4e", v);
                if (allInt) return String.format(Locale.ROOT, "%.0f.", v);
                return String.format(Locale.ROOT, "%.4f", v);
        }
    }
}
