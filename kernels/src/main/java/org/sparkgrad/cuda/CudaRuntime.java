package org.sparkgrad.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-time discovery of CUDA on this machine: is the NVIDIA driver there, which GPUs does it see, can it run the
 * committed PTX. The first call probes (in this order) the JCuda native binding, {@code cuInit},
 * {@code cuDriverGetVersion}, {@code cuDeviceGetCount} and each device's compute capability; the answer is cached
 * for the life of the JVM and logged once.
 *
 * <p>Without a driver, touching {@code jcuda.driver.JCudaDriver} fails in its static initialiser with an
 * {@link UnsatisfiedLinkError} naming {@code libcuda.so.1} (and with {@link NoClassDefFoundError} on every later
 * touch); these, JCuda's {@code CudaException} and any other {@link LinkageError} become an "unavailable" answer
 * with a reason, never an exception. No method of this class throws.
 *
 * <p>This class itself never references a JCuda type, so it loads even when JCuda is absent from the class path.
 * Setting the system property {@code sparkgrad.cuda.disabled=true} (or the environment variable
 * {@code SPARKGRAD_CUDA_DISABLED=1}) makes it answer "unavailable" without probing.
 */
public final class CudaRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(CudaRuntime.class);

    /** Resource whose PTX header tells which driver the kernels need (every module is built alike). */
    static final String REFERENCE_PTX = "org/sparkgrad/cuda/ptx/elementwise.ptx";

    /** A GPU as the driver describes it. */
    public record DeviceInfo(int ordinal, String name, int computeMajor, int computeMinor, int multiprocessors,
                             long totalMemoryBytes) {
        /** Compute capability as major * 10 + minor. */
        public int computeCapability() {
            return computeMajor * 10 + computeMinor;
        }
    }

    /**
     * The result of discovery.
     *
     * @param available     true when at least one device can run the kernels
     * @param reason        why CUDA is unavailable (null when available)
     * @param driverVersion {@code cuDriverGetVersion} (1000 * major + 10 * minor), 0 when unknown
     * @param devices       every device the driver reports (usable or not)
     */
    public record Discovery(boolean available, String reason, int driverVersion, List<DeviceInfo> devices) {
        public Discovery {
            devices = List.copyOf(devices);
            if (!available) Objects.requireNonNull(reason, "an unavailable discovery needs a reason");
        }

        static Discovery unavailable(String reason) {
            return new Discovery(false, reason, 0, List.of());
        }
    }

    /** The native part of discovery; {@link JCudaProbe} in production, fakes in tests. */
    @FunctionalInterface
    interface Probe {
        /** Driver version and devices; may throw whatever the native layer throws. */
        Discovery probe();
    }

    private static volatile Discovery discovery;

    private CudaRuntime() {
    }

    /** True when CUDA can be used (a driver, at least one GPU of compute capability 7.5 or newer). */
    public static boolean isAvailable() {
        return discovery().available();
    }

    /** Why CUDA cannot be used; empty when it can. */
    public static Optional<String> unavailableReason() {
        return Optional.ofNullable(discovery().reason());
    }

    /** Number of GPUs the kernels can run on (0 when unavailable). */
    public static int deviceCount() {
        Discovery d = discovery();
        return d.available() ? (int) d.devices().stream().filter(CudaRuntime::usable).count() : 0;
    }

    /** The cached discovery, probing on the first call. */
    public static Discovery discovery() {
        Discovery d = discovery;
        if (d == null) {
            synchronized (CudaRuntime.class) {
                d = discovery;
                if (d == null) {
                    d = discover(disabledReason(), CudaRuntime::jcudaProbe, readReferencePtxHeader());
                    if (d.available()) {
                        LOG.info("CUDA available: driver {}, devices {}", PtxIsa.formatCuda(d.driverVersion()),
                                d.devices());
                    } else {
                        LOG.info("CUDA unavailable, the GPU backend is off: {}", d.reason());
                    }
                    discovery = d;
                }
            }
        }
        return d;
    }

    /**
     * Discovery from a probe (pure apart from the probe: the tests drive it with fakes).
     *
     * @param disabledReason non-null to skip probing
     * @param probe          the native probe
     * @param ptxHeader      the start of a committed PTX file (its {@code .version}/{@code .target}), or null
     */
    static Discovery discover(String disabledReason, Probe probe, String ptxHeader) {
        if (disabledReason != null) return Discovery.unavailable(disabledReason);
        Discovery raw;
        try {
            raw = probe.probe();
        } catch (UnsatisfiedLinkError e) {
            return Discovery.unavailable("no usable NVIDIA driver: JCuda's native binding could not be loaded ("
                    + summarizeLinkError(e.getMessage()) + "); the CUDA driver library libcuda.so.1 (nvcuda.dll on"
                    + " Windows) is missing or broken on this machine");
        } catch (NoClassDefFoundError e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("Could not initialize class")) {
                return Discovery.unavailable("no usable NVIDIA driver: JCudaDriver failed to initialise earlier in this"
                        + " JVM (" + m + "), usually because the CUDA driver library libcuda.so.1 is missing");
            }
            return Discovery.unavailable("JCuda is not on the class path (" + m + "), so the CUDA driver cannot be used");
        } catch (LinkageError e) {
            return Discovery.unavailable("no usable NVIDIA driver: loading JCuda failed with " + e
                    + "; the CUDA driver library libcuda.so.1 is missing or incompatible");
        } catch (RuntimeException e) {
            // jcuda.CudaException (a RuntimeException) carries the CUresult name, e.g. CUDA_ERROR_NO_DEVICE
            return Discovery.unavailable("the CUDA driver could not be initialised: " + e.getClass().getSimpleName()
                    + ": " + e.getMessage());
        }
        if (raw == null) return Discovery.unavailable("the CUDA probe returned nothing");
        if (!raw.available()) return raw;
        if (raw.devices().isEmpty()) {
            return new Discovery(false, "the CUDA driver (" + PtxIsa.formatCuda(raw.driverVersion())
                    + ") reports no GPU", raw.driverVersion(), raw.devices());
        }
        if (ptxHeader != null) {
            PtxIsa isa = PtxIsa.of(ptxHeader);
            String problem = isa.driverProblem(raw.driverVersion());
            if (problem != null) return new Discovery(false, problem, raw.driverVersion(), raw.devices());
            int need = isa.targetComputeCapability();
            if (raw.devices().stream().noneMatch(d -> d.computeCapability() >= need)) {
                return new Discovery(false, "no GPU of compute capability " + (need / 10) + "." + (need % 10)
                        + " or newer (the PTX targets sm_" + need + "); found " + raw.devices(), raw.driverVersion(),
                        raw.devices());
            }
        }
        return raw;
    }

    /**
     * JCuda's UnsatisfiedLinkError message holds its whole search log (one nested trace per attempt). Keeps the
     * line that says what the dynamic linker could not open, e.g.
     * {@code /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file}.
     */
    static String summarizeLinkError(String message) {
        if (message == null) return "no message";
        String[] lines = message.split("\\R");
        String best = null;
        for (String line : lines) {
            String l = line.trim();
            if (l.startsWith("java.lang.UnsatisfiedLinkError:")) l = l.substring("java.lang.UnsatisfiedLinkError:".length()).trim();
            if (l.contains("libcuda") || l.contains("cannot open shared object")) return l;
            if (best == null && l.contains("UnsatisfiedLinkError")) best = l;
        }
        return best != null ? best : lines[0].trim();
    }

    static boolean usable(DeviceInfo d) {
        return d.computeCapability() >= 75;
    }

    private static String disabledReason() {
        if (Boolean.getBoolean("sparkgrad.cuda.disabled")) {
            return "disabled by the system property sparkgrad.cuda.disabled=true";
        }
        String env = System.getenv("SPARKGRAD_CUDA_DISABLED");
        if (env != null && (env.equals("1") || env.equalsIgnoreCase("true"))) {
            return "disabled by the environment variable SPARKGRAD_CUDA_DISABLED=" + env;
        }
        return null;
    }

    static Discovery jcudaProbe() {
        // a separate class, so that the JCuda types are only resolved here, inside the try of discover()
        return JCudaProbe.probe();
    }

    static String readReferencePtxHeader() {
        try (InputStream in = CudaRuntime.class.getClassLoader().getResourceAsStream(REFERENCE_PTX)) {
            if (in == null) return null;
            return new String(in.readNBytes(4096), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return null;
        }
    }
}
