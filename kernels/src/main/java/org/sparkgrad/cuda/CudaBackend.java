package org.sparkgrad.cuda;

import static org.sparkgrad.cuda.CudaLaunch.st;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.IntFunction;
import org.sparkgrad.backend.Backend;
import org.sparkgrad.backend.BinaryOp;
import org.sparkgrad.backend.PoolWindows;
import org.sparkgrad.backend.ReduceOp;
import org.sparkgrad.backend.Strided;
import org.sparkgrad.backend.UnaryOp;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Storage;
import org.sparkgrad.tensor.Tensor;

/**
 * The CUDA implementation of the engine's {@link Backend} SPI, registered for {@link Device.Type#CUDA} through
 * {@code META-INF/services/org.sparkgrad.backend.Backend}. Every method runs on the GPU with the kernels of
 * {@code src/main/cuda} (nothing falls back to the CPU but the cases listed in the README: conv with more than 6 spatial
 * dims and pooling windows that are neither regular nor adaptive); results are new contiguous CUDA tensors, computed
 * asynchronously on the calling thread's stream ({@link CudaDevice}). {@link #download} and the index ops
 * (which check their indices) synchronize.
 *
 * <p>Inputs must live on one CUDA device; as in PyTorch, a 0-d CPU tensor is accepted as a scalar operand and
 * copied over. Anything else on another device is an {@link IllegalArgumentException}.
 *
 * <p>Numerics: float32 reductions accumulate in float32 with a tree (the CPU backend accumulates in double), so
 * float32 sums differ from the CPU's in the last bits; everything else follows the CPU backend's semantics,
 * including NaN propagation of max/min, first-index ties of argmax/argmin, negative indices of index ops, and
 * int64 floor division.
 */
public final class CudaBackend implements Backend {
    private final IntFunction<CudaDevice> devices;

    /** The backend over the machine's GPUs (the ServiceLoader constructor). */
    public CudaBackend() {
        this(CudaDevice::get);
    }

    /** A backend over the given devices (tests drive it with a recording device). */
    CudaBackend(IntFunction<CudaDevice> devices) {
        this.devices = devices;
    }

