package org.sparkgrad.backend;

import java.util.EnumMap;
import java.util.Map;
import java.util.ServiceLoader;
import org.sparkgrad.tensor.Device;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry of backends by device type. The CPU backend is built in; others are discovered once through
 * {@link ServiceLoader} of {@link Backend} (a backend that reports itself unavailable is skipped and its
 * reason is logged once).
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static final CpuBackend CPU = new CpuBackend();
    /** The CPU backend as {@link #forDevice} hands it out: with float16/bfloat16 computed through float32. */
    private static final Backend CPU_ANY_DTYPE = ReducedPrecisionBackend.wrap(CPU);
    private static volatile Map<Device.Type, Backend> registry;
    private static final Map<Device.Type, String> reasons = new EnumMap<>(Device.Type.class);

    private Backends() {}

    /** The CPU backend itself (float32/float64/int64/bool kernels; {@link #forDevice} adds float16/bfloat16). */
    public static CpuBackend cpu() { return CPU; }

    /**
     * The backend for a device. Its kernels accept float16 and bfloat16 tensors, computed in float32 and rounded
     * back (see {@code ReducedPrecisionBackend}; 16-bit tensors live on the CPU only).
     *
     * @throws IllegalStateException when no available backend serves that device type, with the reason
     */
    public static Backend forDevice(Device device) {
        if (device.type() == Device.Type.CPU) return CPU_ANY_DTYPE;
        Backend b = load().get(device.type());
        if (b == null) {
            String why = reasons.getOrDefault(device.type(), "no backend for " + device.type() + " on the class path");
            throw new IllegalStateException("device " + device + " is not available: " + why);
        }
        return b;
    }

    /** Whether a backend for this device type is present and available. */
    public static boolean isAvailable(Device.Type type) {
        return type == Device.Type.CPU || load().containsKey(type);
    }

    /** Why a device type is unavailable (null if available). */
    public static String unavailableReason(Device.Type type) {
        load();
        if (isAvailable(type)) return null;
        return reasons.getOrDefault(type, "no backend for " + type + " on the class path");
    }

    private static Map<Device.Type, Backend> load() {
        Map<Device.Type, Backend> r = registry;
        if (r != null) return r;
        synchronized (Backends.class) {
            if (registry != null) return registry;
            Map<Device.Type, Backend> m = new EnumMap<>(Device.Type.class);
            m.put(Device.Type.CPU, CPU);
            try {
                for (Backend b : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) {
                    if (b.deviceType() == Device.Type.CPU) continue;
                    if (b.isAvailable()) {
                        m.put(b.deviceType(), ReducedPrecisionBackend.wrap(b));
                        LOG.info("backend '{}' available for {}", b.name(), b.deviceType());
                    } else {
                        reasons.put(b.deviceType(), b.unavailableReason());
                        LOG.info("backend '{}' unavailable: {}", b.name(), b.unavailableReason());
                    }
                }
            } catch (java.util.ServiceConfigurationError | LinkageError e) {
                LOG.warn("backend discovery failed: {}", e.toString());
            }
            registry = m;
            return m;
        }
    }
}
