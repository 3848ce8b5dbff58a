package org.sparkgrad.cuda;

import static org.sparkgrad.cuda.CudaLaunch.st;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.IntFunction;
import org.sparkgrad.backend.Backend;
import org.sparkgrad.backend.BinaryOp;
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
 * {@code src/main/cuda} (nothing falls back to the CPU); results are new contiguous CUDA tensors, computed
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
            default: return null;
        }
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
        if (ct == DType.BOOL) {
            // as the CPU backend: compute in double, store as bool (!= 0)
            Tensor r = binary(op, as(d, x, DType.FLOAT64), as(d, y, DType.FLOAT64));
            return as(d, r, DType.BOOL);
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
        if (k == null || x.dtype() == DType.BOOL) {
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
            throw new IllegalArgumentException(op.name().toLowerCase() + "(): Expected reduction dim to have non-zero size for input of shape "
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
