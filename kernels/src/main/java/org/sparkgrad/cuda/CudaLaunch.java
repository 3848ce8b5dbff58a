package org.sparkgrad.cuda;

import jcuda.driver.CUdeviceptr;
import org.sparkgrad.backend.Strided;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Launches of the kernel families on CUDA tensors: builds descriptors (broadcast strides, coalesced dims), orders
 * the thread's stream after the inputs' last writers, launches, and marks outputs written. Callers have checked
 * devices, dtypes and shapes.
 */
final class CudaLaunch {
    private CudaLaunch() {
    }

    /** The kernels' dtype suffix. */
    static String sfx(DType t) {
        switch (t) {
            case FLOAT32: return "f32";
            case FLOAT64: return "f64";
            case INT64: return "i64";
            case BOOL: return "u8";
            default: throw new IllegalArgumentException("no CUDA kernels for dtype " + t.torchName());
        }
    }

    static CudaStorage st(Tensor t) {
        if (!(t.storage() instanceof CudaStorage)) {
            throw new IllegalArgumentException("expected a tensor on a CUDA device, got one on " + t.device());
        }
        return (CudaStorage) t.storage();
    }

    static CUdeviceptr ptr(Tensor t) {
        return st(t).pointer();
    }

    /** Pointer to the tensor's first element (for kernels that take contiguous data without an offset). */
    static CUdeviceptr ptrAt(Tensor t) {
        return st(t).pointer().withByteOffset((long) t.storageOffset() * t.dtype().itemSize());
    }

    static void before(Tensor... ts) {
        for (Tensor t : ts) if (t != null) st(t).beforeAccess();
    }

    static void written(Tensor t) {
        st(t).written();
    }

    /** Descriptors of out (its own strides) and inputs broadcast to out's shape, coalesced together. */
    static TensorDesc[] descs(Tensor out, Tensor... inputs) {
        int[] shape = out.shapeRef();
        int[][] strides = new int[inputs.length + 1][];
        int[] offsets = new int[inputs.length + 1];
        strides[0] = out.stridesRef();
        offsets[0] = out.storageOffset();
        for (int i = 0; i < inputs.length; i++) {
            strides[i + 1] = Strided.broadcastStrides(inputs[i], shape);
            offsets[i + 1] = inputs[i].storageOffset();
        }
        return TensorDesc.coalesce(shape, strides, offsets);
    }

    static LaunchConfig linear(CudaDevice dev, long n) {
        return LaunchConfig.linear(n, dev.multiprocessors());
    }

    // ------------------------------------------------------------------ elementwise.cu
    static void unary(CudaDevice dev, KernelOps.Unary op, Tensor out, Tensor x, double a, double b) {
        long n = out.numel();
        if (n == 0) return;
        TensorDesc[] d = descs(out, x);
        before(out, x);
        dev.launch("elementwise", "sg_unary_" + sfx(out.dtype()), linear(dev, n), 0, new KernelArgs().i64(n)
                .i32(op.code).desc(d[0]).ptr(ptr(out)).desc(d[1]).ptr(ptr(x)).f64(a).f64(b));
        written(out);
    }

    static void unaryGrad(CudaDevice dev, KernelOps.UnaryGrad op, Tensor out, Tensor g, Tensor s, double a, double b) {
        long n = out.numel();
        if (n == 0) return;
        TensorDesc[] d = descs(out, g, s);
        before(out, g, s);
        dev.launch("elementwise", "sg_unary_grad_" + sfx(out.dtype()), linear(dev, n), 0, new KernelArgs().i64(n)
                .i32(op.code).desc(d[0]).ptr(ptr(out)).desc(d[1]).ptr(ptr(g)).desc(d[2]).ptr(ptr(s)).f64(a).f64(b));
        written(out);
    }

