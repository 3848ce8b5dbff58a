package org.sparkgrad.backend;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.sparkgrad.tensor.CpuStorage;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
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
 * and are passed through. Calls without a 16-bit tensor go straight to the wrapped backend.
 *
 * <p>16-bit storages exist on the CPU only: a non-CPU backend refuses them with an {@link IllegalArgumentException}.
 */
final class ReducedPrecisionBackend implements InvocationHandler {
    private static final Set<String> MEMORY = Set.of("allocate", "upload", "download", "contiguous", "copy", "fill");
    /** Kernels that write into (some of) their tensor arguments. */
    private static final Set<String> WRITES_ARGUMENTS = Set.of("binaryInPlace", "addScaledInPlace", "indexAdd", "scatter",
            "batchNorm", "attentionForward", "attentionBackward", "maskedSoftmax_");

    private final Backend delegate;

    private ReducedPrecisionBackend(Backend delegate) { this.delegate = delegate; }

    /** {@code delegate} with float16/bfloat16 support through float32. */
    static Backend wrap(Backend delegate) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                new ReducedPrecisionBackend(delegate));
    }

    @Override
    public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
        if (m.getDeclaringClass() == Object.class) {
            switch (m.getName()) {
                case "equals": return proxy == args[0];
                case "hashCode": return System.identityHashCode(proxy);
                default: return "reduced-precision(" + delegate.name() + ")";
            }
        }
        DType half = null;
        boolean wide = false;
        if (args != null) {
            for (Object a : args) {
                if (a instanceof Tensor) {
                    DType d = ((Tensor) a).dtype();
                    if (d.isReducedPrecision()) half = half == null || half == d ? d : DType.FLOAT32;
                    else if (d.isFloatingPoint()) wide = true;
                } else if (a instanceof Tensor[]) {
                    for (Tensor t : (Tensor[]) a) {
                        if (t == null) continue;
                        DType d = t.dtype();
                        if (d.isReducedPrecision()) half = half == null || half == d ? d : DType.FLOAT32;
                        else if (d.isFloatingPoint()) wide = true;
                    }
                } else if (a instanceof CpuStorage && ((CpuStorage) a).dtype().isReducedPrecision()) {
                    half = ((CpuStorage) a).dtype();
                } else if (a instanceof DType && ((DType) a).isReducedPrecision()) {
                    half = (DType) a;
                }
            }
        }
        if (half == null) return call(m, args);
        if (MEMORY.contains(m.getName())) {
            if (delegate.deviceType() != Device.Type.CPU) {
                throw new IllegalArgumentException(half.torchName() + " tensors are stored on the CPU only; convert to float32 "
                        + "before moving to " + delegate.name());
            }
            return call(m, args);
        }
        Map<Tensor, Tensor> wideOf = new IdentityHashMap<>();
        Object[] wargs = args.clone();
        for (int i = 0; i < wargs.length; i++) {
            if (wargs[i] instanceof Tensor) wargs[i] = widen((Tensor) wargs[i], wideOf);
            else if (wargs[i] instanceof Tensor[]) {
                Tensor[] ts = ((Tensor[]) wargs[i]).clone();
                for (int j = 0; j < ts.length; j++) ts[j] = widen(ts[j], wideOf);
                wargs[i] = ts;
            }
        }
        Object r = call(m, wargs);
        Map<Tensor, Tensor> originalOf = new IdentityHashMap<>();
        for (Map.Entry<Tensor, Tensor> e : wideOf.entrySet()) originalOf.put(e.getValue(), e.getKey());
        if (WRITES_ARGUMENTS.contains(m.getName())) {
            for (Map.Entry<Tensor, Tensor> e : wideOf.entrySet()) delegate.copy(e.getValue(), e.getKey());
        }
        DType out = wide || !half.isReducedPrecision() ? null : half;
        if (r instanceof Tensor) return narrow((Tensor) r, out, originalOf);
        if (r instanceof Tensor[]) {
            Tensor[] ts = ((Tensor[]) r).clone();
            for (int j = 0; j < ts.length; j++) ts[j] = narrow(ts[j], out, originalOf);
            return ts;
        }
        return r;
    }

    private Object call(Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private Tensor widen(Tensor t, Map<Tensor, Tensor> wideOf) {
        if (t == null || !t.dtype().isReducedPrecision()) return t;
        Tensor w = wideOf.get(t);
        if (w == null) {
            w = new Tensor(delegate.allocate(DType.FLOAT32, t.numel(), t.device()), t.shape());
            delegate.copy(t, w);
            wideOf.put(t, w);
        }
        return w;
    }

    private Tensor narrow(Tensor r, DType out, Map<Tensor, Tensor> originalOf) {
        if (r == null) return null;
        Tensor original = originalOf.get(r);
        if (original != null) return original;
        if (out == null || r.dtype() != DType.FLOAT32) return r;
        Tensor n = new Tensor(delegate.allocate(out, r.numel(), r.device()), r.shape());
        delegate.copy(r, n);
        return n;
    }
}
