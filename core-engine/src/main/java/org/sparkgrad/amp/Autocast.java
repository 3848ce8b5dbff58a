package org.sparkgrad.amp;

import java.util.EnumMap;
import java.util.Map;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/**
 * Automatic mixed precision, after {@code torch.autocast} (PyTorch docs, "Automatic Mixed Precision package -
 * torch.amp"; Micikevicius et al. 2018, "Mixed Precision Training"). Inside a region
 * <pre>{@code
 * try (Autocast ac = Autocast.enable(Device.Type.CPU, DType.BFLOAT16)) {
 *     Tensor loss = F.crossEntropy(model.forward(x), y);   // linear/conv/matmul/attention in bfloat16
 * }
 * loss.backward();                                          // outside the region, as PyTorch recommends
 * }</pre>
 * the ops of PyTorch's CPU lower-precision list (matmul, mm, bmm, linear, conv1d..4d, conv-transpose, scaled
 * dot-product attention, prelu) cast their float32 tensor arguments to the region's dtype, and the losses of its
 * float32 list (MSE, L1, smooth L1, Huber, cross-entropy, NLL, BCE, BCE-with-logits, KL divergence) cast 16-bit
 * arguments to float32. Other ops run in the type their inputs promote to, except the norms (layer, RMS, batch, group),
 * which take a 16-bit input with float32 parameters and return the input's dtype (PyTorch's mixed type). float64
 * tensors are never cast. The casts are ordinary differentiable ops, so gradients reach float32 parameters as
 * float32. Not ported: the float32 list's other CPU ops (3-D pooling, {@code prod}, {@code cdist}, ...) run in 16 bits
 * here.
 *
 * <p>Regions nest (an inner {@link #disable} turns autocast off until it is closed) and are per thread. float16 and
 * bfloat16 tensors are storage formats whose kernels compute in float32 (see {@link DType#FLOAT16}), so on the CPU a
 * region keeps the activations that autograd saves in 16 bits and reproduces PyTorch's mixed-precision rounding;
 * it does not make the arithmetic faster. 16-bit tensors live on the CPU only, so regions for other devices are
 * refused. With {@link DType#FLOAT16}, scale the loss with {@link GradScaler} to keep small gradients from flushing
 * to zero.
 */
public final class Autocast implements AutoCloseable {
    private static final ThreadLocal<Map<Device.Type, DType>> STATE = ThreadLocal.withInitial(() -> new EnumMap<>(Device.Type.class));

    private final Thread owner = Thread.currentThread();
    private final Device.Type deviceType;
    private final DType previous;
    private boolean closed;

    private Autocast(Device.Type deviceType, DType dtype) {
        Map<Device.Type, DType> m = STATE.get();
        this.deviceType = deviceType;
        this.previous = m.get(deviceType);
        if (dtype == null) m.remove(deviceType);
        else m.put(deviceType, dtype);
    }

    /**
     * Opens an autocast region for {@code deviceType} on this thread.
     *
     * @param dtype {@link DType#BFLOAT16} (PyTorch's CPU default) or {@link DType#FLOAT16}
     * @throws IllegalArgumentException for another dtype, or a device type other than the CPU (16-bit tensors are
     *                                  CPU-only here)
     */
    public static Autocast enable(Device.Type deviceType, DType dtype) {
        if (dtype == null || !dtype.isReducedPrecision()) {
            throw new IllegalArgumentException("autocast computes in float16 or bfloat16, not " + (dtype == null ? "null" : dtype.torchName()));
        }
        if (deviceType != Device.Type.CPU) {
            throw new IllegalArgumentException("autocast on " + deviceType + " is not available: float16/bfloat16 tensors are stored "
                    + "on the CPU only in Sparkgrad");
        }
        return new Autocast(deviceType, dtype);
    }

    /** {@link #enable(Device.Type, DType)} with PyTorch's default dtype for the device (bfloat16 on the CPU). */
    public static Autocast enable(Device.Type deviceType) { return enable(deviceType, DType.BFLOAT16); }

    /** Opens a region in which autocast is off for {@code deviceType} (inside an enabled one: {@code enabled=False}). */
    public static Autocast disable(Device.Type deviceType) { return new Autocast(deviceType, null); }

    /** Whether an autocast region for {@code deviceType} is open on this thread. */
    public static boolean isEnabled(Device.Type deviceType) { return STATE.get().get(deviceType) != null; }

    /** The dtype of the innermost open region for {@code deviceType} on this thread, or null when none is. */
    public static DType dtype(Device.Type deviceType) { return STATE.get().get(deviceType); }

    /**
     * Arguments of a lower-precision op: inside a region for their device, float32 tensors cast to the region's dtype
     * (differentiably); everything else (null, float64, integer, bool, other devices, no region) unchanged.
     */
    public static Tensor[] lowerPrecision(Tensor... ts) {
        Map<Device.Type, DType> m = STATE.get();
        if (m.isEmpty()) return ts;
        Tensor[] r = ts.clone();
        for (int i = 0; i < r.length; i++) {
            Tensor t = r[i];
            if (t == null || !t.dtype().isFloatingPoint() || t.dtype() == DType.FLOAT64) continue;
            DType d = m.get(t.device().type());
            if (d != null && t.dtype() != d) r[i] = t.to(d);
        }
        return r;
    }

    /** Arguments of a float32 op: inside a region for their device, 16-bit tensors cast to float32 (differentiably). */
    public static Tensor[] float32(Tensor... ts) {
        Map<Device.Type, DType> m = STATE.get();
        if (m.isEmpty()) return ts;
        Tensor[] r = ts.clone();
        for (int i = 0; i < r.length; i++) {
            Tensor t = r[i];
            if (t != null && t.dtype().isReducedPrecision() && m.containsKey(t.device().type())) r[i] = t.to(DType.FLOAT32);
        }
        return r;
    }

    /**
     * Closes the region, restoring the state it was opened in; closing twice does nothing.
     *
     * @throws IllegalStateException when called from another thread than the one that opened the region
     */
    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) throw new IllegalStateException("an autocast region must be closed on the thread that opened it");
        closed = true;
        Map<Device.Type, DType> m = STATE.get();
        if (previous == null) m.remove(deviceType);
        else m.put(deviceType, previous);
    }
}