    /** out = x OP y; x, y, out of one dtype (f32, f64 or i64). */
    static void binary(CudaDevice dev, KernelOps.Binary op, Tensor out, Tensor x, Tensor y) {
        long n = out.numel();
        if (n == 0) return;
        TensorDesc[] d = descs(out, x, y);
        before(out, x, y);
        KernelArgs args = new KernelArgs().i64(n).i32(op.code).desc(d[0]).ptr(ptr(out)).desc(d[1]).ptr(ptr(x))
                .desc(d[2]).ptr(ptr(y));
        if (out.dtype() == DType.INT64) args.i64(1L);
        else args.f64(1.0);
        dev.launch("elementwise", "sg_binary_" + sfx(out.dtype()), linear(dev, n), 0, args);
        written(out);
    }

    /** out (bool) = x OP y; x and y of one dtype. */
    static void compare(CudaDevice dev, KernelOps.Compare op, Tensor out, Tensor x, Tensor y) {
        long n = out.numel();
        if (n == 0) return;
        TensorDesc[] d = descs(out, x, y);
        before(out, x, y);
        dev.launch("elementwise", "sg_compare_" + sfx(x.dtype()), linear(dev, n), 0, new KernelArgs().i64(n)
                .i32(op.code).desc(d[0]).ptr(ptr(out)).desc(d[1]).ptr(ptr(x)).desc(d[2]).ptr(ptr(y)));
        written(out);
    }

    /** out (bool) = x OP y on bool tensors; y may be null for NOT. */
    static void logical(CudaDevice dev, KernelOps.Logical op, Tensor out, Tensor x, Tensor y) {
        long n = out.numel();
        if (n == 0) return;
        Tensor yy = y == null ? x : y;
        TensorDesc[] d = descs(out, x, yy);
        before(out, x, yy);
        dev.launch("elementwise", "sg_logical_u8", linear(dev, n), 0, new KernelArgs().i64(n).i32(op.code)
                .desc(d[0]).ptr(ptr(out)).desc(d[1]).ptr(ptr(x)).desc(d[2]).ptr(ptr(yy)));
        written(out);
    }

    static void nonFinite(CudaDevice dev, Tensor out, Tensor x) {
        long n = out.numel();
        if (n == 0) return;
        TensorDesc[] d = descs(out, x);
        before(out, x);
        dev.launch("elementwise", "sg_nonfinite_" + sfx(x.dtype()), linear(dev, n), 0,
                new KernelArgs().i64(n).desc(d[0]).ptr(ptr(out)).desc(d[1]).ptr(ptr(x)));
        written(out);
    }

    static void where(CudaDevice dev, Tensor out, Tensor cond, Tensor x, Tensor y) {
        long n = out.numel();
        if (n == 0) return;
        TensorDesc[] d = descs(out, cond, x, y);
        before(out, cond, x, y);
        dev.launch("elementwise", "sg_where_" + sfx(out.dtype()), linear(dev, n), 0, new KernelArgs().i64(n)
                .desc(d[0]).ptr(ptr(out)).desc(d[1]).ptr(ptr(cond)).desc(d[2]).ptr(ptr(x)).desc(d[3]).ptr(ptr(y)));
        written(out);
    }

    static void fill(CudaDevice dev, Tensor out, double value) {
        long n = out.numel();
        if (n == 0) return;
        TensorDesc d = descs(out)[0];
        before(out);
        KernelArgs args = new KernelArgs().i64(n).desc(d).ptr(ptr(out));
        switch (out.dtype()) {
            case INT64: args.i64((long) value); break;
            case BOOL: args.i32(value != 0 ? 1 : 0); break;
            default: args.f64(value);
        }
        dev.launch("elementwise", "sg_fill_" + sfx(out.dtype()), linear(dev, n), 0, args);
        written(out);
    }

    // ------------------------------------------------------------------ cast.cu
    /** dst = src broadcast to dst's shape, converted to dst's dtype. */
    static void cast(CudaDevice dev, Tensor dst, Tensor src) {
        long n = dst.numel();
        if (n == 0) return;
        TensorDesc[] d = descs(dst, src);
        before(dst, src);
        dev.launch("cast", "sg_cast_" + sfx(src.dtype()) + "_" + sfx(dst.dtype()), linear(dev, n), 0,
                new KernelArgs().i64(n).desc(d[0]).ptr(ptr(dst)).desc(d[1]).ptr(ptr(src)));
        written(dst);
    }

