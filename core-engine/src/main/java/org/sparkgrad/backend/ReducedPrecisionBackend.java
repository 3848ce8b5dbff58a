package org.sparkgrad.backend;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Storage;
import org.sparkgrad.tensor.Tensor;

/**
 * Gives a backend float16 and bfloat16 support by computing in float32, as PyTorch's CPU kernels do for these
 * types ({@code opmath_type}): every float16/bfloat16 tensor argument of a kernel is widened to a float32 copy (exact),
 * the kernel runs on the copies, results are rounded back (round-to-nearest-even, {@link org.sparkgrad.tensor.HalfFloat})
 * and arguments a kernel writes into (in-place kernels, output buffers) are written back.
 *
 * <p>A result is rounded to the 16-bit dtype when every floating tensor argument has that dtype; with a float32 or
 * float64 argument present it keeps float32, PyTorch's type promotion. Memory kernels ({@code allocate},
 * {@code upload}, {@code download}, {@code contiguous}, {@code copy}, {@code fill}) handle 16-bit storages natively
 * and are passed through. A call without a 16-bit tensor goes straight to the wrapped backend after one dtype test
 * per tensor argument (each method is overridden by hand so that this path costs no reflection; a test checks that
 * every {@link Backend} method is).
 *
 * <p>16-bit storages exist on the CPU only: a non-CPU backend refuses them with an {@link IllegalArgumentException}.
 */
final class ReducedPrecisionBackend implements Backend {
    /** Kernels that write into some of their tensor arguments, with the positions of those arguments. */
    static final Map<String, int[]> WRITTEN_ARGUMENTS = Map.of(
            "binaryInPlace", new int[] {1},
            "addScaledInPlace", new int[] {0},
            "indexAdd", new int[] {0},
            "scatter", new int[] {0},
            "batchNorm", new int[] {3, 4},
            "attentionForward", new int[] {7, 8},
            "attentionBackward", new int[] {8, 9, 10, 11},
            "maskedSoftmax_", new int[] {0});
    /**
     * The norm kernels follow PyTorch's mixed-type rule instead of the all-arguments one: each output takes the dtype
     * of the argument at the given position (x for y and dx, weight for dweight/dbias), and -1 keeps the float32
     * statistics (mean, rstd, invstd) unrounded, so a float16/bfloat16 input with float32 parameters gives a 16-bit y
     * and float32 parameter gradients.
     */
    static final Map<String, int[]> OUTPUT_LIKE = Map.of(
            "layerNorm", new int[] {0, -1, -1},
            "layerNormBackward", new int[] {1, 4, 4},
            "batchNorm", new int[] {0, -1, -1},
            "batchNormBackward", new int[] {1, 2, 2},
            "groupNorm", new int[] {0, -1, -1},
            "groupNormBackward", new int[] {1, 4, 4});
    private static final Map<String, Method> METHODS = new HashMap<>();

    static {
        for (Method m : Backend.class.getMethods()) {
            if (METHODS.put(m.getName(), m) != null) throw new IllegalStateException("Backend." + m.getName() + " is overloaded");
        }
    }

    private final Backend d;

    private ReducedPrecisionBackend(Backend delegate) { this.d = delegate; }

    /** {@code delegate} with float16/bfloat16 support through float32. */
    static Backend wrap(Backend delegate) { return new ReducedPrecisionBackend(delegate); }

    private static boolean sixteenBit(Tensor t) { return t != null && t.dtype().isReducedPrecision(); }

    private void requireCpu(DType dtype) {
        if (d.deviceType() != Device.Type.CPU) {
            throw new IllegalArgumentException(dtype.torchName() + " tensors are stored on the CPU only; convert to float32 "
                    + "before moving to " + d.name());
        }
    }

    @Override public String toString() { return "reduced-precision(" + d.name() + ")"; }

    // ------------------------------------------------------------------ the kernels

    @Override public Device.Type deviceType() {
        return d.deviceType();
    }

    @Override public String name() {
        return d.name();
    }

    @Override public boolean isAvailable() {
        return d.isAvailable();
    }

    @Override public String unavailableReason() {
        return d.unavailableReason();
    }