    @Override
    public Device.Type deviceType() {
        return Device.Type.CUDA;
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public boolean isAvailable() {
        return CudaRuntime.isAvailable();
    }

    @Override
    public String unavailableReason() {
        return CudaRuntime.unavailableReason().orElse(null);
    }

    // ================================================================== helpers
    CudaDevice dev(Device d) {
        if (d.type() != Device.Type.CUDA) throw new IllegalArgumentException("not a CUDA device: " + d);
        return devices.apply(d.index());
    }

    /** The common CUDA device of the tensors (0-d CPU tensors are scalars and do not count). */
    static CudaDevice devOf(Tensor... ts) {
        CudaDevice found = null;
        for (Tensor t : ts) {
            if (t == null || !(t.storage() instanceof CudaStorage)) continue;
            CudaDevice d = ((CudaStorage) t.storage()).cudaDevice();
            if (found == null) found = d;
            else if (found != d) {
                throw new IllegalArgumentException("expected all tensors on one device, found " + found + " and " + d);
            }
        }
        if (found == null) throw new IllegalArgumentException("the CUDA backend got no CUDA tensor");
        return found;
    }

    /** t on dev: CUDA tensors as they are, a 0-d CPU tensor copied over; anything else is an error. */
    static Tensor on(CudaDevice dev, Tensor t) {
        if (t.storage() instanceof CudaStorage) return t;
        if (t.dim() == 0 && t.device().isCpu()) {
            Tensor h = t.contiguousCopy();
            return new Tensor(upload(dev, (CpuStorage) h.storage()), new int[0]);
        }
        throw new IllegalArgumentException("expected a tensor on " + dev + " but got one on " + t.device()
                + " (only 0-d CPU tensors mix with CUDA tensors)");
    }

    static Tensor empty(CudaDevice dev, DType dt, int[] shape) {
        return new Tensor(CudaStorage.allocate(dev, dt, Shape.numel(shape), false), shape.clone());
    }

    /** t converted to dt (t itself when it already is). */
    static Tensor as(CudaDevice dev, Tensor t, DType dt) {
        if (t.dtype() == dt) return t;
        Tensor out = empty(dev, dt, t.shapeRef());
        CudaLaunch.cast(dev, out, t);
        return out;
    }

    static Tensor contiguousOn(CudaDevice dev, Tensor t) {
        if (t.isContiguous()) return t;
        Tensor out = empty(dev, t.dtype(), t.shapeRef());
        CudaLaunch.cast(dev, out, t);
        return out;
    }

    static void requireFloat(Tensor t, String op) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + " is not supported for dtype " + t.dtype().torchName());
        }
    }

    // ================================================================== memory and movement
    @Override
    public Storage allocate(DType dtype, int numel, Device device) {
        return CudaStorage.allocate(dev(device), dtype, numel, true);
    }

    @Override
    public Storage upload(CpuStorage host, Device device) {
        return upload(dev(device), host);
    }

    static CudaStorage upload(CudaDevice d, CpuStorage host) {
        CudaStorage s = CudaStorage.allocate(d, host.dtype(), host.size(), false);
        s.beforeAccess();
        d.upload(s.buffer(), 0, s.byteSize(), bb -> put(bb, host));
        s.written();
        return s;
    }

    private static void put(ByteBuffer bb, CpuStorage host) {
        switch (host.dtype()) {
            case FLOAT32: bb.asFloatBuffer().put(host.f, 0, host.size()); break;
            case FLOAT64: bb.asDoubleBuffer().put(host.d, 0, host.size()); break;
            case INT64: bb.asLongBuffer().put(host.l, 0, host.size()); break;
            case BOOL: bb.put(host.b, 0, host.size()); break;
            default: throw new IllegalArgumentException("unsupported dtype " + host.dtype());
        }
    }

    @Override
    public CpuStorage download(Tensor t) {
        CudaDevice d = devOf(t);
        Tensor c = contiguousOn(d, t);
        int n = c.numel();
        CpuStorage host = CpuStorage.allocate(c.dtype(), n);
        st(c).beforeAccess();
        long item = c.dtype().itemSize();
        d.download(st(c).buffer(), c.storageOffset() * item, n * item, bb -> {
            switch (host.dtype()) {
                case FLOAT32: bb.asFloatBuffer().get(host.f, 0, n); break;
                case FLOAT64: bb.asDoubleBuffer().get(host.d, 0, n); break;
                case INT64: bb.asLongBuffer().get(host.l, 0, n); break;
                default: bb.get(host.b, 0, n);
            }
        });
        return host;
    }

    @Override
    public Tensor contiguous(Tensor t) {
        CudaDevice d = devOf(t);
        Tensor out = empty(d, t.dtype(), t.shapeRef());
        CudaLaunch.cast(d, out, t);
        return out;
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        CudaDevice d = devOf(dst);
        // a host source (e.g. a CPU tensor assigned into a CUDA view) is uploaded first
        Tensor s = src.storage() instanceof CudaStorage ? src
                : new Tensor(upload(d, src.backend().download(src)), src.shape());
        Strided.broadcastStrides(s, dst.shapeRef());   // throws with both shapes when s does not broadcast to dst
        CudaLaunch.cast(d, dst, s);
    }

    @Override
    public void fill(Tensor dst, double value) {
        CudaLaunch.fill(devOf(dst), dst, value);
    }

    // ================================================================== elementwise
    @Override
    public Tensor unary(UnaryOp op, Tensor x, double a, double b) {
        CudaDevice d = devOf(x);
        if (op == UnaryOp.LOGICAL_NOT) {
            Tensor out = empty(d, DType.BOOL, x.shapeRef());
            CudaLaunch.logical(d, KernelOps.Logical.NOT, out, as(d, x, DType.BOOL), null);
            return out;
        }
        if (op == UnaryOp.IS_NONFINITE) {
            Tensor out = empty(d, DType.BOOL, x.shapeRef());
            if (x.dtype().isFloatingPoint()) CudaLaunch.nonFinite(d, out, x);
            else CudaLaunch.fill(d, out, 0);
            return out;
        }
        KernelOps.Unary k = UnaryKernels.FORWARD.get(op);
        if (k == null) throw new IllegalArgumentException("unary op " + op + " has no CUDA kernel");
        if (!x.dtype().isFloatingPoint()) {
            // as the CPU backend: compute in double, store back in the integer dtype
            Tensor r = unary(op, as(d, x, DType.FLOAT64), a, b);
            return as(d, r, x.dtype());
        }
        Tensor out = empty(d, x.dtype(), x.shapeRef());
        CudaLaunch.unary(d, k, out, x, a, b);
        return out;
    }

    @Override
    public Tensor unaryBackward(UnaryOp op, Tensor grad, Tensor x, Tensor out, double a, double b) {
        CudaDevice d = devOf(grad, x, out);
        UnaryKernels.GradRule rule = UnaryKernels.BACKWARD.get(op);
        if (rule == null) throw new IllegalArgumentException("unary op " + op + " has no CUDA gradient kernel");
        requireFloat(grad, op + " backward");
        DType dt = grad.dtype();
        Tensor res = empty(d, dt, grad.shapeRef());
        if (rule.kernel() == null) {
            CudaLaunch.unary(d, rule.onGrad(), res, grad, rule.scaleByA() ? a : rule.scale(), 0);
            return res;
        }
        Tensor saved;
        if (rule.needsOutput()) {
            saved = out != null ? out : unary(op, as(d, x, dt), a, b);
        } else {
            saved = x;
        }
        CudaLaunch.unaryGrad(d, rule.kernel(), res, grad, as(d, saved, dt), a, b);
        return res;
    }

    private static KernelOps.Binary arithmetic(BinaryOp op) {
        switch (op) {
            case ADD: return KernelOps.Binary.ADD;
            case SUB: return KernelOps.Binary.SUB;
            case MUL: return KernelOps.Binary.MUL;
            case DIV: return KernelOps.Binary.DIV;
            case POW: return KernelOps.Binary.POW;
            case MAXIMUM: return KernelOps.Binary.MAXIMUM;
            case MINIMUM: return KernelOps.Binary.MINIMUM;
            case ATAN2: return KernelOps.Binary.ATAN2;
            case FMOD: return KernelOps.Binary.FMOD;
            case REMAINDER: return KernelOps.Binary.REMAINDER;
            case HYPOT: return KernelOps.Binary.HYPOT;
            case COPYSIGN: return KernelOps.Binary.COPYSIGN;
            case FLOOR_DIVIDE: return KernelOps.Binary.FLOOR_DIVIDE;
            default: return null;
        }
    }

    /** Whether sg_binary_i64 implements the op (the float-only functions atan2, hypot, copysign it does not). */
    private static boolean hasInt64Kernel(BinaryOp op) {
        return op != BinaryOp.ATAN2 && op != BinaryOp.HYPOT && op != BinaryOp.COPYSIGN;
    }

    private static KernelOps.Compare comparison(BinaryOp op) {
        switch (op) {
            case EQ: return KernelOps.Compare.EQ;
            case NE: return KernelOps.Compare.NE;
            case LT: return KernelOps.Compare.LT;
            case LE: return KernelOps.Compare.LE;
            case GT: return KernelOps.Compare.GT;
            case GE: return KernelOps.Compare.GE;
            default: return null;
        }
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor x, Tensor y) {
        CudaDevice d = devOf(x, y);
        x = on(d, x);
        y = on(d, y);
        int[] shape = Shape.broadcast(x.shapeRef(), y.shapeRef());
        DType ct = DType.promote(x.dtype(), y.dtype());
        if (op == BinaryOp.LOGICAL_AND || op == BinaryOp.LOGICAL_OR) {
            Tensor out = empty(d, DType.BOOL, shape);
            CudaLaunch.logical(d, op == BinaryOp.LOGICAL_AND ? KernelOps.Logical.AND : KernelOps.Logical.OR, out,
                    as(d, x, DType.BOOL), as(d, y, DType.BOOL));
            return out;
        }
        KernelOps.Compare cmp = comparison(op);
        if (cmp != null) {
            Tensor out = empty(d, DType.BOOL, shape);
            CudaLaunch.compare(d, cmp, out, as(d, x, ct), as(d, y, ct));
            return out;
        }
        KernelOps.Binary k = arithmetic(op);
        if (k == null) throw new IllegalArgumentException("binary op " + op + " has no CUDA kernel");
        if (ct == DType.BOOL || (ct == DType.INT64 && !hasInt64Kernel(op))) {
            // as the CPU backend: compute in double, store in the common dtype (bool: != 0)
            Tensor r = binary(op, as(d, x, DType.FLOAT64), as(d, y, DType.FLOAT64));
            return as(d, r, ct);
        }
        Tensor out = empty(d, ct, shape);
        CudaLaunch.binary(d, k, out, as(d, x, ct), as(d, y, ct));
        return out;
    }

    @Override
    public void binaryInPlace(BinaryOp op, Tensor x, Tensor y) {
        CudaDevice d = devOf(x, y);
        y = on(d, y);
        Shape.broadcast(x.shapeRef(), y.shapeRef());
        KernelOps.Binary k = arithmetic(op);
        if (k == null || x.dtype() == DType.BOOL || (x.dtype() == DType.INT64 && !hasInt64Kernel(op))) {
            Tensor r = binary(op, x, y);
            CudaLaunch.cast(d, x, r);
            return;
        }
        Strided.broadcastStrides(y, x.shapeRef());   // y must broadcast to x's shape
        CudaLaunch.binary(d, k, x, x, as(d, y, x.dtype()));
    }

    @Override
    public Tensor where(Tensor cond, Tensor x, Tensor y) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("where expected condition to be a boolean tensor, but got a tensor with dtype "
                    + cond.dtype().torchName());
        }
        CudaDevice d = devOf(cond, x, y);
        cond = on(d, cond);
        x = on(d, x);
        y = on(d, y);
        int[] shape = Shape.broadcast(Shape.broadcast(cond.shapeRef(), x.shapeRef()), y.shapeRef());
        DType dt = DType.promote(x.dtype(), y.dtype());
        Tensor out = empty(d, dt, shape);
        CudaLaunch.where(d, out, cond, as(d, x, dt), as(d, y, dt));
        return out;
    }

    // ================================================================== reductions
    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        CudaDevice d = devOf(x);
        boolean intReduce = op != ReduceOp.MEAN && op != ReduceOp.LOGSUMEXP && !x.dtype().isFloatingPoint();
        if (!x.dtype().isFloatingPoint() && !intReduce) {
            throw new IllegalArgumentException(op + " is not supported for dtype " + x.dtype().torchName());
        }
        Tensor in = intReduce ? as(d, x, DType.INT64) : x;
        ReducePlan plan = ReducePlan.of(in.shapeRef(), in.stridesRef(), in.storageOffset(), dims, keepdim,
                d.multiprocessors());
        if (plan.nRed() == 0 && (op == ReduceOp.AMAX || op == ReduceOp.AMIN)) {
            throw new IllegalArgumentException(op.name().toLowerCase(java.util.Locale.ROOT) + "(): Expected reduction dim to have non-zero size for input of shape "
                    + Shape.str(x.shapeRef()));
        }
        String kernel;
        switch (op) {
            case SUM: kernel = "sum"; break;
            case MEAN: kernel = "mean"; break;
            case PROD: kernel = "prod"; break;
            case AMAX: kernel = "max"; break;
            case AMIN: kernel = "min"; break;
            case LOGSUMEXP: kernel = "logsumexp"; break;
            default: throw new IllegalArgumentException("reduction " + op + " has no CUDA kernel");
        }
        Tensor out = empty(d, in.dtype(), plan.outShape());
        CudaLaunch.reduce(d, kernel, plan, in, out, null, 0, 0);
        return out;
    }

    @Override
    public Tensor var(Tensor x, int[] dims, double correction, boolean keepdim) {
        requireFloat(x, "var");
        CudaDevice d = devOf(x);
        ReducePlan plan = ReducePlan.of(x.shapeRef(), x.stridesRef(), x.storageOffset(), dims, keepdim,
                d.multiprocessors());
        Tensor out = empty(d, x.dtype(), plan.outShape());
        CudaLaunch.reduce(d, "var", plan, x, out, null, correction, 0);
        return out;
    }

    @Override
    public Tensor argReduce(boolean max, Tensor x, int dim, boolean keepdim) {
        CudaDevice d = devOf(x);
        Tensor in = x.dtype().isFloatingPoint() ? x : as(d, x, DType.INT64);
        int[] dims = x.dim() == 0 ? new int[0] : new int[] {dim};
        ReducePlan plan = ReducePlan.of(in.shapeRef(), in.stridesRef(), in.storageOffset(), dims, keepdim,
                d.multiprocessors());
        if (plan.nRed() == 0) {
            throw new IllegalArgumentException((max ? "argmax" : "argmin") + "(): Expected reduction dim " + dim
                    + " to have non-zero size for input of shape " + Shape.str(x.shapeRef()));
        }
        Tensor idx = empty(d, DType.INT64, plan.outShape());
        CudaLaunch.reduce(d, max ? "max" : "min", plan, in, null, idx, 0, 0);
        return idx;
    }

    // ================================================================== linear algebra
    private static boolean rowMajor(int[] st, int rank, int cols) {
        return st[rank - 1] == 1 && st[rank - 2] >= Math.max(1, cols);
    }

    private static boolean colMajor(int[] st, int rank, int rows) {
        return st[rank - 2] == 1 && st[rank - 1] >= Math.max(1, rows);
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        if (!a.dtype().isFloatingPoint() || a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("matmul expects float tensors of one dtype, got " + a.dtype().torchName()
                    + " and " + b.dtype().torchName());
        }
        CudaDevice d = devOf(a, b);
        int rank = a.dim();
        if (rank < 2 || b.dim() != rank) {
            throw new IllegalArgumentException("matmul expects two tensors of one rank >= 2, got " + Shape.str(a.shapeRef())
                    + " and " + Shape.str(b.shapeRef()));
        }
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        if (b.size(-2) != k) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.str(a.shapeRef()) + " and "
                    + Shape.str(b.shapeRef()) + " cannot be multiplied");
        }
        if (!rowMajor(a.stridesRef(), rank, k) && !colMajor(a.stridesRef(), rank, m)) a = contiguousOn(d, a);
        if (!rowMajor(b.stridesRef(), rank, n) && !colMajor(b.stridesRef(), rank, k)) b = contiguousOn(d, b);
        boolean ta = !rowMajor(a.stridesRef(), rank, k);
        boolean tb = !rowMajor(b.stridesRef(), rank, n);
        int lda = ta ? a.stride(-1) : a.stride(-2);
        int ldb = tb ? b.stride(-1) : b.stride(-2);
        if (m == 1 || k == 1) lda = ta ? Math.max(lda, m) : Math.max(lda, k);
        if (k == 1 || n == 1) ldb = tb ? Math.max(ldb, k) : Math.max(ldb, n);
        int[] outShape = a.shape();
        outShape[rank - 1] = n;
        Tensor out = empty(d, a.dtype(), outShape);
        if (out.numel() == 0) return out;
        int[] batchShape = Arrays.copyOf(outShape, rank - 2);
        for (int i = 0; i < rank - 2; i++) {
            if (a.size(i) != b.size(i)) {
                throw new IllegalArgumentException("matmul: batch dims differ: " + Shape.str(a.shapeRef()) + " and "
                        + Shape.str(b.shapeRef()));
            }
        }
        int[] cBatchStrides = Arrays.copyOf(TensorDesc.contiguousStrides(outShape), rank - 2);
        TensorDesc[] bd = TensorDesc.coalesce(batchShape, new int[][] {Arrays.copyOf(a.stridesRef(), rank - 2),
                Arrays.copyOf(b.stridesRef(), rank - 2), cBatchStrides}, new int[] {a.storageOffset(), b.storageOffset(), 0});
        int inner = bd[0].shape()[bd[0].ndim() - 1];
        int[] outerShape = Arrays.copyOf(bd[0].shape(), bd[0].ndim() - 1);
        TensorDesc ao = TensorDesc.of(bd[0].offset(), outerShape, Arrays.copyOf(bd[0].stride(), outerShape.length));
        TensorDesc bo = TensorDesc.of(bd[1].offset(), outerShape, Arrays.copyOf(bd[1].stride(), outerShape.length));
        TensorDesc co = TensorDesc.of(0, outerShape, Arrays.copyOf(bd[2].stride(), outerShape.length));
        long sa = bd[0].stride()[bd[0].ndim() - 1], sb = bd[1].stride()[bd[1].ndim() - 1];
        long sc = bd[2].stride()[bd[2].ndim() - 1];
        long outer = Shape.numel(outerShape);
        CudaLaunch.before(a, b, out);
        for (long o = 0; o < outer; o++) {
            CudaLaunch.gemm(d, a.dtype(), ta, tb, m, n, k, a, ao.offsetOf(o), lda, sa, b, bo.offsetOf(o), ldb, sb, out,
                    co.offsetOf(o), n, sc == 0 ? (long) m * n : sc, inner);
        }
        CudaLaunch.written(out);
        return out;
    }

    // ================================================================== softmax
    private static int[] layout(int[] shape, int dim) {
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.length; i++) inner *= shape[i];
        return new int[] {outer, shape.length == 0 ? 1 : shape[dim], inner};
    }

    @Override
    public Tensor softmax(Tensor x, int dim, boolean log) {
        requireFloat(x, "softmax");
        CudaDevice d = devOf(x);
        Tensor xc = contiguousOn(d, x);
        Tensor out = empty(d, x.dtype(), x.shapeRef());
        int[] l = layout(x.shapeRef(), x.dim() == 0 ? 0 : dim);
        CudaLaunch.softmax(d, xc, out, l[0], l[1], l[2], log);
        return out;
    }

    @Override
    public Tensor softmaxBackward(Tensor grad, Tensor out, int dim, boolean log) {
        CudaDevice d = devOf(grad, out);
        Tensor g = contiguousOn(d, as(d, grad, out.dtype()));
        Tensor y = contiguousOn(d, out);
        Tensor res = empty(d, out.dtype(), out.shapeRef());
        int[] l = layout(out.shapeRef(), out.dim() == 0 ? 0 : dim);
        CudaLaunch.softmaxBackward(d, y, g, res, l[0], l[1], l[2], log);
        return res;
    }

    // ================================================================== indexing
    private static void requireIndex(Tensor index, String op) {
        if (index.dtype() != DType.INT64) {
            throw new IllegalArgumentException(op + "(): Expected dtype int64 for index, got " + index.dtype().torchName());
        }
    }

    /** The index as a 1-D CUDA tensor (a 0-d index becomes one element). */
    private static Tensor index1d(CudaDevice d, Tensor index) {
        Tensor i = on(d, index);
        if (i.dim() == 1) return i;
        Tensor c = contiguousOn(d, i);
        return new Tensor(c.storage(), c.storageOffset(), new int[] {c.numel()}, new int[] {1});
    }

    private static void raiseIfFlagged(CudaDevice d, DeviceBuffer flag, int dim, int size) {
        if (CudaLaunch.errorRaised(d, flag)) {
            throw new IndexOutOfBoundsException("index out of bounds for dimension " + dim + " with size " + size
                    + " (an index outside [-" + size + ", " + size + ") was found on " + d + ")");
        }
    }

    private static void checkGatherShapes(String op, Tensor x, Tensor index, int dim) {
        if (index.dim() != x.dim()) {
            throw new IllegalArgumentException(op + "(): Index tensor must have the same number of dimensions as input tensor: index "
                    + Shape.str(index.shapeRef()) + " vs input " + Shape.str(x.shapeRef()));
        }
        for (int i = 0; i < x.dim(); i++) {
            if (i != dim && index.size(i) > x.size(i)) {
                throw new IllegalArgumentException(op + "(): Size does not match at dimension " + i + ": index "
                        + Shape.str(index.shapeRef()) + " vs input " + Shape.str(x.shapeRef()));
            }
        }
    }

    @Override
    public Tensor indexSelect(Tensor x, int dim, Tensor index) {
        requireIndex(index, "index_select");
        CudaDevice d = devOf(x, index);
        Tensor idx = index1d(d, index);
        int len = idx.numel();
        int[] xShape = CudaLaunch.shapeOrOne(x.shapeRef());
        int size = xShape[dim];
        int[] outShape = xShape.clone();
        outShape[dim] = len;
        Tensor out = empty(d, x.dtype(), outShape);
        long n = out.numel();
        if (n > 0) {
            DeviceBuffer flag = CudaLaunch.errorFlag(d);
            CudaLaunch.before(out, x, idx);
            d.launch("index", "sg_index_select_" + CudaLaunch.sfx(x.dtype()), CudaLaunch.linear(d, n), 0, new KernelArgs()
                    .i64(n).i32(dim).desc(CudaLaunch.own(out)).ptr(CudaLaunch.ptr(out)).desc(CudaLaunch.own(x))
                    .ptr(CudaLaunch.ptr(x)).desc(CudaLaunch.own(idx)).ptr(CudaLaunch.ptr(idx))
                    .ptr((jcuda.driver.CUdeviceptr) flag.handle()));
            CudaLaunch.written(out);
            raiseIfFlagged(d, flag, dim, size);
        }
        if (x.dim() == 0) return new Tensor(out.storage(), 0, new int[0], new int[0]);
        return out;
    }

    @Override
    public void indexAdd(Tensor target, int dim, Tensor index, Tensor src) {
        requireIndex(index, "index_add");
        CudaDevice d = devOf(target, index, src);
        Tensor idx = index1d(d, index);
        Tensor s = as(d, on(d, src), target.dtype());
        if (!target.dtype().isFloatingPoint() && target.dtype() != DType.INT64) {
            throw new IllegalArgumentException("index_add is not supported for dtype " + target.dtype().torchName());
        }
        int size = CudaLaunch.shapeOrOne(target.shapeRef())[dim];
        long n = s.numel();
        if (n == 0) return;
        DeviceBuffer flag = CudaLaunch.errorFlag(d);
        CudaLaunch.before(target, s, idx);
        d.launch("index", "sg_index_add_" + CudaLaunch.sfx(target.dtype()), CudaLaunch.linear(d, n), 0, new KernelArgs()
                .i64(n).i32(dim).desc(CudaLaunch.own(target)).ptr(CudaLaunch.ptr(target)).desc(CudaLaunch.own(s))
                .ptr(CudaLaunch.ptr(s)).desc(CudaLaunch.own(idx)).ptr(CudaLaunch.ptr(idx)).f64(1.0).i32(0).i64(0)
                .ptr((jcuda.driver.CUdeviceptr) flag.handle()));
        CudaLaunch.written(target);
        raiseIfFlagged(d, flag, dim, size);
    }

    @Override
    public Tensor gather(Tensor x, int dim, Tensor index) {
        requireIndex(index, "gather");
        checkGatherShapes("gather", x, index, dim);
        CudaDevice d = devOf(x, index);
        Tensor idx = on(d, index);
        Tensor out = empty(d, x.dtype(), index.shapeRef());
        long n = out.numel();
        if (n == 0) return out;
        int size = CudaLaunch.shapeOrOne(x.shapeRef())[dim];
        DeviceBuffer flag = CudaLaunch.errorFlag(d);
        CudaLaunch.before(out, x, idx);
        d.launch("index", "sg_gather_" + CudaLaunch.sfx(x.dtype()), CudaLaunch.linear(d, n), 0, new KernelArgs().i64(n)
                .i32(dim).desc(CudaLaunch.own(out)).ptr(CudaLaunch.ptr(out)).desc(CudaLaunch.own(idx))
                .ptr(CudaLaunch.ptr(idx)).desc(CudaLaunch.own(x)).ptr(CudaLaunch.ptr(x))
                .ptr((jcuda.driver.CUdeviceptr) flag.handle()));
        CudaLaunch.written(out);
        raiseIfFlagged(d, flag, dim, size);
        return out;
    }

    @Override
    public void scatter(Tensor target, int dim, Tensor index, Tensor src, boolean add) {
        requireIndex(index, add ? "scatter_add" : "scatter");
        checkGatherShapes(add ? "scatter_add" : "scatter", target, index, dim);
        CudaDevice d = devOf(target, index, src);
        Tensor idx = on(d, index);
        Tensor s = as(d, on(d, src), target.dtype());
        if (add && target.dtype() == DType.BOOL) {
            throw new IllegalArgumentException("scatter_add is not supported for dtype bool");
        }
        long n = idx.numel();
        if (n == 0) return;
        int size = CudaLaunch.shapeOrOne(target.shapeRef())[dim];
        DeviceBuffer flag = CudaLaunch.errorFlag(d);
        CudaLaunch.before(target, s, idx);
        d.launch("index", (add ? "sg_scatter_add_" : "sg_scatter_") + CudaLaunch.sfx(target.dtype()),
                CudaLaunch.linear(d, n), 0, new KernelArgs().i64(n).i32(dim).desc(CudaLaunch.own(target))
                        .ptr(CudaLaunch.ptr(target)).desc(CudaLaunch.own(idx)).ptr(CudaLaunch.ptr(idx))
                        .desc(CudaLaunch.over(s, idx.shapeRef())).ptr(CudaLaunch.ptr(s))
                        .ptr((jcuda.driver.CUdeviceptr) flag.handle()));
        CudaLaunch.written(target);
        raiseIfFlagged(d, flag, dim, size);
    }

    // ================================================================== convolution and pooling (N-d)
    // Native: im2col/col2im kernels (conv.cu) and the GEMM (gemm.cu); the kernels support 1..6 spatial dims, more
    // spatial dims keep the SPI's host default (documented in the README).

    private static Tensor view(Tensor t, int[] shape, int[] strides) {
        return new Tensor(t.storage(), t.storageOffset(), shape, strides);
    }

    /** A contiguous tensor seen with another shape of the same size. */
    private static Tensor reshaped(Tensor contiguous, int... shape) {
        return view(contiguous, shape, TensorDesc.contiguousStrides(shape));
    }

    /** The last two dims swapped (a view). */
    private static Tensor transposeLast(Tensor t) {
        int r = t.dim();
        int[] s = t.shape(), st = t.strides();
        int a = s[r - 1];
        s[r - 1] = s[r - 2];
        s[r - 2] = a;
        a = st[r - 1];
        st[r - 1] = st[r - 2];
        st[r - 2] = a;
        return view(t, s, st);
    }

    private static int[] spatialOf(Tensor t) {
        return Arrays.copyOfRange(t.shapeRef(), 2, t.dim());
    }

    private static int[] withSpatial(int n, int c, int[] spatial) {
        int[] r = new int[spatial.length + 2];
        r[0] = n;
        r[1] = c;
        System.arraycopy(spatial, 0, r, 2, spatial.length);
        return r;
    }

    /** A per-channel vector {@code (C)} seen as {@code (1, C, 1, ..., 1)} of the given rank. */
    private static Tensor channelView(Tensor v, int rank) {
        int[] shape = new int[rank], strides = new int[rank];
        Arrays.fill(shape, 1);
        shape[1] = v.numel();
        strides[1] = v.dim() == 0 ? 0 : v.stride(v.dim() - 1);
        return view(v, shape, strides);
    }

    private static Tensor scalar(double v, DType dt) {
        return Tensor.scalar(v, dt);
    }

    private static boolean nativeSpatial(int nd) {
        return nd >= 1 && nd <= WindowGeometry.MAX_SPATIAL;
    }

    @Override
    public Tensor im2col(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (!nativeSpatial(kernel.length)) return Backend.super.im2col(x, kernel, stride, padding, dilation);
        return CudaOps.im2col(x, WindowGeometry.conv(spatialOf(x), kernel, stride, padding, dilation));
    }

    @Override
    public Tensor col2im(Tensor cols, int[] inputSize, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        if (!nativeSpatial(kernel.length)) return Backend.super.col2im(cols, inputSize, kernel, stride, padding, dilation);
        WindowGeometry g = WindowGeometry.conv(inputSize, kernel, stride, padding, dilation);
        long kp = g.kernelProduct();
        if (cols.dim() != 3 || cols.size(1) % kp != 0) {
            throw new IllegalArgumentException("col2im: columns " + Shape.str(cols.shapeRef()) + " do not match the kernel "
                    + Arrays.toString(kernel));
        }
        return CudaOps.col2im(cols, (int) (cols.size(1) / kp), g);
    }

    private static void checkConv(Tensor x, Tensor weight, int groups, String op) {
        requireFloat(x, op);
        if (weight.dtype() != x.dtype()) {
            throw new IllegalArgumentException(op + ": expected one dtype, got " + x.dtype().torchName() + " and "
                    + weight.dtype().torchName());
        }
        if (groups < 1 || weight.dim() != x.dim() || weight.size(0) % groups != 0) {
            throw new IllegalArgumentException(op + ": weight " + Shape.str(weight.shapeRef()) + " does not fit input "
                    + Shape.str(x.shapeRef()) + " with " + groups + " groups");
        }
    }

    /** Per group {@code W_g (O/g, C/g * kp) @ cols_g (C/g * kp, out)}, batched over (N, groups) in one GEMM call. */
    @Override
    public Tensor conv(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        if (!nativeSpatial(x.dim() - 2)) return Backend.super.conv(x, weight, bias, stride, padding, dilation, groups);
        checkConv(x, weight, groups, "conv");
        CudaDevice d = devOf(x, weight, bias);
        int n = x.size(0), c = x.size(1), o = weight.size(0), cg = weight.size(1), og = o / groups;
        if (cg * groups != c) {
            throw new IllegalArgumentException("conv: expected input " + Shape.str(x.shapeRef()) + " to have " + cg * groups
                    + " channels for weight " + Shape.str(weight.shapeRef()) + " and " + groups + " groups");
        }
        WindowGeometry g = WindowGeometry.conv(spatialOf(x), spatialOf(weight), stride, padding, dilation);
        int kk = Math.toIntExact(cg * g.kernelProduct()), op = Math.toIntExact(g.outputProduct());
        Tensor cols = CudaOps.im2col(x, g);
        Tensor wc = contiguousOn(d, weight);
        Tensor a = view(wc, new int[] {n, groups, og, kk}, new int[] {0, og * kk, kk, 1});
        Tensor b = view(cols, new int[] {n, groups, kk, op}, new int[] {groups * kk * op, kk * op, op, 1});
        Tensor y = reshaped(matmul(a, b), withSpatial(n, o, g.out()));
        if (bias != null) binaryInPlace(BinaryOp.ADD, y, channelView(on(d, bias), y.dim()));
        return y;
    }

    /** Per group {@code W_g^T (C/g * kp, O/g) @ grad_g (O/g, out)} in one batched GEMM, then col2im. */
    @Override
    public Tensor convBackwardInput(Tensor grad, Tensor weight, int[] inputSize, int[] stride, int[] padding, int[] dilation,
                                    int groups) {
        if (!nativeSpatial(inputSize.length)) {
            return Backend.super.convBackwardInput(grad, weight, inputSize, stride, padding, dilation, groups);
        }
        checkConv(grad, weight, groups, "conv backward (input)");
        CudaDevice d = devOf(grad, weight);
        WindowGeometry g = WindowGeometry.conv(inputSize, spatialOf(weight), stride, padding, dilation);
        if (!Arrays.equals(g.out(), spatialOf(grad)) || grad.size(1) != weight.size(0)) {
            throw new IllegalArgumentException("conv backward (input): gradient " + Shape.str(grad.shapeRef())
                    + " does not match weight " + Shape.str(weight.shapeRef()) + " and input size " + Arrays.toString(inputSize));
        }
        int n = grad.size(0), o = grad.size(1), cg = weight.size(1), c = cg * groups, og = o / groups;
        int kk = Math.toIntExact(cg * g.kernelProduct()), op = Math.toIntExact(g.outputProduct());
        Tensor gc = contiguousOn(d, grad), wc = contiguousOn(d, weight);
        Tensor a = view(wc, new int[] {n, groups, kk, og}, new int[] {0, og * kk, 1, kk});
        Tensor b = view(gc, new int[] {n, groups, og, op}, new int[] {o * op, og * op, op, 1});
        Tensor cols = reshaped(matmul(a, b), n, c * (int) g.kernelProduct(), op);
        return CudaOps.col2im(cols, c, g);
    }

    /**
     * Per group {@code grad_g (O/g, N*out) @ cols_g^T (N*out, C/g * kp)}: the batch is folded into the GEMM's inner
     * dimension (grad and columns permuted to channel-major once), so the GEMM itself sums over the batch.
     */
    @Override
    public Tensor convBackwardWeight(Tensor x, Tensor grad, int[] kernelSize, int[] stride, int[] padding, int[] dilation,
                                     int groups) {
        if (!nativeSpatial(kernelSize.length)) {
            return Backend.super.convBackwardWeight(x, grad, kernelSize, stride, padding, dilation, groups);
        }
        requireFloat(x, "conv backward (weight)");
        if (grad.dtype() != x.dtype() || grad.dim() != x.dim() || groups < 1 || grad.size(1) % groups != 0) {
            throw new IllegalArgumentException("conv backward (weight): gradient " + Shape.str(grad.shapeRef()) + " "
                    + grad.dtype().torchName() + " does not fit input " + Shape.str(x.shapeRef()) + " " + x.dtype().torchName()
                    + " with " + groups + " groups");
        }
        CudaDevice d = devOf(x, grad);
        WindowGeometry g = WindowGeometry.conv(spatialOf(x), kernelSize, stride, padding, dilation);
        int n = x.size(0), c = x.size(1), o = grad.size(1), og = o / groups, cg = c / groups;
        if (cg * groups != c || !Arrays.equals(g.out(), spatialOf(grad)) || grad.size(0) != n) {
            throw new IllegalArgumentException("conv backward (weight): input " + Shape.str(x.shapeRef()) + " and gradient "
                    + Shape.str(grad.shapeRef()) + " do not match kernel " + Arrays.toString(kernelSize) + " and " + groups
                    + " groups");
        }
        int kp = Math.toIntExact(g.kernelProduct()), kk = cg * kp, op = Math.toIntExact(g.outputProduct());
        int m = n * op;
        Tensor cols = CudaOps.im2col(x, g);                                   // (N, C*kp, out)
        Tensor colsT = contiguousOn(d, view(cols, new int[] {c * kp, n, op}, new int[] {op, c * kp * op, 1}));
        Tensor gc = contiguousOn(d, grad);
        Tensor gradT = contiguousOn(d, view(gc, new int[] {o, n, op}, new int[] {op, o * op, 1}));
        Tensor a = view(gradT, new int[] {groups, og, m}, new int[] {og * m, m, 1});
        Tensor b = view(colsT, new int[] {groups, m, kk}, new int[] {kk * m, 1, m});
        int[] wShape = new int[kernelSize.length + 2];
        wShape[0] = o;
        wShape[1] = cg;
        System.arraycopy(kernelSize, 0, wShape, 2, kernelSize.length);
        return reshaped(matmul(a, b), wShape);
    }

    /** The pooling kernels' description of {@link PoolWindows}, or null when the windows are none they know. */
    static final class PoolPlan {
        final WindowGeometry geometry;
        final boolean adaptive;
        final boolean countIncludePad;
        final int divisorOverride;

        PoolPlan(WindowGeometry geometry, boolean adaptive, boolean countIncludePad, int divisorOverride) {
            this.geometry = geometry;
            this.adaptive = adaptive;
            this.countIncludePad = countIncludePad;
            this.divisorOverride = divisorOverride;
        }
    }

    /**
     * Recognises regular windows (constant taps k, start {@code i*s - p}; for avg the divisor rule: clipped count,
     * count with padding, or an override) and adaptive windows (PyTorch's bins, divisor = bin size).
     */
    static PoolPlan poolPlan(PoolWindows w, boolean avg) {
        int nd = w.spatialDims();
        if (!nativeSpatial(nd)) return null;
        for (int o : w.outputSize) if (o < 1) return null;
        int[] k = new int[nd], s = new int[nd], p = new int[nd], dil = w.dilation.clone();
        boolean regular = true;
        for (int d = 0; d < nd && regular; d++) {
            int out = w.outputSize[d];
            k[d] = w.taps[d][0];
            p[d] = -w.start[d][0];
            s[d] = out > 1 ? w.start[d][1] - w.start[d][0] : 1;
            regular = k[d] >= 1 && p[d] >= 0 && s[d] >= 1 && dil[d] >= 1;
            for (int i = 0; i < out && regular; i++) {
                regular = w.taps[d][i] == k[d] && w.start[d][i] == i * s[d] - p[d];
            }
        }
        if (regular && (!avg || allOnes(dil))) {
            WindowGeometry g = WindowGeometry.of(w.inputSize, k, s, p, dil, w.outputSize);
            if (!avg) return new PoolPlan(g, false, false, 0);
            if (divisorsMatch(w, k, p, false)) return new PoolPlan(g, false, false, 0);
            if (divisorsMatch(w, k, p, true)) return new PoolPlan(g, false, true, 0);
            int override = divisorOverride(w);
            if (override > 0) return new PoolPlan(g, false, false, override);
            return null;
        }
        if (!allOnes(dil)) return null;
        for (int d = 0; d < nd; d++) {
            int in = w.inputSize[d], out = w.outputSize[d];
            for (int i = 0; i < out; i++) {
                int st = (int) Math.floorDiv((long) i * in, out);
                int en = (int) -Math.floorDiv(-(long) (i + 1) * in, out);
                if (w.start[d][i] != st || w.taps[d][i] != en - st || (avg && w.divisor[d][i] != en - st)) return null;
            }
        }
        return new PoolPlan(WindowGeometry.adaptive(w.inputSize, w.outputSize), true, false, 0);
    }

    private static boolean allOnes(int[] a) {
        for (int v : a) if (v != 1) return false;
        return true;
    }

    /** Whether the kernel's divisor rule (pool.cu sg_avg_divisor) gives w's divisors, per dim. */
    private static boolean divisorsMatch(PoolWindows w, int[] k, int[] p, boolean countIncludePad) {
        for (int d = 0; d < w.spatialDims(); d++) {
            for (int i = 0; i < w.outputSize[d]; i++) {
                int st = w.start[d][i];
                int en = Math.min(st + k[d], w.inputSize[d] + p[d]);
                int div = countIncludePad ? en - st : Math.min(en, w.inputSize[d]) - Math.max(st, 0);
                if (w.divisor[d][i] != div) return false;
            }
        }
        return true;
    }

    /** The constant divisor of PoolWindows.regular's override (dim 0 holds it, the others 1), or 0. */
    private static int divisorOverride(PoolWindows w) {
        double v = w.divisor[0][0];
        if (v < 1 || v != Math.rint(v) || v > Integer.MAX_VALUE) return 0;
        for (int d = 0; d < w.spatialDims(); d++) {
            for (double x : w.divisor[d]) if (x != (d == 0 ? v : 1)) return 0;
        }
        return (int) v;
    }

    private static void checkPoolInput(Tensor x, PoolWindows w, String op) {
        if (x.dim() != w.spatialDims() + 2 || !Arrays.equals(spatialOf(x), w.inputSize)) {
            throw new IllegalArgumentException(op + ": input " + Shape.str(x.shapeRef()) + " does not match the windows over "
                    + Arrays.toString(w.inputSize));
        }
    }

    @Override
    public Tensor[] maxPool(Tensor x, PoolWindows w) {
        PoolPlan plan = poolPlan(w, false);
        if (plan == null) return Backend.super.maxPool(x, w);
        checkPoolInput(x, w, "max_pool");
        return plan.adaptive ? CudaOps.adaptiveMaxPool(x, plan.geometry) : CudaOps.maxPool(x, plan.geometry);
    }

    /** A scatter-add of each (n, c) plane's gradients to its indices; needs no window geometry. */
    @Override
    public Tensor maxPoolBackward(Tensor grad, Tensor indices, int[] inputShape) {
        requireFloat(grad, "max_pool backward");
        CudaDevice d = devOf(grad, indices);
        if (indices.dtype() != DType.INT64 || !Arrays.equals(grad.shapeRef(), indices.shapeRef())
                || grad.dim() != inputShape.length || grad.dim() < 3 || grad.size(0) != inputShape[0] || grad.size(1) != inputShape[1]) {
            throw new IllegalArgumentException("max_pool backward: gradient " + Shape.str(grad.shapeRef()) + ", indices "
                    + Shape.str(indices.shapeRef()) + " " + indices.dtype().torchName() + " and input " + Shape.str(inputShape)
                    + " do not match");
        }
        Tensor gin = new Tensor(CudaStorage.allocate(d, grad.dtype(), Shape.numel(inputShape), true), inputShape.clone());
        int planes = inputShape[0] * inputShape[1];
        int ip = planes == 0 ? 0 : gin.numel() / planes, op = planes == 0 ? 0 : grad.numel() / planes;
        if (planes == 0 || ip == 0 || op == 0) return gin;
        Tensor gc = contiguousOn(d, grad), ic = contiguousOn(d, indices);
        scatter(reshaped(gin, planes, ip), 1, reshaped(ic, planes, op), reshaped(gc, planes, op), true);
        return gin;
    }

    @Override
    public Tensor avgPool(Tensor x, PoolWindows w) {
        PoolPlan plan = poolPlan(w, true);
        if (plan == null) return Backend.super.avgPool(x, w);
        checkPoolInput(x, w, "avg_pool");
        return plan.adaptive ? CudaOps.adaptiveAvgPool(x, plan.geometry)
                : CudaOps.avgPool(x, plan.geometry, plan.countIncludePad, plan.divisorOverride);
    }

    @Override
    public Tensor avgPoolBackward(Tensor grad, PoolWindows w, int[] inputShape) {
        PoolPlan plan = poolPlan(w, true);
        if (plan == null) return Backend.super.avgPoolBackward(grad, w, inputShape);
        if (grad.dim() != inputShape.length || !Arrays.equals(spatialOf(grad), w.outputSize)
                || !Arrays.equals(Arrays.copyOfRange(inputShape, 2, inputShape.length), w.inputSize)) {
            throw new IllegalArgumentException("avg_pool backward: gradient " + Shape.str(grad.shapeRef()) + " and input "
                    + Shape.str(inputShape) + " do not match the windows");
        }
        return plan.adaptive ? CudaOps.adaptiveAvgPoolBackward(grad, plan.geometry)
                : CudaOps.avgPoolBackward(grad, plan.geometry, plan.countIncludePad, plan.divisorOverride);
    }

    // ================================================================== normalisation
    @Override
    public Tensor[] layerNorm(Tensor x, int normalizedNumel, Tensor weight, Tensor bias, double eps, boolean rms) {
        if (rms) {
            Tensor[] r = CudaOps.rmsNorm(x, normalizedNumel, weight, eps);
            return new Tensor[] {r[0], null, r[1]};
        }
        return CudaOps.layerNorm(x, normalizedNumel, weight, bias, eps);
    }

    @Override
    public Tensor[] layerNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int normalizedNumel,
                                      boolean rms, boolean[] need) {
        CudaDevice d = devOf(grad, x, mean, rstd, weight);
        Tensor[] r = rms ? CudaOps.rmsNormBackward(grad, x, rstd, weight) : CudaOps.layerNormBackward(grad, x, mean, rstd, weight);
        int[] pshape = weight != null ? weight.shape() : new int[] {normalizedNumel};
        Tensor dw = need[1] && weight != null ? reshaped(r[1], pshape) : null;   // as the CPU: no weight, no dweight
        Tensor db = null;
        if (need[2]) {
            if (rms) {
                Tensor g2 = reshaped(contiguousOn(d, as(d, grad, x.dtype())), x.numel() / normalizedNumel, normalizedNumel);
                db = reshaped(reduce(ReduceOp.SUM, g2, new int[] {0}, false), pshape);
            } else {
                db = reshaped(r[2], pshape);
            }
        }
        return new Tensor[] {need[0] ? r[0] : null, dw, db};
    }

    /** x as (N, C, S) (contiguous). */
    private static Tensor ncs(CudaDevice d, Tensor x) {
        Tensor xc = contiguousOn(d, x);
        int n = x.dim() == 0 ? 1 : x.size(0), c = x.dim() > 1 ? x.size(1) : 1;
        int sp = 1;
        for (int i = 2; i < x.dim(); i++) sp *= x.size(i);
        return reshaped(xc, n, c, sp);
    }

    private static final int[] NS = {0, 2};

    /**
     * Batch norm composed on the device: per-channel mean and biased variance (the two-pass var kernel) over dims
     * (0, 2) of x seen as (N, C, S), rsqrt, broadcast affine; running statistics updated in place.
     */
    @Override
    public Tensor[] batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, boolean training,
                              double momentum, double eps) {
        requireFloat(x, "batch_norm");
        CudaDevice d = devOf(x, weight, bias, runningMean, runningVar);
        DType dt = x.dtype();
        Tensor xv = ncs(d, x);
        int ch = xv.size(1);
        long count = (long) xv.size(0) * xv.size(2);
        Tensor mean, invstd;                  // (1, C, 1)
        if (training) {
            mean = reduce(ReduceOp.MEAN, xv, NS, true);
            Tensor var = var(xv, NS, 0, true);
            invstd = unary(UnaryOp.RSQRT, binary(BinaryOp.ADD, var, scalar(eps, dt)), 0, 0);
            if (runningMean != null) {
                binaryInPlace(BinaryOp.MUL, runningMean, scalar(1 - momentum, runningMean.dtype()));
                binaryInPlace(BinaryOp.ADD, runningMean, binary(BinaryOp.MUL, reshaped(mean, ch), scalar(momentum, dt)));
            }
            if (runningVar != null) {
                binaryInPlace(BinaryOp.MUL, runningVar, scalar(1 - momentum, runningVar.dtype()));
                double unbias = count > 1 ? (double) count / (count - 1) : Double.NaN;
                binaryInPlace(BinaryOp.ADD, runningVar, binary(BinaryOp.MUL, reshaped(var, ch), scalar(momentum * unbias, dt)));
            }
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batch_norm in evaluation needs running_mean and running_var");
            }
            mean = reshaped(contiguous(as(d, on(d, runningMean), dt)), 1, ch, 1);
            invstd = reshaped(unary(UnaryOp.RSQRT, binary(BinaryOp.ADD, as(d, on(d, runningVar), dt), scalar(eps, dt)), 0, 0), 1, ch, 1);
        }
        Tensor scale = weight == null ? invstd : binary(BinaryOp.MUL, invstd, channelView(as(d, on(d, weight), dt), 3));
        Tensor y = binary(BinaryOp.SUB, xv, mean);
        binaryInPlace(BinaryOp.MUL, y, scale);
        if (bias != null) binaryInPlace(BinaryOp.ADD, y, channelView(on(d, bias), 3));
        return new Tensor[] {reshaped(y, x.shape()), reshaped(mean, ch), reshaped(invstd, ch)};
    }

    @Override
    public Tensor[] batchNormBackward(Tensor grad, Tensor x, Tensor weight, Tensor saveMean, Tensor saveInvstd, boolean training,
                                      boolean[] need) {
        requireFloat(x, "batch_norm backward");
        CudaDevice d = devOf(grad, x, weight, saveMean, saveInvstd);
        DType dt = x.dtype();
        Tensor xv = ncs(d, x), gv = ncs(d, as(d, grad, dt));
        Tensor mean = channelView(as(d, saveMean, dt), 3), inv = channelView(as(d, saveInvstd, dt), 3);
        boolean needXhat = (need[1] && weight != null) || (need[0] && training);
        Tensor xhat = null, gx = null;
        if (needXhat) {
            xhat = binary(BinaryOp.SUB, xv, mean);
            binaryInPlace(BinaryOp.MUL, xhat, inv);
            gx = binary(BinaryOp.MUL, gv, xhat);
        }
        Tensor dx = null;
        if (need[0]) {
            Tensor scale = weight == null ? inv : binary(BinaryOp.MUL, inv, channelView(as(d, on(d, weight), dt), 3));
            if (training) {
                Tensor mg = reduce(ReduceOp.MEAN, gv, NS, true), mgx = reduce(ReduceOp.MEAN, gx, NS, true);
                dx = binary(BinaryOp.SUB, gv, mg);
                binaryInPlace(BinaryOp.SUB, dx, binary(BinaryOp.MUL, xhat, mgx));
                binaryInPlace(BinaryOp.MUL, dx, scale);
            } else {
                dx = binary(BinaryOp.MUL, gv, scale);
            }
            dx = reshaped(dx, x.shape());
        }
        Tensor dw = need[1] && weight != null ? reduce(ReduceOp.SUM, gx, NS, false) : null;
        Tensor db = need[2] ? reduce(ReduceOp.SUM, gv, NS, false) : null;
        return new Tensor[] {dx, dw, db};
    }

    /** Group norm = the layer-norm kernel over (N * groups) rows of (C / groups) * S elements, then a per-channel affine. */
    @Override
    public Tensor[] groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias, double eps) {
        requireFloat(x, "group_norm");
        CudaDevice d = devOf(x, weight, bias);
        Tensor xv = ncs(d, x);
        int n = xv.size(0), ch = xv.size(1);
        if (numGroups < 1 || ch % numGroups != 0) {
            throw new IllegalArgumentException("group_norm: expected the number of channels " + ch + " to be divisible by "
                    + numGroups + " groups");
        }
        Tensor[] r = CudaOps.layerNorm(xv, (ch / numGroups) * xv.size(2), null, null, eps);
        Tensor y = r[0];
        if (weight != null) binaryInPlace(BinaryOp.MUL, y, channelView(on(d, weight), 3));
        if (bias != null) binaryInPlace(BinaryOp.ADD, y, channelView(on(d, bias), 3));
        return new Tensor[] {reshaped(y, x.shape()), reshaped(r[1], n, numGroups), reshaped(r[2], n, numGroups)};
    }

    /** dx by the layer-norm backward kernel on {@code grad * weight} (no affine); parameter sums by reductions. */
    @Override
    public Tensor[] groupNormBackward(Tensor grad, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int numGroups, boolean[] need) {
        requireFloat(x, "group_norm backward");
        CudaDevice d = devOf(grad, x, mean, rstd, weight);
        DType dt = x.dtype();
        Tensor xv = ncs(d, x), gv = ncs(d, as(d, grad, dt));
        int n = xv.size(0), ch = xv.size(1), sp = xv.size(2), len = (ch / numGroups) * sp;
        Tensor dx = null, dw = null, db = null;
        if (need[0]) {
            Tensor wg = weight == null ? gv : binary(BinaryOp.MUL, gv, channelView(as(d, on(d, weight), dt), 3));
            dx = reshaped(CudaOps.layerNormBackward(wg, xv, contiguousOn(d, mean), contiguousOn(d, rstd), null)[0], x.shape());
        }
        if (need[1] && weight != null) {
            Tensor xg = reshaped(xv, n, numGroups, len);
            Tensor xhat = binary(BinaryOp.SUB, xg, view(mean, new int[] {n, numGroups, 1}, new int[] {mean.stride(0), mean.stride(1), 0}));
            binaryInPlace(BinaryOp.MUL, xhat, view(rstd, new int[] {n, numGroups, 1}, new int[] {rstd.stride(0), rstd.stride(1), 0}));
            dw = reduce(ReduceOp.SUM, binary(BinaryOp.MUL, gv, reshaped(xhat, n, ch, sp)), NS, false);
        }
        if (need[2]) db = reduce(ReduceOp.SUM, gv, NS, false);
        return new Tensor[] {dx, dw, db};
    }

    // ================================================================== attention
    /** (L, S) bool: key j visible to query i iff j <= i. A constant pattern uploaded once per call (L * S bytes). */
    private static Tensor causalMask(CudaDevice d, int l, int s) {
        boolean[] b = new boolean[l * s];
        for (int i = 0; i < l; i++) for (int j = 0; j <= i && j < s; j++) b[i * s + j] = true;
        return new Tensor(upload(d, (CpuStorage) Tensor.fromArray(b, l, s).storage()), new int[] {l, s});
    }

    /** softmax(scale * scores + mask) with the causal mask, as a new contiguous tensor. */
    private Tensor maskedSoftmax(CudaDevice d, Tensor scores, double scale, Tensor mask, boolean causal) {
        DType dt = scores.dtype();
        double ninf = Double.NEGATIVE_INFINITY;
        Tensor z = scale == 1 ? scores : binary(BinaryOp.MUL, scores, scalar(scale, dt));
        if (mask != null) {
            Tensor m = on(d, mask);
            z = m.dtype() == DType.BOOL ? where(m, z, scalar(ninf, dt)) : binary(BinaryOp.ADD, z, as(d, m, dt));
        }
        if (causal) z = where(causalMask(d, scores.size(-2), scores.size(-1)), z, scalar(ninf, dt));
        return softmax(z, scores.dim() - 1, false);
    }

    @Override
    public Tensor maskedSoftmax_(Tensor scores, double scale, Tensor mask, boolean causal) {
        requireFloat(scores, "masked softmax");
        CudaDevice d = devOf(scores, mask);
        CudaLaunch.cast(d, scores, maskedSoftmax(d, scores, scale, mask, causal));
        return scores;
    }

    @Override
    public Tensor maskedSoftmaxBackward(Tensor grad, Tensor probs, double scale) {
        CudaDevice d = devOf(grad, probs);
        Tensor r = softmaxBackward(grad, probs, probs.dim() - 1, false);
        if (scale != 1) binaryInPlace(BinaryOp.MUL, r, scalar(scale, r.dtype()));
        return r;
    }

    /** Batched GEMMs q k^T and (probs * keep) v around the masked softmax. */
    @Override
    public void attentionForward(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale, Tensor keep,
                                 Tensor probs, Tensor out) {
        requireFloat(q, "attention");
        CudaDevice d = devOf(q, k, v, mask, keep, probs, out);
        Tensor p = maskedSoftmax(d, matmul(q, transposeLast(k)), scale, mask, causal);
        CudaLaunch.cast(d, probs, p);
        Tensor a = keep == null ? p : binary(BinaryOp.MUL, p, as(d, on(d, keep), p.dtype()));
        CudaLaunch.cast(d, out, matmul(a, as(d, v, p.dtype())));
    }

    @Override
    public void attentionBackward(Tensor grad, Tensor q, Tensor k, Tensor v, Tensor probs, Tensor keep, double scale, boolean causal,
                                  Tensor gq, Tensor gk, Tensor gv, Tensor gLogits) {
        requireFloat(q, "attention backward");
        CudaDevice d = devOf(grad, q, k, v, probs, keep);
        DType dt = probs.dtype();
        Tensor g = as(d, grad, dt);
        Tensor kp = keep == null ? null : as(d, on(d, keep), dt);
        if (gq != null || gk != null || gLogits != null) {
            Tensor da = matmul(g, transposeLast(as(d, v, dt)));
            if (kp != null) binaryInPlace(BinaryOp.MUL, da, kp);
            Tensor dz = softmaxBackward(da, probs, probs.dim() - 1, false);
            if (gLogits != null) CudaLaunch.cast(d, gLogits, dz);
            if (gq != null) {
                Tensor t = matmul(dz, as(d, k, dt));
                if (scale != 1) binaryInPlace(BinaryOp.MUL, t, scalar(scale, dt));
                CudaLaunch.cast(d, gq, t);
            }
            if (gk != null) {
                Tensor t = matmul(transposeLast(dz), as(d, q, dt));
                if (scale != 1) binaryInPlace(BinaryOp.MUL, t, scalar(scale, dt));
                CudaLaunch.cast(d, gk, t);
            }
        }
        if (gv != null) {
            Tensor a = kp == null ? probs : binary(BinaryOp.MUL, probs, kp);
            CudaLaunch.cast(d, gv, matmul(transposeLast(a), g));
        }
    }

    // ================================================================== fully connected layer
    @Override
    public Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        CudaDevice d = devOf(x, weight, bias);
        Tensor y = matmul(x, transposeLast(weight));
        if (bias != null) binaryInPlace(BinaryOp.ADD, y, on(d, bias));
        return y;
    }

    @Override
    public Tensor[] linearBackward(Tensor grad, Tensor x, Tensor weight, boolean[] need) {
        devOf(grad, x, weight);
        Tensor dx = need[0] ? matmul(grad, weight) : null;
        Tensor dw = need[1] ? matmul(transposeLast(grad), x) : null;
        Tensor db = need[2] ? reduce(ReduceOp.SUM, grad, new int[] {0}, false) : null;
        return new Tensor[] {dx, dw, db};
    }

    // ================================================================== device utilities
    /** Statistics of the caching allocator of {@code cuda:ordinal}. */
    public static AllocatorStats memoryStats(int ordinal) {
        return CudaDevice.get(ordinal).memoryStats();
    }

    /** Returns the cached memory of {@code cuda:ordinal} to the driver. */
    public static void emptyCache(int ordinal) {
        CudaDevice.get(ordinal).emptyCache();
    }
}
