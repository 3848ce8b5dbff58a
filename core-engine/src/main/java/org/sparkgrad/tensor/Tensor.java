package org.sparkgrad.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.sparkgrad.autograd.Autograd;
import org.sparkgrad.autograd.Function;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.backend.Backend;
import org.sparkgrad.backend.Backends;
import org.sparkgrad.backend.BinaryOp;
import org.sparkgrad.backend.ReduceOp;
import org.sparkgrad.backend.UnaryOp;
import org.sparkgrad.ops.Activations;
import org.sparkgrad.ops.Arithmetic;
import org.sparkgrad.ops.Einsum;
import org.sparkgrad.ops.Indexing;
import org.sparkgrad.ops.Linalg;
import org.sparkgrad.ops.Rearrange;
import org.sparkgrad.ops.Reductions;
import org.sparkgrad.ops.Scans;
import org.sparkgrad.ops.ShapeOps;
import org.sparkgrad.ops.Sorting;

/**
 * An n-dimensional array with reverse-mode automatic differentiation, modelled on {@code torch.Tensor}.
 *
 * <p>A tensor is a view (shape, strides, offset) on a {@link Storage}. Views ({@link #view}, {@link #transpose},
 * {@link #slice}, {@link #expand}, ...) share storage; {@link #contiguous()} copies when needed. Ops dispatch
 * to the {@link Backend} of the tensor's {@link Device}. Every differentiable op records a
 * {@link Function} when {@link GradMode} is on and an input {@link #requiresGrad()}; {@link #backward()}
 * accumulates gradients into the leaves' {@link #grad()}.
 *
 * <p>Shapes are {@code int[]}; a 0-d (scalar) tensor has shape {@code []}. The default dtype is float32.
 * Shape errors throw {@link IllegalArgumentException} naming both shapes; bad dims/indices throw
 * {@link IndexOutOfBoundsException} naming the dim/index and the size.
 */
public final class Tensor {
    private Storage storage;
    private int offset;
    private int[] shape;
    private int[] strides;
    private boolean requiresGrad;
    private Tensor grad;
    private Function gradFn;
    private List<UnaryOperator<Tensor>> hooks;