    @Override public Storage allocate(DType dtype, int numel, Device device) {
        if (dtype.isReducedPrecision()) requireCpu(dtype);
        return d.allocate(dtype, numel, device);
    }

    @Override public Storage upload(CpuStorage host, Device device) {
        if (host.dtype().isReducedPrecision()) requireCpu(host.dtype());
        return d.upload(host, device);
    }

    @Override public CpuStorage download(Tensor t) {
        if (sixteenBit(t)) requireCpu(t.dtype());
        return d.download(t);
    }

    @Override public Tensor contiguous(Tensor t) {
        if (sixteenBit(t)) requireCpu(t.dtype());
        return d.contiguous(t);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        if (sixteenBit(src) || sixteenBit(dst)) requireCpu((sixteenBit(src) ? src : dst).dtype());
        d.copy(src, dst);
    }

    @Override public void fill(Tensor dst, double value) {
        if (sixteenBit(dst)) requireCpu(dst.dtype());
        d.fill(dst, value);
    }

    @Override public Tensor unary(UnaryOp op, Tensor x, double a, double b) {
        if (!(sixteenBit(x))) {
            return d.unary(op, x, a, b);
        }
        return (Tensor) widened("unary", op, x, a, b);
    }

    @Override public Tensor unaryBackward(UnaryOp op, Tensor grad, Tensor x, Tensor out, double a, double b) {
        if (!(sixteenBit(grad) || sixteenBit(x) || sixteenBit(out))) {
            return d.unaryBackward(op, grad, x, out, a, b);
        }
        return (Tensor) widened("unaryBackward", op, grad, x, out, a, b);
    }

    @Override public Tensor binary(BinaryOp op, Tensor x, Tensor y) {
        if (!(sixteenBit(x) || sixteenBit(y))) {
            return d.binary(op, x, y);
        }
        return (Tensor) widened("binary", op, x, y);
    }

    @Override public void binaryInPlace(BinaryOp op, Tensor x, Tensor y) {
        if (!(sixteenBit(x) || sixteenBit(y))) {
            d.binaryInPlace(op, x, y);
            return;
        }
        widened("binaryInPlace", op, x, y);
    }

    @Override public void addScaledInPlace(Tensor x, Tensor y, double alpha) {
        if (!(sixteenBit(x) || sixteenBit(y))) {
            d.addScaledInPlace(x, y, alpha);
            return;
        }
        widened("addScaledInPlace", x, y, alpha);
    }

    @Override public Tensor where(Tensor cond, Tensor x, Tensor y) {
        if (!(sixteenBit(cond) || sixteenBit(x) || sixteenBit(y))) {
            return d.where(cond, x, y);
        }
        return (Tensor) widened("where", cond, x, y);
    }

