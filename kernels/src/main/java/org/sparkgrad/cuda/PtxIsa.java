package org.sparkgrad.cuda;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the committed PTX needs from the driver. A driver JIT-compiles PTX only up to the PTX ISA version of its
 * CUDA release (PTX written by nvcc 13 declares {@code .version 9.0} and needs a CUDA 13.0 driver, r580 or later),
 * and only for GPUs at least as new as the PTX target ({@code .target sm_75}: compute capability 7.5).
 */
public final class PtxIsa {
    private static final Pattern VERSION = Pattern.compile("(?m)^\\s*\\.version\\s+(\\d+)\\.(\\d+)");
    private static final Pattern TARGET = Pattern.compile("(?m)^\\s*\\.target\\s+sm_(\\d+)");

    /** PTX ISA version (major * 10 + minor) -> first CUDA release (major * 1000 + minor * 10) that reads it. */
    private static final Map<Integer, Integer> MIN_CUDA = Map.ofEntries(
            Map.entry(70, 11000), Map.entry(71, 11010), Map.entry(72, 11020), Map.entry(73, 11030),
            Map.entry(74, 11040), Map.entry(75, 11050), Map.entry(76, 11060), Map.entry(77, 11070),
            Map.entry(78, 11080), Map.entry(80, 12000), Map.entry(81, 12010), Map.entry(82, 12020),
            Map.entry(83, 12030), Map.entry(84, 12040), Map.entry(85, 12050), Map.entry(86, 12070),
            Map.entry(87, 12080), Map.entry(88, 12090), Map.entry(90, 13000));

    private final int isa;
    private final int targetSm;

    private PtxIsa(int isa, int targetSm) {
        this.isa = isa;
        this.targetSm = targetSm;
    }

    /** Reads {@code .version} and {@code .target} from PTX text. */
    public static PtxIsa of(String ptx) {
        Matcher v = VERSION.matcher(ptx);
        Matcher t = TARGET.matcher(ptx);
        if (!v.find() || !t.find()) {
            throw new IllegalArgumentException("not PTX: no .version / .target directive");
        }
        return new PtxIsa(Integer.parseInt(v.group(1)) * 10 + Integer.parseInt(v.group(2)), Integer.parseInt(t.group(1)));
    }

    /** e.g. "9.0". */
    public String isaVersion() {
        return (isa / 10) + "." + (isa % 10);
    }

    /** Compute capability the PTX targets, as major * 10 + minor (75 for sm_75). */
    public int targetComputeCapability() {
        return targetSm;
    }

    /**
     * The oldest driver API version ({@code cuDriverGetVersion}: 1000 * major + 10 * minor) that can JIT this PTX.
     * An ISA newer than this class knows is assumed to need a driver newer than the newest known one.
     */
    public int minDriverVersion() {
        Integer v = MIN_CUDA.get(isa);
        if (v != null) return v;
        int newestIsa = MIN_CUDA.keySet().stream().max(Integer::compare).orElseThrow();
        return isa > newestIsa ? MIN_CUDA.get(newestIsa) + 10 : 11000;
    }

    /** Null when a driver of this version can load the PTX, else why not. */
    public String driverProblem(int driverVersion) {
        int need = minDriverVersion();
        if (driverVersion >= need) return null;
        return "the installed NVIDIA driver supports CUDA " + formatCuda(driverVersion) + " but the kernels' PTX (ISA "
                + isaVersion() + ", built by nvcc from src/main/cuda) needs a CUDA " + formatCuda(need)
                + " driver or newer; update the driver or rebuild the PTX with an older nvcc (kernels/build-ptx.sh)";
    }

    /** 12060 -> "12.6". */
    public static String formatCuda(int driverVersion) {
        return (driverVersion / 1000) + "." + ((driverVersion % 1000) / 10);
    }
}