    // ------------------------------------------------------------------ reduce.cu
    /**
     * Runs reduce.cu's {@code op} over {@code dims} of x; values and/or indices (int64) per the non-null outputs,
     * which have the plan's output shape and are contiguous.
     */
    static void reduce(CudaDevice dev, String op, ReducePlan plan, Tensor x, Tensor values, Tensor indices,
                       double param, int flag) {
        if (plan.nOut() == 0) return;
        String s = sfx(x.dtype());
        before(x, values, indices);
        if (plan.variant() == ReducePlan.Variant.SMALL) {
            dev.launch("reduce", "sg_reduce_" + op + "_small_" + s, linear(dev, plan.nOut()), 0, new KernelArgs()
                    .i64(plan.nOut()).i32(plan.nRed()).desc(plan.keep()).desc(plan.red()).ptr(ptr(x))
                    .ptr(values == null ? null : ptrAt(values)).ptr(indices == null ? null : ptrAt(indices))
                    .f64(param).i32(flag));
        } else {
            int splits = plan.splits();
            int gridX = (int) Math.min(plan.nOut(), (long) dev.multiprocessors() * LaunchConfig.MAX_BLOCKS_PER_SM);
            LaunchConfig cfg = new LaunchConfig(gridX, splits, 1, plan.blockThreads(), 1, 1);
            DeviceBuffer partial = splits > 1 ? dev.allocate(plan.nOut() * splits * 32L) : null;
            try {
                CUdeviceptr partialPtr = partial == null ? null : (CUdeviceptr) partial.handle();
                dev.launch("reduce", "sg_reduce_" + op + "_" + s, cfg, 0, new KernelArgs().i64(plan.nOut())
                        .i32(plan.nRed()).desc(plan.keep()).desc(plan.red()).ptr(ptr(x)).i32(splits).ptr(partialPtr)
                        .ptr(values == null ? null : ptrAt(values)).ptr(indices == null ? null : ptrAt(indices))
                        .f64(param).i32(flag));
                if (splits > 1) {
                    dev.launch("reduce", "sg_reduce_" + op + "_finish_" + s, linear(dev, plan.nOut()), 0,
                            new KernelArgs().i64(plan.nOut()).i32(plan.nRed()).i32(splits).ptr(partialPtr)
                                    .ptr(values == null ? null : ptrAt(values))
                                    .ptr(indices == null ? null : ptrAt(indices)).f64(param).i32(flag));
                }
            } finally {
                // freed on this stream: reused only by later work of this stream, after the kernels above
                if (partial != null) partial.close();
            }
        }
        if (values != null) written(values);
        if (indices != null) written(indices);
    }

    // ------------------------------------------------------------------ gemm.cu
    /**
     * One batched GEMM launch: C[b] = op(A[b]) op(B[b]) for b in [0, batch), with element offsets and batch
     * strides in elements.
     */
    static void gemm(CudaDevice dev, DType dt, boolean ta, boolean tb, int m, int n, int k, Tensor a, long aOff,
                     int lda, long strideA, Tensor b, long bOff, int ldb, long strideB, Tensor c, long cOff, int ldc,
                     long strideC, int batch) {
        int item = dt.itemSize();
        int gz = Math.min(batch, LaunchConfig.MAX_GRID_YZ);
        int gy = (m + 63) / 64;
        if (gy > LaunchConfig.MAX_GRID_YZ) {
            throw new IllegalArgumentException("matmul with " + m + " rows exceeds the GEMM grid (at most "
                    + 64L * LaunchConfig.MAX_GRID_YZ + ")");
        }
        LaunchConfig cfg = new LaunchConfig((n + 63) / 64, gy, gz, 256, 1, 1);
        dev.launch("gemm", "sg_gemm_" + sfx(dt), cfg, 0, new KernelArgs().i32(ta ? 1 : 0).i32(tb ? 1 : 0).i32(m).i32(n)
                .i32(k).f64(1.0).ptr(ptr(a).withByteOffset(aOff * item)).i32(lda).i64(strideA)
                .ptr(ptr(b).withByteOffset(bOff * item)).i32(ldb).i64(strideB).f64(0.0)
                .ptr(ptr(c).withByteOffset(cOff * item)).i32(ldc).i64(strideC).i32(batch));
    }