    @Override public Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        if (!(sixteenBit(x))) {
            return d.reduce(op, x, dims, keepdim);
        }
        return (Tensor) widened("reduce", op, x, dims, keepdim);
    }

    @Override public Tensor var(Tensor x, int[] dims, double correction, boolean keepdim) {
        if (!(sixteenBit(x))) {
            return d.var(x, dims, correction, keepdim);
        }
        return (Tensor) widened("var", x, dims, correction, keepdim);
    }

    @Override public Tensor argReduce(boolean max, Tensor x, int dim, boolean keepdim) {
        if (!(sixteenBit(x))) {
            return d.argReduce(max, x, dim, keepdim);
        }
        return (Tensor) widened("argReduce", max, x, dim, keepdim);
    }

    @Override public Tensor matmul(Tensor a, Tensor b) {
        if (!(sixteenBit(a) || sixteenBit(b))) {
            return d.matmul(a, b);
        }
        return (Tensor) widened("matmul", a, b);
    }

    @Override public Tensor softmax(Tensor x, int dim, boolean log) {
        if (!(sixteenBit(x))) {
            return d.softmax(x, dim, log);
        }
        return (Tensor) widened("softmax", x, dim, log);
    }

    @Override public Tensor softmaxBackward(Tensor grad, Tensor out, int dim, boolean log) {
        if (!(sixteenBit(grad) || sixteenBit(out))) {
            return d.softmaxBackward(grad, out, dim, log);
        }
        return (Tensor) widened("softmaxBackward", grad, out, dim, log);
    }

    @Override public Tensor indexSelect(Tensor x, int dim, Tensor index) {
        if (!(sixteenBit(x) || sixteenBit(index))) {
            return d.indexSelect(x, dim, index);
        }
        return (Tensor) widened("indexSelect", x, dim, index);
    }

    @Override public void indexAdd(Tensor target, int dim, Tensor index, Tensor src) {
        if (!(sixteenBit(target) || sixteenBit(index) || sixteenBit(src))) {
            d.indexAdd(target, dim, index, src);
            return;
        }
        widened("indexAdd", target, dim, index, src);
    }

    @Override public Tensor gather(Tensor x, int dim, Tensor index) {
        if (!(sixteenBit(x) || sixteenBit(index))) {
            return d.gather(x, dim, index);
        }
        return (Tensor) widened("gather", x, dim, index);
    }

    @Override public void scatter(Tensor target, int dim, Tensor index, Tensor src, boolean add) {
        if (!(sixteenBit(target) || sixteenBit(index) || sixteenBit(src))) {
            d.scatter(target, dim, index, src, add);
            return;
        }
        widened("scatter", target, dim, index, src, add);
    }

    @Override public Tensor[] scan(ScanOp op, Tensor x, int dim) {
        if (!(sixteenBit(x))) {
            return d.scan(op, x, dim);
        }
        return (Tensor[]) widened("scan", op, x, dim);
    }

    @Override public Tensor[] sort(Tensor x, int dim, boolean descending, boolean stable) {
        if (!(sixteenBit(x))) {
            return d.sort(x, dim, descending, stable);
        }
        return (Tensor[]) widened("sort", x, dim, descending, stable);
    }

    @Override public Tensor im2col(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (!(sixteenBit(x))) {
            return d.im2col(x, kernel, stride, padding, dilation);
        }
        return (Tensor) widened("im2col", x, kernel, stride, padding, dilation);
    }

    @Override public Tensor col2im(Tensor cols, int[] inputSize, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (!(sixteenBit(cols))) {
            return d.col2im(cols, inputSize, kernel, stride, padding, dilation);
        }
        return (Tensor) widened("col2im", cols, inputSize, kernel, stride, padding, dilation);
    }

    @Override public Tensor conv(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (!(sixteenBit(x) || sixteenBit(weight) || sixteenBit(bias))) {
            return d.conv(x, weight, bias, stride, padding, dilation, groups);
        }
        return (Tensor) widened("conv", x, weight, bias, stride, padding, dilation, groups);
    }

    @Override public Tensor convBackwardInput(Tensor grad, Tensor weight, int[] inputSize, int[] stride, int[] padding, int[] dilation, int groups) {
        if (!(sixteenBit(grad) || sixteenBit(weight))) {
            return d.convBackwardInput(grad, weight, inputSize, stride, padding, dilation, groups);
        }
        return (Tensor) widened("convBackwardInput", grad, weight, inputSize, stride, padding, dilation, groups);
    }

    @Override public Tensor convBackwardWeight(Tensor x, Tensor grad, int[] kernelSize, int[] stride, int[] padding, int[] dilation, int groups) {
        if (!(sixteenBit(x) || sixteenBit(grad))) {
            return d.convBackwardWeight(x, grad, kernelSize, stride, padding, dilation, groups);
        }
        return (Tensor) widened("convBackwardWeight", x, grad, kernelSize, stride, padding, dilation, groups);
    }

    @Override public Tensor[] maxPool(Tensor x, PoolWindows w) {
        if (!(sixteenBit(x))) {
            return d.maxPool(x, w);
        }
        return (Tensor[]) widened("maxPool", x, w);
    }

    @Override public Tensor maxPoolBackward(Tensor grad, Tensor indices, int[] inputShape) {
        if (!(sixteenBit(grad) || sixteenBit(indices))) {
            return d.maxPoolBackward(grad, indices, inputShape);
        }
        return (Tensor) widened("maxPoolBackward", grad, indices, inputShape);
    }

    @Override public Tensor avgPool(Tensor x, PoolWindows w) {
        if (!(sixteenBit(x))) {
            return d.avgPool(x, w);
        }
        return (Tensor) widened("avgPool", x, w);
    }

    @Override public Tensor avgPoolBackward(Tensor grad, PoolWindows w, int[] inputShape) {
        if (!(sixteenBit(grad))) {
            return d.avgPoolBackward(grad, w, inputShape);
        }
        return (Tensor) widened("avgPoolBackward", grad, w, inputShape);
    }

    @Override public Tensor[] layerNorm(Tensor x, int normalizedNumel, Tensor weight, Tensor bias, double eps, boolean rms) {
        if (!(sixteenBit(x) || sixteenBit(weight) || sixteenBit(bias))) {
            return d.layerNorm(x, normalizedNumel, weight, bias, eps, rms);
        }
        return (Tensor[]) widened("layerNorm", x, normalizedNumel, weight, bias, eps, rms);
    }

    @Override public Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int normalizedNumel, boolean rms, boolean[] need) {
        if (!(sixteenBit(grad) || sixteenBit(x) || sixteenBit(mean) || sixteenBit(rstd) || sixteenBit(weight))) {
            return d.layerNormBackward(grad, x, mean, rstd, weight, normalizedNumel, rms, need);
        }
        return (Tensor[]) widened("layerNormBackward", grad, x, mean, rstd, weight, normalizedNumel, rms, need);
    }

    @Override public Tensor[] batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, boolean training, double momentum, double eps) {
        if (!(sixteenBit(x) || sixteenBit(weight) || sixteenBit(bias) || sixteenBit(runningMean) || sixteenBit(runningVar))) {
            return d.batchNorm(x, weight, bias, runningMean, runningVar, training, momentum, eps);
        }
        return (Tensor[]) widened("batchNorm", x, weight, bias, runningMean, runningVar, training, momentum, eps);
    }

    @Override public Tensor[] batchNormBackward(Tensor grad, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd, boolean training, boolean[] need) {
        if (!(sixteenBit(grad) || sixteenBit(x) || sixteenBit(weight) || sixteenBit(saveMean) || sixteenBit(saveInvstd))) {
            return d.batchNormBackward(grad, x, weight, saveMean, saveInvstd, training, need);
        }
        return (Tensor[]) widened("batchNormBackward", grad, x, weight, saveMean, saveInvstd, training, need);
    }

    @Override public Tensor[] groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        if (!(sixteenBit(x) || sixteenBit(weight) || sixteenBit(bias))) {
            return d.groupNorm(x, numGroups, weight, bias, eps);
        }
        return (Tensor[]) widened("groupNorm", x, numGroups, weight, bias, eps);
    }

    @Override public Tensor[] groupNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int numGroups, boolean[] need) {
        if (!(sixteenBit(grad) || sixteenBit(x) || sixteenBit(mean) || sixteenBit(rstd) || sixteenBit(weight))) {
            return d.groupNormBackward(grad, x, mean, rstd, weight, numGroups, need);
        }
        return (Tensor[]) widened("groupNormBackward", grad, x, mean, rstd, weight, numGroups, need);
    }

    @Override public void attentionForward(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor keep, Tensor probs, Tensor out) {
        if (!(sixteenBit(q) || sixteenBit(k) || sixteenBit(v) || sixteenBit(mask) || sixteenBit(keep) || sixteenBit(probs) || sixteenBit(out))) {
            d.attentionForward(q, k, v, mask, causal, scale, keep, probs, out);
            return;
        }
        widened("attentionForward", q, k, v, mask, causal, scale, keep, probs, out);
    }

    @Override public void attentionBackward(Tensor grad, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor keep, double scale, boolean causal, Tensor gq, Tensor gk, Tensor gv, Tensor gLogits) {
        if (!(sixteenBit(grad) || sixteenBit(q) || sixteenBit(k) || sixteenBit(v) || sixteenBit(probs) || sixteenBit(keep) || sixteenBit(gq) || sixteenBit(gk) || sixteenBit(gv) || sixteenBit(gLogits))) {
            d.attentionBackward(grad, q, k, v, probs, keep, scale, causal, gq, gk, gv, gLogits);
            return;
        }
        widened("attentionBackward", grad, q, k, v, probs, keep, scale, causal, gq, gk, gv, gLogits);
    }

    @Override public Tensor maskedSoftmax_(Tensor scores, double scale, Tensor mask, boolean causal) {
        if (!(sixteenBit(scores) || sixteenBit(mask))) {
            return d.maskedSoftmax_(scores, scale, mask, causal);
        }
        return (Tensor) widened("maskedSoftmax_", scores, scale, mask, causal);
    }

    @Override public Tensor maskedSoftmaxBackward(Tensor grad, Tensor probs, double scale) {
        if (!(sixteenBit(grad) || sixteenBit(probs))) {
            return d.maskedSoftmaxBackward(grad, probs, scale);
        }
        return (Tensor) widened("maskedSoftmaxBackward", grad, probs, scale);
    }

    @Override public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        if (!(sixteenBit(x) || sixteenBit(weight) || sixteenBit(bias))) {
            return d.linear(x, weight, bias);
        }
        return (Tensor) widened("linear", x, weight, bias);
    }

    @Override public Tensor[] linearBackward(Tensor grad, Tensor x, Tensor weight, boolean[] need) {
        if (!(sixteenBit(grad) || sixteenBit(x) || sixteenBit(weight))) {
            return d.linearBackward(grad, x, weight, need);
        }
        return (Tensor[]) widened("linearBackward", grad, x, weight, need);
    }

    // ------------------------------------------------------------------ the 16-bit path

    /** Runs kernel {@code name} on float32 copies of the 16-bit tensors in {@code args} (see the class comment). */
    private Object widened(String name, Object... args) {
        DType half = null;
        boolean wide = false;
        for (Object a : args) {
            if (!(a instanceof Tensor)) continue;
            DType dt = ((Tensor) a).dtype();
            if (dt.isReducedPrecision()) half = half == null || half == dt ? dt : DType.FLOAT32;
            else if (dt.isFloatingPoint()) wide = true;
        }
        requireCpu(half);
        Map<Tensor, Tensor> wideOf = new IdentityHashMap<>();
        Object[] wargs = args.clone();
        for (int i = 0; i < wargs.length; i++) {
            if (wargs[i] instanceof Tensor) wargs[i] = widen((Tensor) wargs[i], wideOf);
        }
        Object r;
        try {
            r = METHODS.get(name).invoke(d, wargs);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) throw (RuntimeException) c;
            if (c instanceof Error) throw (Error) c;
            throw new IllegalStateException(c);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        Map<Tensor, Tensor> originalOf = new IdentityHashMap<>();
        for (Map.Entry<Tensor, Tensor> e : wideOf.entrySet()) originalOf.put(e.getValue(), e.getKey());
        for (int i : WRITTEN_ARGUMENTS.getOrDefault(name, new int[0])) {
            if (args[i] instanceof Tensor t && wideOf.containsKey(t)) d.copy(wideOf.get(t), t);
        }
        DType out = wide || !half.isReducedPrecision() ? null : half;
        if (r instanceof Tensor) return narrow((Tensor) r, out, originalOf);
        if (r instanceof Tensor[]) {
            int[] like = OUTPUT_LIKE.get(name);
            Tensor[] ts = ((Tensor[]) r).clone();
            for (int j = 0; j < ts.length; j++) {
                DType o = out;
                if (like != null) {
                    o = null;
                    if (like[j] >= 0 && args[like[j]] instanceof Tensor a && a.dtype().isReducedPrecision()) o = a.dtype();
                }
                ts[j] = narrow(ts[j], o, originalOf);
            }
            return ts;
        }
        return r;
    }

    private Tensor widen(Tensor t, Map<Tensor, Tensor> wideOf) {
        if (!sixteenBit(t)) return t;
        Tensor w = wideOf.get(t);
        if (w == null) {
            w = new Tensor(d.allocate(DType.FLOAT32, t.numel(), t.device()), t.shape());
            d.copy(t, w);
            wideOf.put(t, w);
        }
        return w;
    }

    private Tensor narrow(Tensor r, DType out, Map<Tensor, Tensor> originalOf) {
        if (r == null) return null;
        Tensor original = originalOf.get(r);
        if (original != null) return original;
        if (out == null || r.dtype() != DType.FLOAT32) return r;
        Tensor n = new Tensor(d.allocate(out, r.numel(), r.device()), r.shape());
        d.copy(r, n);
        return n;
    }
}