    /** A view on {@code storage}. Prefer the factory methods; this is the backend-facing constructor. */
    public Tensor(Storage storage, int offset, int[] shape, int[] strides) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
    }

    /** A contiguous tensor over a whole storage. */
    public Tensor(Storage storage, int[] shape) {
        this(storage, 0, shape, Shape.contiguousStrides(shape));
        if (Shape.numel(shape) != storage.size()) {
            throw new IllegalArgumentException("shape " + Shape.str(shape) + " needs " + Shape.numel(shape)
                    + " elements but the storage has " + storage.size());
        }
    }

    // =================================================================== creation
    /**
     * Wraps {@code data} (not copied) as a float32 tensor of the given shape.
     * With no shape, {@code data.length != 1} elements give a 1-D tensor and a single element gives a 0-d tensor
     * (no shape and {@code new int[0]} are the same call); pass {@code 1} for shape {@code [1]}.
     */
    public static Tensor fromArray(float[] data, int... shape) {
        return new Tensor(CpuStorage.wrap(data), shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape.clone());
    }

    /**
     * Wraps {@code data} (not copied) as a float64 tensor of the given shape.
     * With no shape, {@code data.length != 1} elements give a 1-D tensor and a single element gives a 0-d tensor
     * (no shape and {@code new int[0]} are the same call); pass {@code 1} for shape {@code [1]}.
     */
    public static Tensor fromArray(double[] data, int... shape) {
        return new Tensor(CpuStorage.wrap(data), shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape.clone());
    }

    /**
     * Wraps {@code data} (not copied) as an int64 tensor of the given shape.
     * With no shape, {@code data.length != 1} elements give a 1-D tensor and a single element gives a 0-d tensor
     * (no shape and {@code new int[0]} are the same call); pass {@code 1} for shape {@code [1]}.
     */
    public static Tensor fromArray(long[] data, int... shape) {
        return new Tensor(CpuStorage.wrap(data), shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape.clone());
    }

    /**
     * Wraps 16-bit patterns (not copied) as a {@link DType#FLOAT16} or {@link DType#BFLOAT16} tensor (the formats
     * are described in {@link HalfFloat}); shape as {@link #fromArray(float[], int...)}.
     *
     * @throws IllegalArgumentException when {@code dtype} is not one of the two 16-bit dtypes
     */
    public static Tensor fromBits(short[] bits, DType dtype, int... shape) {
        return new Tensor(CpuStorage.wrapHalf(bits, dtype), shape.length == 0 && bits.length != 1 ? new int[] {bits.length} : shape.clone());
    }

    /** Converts {@code data} to an int64 tensor (shape as {@link #fromArray(long[], int...)}). */
    public static Tensor fromArray(int[] data, int... shape) {
        long[] l = new long[data.length];
        for (int i = 0; i < data.length; i++) l[i] = data[i];
        return fromArray(l, shape);
    }

    /** Copies {@code data} to a bool tensor. */
    public static Tensor fromArray(boolean[] data, int... shape) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < data.length; i++) b[i] = (byte) (data[i] ? 1 : 0);
        return new Tensor(CpuStorage.wrapBool(b), shape.length == 0 && data.length != 1 ? new int[] {data.length} : shape.clone());
    }

    /** 2-D float32 tensor from rows (copied); all rows must have the same length. */
    public static Tensor of(float[][] rows) {
        int r = rows.length, c = r == 0 ? 0 : rows[0].length;
        float[] d = new float[r * c];
        for (int i = 0; i < r; i++) {
            if (rows[i].length != c) throw new IllegalArgumentException("row " + i + " has length " + rows[i].length + ", expected " + c);
            System.arraycopy(rows[i], 0, d, i * c, c);
        }
        return fromArray(d, r, c);
    }

    /** A 0-d float32 tensor. */
    public static Tensor scalar(double v) { return scalar(v, DType.FLOAT32); }

    /** A 0-d tensor of the given dtype. */
    public static Tensor scalar(double v, DType dtype) {
        CpuStorage s = CpuStorage.allocate(dtype, 1);
        s.set(0, v);
        return new Tensor(s, new int[0]);
    }

    /** Uninitialised (here: zero-filled) float32 tensor. */
    public static Tensor empty(int... shape) { return zeros(DType.FLOAT32, Device.CPU, shape); }

    public static Tensor zeros(int... shape) { return zeros(DType.FLOAT32, Device.CPU, shape); }

    public static Tensor zeros(DType dtype, int... shape) { return zeros(dtype, Device.CPU, shape); }

    /** Zeros of the given dtype on the given device. */
    public static Tensor zeros(DType dtype, Device device, int... shape) {
        int[] sh = shape.clone();
        return new Tensor(Backends.forDevice(device).allocate(dtype, Shape.numel(sh), device), sh);
    }

    public static Tensor ones(int... shape) { return full(1, DType.FLOAT32, shape); }

    public static Tensor ones(DType dtype, int... shape) { return full(1, dtype, shape); }

    public static Tensor full(double value, int... shape) { return full(value, DType.FLOAT32, shape); }

    /** A tensor filled with {@code value}. */
    public static Tensor full(double value, DType dtype, int... shape) {
        Tensor t = zeros(dtype, shape);
        if (value != 0) t.backend().fill(t, value);
        return t;
    }

    public static Tensor zerosLike(Tensor t) { return zeros(t.dtype(), t.device(), t.shape); }

    public static Tensor onesLike(Tensor t) { return fullLike(t, 1); }

    public static Tensor fullLike(Tensor t, double value) {
        Tensor r = zeros(t.dtype(), t.device(), t.shape);
        if (value != 0) r.backend().fill(r, value);
        return r;
    }

    public static Tensor emptyLike(Tensor t) { return zerosLike(t); }

    public static Tensor randLike(Tensor t, Generator g) { return rand(g, t.shape).to(t.dtype()).to(t.device()); }

    public static Tensor randnLike(Tensor t, Generator g) { return randn(g, t.shape).to(t.dtype()).to(t.device()); }

    /** {@code [start, end)} with step (int64 when all are integral, like PyTorch; else float32). */
    public static Tensor arange(double start, double end, double step) {
        if (step == 0) throw new IllegalArgumentException("arange: step must be nonzero");
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        boolean integral = start == Math.rint(start) && end == Math.rint(end) && step == Math.rint(step);
        if (integral) {
            long[] d = new long[n];
            for (int i = 0; i < n; i++) d[i] = (long) (start + i * step);
            return fromArray(d, n);
        }
        float[] d = new float[n];
        for (int i = 0; i < n; i++) d[i] = (float) (start + i * step);
        return fromArray(d, n);
    }

    public static Tensor arange(long end) { return arange(0, end, 1); }

    /** {@code steps} evenly spaced float32 values from start to end inclusive. */
    public static Tensor linspace(double start, double end, int steps) {
        if (steps < 0) throw new IllegalArgumentException("linspace: number of steps must be non-negative, got " + steps);
        float[] d = new float[steps];
        double step = steps > 1 ? (end - start) / (steps - 1) : 0;
        for (int i = 0; i < steps; i++) d[i] = (float) (i < steps / 2 ? start + i * step : end - (steps - 1 - i) * step);
        return fromArray(d, steps);
    }

    /** Identity matrix (n, n), float32. */
    public static Tensor eye(int n) { return eye(n, n); }

    public static Tensor eye(int n, int m) {
        float[] d = new float[n * m];
        for (int i = 0; i < Math.min(n, m); i++) d[i * m + i] = 1;
        return fromArray(d, n, m);
    }

    /** Uniform [0, 1) float32 from the default generator. */
    public static Tensor rand(int... shape) { return rand(Generator.defaultGenerator(), shape); }

    public static Tensor rand(Generator g, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) g.nextDouble();
        return fromArray(d, shape.clone());
    }

    /** Standard normal float32 from the default generator. */
    public static Tensor randn(int... shape) { return randn(Generator.defaultGenerator(), shape); }

    public static Tensor randn(Generator g, int... shape) {
        float[] d = new float[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = (float) g.nextGaussian();
        return fromArray(d, shape.clone());
    }

    /** Uniform integers in [low, high), int64. */
    public static Tensor randint(long low, long high, Generator g, int... shape) {
        long[] d = new long[Shape.numel(shape)];
        for (int i = 0; i < d.length; i++) d[i] = g.nextLong(low, high);
        return fromArray(d, shape.clone());
    }

    /** A random permutation of {@code 0..n-1}, int64 (Fisher–Yates). */
    public static Tensor randperm(int n, Generator g) {
        long[] d = new long[n];
        for (int i = 0; i < n; i++) d[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            long t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
        return fromArray(d, n);
    }

    // =================================================================== metadata
    public int[] shape() { return shape.clone(); }

    /** Size of dim {@code d} (negative allowed). */
    public int size(int d) { return shape[checkHasDims(d)]; }

    public int[] strides() { return strides.clone(); }

    public int stride(int d) { return strides[checkHasDims(d)]; }

    /** {@code d} wrapped into range; a 0-d tensor has no dim to ask about (PyTorch's IndexError). */
    private int checkHasDims(int d) {
        int w = Shape.wrapDim(d, shape.length);
        if (shape.length == 0) {
            throw new IndexOutOfBoundsException("dimension specified as " + d + " but tensor has no dimensions");
        }
        return w;
    }

    public int dim() { return shape.length; }

    public int numel() { return Shape.numel(shape); }

    public DType dtype() { return storage.dtype(); }

    public Device device() { return storage.device(); }

    public Storage storage() { return storage; }

    public int storageOffset() { return offset; }

    /** The backend that runs this tensor's ops. */
    public Backend backend() { return Backends.forDevice(storage.device()); }

    /** Version counter of the storage (bumped by in-place ops). */
    public int version() { return storage.version(); }

    /** Whether the elements are laid out row-major without gaps (size-1 dims ignored). */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    // raw access for backends: the internal arrays (not copies)
    public int[] shapeRef() { return shape; }

    public int[] stridesRef() { return strides; }

    // =================================================================== element access
    /** The value of a one-element tensor as a double. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("a Tensor with " + numel() + " elements cannot be converted to a scalar");
        }
        return hostStorage().get(0);
    }

    /** The element at a full index (negative indices allowed) as a double. */
    public double get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index of length " + index.length + " for a tensor of shape " + Shape.str(shape));
        }
        int off = offset;
        for (int i = 0; i < index.length; i++) {
            int ix = index[i] < 0 ? index[i] + shape[i] : index[i];
            if (ix < 0 || ix >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + index[i] + " is out of bounds for dimension " + i
                        + " with size " + shape[i]);
            }
            off += ix * strides[i];
        }
        if (storage instanceof CpuStorage) return ((CpuStorage) storage).get(off);
        return contiguousCopy().get(index);
    }

    private CpuStorage hostStorage() { return backend().download(this); }

    /** Elements in row-major order as float (a copy). */
    public float[] toFloatArray() {
        CpuStorage s = hostStorage();
        if (s.f != null) return s.f;
        float[] r = new float[s.size()];
        for (int i = 0; i < r.length; i++) r[i] = (float) s.get(i);
        return r;
    }

    /** Elements in row-major order as double (a copy). */
    public double[] toDoubleArray() {
        CpuStorage s = hostStorage();
        if (s.d != null) return s.d;
        double[] r = new double[s.size()];
        for (int i = 0; i < r.length; i++) r[i] = s.get(i);
        return r;
    }

    /** Elements in row-major order as long (a copy; floats truncated toward zero). */
    public long[] toLongArray() {
        CpuStorage s = hostStorage();
        if (s.l != null) return s.l;
        long[] r = new long[s.size()];
        for (int i = 0; i < r.length; i++) r[i] = s.getLong(i);
        return r;
    }

    /** Elements in row-major order as boolean (a copy; nonzero is true). */
    public boolean[] toBooleanArray() {
        CpuStorage s = hostStorage();
        boolean[] r = new boolean[s.size()];
        for (int i = 0; i < r.length; i++) r[i] = s.get(i) != 0;
        return r;
    }

    /** True if any element is NaN (float dtypes). */
    public boolean hasNaN() {
        if (!dtype().isFloatingPoint()) return false;
        for (double v : toDoubleArray()) if (Double.isNaN(v)) return true;
        return false;
    }

    // =================================================================== autograd
    public boolean requiresGrad() { return requiresGrad; }

    /**
     * Marks this leaf as requiring grad ({@code requires_grad_}).
     *
     * @throws IllegalArgumentException for non-float dtypes, or when turning it off on a non-leaf
     */
    public Tensor requiresGrad_(boolean on) {
        if (on && !dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("only Tensors of floating point dtype can require gradients, got " + dtype().torchName());
        }
        if (!on && gradFn != null) {
            throw new IllegalArgumentException("you can only change requires_grad flags of leaf variables.");
        }
        requiresGrad = on;
        return this;
    }

    public Tensor requiresGrad_() { return requiresGrad_(true); }

    /** The accumulated gradient (null until a backward reaches this leaf). */
    public Tensor grad() { return grad; }

    /** Replaces the gradient (null clears it); the shape must match. */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("assigned grad has shape " + Shape.str(g.shape) + " but the tensor has shape " + Shape.str(shape));
        }
        if (g != null && g.dtype() != dtype()) {
            throw new IllegalArgumentException("assigned grad has dtype " + g.dtype().torchName() + " but the tensor has dtype "
                    + dtype().torchName());
        }
        grad = g;
    }

    /** Engine-internal. */
    public void setGradInternal(Tensor g) { grad = g; }

    /** The op that produced this tensor (null for leaves). */
    public Function gradFn() { return gradFn; }

    /** Engine-internal: makes this tensor the output of {@code fn}. */
    public void attachGradFn(Function fn) {
        gradFn = fn;
        requiresGrad = true;
    }

    /** A leaf is a tensor not produced by a recorded op. */
    public boolean isLeaf() { return gradFn == null; }

    /**
     * Makes this tensor refer to {@code src}'s data (storage, offset, shape, strides), like PyTorch's
     * {@code param.data = src}: used to move or convert a module's parameters in place, so references
     * held elsewhere (an optimizer's) stay valid. Not recorded by autograd; bumps the version.
     *
     * @throws IllegalStateException on a non-leaf tensor
     */
    public void setData(Tensor src) {
        if (gradFn != null) throw new IllegalStateException("setData is only allowed on leaf tensors");
        this.storage = src.storage;
        this.offset = src.offset;
        this.shape = src.shape.clone();
        this.strides = src.strides.clone();
        storage.bumpVersion();
    }

    /** A tensor sharing storage but cut from the graph ({@code detach}). */
    public Tensor detach() { return new Tensor(storage, offset, shape, strides); }

    /** Computes the gradient of this scalar w.r.t. graph leaves (frees the graph). */
    public void backward() { backward(null, false); }

    /** Backward seeded with {@code gradient} (same shape). */
    public void backward(Tensor gradient) { backward(gradient, false); }

    /** Backward seeded with {@code gradient} (null = ones for a scalar); keeps the graph when {@code retainGraph}. */
    public void backward(Tensor gradient, boolean retainGraph) {
        Autograd.backward(new Tensor[] {this}, new Tensor[] {gradient}, retainGraph);
    }

    /**
     * Registers a hook called with this tensor's gradient during backward; a non-null return replaces it.
     *
     * @throws IllegalStateException on a tensor that does not require grad
     */
    public void registerHook(UnaryOperator<Tensor> hook) {
        if (!requiresGrad) throw new IllegalStateException("cannot register a hook on a tensor that doesn't require gradient");
        if (gradFn != null) {
            gradFn.addHook(hook);
        } else {
            if (hooks == null) hooks = new ArrayList<>();
            hooks.add(hook);
        }
    }

    /** Engine-internal: hooks registered on this leaf. */
    public List<UnaryOperator<Tensor>> leafHooks() { return hooks; }

    /** Keeps the gradient of this non-leaf in {@link #grad()} after backward. */
    public void retainGrad() {
        if (!requiresGrad) throw new IllegalStateException("can't retain_grad on Tensor that has requires_grad=False");
        if (gradFn != null) gradFn.retainGradInto(this);
    }

    // =================================================================== conversion
    /** A copy converted to {@code dtype} (this tensor if already of it). Differentiable between float dtypes. */
    public Tensor to(DType dtype) { return Arithmetic.cast(this, dtype); }

    /** A copy on {@code device} (this tensor if already there). Differentiable. */
    public Tensor to(Device device) { return Arithmetic.toDevice(this, device); }

    public Tensor toFloat() { return to(DType.FLOAT32); }

    public Tensor toDouble() { return to(DType.FLOAT64); }

    public Tensor toLong() { return to(DType.INT64); }

    /**
     * {@code torch.Tensor.half()}: a float16 copy (round-to-nearest-even: magnitudes from 65520 up become ±inf, the
     * largest finite value being 65504). Differentiable.
     * 16-bit tensors are CPU-only storage formats whose ops compute in float32 (see {@link DType#FLOAT16}).
     */
    public Tensor half() { return to(DType.FLOAT16); }

    /** {@code torch.Tensor.bfloat16()}: a bfloat16 copy (round-to-nearest-even). Differentiable. */
    public Tensor bfloat16() { return to(DType.BFLOAT16); }

    /** Contiguous version: this tensor if already contiguous, else a copy (differentiable). */
    public Tensor contiguous() { return isContiguous() ? this : ShapeOps.contiguous(this); }

    /** A contiguous copy that is never this tensor (not recorded). */
    public Tensor contiguousCopy() { return backend().contiguous(this); }

    /** A differentiable copy ({@code clone}). */
    public Tensor clone() { return ShapeOps.cloneTensor(this); }

    // =================================================================== arithmetic
    public Tensor add(Tensor o) { return Arithmetic.binary(BinaryOp.ADD, this, o); }

    /** {@code this + alpha * o}. */
    public Tensor add(Tensor o, double alpha) { return alpha == 1 ? add(o) : add(o.mul(alpha)); }

    public Tensor add(double s) { return Arithmetic.unary(UnaryOp.ADD_SCALAR, this, s, 0); }

    public Tensor sub(Tensor o) { return Arithmetic.binary(BinaryOp.SUB, this, o); }

    public Tensor sub(Tensor o, double alpha) { return alpha == 1 ? sub(o) : sub(o.mul(alpha)); }

    public Tensor sub(double s) { return Arithmetic.unary(UnaryOp.ADD_SCALAR, this, -s, 0); }

    /** {@code s - this}. */
    public Tensor rsub(double s) { return Arithmetic.unary(UnaryOp.RSUB_SCALAR, this, s, 0); }

    public Tensor mul(Tensor o) { return Arithmetic.binary(BinaryOp.MUL, this, o); }

    public Tensor mul(double s) { return Arithmetic.unary(UnaryOp.MUL_SCALAR, this, s, 0); }

    public Tensor div(Tensor o) { return Arithmetic.binary(BinaryOp.DIV, this, o); }

    /** True division by {@code s}: integer and bool tensors give float32, as in PyTorch. */
    public Tensor div(double s) {
        if (!dtype().isFloatingPoint()) return to(DType.FLOAT32).div(s);
        return Arithmetic.unary(UnaryOp.MUL_SCALAR, this, 1 / s, 0);
    }

    /** {@code s / this}. */
    public Tensor rdiv(double s) { return Arithmetic.unary(UnaryOp.RDIV_SCALAR, this, s, 0); }

    public Tensor pow(Tensor e) { return Arithmetic.binary(BinaryOp.POW, this, e); }

    public Tensor pow(double e) { return Arithmetic.unary(UnaryOp.POW_SCALAR, this, e, 0); }

    /** {@code base ^ this}. */
    public Tensor rpow(double base) { return Arithmetic.unary(UnaryOp.RPOW_SCALAR, this, base, 0); }

    public Tensor neg() { return Arithmetic.unary(UnaryOp.NEG, this, 0, 0); }

    public Tensor exp() { return Arithmetic.unary(UnaryOp.EXP, this, 0, 0); }

    public Tensor log() { return Arithmetic.unary(UnaryOp.LOG, this, 0, 0); }

    public Tensor log1p() { return Arithmetic.unary(UnaryOp.LOG1P, this, 0, 0); }

    public Tensor expm1() { return Arithmetic.unary(UnaryOp.EXPM1, this, 0, 0); }

    // ----- trigonometric, hyperbolic, error-function and logarithm families (torch.* 1.13); integer and bool
    // inputs give float32, gradients are the formulas of PyTorch's derivatives.yaml (math: C's <math.h>)

    /** {@code torch.tan}; gradient {@code 1 + tan(x)^2}. */
    public Tensor tan() { return Arithmetic.unary(UnaryOp.TAN, this, 0, 0); }

    /** {@code torch.asin}: NaN outside {@code [-1, 1]}; gradient {@code 1 / sqrt(1 - x^2)}, {@code +inf} at {@code +-1}. */
    public Tensor asin() { return Arithmetic.unary(UnaryOp.ASIN, this, 0, 0); }

    /** {@code torch.acos}: NaN outside {@code [-1, 1]}; gradient {@code -1 / sqrt(1 - x^2)}, {@code -inf} at {@code +-1}. */
    public Tensor acos() { return Arithmetic.unary(UnaryOp.ACOS, this, 0, 0); }

    /** {@code torch.atan}; gradient {@code 1 / (1 + x^2)}. */
    public Tensor atan() { return Arithmetic.unary(UnaryOp.ATAN, this, 0, 0); }

    /** {@code torch.sinh}; gradient {@code cosh(x)}. */
    public Tensor sinh() { return Arithmetic.unary(UnaryOp.SINH, this, 0, 0); }

    /** {@code torch.cosh}; gradient {@code sinh(x)}. */
    public Tensor cosh() { return Arithmetic.unary(UnaryOp.COSH, this, 0, 0); }

    /** {@code torch.asinh}; gradient {@code 1 / sqrt(x^2 + 1)}. */
    public Tensor asinh() { return Arithmetic.unary(UnaryOp.ASINH, this, 0, 0); }

    /** {@code torch.acosh}: NaN below 1, 0 at 1; gradient {@code 1 / sqrt(x^2 - 1)}, {@code +inf} at 1. */
    public Tensor acosh() { return Arithmetic.unary(UnaryOp.ACOSH, this, 0, 0); }

    /** {@code torch.atanh}: {@code +-inf} at {@code +-1}, NaN beyond; gradient {@code 1 / (1 - x^2)}. */
    public Tensor atanh() { return Arithmetic.unary(UnaryOp.ATANH, this, 0, 0); }

    /** {@code torch.erf}, the error function {@code 2/sqrt(pi) int_0^x exp(-t^2) dt}; gradient {@code 2/sqrt(pi) exp(-x^2)}. */
    public Tensor erf() { return Arithmetic.unary(UnaryOp.ERF, this, 0, 0); }

    /** {@code torch.erfc = 1 - erf}, accurate in the tail (no cancellation); gradient {@code -2/sqrt(pi) exp(-x^2)}. */
    public Tensor erfc() { return Arithmetic.unary(UnaryOp.ERFC, this, 0, 0); }

    /**
     * {@code torch.erfinv}, the inverse of {@link #erf} on {@code [-1, 1]}: {@code +-inf} at {@code +-1}, NaN outside;
     * gradient {@code sqrt(pi)/2 exp(erfinv(x)^2)}.
     */
    public Tensor erfinv() { return Arithmetic.unary(UnaryOp.ERFINV, this, 0, 0); }

    /** {@code torch.log2}, exact at powers of two; {@code -inf} at 0, NaN below; gradient {@code 1 / (x ln 2)}. */
    public Tensor log2() { return Arithmetic.unary(UnaryOp.LOG2, this, 0, 0); }

    /** {@code torch.log10}, exact at powers of ten; {@code -inf} at 0, NaN below; gradient {@code 1 / (x ln 10)}. */
    public Tensor log10() { return Arithmetic.unary(UnaryOp.LOG10, this, 0, 0); }

    /** {@code torch.exp2}: {@code 2^x}, i.e. {@link #rpow rpow(2)}; gradient {@code 2^x ln 2}. */
    public Tensor exp2() { return rpow(2.0); }

    // ----- rounding: integer-valued, gradient exactly 0 (PyTorch's zeros_like(grad)); integer tensors are copied as is

    /** {@code torch.floor}. */
    public Tensor floor() { return Arithmetic.unary(UnaryOp.FLOOR, this, 0, 0); }

    /** {@code torch.ceil}. */
    public Tensor ceil() { return Arithmetic.unary(UnaryOp.CEIL, this, 0, 0); }

    /** {@code torch.round}: to the nearest integer, halves to even ({@code 0.5 -> 0}, {@code 1.5 -> 2}, {@code 2.5 -> 2}). */
    public Tensor round() { return Arithmetic.unary(UnaryOp.ROUND, this, 0, 0); }

    /**
     * {@code torch.round(input, decimals=d)}: PyTorch's {@code nearbyint(x * 10^d) / 10^d} for {@code d > 0} and
     * {@code nearbyint(x / 10^-d) * 10^-d} for {@code d < 0}, the power of ten in this tensor's float dtype; gradient 0.
     *
     * @throws IllegalArgumentException for an integer tensor with {@code d != 0} (PyTorch: not implemented for integers)
     */
    public Tensor round(int decimals) {
        if (decimals == 0) return round();
        if (!dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("round with decimals is not implemented for integer tensors (dtype "
                    + dtype().torchName() + ")");
        }
        Tensor p = scalar(Math.pow(10, Math.abs(decimals)), dtype()).to(device());
        return decimals > 0 ? mul(p).round().div(p) : div(p).round().mul(p);
    }

    /** {@code torch.trunc}: rounds toward zero. */
    public Tensor trunc() { return Arithmetic.unary(UnaryOp.TRUNC, this, 0, 0); }

    /**
     * {@code torch.frac}: {@code x - trunc(x)} (sign of x; NaN for infinities); gradient 1 (PyTorch's {@code grad}).
     *
     * @throws IllegalArgumentException for integer and bool tensors (not implemented in PyTorch either)
     */
    public Tensor frac() {
        if (!dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("\"frac_cpu\" not implemented for '" + (dtype() == DType.BOOL ? "Bool" : "Long") + "'");
        }
        return sub(trunc());
    }

    // ----- binary functions with broadcasting (torch.* 1.13)

    /**
     * {@code torch.atan2(input, other)}: the angle of the point {@code (other, input)} in {@code [-pi, pi]}, broadcast;
     * integers give float32. Gradients {@code g other / (input^2 + other^2)} and {@code -g input / (input^2 + other^2)}
     * (NaN at the origin, as PyTorch).
     *
     * @throws IllegalArgumentException when the shapes do not broadcast
     */
    public Tensor atan2(Tensor other) { return Arithmetic.binary(BinaryOp.ATAN2, this, other); }

    /**
     * {@code torch.fmod(input, other)}: C's {@code fmod}, the remainder of the division rounded toward zero, with the
     * sign of the dividend ({@code fmod(-3, 2) = -1}); NaN for a zero float divisor. Integer tensors stay integer (a zero
     * integer divisor gives 0 here, where PyTorch's CPU raises). Gradients {@code g} and {@code -g trunc(input / other)}.
     *
     * @throws IllegalArgumentException when the shapes do not broadcast
     */
    public Tensor fmod(Tensor other) { return Arithmetic.binary(BinaryOp.FMOD, this, other); }

    /** {@code torch.fmod(input, number)}: see {@link #fmod(Tensor)}. */
    public Tensor fmod(double other) { return fmod(numberOperand(other, DType.FLOAT32).to(device())); }

    /**
     * {@code torch.remainder(input, other)}: Python's {@code %}, the remainder of the floor division, with the sign of
     * the divisor ({@code remainder(-3, 2) = 1}, {@code remainder(3, -2) = -1}); integers stay integer. Gradients
     * {@code g} and {@code -g floor_divide(input, other)}.
     *
     * @throws IllegalArgumentException when the shapes do not broadcast
     */
    public Tensor remainder(Tensor other) { return Arithmetic.binary(BinaryOp.REMAINDER, this, other); }

    /** {@code torch.remainder(input, number)}: see {@link #remainder(Tensor)}. */
    public Tensor remainder(double other) { return remainder(numberOperand(other, DType.FLOAT32).to(device())); }

    /**
     * {@code torch.hypot(input, other)}: {@code sqrt(input^2 + other^2)} without overflow, broadcast. Gradients
     * {@code g input / out} and {@code g other / out}.
     *
     * @throws IllegalArgumentException for integer operands (PyTorch's hypot takes floating point only) or shapes that
     *                                  do not broadcast
     */
    public Tensor hypot(Tensor other) { return Arithmetic.binary(BinaryOp.HYPOT, this, other); }

    /**
     * {@code torch.copysign(input, other)}: the magnitude of input with the sign bit of other (so {@code -0.0} counts as
     * negative); integers give float32. Gradient {@code g * out / input} (0 where input is 0) for input, zeros for other.
     *
     * @throws IllegalArgumentException when the shapes do not broadcast
     */
    public Tensor copysign(Tensor other) { return Arithmetic.binary(BinaryOp.COPYSIGN, this, other); }

    /** {@code torch.copysign(input, number)}: see {@link #copysign(Tensor)}. */
    public Tensor copysign(double other) { return copysign(numberOperand(other, DType.FLOAT32).to(device())); }

    /**
     * {@code torch.lerp(input, end, weight)}: {@code input + weight (end - input)}, computed as PyTorch does with the
     * two-sided formula ({@code end - (end - input)(1 - weight)} for {@code |weight| >= 0.5}). Input and end have the
     * same floating dtype and broadcast. See {@link org.sparkgrad.ops.PointwiseOps#lerp(Tensor, Tensor, double)}.
     *
     * @throws IllegalArgumentException for differing or non-float dtypes or shapes that do not broadcast
     */
    public Tensor lerp(Tensor end, double weight) { return org.sparkgrad.ops.PointwiseOps.lerp(this, end, weight); }

    /** {@code torch.lerp} with a weight tensor of the same dtype (differentiable in all three). */
    public Tensor lerp(Tensor end, Tensor weight) { return org.sparkgrad.ops.PointwiseOps.lerp(this, end, weight); }

    /**
     * {@code torch.addcmul(input, tensor1, tensor2, value=value)}: {@code input + value * tensor1 * tensor2}, broadcast.
     * See {@link org.sparkgrad.ops.PointwiseOps#addcmul}.
     */
    public Tensor addcmul(Tensor tensor1, Tensor tensor2, double value) {
        return org.sparkgrad.ops.PointwiseOps.addcmul(this, tensor1, tensor2, value);
    }

    /** {@code torch.addcmul(input, tensor1, tensor2)} with {@code value = 1}. */
    public Tensor addcmul(Tensor tensor1, Tensor tensor2) { return addcmul(tensor1, tensor2, 1); }

    /**
     * {@code torch.addcdiv(input, tensor1, tensor2, value=value)}: {@code input + value * tensor1 / tensor2}, broadcast.
     * See {@link org.sparkgrad.ops.PointwiseOps#addcdiv}.
     */
    public Tensor addcdiv(Tensor tensor1, Tensor tensor2, double value) {
        return org.sparkgrad.ops.PointwiseOps.addcdiv(this, tensor1, tensor2, value);
    }

    /** {@code torch.addcdiv(input, tensor1, tensor2)} with {@code value = 1}. */
    public Tensor addcdiv(Tensor tensor1, Tensor tensor2) { return addcdiv(tensor1, tensor2, 1); }

    public Tensor sqrt() { return Arithmetic.unary(UnaryOp.SQRT, this, 0, 0); }

    public Tensor rsqrt() { return Arithmetic.unary(UnaryOp.RSQRT, this, 0, 0); }

    public Tensor abs() { return Arithmetic.unary(UnaryOp.ABS, this, 0, 0); }

    public Tensor sign() { return Arithmetic.unary(UnaryOp.SIGN, this, 0, 0); }

    public Tensor reciprocal() { return Arithmetic.unary(UnaryOp.RECIPROCAL, this, 0, 0); }

    public Tensor square() { return Arithmetic.unary(UnaryOp.SQUARE, this, 0, 0); }

    public Tensor sin() { return Arithmetic.unary(UnaryOp.SIN, this, 0, 0); }

    public Tensor cos() { return Arithmetic.unary(UnaryOp.COS, this, 0, 0); }

    public Tensor tanh() { return Arithmetic.unary(UnaryOp.TANH, this, 0, 0); }

    public Tensor sigmoid() { return Arithmetic.unary(UnaryOp.SIGMOID, this, 0, 0); }

    public Tensor maximum(Tensor o) { return Arithmetic.binary(BinaryOp.MAXIMUM, this, o); }

    public Tensor minimum(Tensor o) { return Arithmetic.binary(BinaryOp.MINIMUM, this, o); }

    /** Clamps to [min, max]; NaN means no bound on that side. */
    public Tensor clamp(double min, double max) { return Arithmetic.unary(UnaryOp.CLAMP, this, min, max); }

    public Tensor clampMin(double min) { return clamp(min, Double.NaN); }

    public Tensor clampMax(double max) { return clamp(Double.NaN, max); }

    /** {@code torch.where(cond, x, y)}: cond is bool; broadcasting over all three. */
    public static Tensor where(Tensor cond, Tensor x, Tensor y) { return Arithmetic.where(cond, x, y); }

    /** {@code torch.where(cond, x, scalar)}. */
    public static Tensor where(Tensor cond, Tensor x, double y) { return Arithmetic.where(cond, x, x.numberOperand(y, DType.FLOAT32)); }

    /**
     * The 0-d tensor standing for the number {@code s} in a binary op with this tensor, as PyTorch types a Python
     * number: this dtype for float tensors; int64 for an integral value with an integer or bool tensor; otherwise
     * {@code fractional} (so {@code 2.5} is never truncated to {@code 2} against an int64 tensor).
     */
    /** A number as a 0-d operand on this tensor's device (PyTorch's wrapped-number promotion). */
    private Tensor numberOperand(double s, DType fractional) {
        DType dt = dtype();
        DType odt = dt.isFloatingPoint() ? dt : Double.isFinite(s) && s == Math.rint(s) ? DType.INT64 : fractional;
        if (device().equals(Device.CPU)) return scalar(s, odt);
        CpuStorage host = CpuStorage.allocate(odt, 1);
        host.set(0, s);
        return new Tensor(backend().upload(host, device()), new int[0]);
    }

    public Tensor eq(Tensor o) { return Arithmetic.compare(BinaryOp.EQ, this, o); }

    public Tensor ne(Tensor o) { return Arithmetic.compare(BinaryOp.NE, this, o); }

    public Tensor lt(Tensor o) { return Arithmetic.compare(BinaryOp.LT, this, o); }

    public Tensor le(Tensor o) { return Arithmetic.compare(BinaryOp.LE, this, o); }

    public Tensor gt(Tensor o) { return Arithmetic.compare(BinaryOp.GT, this, o); }

    public Tensor ge(Tensor o) { return Arithmetic.compare(BinaryOp.GE, this, o); }

    public Tensor eq(double s) { return eq(numberOperand(s, DType.FLOAT64)); }

    public Tensor ne(double s) { return ne(numberOperand(s, DType.FLOAT64)); }

    public Tensor lt(double s) { return lt(numberOperand(s, DType.FLOAT64)); }

    public Tensor le(double s) { return le(numberOperand(s, DType.FLOAT64)); }

    public Tensor gt(double s) { return gt(numberOperand(s, DType.FLOAT64)); }

    public Tensor ge(double s) { return ge(numberOperand(s, DType.FLOAT64)); }

    public Tensor logicalNot() { return Arithmetic.compareUnary(UnaryOp.LOGICAL_NOT, this); }

    public Tensor logicalAnd(Tensor o) { return Arithmetic.compare(BinaryOp.LOGICAL_AND, this, o); }

    public Tensor logicalOr(Tensor o) { return Arithmetic.compare(BinaryOp.LOGICAL_OR, this, o); }

    /** Bool mask of NaN/Inf elements. */
    public Tensor isNonFinite() { return Arithmetic.compareUnary(UnaryOp.IS_NONFINITE, this); }

    // =================================================================== in place (bump the version)
    public Tensor add_(Tensor o) { return Arithmetic.inPlace(BinaryOp.ADD, this, o); }

    /**
     * {@code this += alpha * o} in place ({@code torch.Tensor.add_(other, alpha=alpha)}), {@code o} broadcast to this
     * tensor's shape, in one fused pass.
     *
     * @throws IllegalArgumentException if {@code o} does not broadcast to this shape (both shapes named)
     * @throws IllegalStateException under grad mode when this tensor is a leaf or graph node that requires grad, or
     *     {@code o} requires grad
     */
    public Tensor add_(Tensor o, double alpha) { return alpha == 1 ? add_(o) : Arithmetic.addScaledInPlace(this, o, alpha); }

    public Tensor add_(double s) { return Arithmetic.inPlace(BinaryOp.ADD, this, inPlaceNumber(s)); }

    public Tensor sub_(Tensor o) { return Arithmetic.inPlace(BinaryOp.SUB, this, o); }

    public Tensor mul_(Tensor o) { return Arithmetic.inPlace(BinaryOp.MUL, this, o); }

    public Tensor mul_(double s) { return Arithmetic.inPlace(BinaryOp.MUL, this, inPlaceNumber(s)); }

    public Tensor div_(Tensor o) { return Arithmetic.inPlace(BinaryOp.DIV, this, o); }

    public Tensor div_(double s) { return Arithmetic.inPlace(BinaryOp.DIV, this, inPlaceNumber(s)); }

    /**
     * The number operand of {@code add_}/{@code mul_}/{@code div_}: as {@link #numberOperand}, except that a float16 or
     * bfloat16 tensor gets it in float32, unrounded, as PyTorch's kernels take a scalar in their compute type
     * ({@code opmath}); the result is rounded to this tensor's dtype once.
     */
    private Tensor inPlaceNumber(double s) {
        if (!dtype().isReducedPrecision()) return numberOperand(s, DType.FLOAT32);
        Tensor t = scalar(s, DType.FLOAT32);
        return device().equals(Device.CPU) ? t : t.to(device());
    }

    /** Sets every element to 0. */
    public Tensor zero_() { return fill_(0); }

    /** Sets every element to {@code v}. */
    public Tensor fill_(double v) {
        Arithmetic.checkInPlace(this, "fill_");
        backend().fill(this, v);
        storage.bumpVersion();
        return this;
    }

    /** Copies {@code src} (broadcast, cast) into this tensor. */
    public Tensor copy_(Tensor src) {
        Arithmetic.checkInPlace(this, "copy_");
        Arithmetic.checkNoInternalOverlap(this, "copy_");
        if (src.device() != device() && !src.device().equals(device())) src = src.to(device());
        backend().copy(Arithmetic.inPlaceSource(this, src), this);
        storage.bumpVersion();
        return this;
    }

    /** Clamps in place. */
    public Tensor clamp_(double min, double max) {
        Arithmetic.checkInPlace(this, "clamp_");
        Tensor r;
        try (GradMode.Guard g = GradMode.noGrad()) {
            r = clamp(min, max);
        }
        backend().copy(r, this);
        storage.bumpVersion();
        return this;
    }

    // =================================================================== reductions
    public Tensor sum() { return Reductions.reduce(ReduceOp.SUM, this, null, false); }

    public Tensor sum(int dim) { return sum(new int[] {dim}, false); }

    public Tensor sum(int dim, boolean keepdim) { return sum(new int[] {dim}, keepdim); }

    public Tensor sum(int[] dims, boolean keepdim) { return Reductions.reduce(ReduceOp.SUM, this, dims, keepdim); }

    public Tensor mean() { return Reductions.reduce(ReduceOp.MEAN, this, null, false); }

    public Tensor mean(int dim) { return mean(new int[] {dim}, false); }

    public Tensor mean(int dim, boolean keepdim) { return mean(new int[] {dim}, keepdim); }

    public Tensor mean(int[] dims, boolean keepdim) { return Reductions.reduce(ReduceOp.MEAN, this, dims, keepdim); }

    public Tensor prod() { return Reductions.reduce(ReduceOp.PROD, this, null, false); }

    public Tensor prod(int dim, boolean keepdim) { return Reductions.reduce(ReduceOp.PROD, this, new int[] {dim}, keepdim); }

    public Tensor amax() { return Reductions.reduce(ReduceOp.AMAX, this, null, false); }

    public Tensor amax(int[] dims, boolean keepdim) { return Reductions.reduce(ReduceOp.AMAX, this, dims, keepdim); }

    public Tensor amax(int dim, boolean keepdim) { return amax(new int[] {dim}, keepdim); }

    public Tensor amin() { return Reductions.reduce(ReduceOp.AMIN, this, null, false); }

    public Tensor amin(int[] dims, boolean keepdim) { return Reductions.reduce(ReduceOp.AMIN, this, dims, keepdim); }

    public Tensor amin(int dim, boolean keepdim) { return amin(new int[] {dim}, keepdim); }

    /** Max over all elements (0-d). */
    public Tensor max() { return Reductions.maxAll(this, true); }

    /** Min over all elements (0-d). */
    public Tensor min() { return Reductions.maxAll(this, false); }

    /** {@code torch.max(x, dim)}: values and int64 indices; the gradient flows to the index positions. */
    public Tensor[] max(int dim, boolean keepdim) { return Reductions.maxDim(this, dim, keepdim, true); }

    public Tensor[] min(int dim, boolean keepdim) { return Reductions.maxDim(this, dim, keepdim, false); }

    /** Index of the max in the flattened tensor (0-d int64). */
    public Tensor argmax() { return Reductions.argReduce(this, null, false, true); }

    public Tensor argmax(int dim, boolean keepdim) { return Reductions.argReduce(this, dim, keepdim, true); }

    public Tensor argmin() { return Reductions.argReduce(this, null, false, false); }

    public Tensor argmin(int dim, boolean keepdim) { return Reductions.argReduce(this, dim, keepdim, false); }

    /** Variance over all elements; {@code unbiased} divides by n-1. */
    public Tensor var(boolean unbiased) { return Reductions.var(this, null, unbiased ? 1 : 0, false); }

    public Tensor var(int[] dims, boolean unbiased, boolean keepdim) { return Reductions.var(this, dims, unbiased ? 1 : 0, keepdim); }

    public Tensor var(int dim, boolean unbiased, boolean keepdim) { return var(new int[] {dim}, unbiased, keepdim); }

    public Tensor std(boolean unbiased) { return Reductions.std(this, null, unbiased ? 1 : 0, false); }

    public Tensor std(int[] dims, boolean unbiased, boolean keepdim) { return Reductions.std(this, dims, unbiased ? 1 : 0, keepdim); }

    public Tensor std(int dim, boolean unbiased, boolean keepdim) { return std(new int[] {dim}, unbiased, keepdim); }

    public Tensor logsumexp(int[] dims, boolean keepdim) { return Reductions.reduce(ReduceOp.LOGSUMEXP, this, dims, keepdim); }

    public Tensor logsumexp(int dim, boolean keepdim) { return logsumexp(new int[] {dim}, keepdim); }

    /** p-norm over all elements. */
    public Tensor norm(double p) { return Reductions.norm(this, p, null, false); }

    public Tensor norm() { return norm(2); }

    public Tensor norm(double p, int[] dims, boolean keepdim) { return Reductions.norm(this, p, dims, keepdim); }

    // =================================================================== linalg
    /** {@code torch.matmul} (1-D, 2-D, batched and broadcast-batched). */
    public Tensor matmul(Tensor o) { return Linalg.matmul(this, o); }

    /** Batched matmul of (B, n, m) and (B, m, p). */
    public Tensor bmm(Tensor o) { return Linalg.bmm(this, o); }

    /** 2-D matrix product. */
    public Tensor mm(Tensor o) { return Linalg.mm(this, o); }

    /** Dot product of 1-D tensors. */
    public Tensor dot(Tensor o) { return Linalg.dot(this, o); }

    /** Outer product of 1-D tensors. */
    public Tensor outer(Tensor o) { return Linalg.outer(this, o); }

    // =================================================================== shape and indexing
    public Tensor reshape(int... newShape) { return ShapeOps.reshape(this, newShape); }

    /** A view with a new shape; the tensor must be viewable (contiguous-compatible) in that shape. */
    public Tensor view(int... newShape) { return ShapeOps.view(this, newShape); }

    public Tensor transpose(int d0, int d1) { return ShapeOps.transpose(this, d0, d1); }

    /** Transpose of a 2-D tensor (identity for 0-d/1-d). */
    public Tensor t() {
        if (dim() > 2) throw new IllegalArgumentException("t() expects a tensor with <= 2 dimensions, but self is " + dim() + "D");
        return dim() < 2 ? this : transpose(0, 1);
    }

    /** Swaps the last two dims ({@code mT}). */
    public Tensor mT() { return transpose(-2, -1); }

    public Tensor permute(int... dims) { return ShapeOps.permute(this, dims); }

    /** Removes all size-1 dims. */
    public Tensor squeeze() { return ShapeOps.squeeze(this, null); }

    public Tensor squeeze(int dim) { return ShapeOps.squeeze(this, dim); }

    public Tensor unsqueeze(int dim) { return ShapeOps.unsqueeze(this, dim); }

    public Tensor flatten() { return flatten(0, -1); }

    public Tensor flatten(int startDim, int endDim) { return ShapeOps.flatten(this, startDim, endDim); }

    public Tensor unflatten(int dim, int... sizes) { return ShapeOps.unflatten(this, dim, sizes); }

    /** Broadcast view to {@code sizes} (-1 keeps a dim). */
    public Tensor expand(int... sizes) { return ShapeOps.expand(this, sizes); }

    public Tensor expandAs(Tensor o) { return expand(o.shape); }

    public Tensor repeat(int... repeats) { return ShapeOps.repeat(this, repeats); }

    public static Tensor cat(List<Tensor> ts, int dim) { return ShapeOps.cat(ts, dim); }

    public static Tensor cat(int dim, Tensor... ts) { return ShapeOps.cat(Arrays.asList(ts), dim); }

    public static Tensor stack(List<Tensor> ts, int dim) { return ShapeOps.stack(ts, dim); }

    public static Tensor stack(int dim, Tensor... ts) { return ShapeOps.stack(Arrays.asList(ts), dim); }

    /** Splits into chunks of {@code splitSize} along dim (the last may be smaller). */
    public List<Tensor> split(int splitSize, int dim) { return ShapeOps.split(this, splitSize, dim); }

    /** Splits into pieces of the given sizes along dim. */
    public List<Tensor> split(int[] sizes, int dim) { return ShapeOps.splitSizes(this, sizes, dim); }

    public List<Tensor> chunk(int chunks, int dim) { return ShapeOps.chunk(this, chunks, dim); }

    /**
     * Python-style slice {@code x[..., start:end:step, ...]} on one dim; null start/end mean the ends,
     * negative values count from the end. Step must be positive.
     */
    public Tensor slice(int dim, Integer start, Integer end, int step) { return ShapeOps.slice(this, dim, start, end, step); }

    public Tensor slice(int dim, int start, int end) { return slice(dim, start, end, 1); }

    /** {@code x.narrow(dim, start, length)}. */
    public Tensor narrow(int dim, int start, int length) { return ShapeOps.narrow(this, dim, start, length); }

    /** Selects index {@code i} along {@code dim}, removing the dim. */
    public Tensor select(int dim, int i) { return ShapeOps.select(this, dim, i); }

    public Tensor indexSelect(int dim, Tensor index) { return Indexing.indexSelect(this, dim, index); }

    public Tensor gather(int dim, Tensor index) { return Indexing.gather(this, dim, index); }

    /** Out-of-place {@code scatter}: a copy of this with {@code src} values written at {@code index} along dim. */
    public Tensor scatter(int dim, Tensor index, Tensor src) { return Indexing.scatter(this, dim, index, src, false); }

    /** Out-of-place {@code scatter_add}. */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) { return Indexing.scatter(this, dim, index, src, true); }

    // ------------------------------------------------------------------- scans (ops.Scans)
    /** {@code torch.cumsum(x, dim)}: running sum along dim; int64 for integer and bool inputs. Differentiable. */
    public Tensor cumsum(int dim) { return Scans.cumsum(this, dim, null); }

    /** {@code torch.cumsum(x, dim, dtype=dtype)}: the input cast to {@code dtype} first. */
    public Tensor cumsum(int dim, DType dtype) { return Scans.cumsum(this, dim, dtype); }

    /** {@code torch.cumprod(x, dim)}: running product; gradient correct with zeros in the input. */
    public Tensor cumprod(int dim) { return Scans.cumprod(this, dim, null); }

    /** {@code torch.cumprod(x, dim, dtype=dtype)}. */
    public Tensor cumprod(int dim, DType dtype) { return Scans.cumprod(this, dim, dtype); }

    /** {@code torch.logcumsumexp(x, dim)}: running {@code log(sum(exp))}, computed without overflow. Float dtypes. */
    public Tensor logcumsumexp(int dim) { return Scans.logcumsumexp(this, dim); }

    /** {@code torch.cummax(x, dim)}: {@code {values, indices (int64)}}; ties give the last index, NaN propagates. */
    public Tensor[] cummax(int dim) { return Scans.cumExtremum(this, dim, true); }

    /** {@code torch.cummin(x, dim)}: {@code {values, indices (int64)}}. */
    public Tensor[] cummin(int dim) { return Scans.cumExtremum(this, dim, false); }

    // ------------------------------------------------------------------- sorting and selection (ops.Sorting)
    /** {@code torch.sort(x, dim=-1)}: ascending {@code {values, indices (int64)}}, NaN last. */
    public Tensor[] sort() { return Sorting.sort(this, -1, false, false); }

    /** {@code torch.sort(x, dim, descending)}. */
    public Tensor[] sort(int dim, boolean descending) { return Sorting.sort(this, dim, descending, false); }

    /** {@code torch.sort(x, dim, descending, stable=stable)}: stable keeps equal elements in input order. */
    public Tensor[] sort(int dim, boolean descending, boolean stable) { return Sorting.sort(this, dim, descending, stable); }

    /** {@code torch.argsort(x, dim, descending)}: the int64 indices of {@link #sort(int, boolean)}. */
    public Tensor argsort(int dim, boolean descending) { return Sorting.argsort(this, dim, descending, false); }

    /** {@code torch.argsort(x, dim, descending, stable=stable)}. */
    public Tensor argsort(int dim, boolean descending, boolean stable) { return Sorting.argsort(this, dim, descending, stable); }

    /** {@code torch.msort(x)}: sorted along dim 0. */
    public Tensor msort() { return Sorting.msort(this); }

    /** {@code torch.topk(x, k)}: the k largest along the last dim, sorted, with int64 indices. */
    public Tensor[] topk(int k) { return Sorting.topk(this, k, -1, true, true); }

    /** {@code torch.topk(x, k, dim, largest, sorted)}: the result is always sorted. */
    public Tensor[] topk(int k, int dim, boolean largest, boolean sorted) { return Sorting.topk(this, k, dim, largest, sorted); }

    /** {@code torch.kthvalue(x, k, dim, keepdim)}: the k-th smallest (k from 1) along dim, and its index. */
    public Tensor[] kthvalue(int k, int dim, boolean keepdim) { return Sorting.kthvalue(this, k, dim, keepdim); }

    /** {@code torch.kthvalue(x, k)} along the last dim. */
    public Tensor[] kthvalue(int k) { return Sorting.kthvalue(this, k, -1, false); }

    /** {@code torch.median(x)}: the lower median of all elements (0-d), NaN if any is NaN. */
    public Tensor median() { return Sorting.median(this); }

    /** {@code torch.median(x, dim, keepdim)}: lower median along dim and its int64 index. */
    public Tensor[] median(int dim, boolean keepdim) { return Sorting.median(this, dim, keepdim); }

    // ------------------------------------------------------------------- rearranging (ops.Rearrange)
    /** {@code torch.flip(x, dims)}: a copy reversed along each of dims. */
    public Tensor flip(int... dims) { return Rearrange.flip(this, dims); }

    /** {@code torch.roll(x, shifts, dims)}: cyclic shift along each dim; no dims rolls the flattened tensor. */
    public Tensor roll(int[] shifts, int[] dims) { return Rearrange.roll(this, shifts, dims); }

    /** {@code torch.roll(x, shift, dim)}. */
    public Tensor roll(int shift, int dim) { return Rearrange.roll(this, new int[] {shift}, new int[] {dim}); }

    /** {@code torch.roll(x, shift)}: the flattened tensor rolled, shape kept. */
    public Tensor roll(int shift) { return Rearrange.roll(this, new int[] {shift}, null); }

    /** {@code torch.rot90(x, k, dims)}: rotation by k quarter turns from dims[0] towards dims[1]. */
    public Tensor rot90(int k, int dim0, int dim1) { return Rearrange.rot90(this, k, new int[] {dim0, dim1}); }

    /** {@code torch.movedim(x, source, destination)} (a view). */
    public Tensor movedim(int source, int destination) { return Rearrange.movedim(this, new int[] {source}, new int[] {destination}); }

    /** {@code torch.movedim(x, source, destination)} for several dims. */
    public Tensor movedim(int[] source, int[] destination) { return Rearrange.movedim(this, source, destination); }

    /** {@code torch.tile(x, dims)}: like {@link #repeat} with ones prepended to a short dims. */
    public Tensor tile(int... dims) { return Rearrange.tile(this, dims); }

    /** {@code torch.repeat_interleave(x, repeats, dim)}; null dim works on the flattened input. */
    public Tensor repeatInterleave(int repeats, Integer dim) { return Rearrange.repeatInterleave(this, repeats, dim); }

    /** {@code torch.repeat_interleave(x, repeats, dim)} with an int64 tensor of per-slice counts. */
    public Tensor repeatInterleave(Tensor repeats, Integer dim) { return Rearrange.repeatInterleave(this, repeats, dim); }

    /** {@code torch.take_along_dim(x, indices, dim)}: broadcasting gather; null dim works on the flattened tensors. */
    public Tensor takeAlongDim(Tensor indices, Integer dim) { return Rearrange.takeAlongDim(this, indices, dim); }

    /** {@code torch.tril(x, diagonal)}: lower triangle of the last two dims, the rest zero. */
    public Tensor tril(int diagonal) { return Rearrange.tril(this, diagonal); }

    /** {@code tril(0)}: the main diagonal and below. */
    public Tensor tril() { return tril(0); }

    /** {@code torch.triu(x, diagonal)}: upper triangle of the last two dims, the rest zero. */
    public Tensor triu(int diagonal) { return Rearrange.triu(this, diagonal); }

    /** {@code triu(0)}: the main diagonal and above. */
    public Tensor triu() { return triu(0); }

    /** {@code torch.diag(x, diagonal)}: 1-D to a square matrix with x on that diagonal; 2-D to a copy of the diagonal. */
    public Tensor diag(int diagonal) { return Rearrange.diag(this, diagonal); }

    /** {@code diag(0)}: the main diagonal. */
    public Tensor diag() { return diag(0); }

    /** {@code torch.diagonal(x, offset, dim1, dim2)}: a view of the diagonal, placed as the last dim. */
    public Tensor diagonal(int offset, int dim1, int dim2) { return Rearrange.diagonal(this, offset, dim1, dim2); }

    /** {@code diagonal(0, 0, 1)}: the main diagonal of dims 0 and 1. */
    public Tensor diagonal() { return diagonal(0, 0, 1); }

    /** {@code torch.trace(x)}: sum of the main diagonal of a matrix. */
    public Tensor trace() { return Rearrange.trace(this); }

    /** {@code torch.einsum(equation, operands)}: see {@link Einsum}. */
    public static Tensor einsum(String equation, Tensor... operands) { return Einsum.einsum(equation, operands); }

    // ------------------------------------------------------------------- var_mean / std_mean (ops.Reductions)
    /** {@code torch.var_mean(x, dim, correction=c, keepdim)}: {@code {var, mean}}; null dims = all dims. */
    public Tensor[] varMean(int[] dims, double correction, boolean keepdim) { return Reductions.varMean(this, dims, correction, keepdim); }

    /** {@code torch.var_mean(x, unbiased)} over all elements. */
    public Tensor[] varMean(boolean unbiased) { return varMean(null, unbiased ? 1 : 0, false); }

    /** {@code torch.std_mean(x, dim, correction=c, keepdim)}: {@code {std, mean}}; null dims = all dims. */
    public Tensor[] stdMean(int[] dims, double correction, boolean keepdim) { return Reductions.stdMean(this, dims, correction, keepdim); }

    /** {@code torch.std_mean(x, unbiased)} over all elements. */
    public Tensor[] stdMean(boolean unbiased) { return stdMean(null, unbiased ? 1 : 0, false); }

    /** Elements where {@code mask} (bool, broadcast) is true are replaced by {@code value}. */
    public Tensor maskedFill(Tensor mask, double value) { return Indexing.maskedFill(this, mask, value); }

    /** Constant padding; {@code pad} lists (before, after) pairs starting from the last dim, as in F.pad. */
    public Tensor pad(int[] pad, double value) { return ShapeOps.pad(this, pad, value); }

    // =================================================================== activations
    public Tensor relu() { return Activations.relu(this); }

    public Tensor leakyRelu(double slope) { return Activations.leakyRelu(this, slope); }

    public Tensor elu(double alpha) { return Activations.elu(this, alpha); }

    public Tensor gelu() { return Activations.gelu(this, false); }

    /** GELU with the tanh approximation when {@code tanhApprox}. */
    public Tensor gelu(boolean tanhApprox) { return Activations.gelu(this, tanhApprox); }

    public Tensor silu() { return Activations.silu(this); }

    public Tensor softplus(double beta, double threshold) { return Activations.softplus(this, beta, threshold); }

    public Tensor softplus() { return softplus(1, 20); }

    public Tensor mish() { return Activations.mish(this); }

    public Tensor hardtanh(double min, double max) { return Activations.hardtanh(this, min, max); }

    public Tensor relu6() { return Activations.relu6(this); }

    public Tensor logsigmoid() { return Activations.logsigmoid(this); }

    public Tensor softmax(int dim) { return Activations.softmax(this, dim, false); }

    public Tensor logSoftmax(int dim) { return Activations.softmax(this, dim, true); }

    // =================================================================== printing
    @Override public String toString() { return TensorFormat.format(this); }
}