    // ------------------------------------------------------------------ softmax.cu
    /** x, y contiguous of shape (outer, D, inner). */
    static void softmax(CudaDevice dev, Tensor x, Tensor y, int outer, int len, int inner, boolean log) {
        if ((long) outer * len * inner == 0) return;
        before(x, y);
        KernelArgs args = new KernelArgs().i32(outer).i32(len).i32(inner).ptr(ptrAt(x)).ptr(ptrAt(y)).i32(log ? 1 : 0);
        if (inner == 1) {
            dev.launch("softmax", "sg_softmax_fwd_lastdim_" + sfx(x.dtype()),
                    LaunchConfig.rowPerBlock(outer, len, dev.multiprocessors(), 1024), 0, args);
        } else {
            dev.launch("softmax", "sg_softmax_fwd_inner_" + sfx(x.dtype()), linear(dev, (long) outer * inner), 0, args);
        }
        written(y);
    }

    /** y, g, gx contiguous of shape (outer, D, inner). */
    static void softmaxBackward(CudaDevice dev, Tensor y, Tensor g, Tensor gx, int outer, int len, int inner,
                                boolean log) {
        if ((long) outer * len * inner == 0) return;
        before(y, g, gx);
        KernelArgs args = new KernelArgs().i32(outer).i32(len).i32(inner).ptr(ptrAt(y)).ptr(ptrAt(g)).ptr(ptrAt(gx))
                .i32(log ? 1 : 0);
        if (inner == 1) {
            dev.launch("softmax", "sg_softmax_bwd_lastdim_" + sfx(y.dtype()),
                    LaunchConfig.rowPerBlock(outer, len, dev.multiprocessors(), 1024), 0, args);
        } else {
            dev.launch("softmax", "sg_softmax_bwd_inner_" + sfx(y.dtype()), linear(dev, (long) outer * inner), 0, args);
        }
        written(gx);
    }

    // ------------------------------------------------------------------ index.cu
    /** A device int set to 1 by index kernels that meet an out-of-range index. */
    static DeviceBuffer errorFlag(CudaDevice dev) {
        DeviceBuffer b = dev.allocate(4);
        dev.zero(b, 4);
        return b;
    }

    /** Reads the flag (synchronizes the stream) and closes it. */
    static boolean errorRaised(CudaDevice dev, DeviceBuffer flag) {
        int[] v = new int[1];
        try {
            dev.download(flag, 0, 4, bb -> v[0] = bb.getInt(0));
        } finally {
            flag.close();
        }
        return v[0] != 0;
    }

    static TensorDesc own(Tensor t) {
        int[] shape = t.dim() == 0 ? new int[] {1} : t.shapeRef();
        int[] strides = t.dim() == 0 ? new int[] {1} : t.stridesRef();
        return TensorDesc.of(t.storageOffset(), shape, strides);
    }

    /** src's strides over iteration shape {@code shape} (src may be larger than shape along any dim). */
    static TensorDesc over(Tensor src, int[] shape) {
        int[] strides = src.dim() == 0 ? new int[] {1} : src.stridesRef();
        return TensorDesc.of(src.storageOffset(), shape.length == 0 ? new int[] {1} : shape, strides);
    }

    static int[] shapeOrOne(int[] shape) {
        return shape.length == 0 ? new int[] {1} : shape;
    }

    static long numel(int[] shape) {
        return Shape.numel(shape);
    }
}
