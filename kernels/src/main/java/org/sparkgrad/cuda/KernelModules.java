package org.sparkgrad.cuda;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.CudaException;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/**
 * The PTX modules of one device context, loaded lazily from the class path
 * ({@code org/sparkgrad/cuda/ptx/NAME.ptx}, JIT-compiled by the driver for the GPU at hand) and their functions,
 * both cached.
 */
final class KernelModules {
    static final String RESOURCE_DIR = "org/sparkgrad/cuda/ptx/";

    private final DeviceOps ops;
    private final String device;
    private final ConcurrentHashMap<String, CUmodule> modules = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CUfunction> functions = new ConcurrentHashMap<>();

    KernelModules(DeviceOps ops, String device) {
        this.ops = ops;
        this.device = device;
    }

    /** The kernel {@code name} of module {@code module} (the .cu file's base name, e.g. "elementwise"). */
    CUfunction function(String module, String name) {
        return functions.computeIfAbsent(module + "/" + name, k -> {
            CUmodule m = modules.computeIfAbsent(module, this::load);
            CUfunction f = new CUfunction();
            try {
                cuModuleGetFunction(f, m, name);
            } catch (CudaException e) {
                throw new CudaBackendException("kernel " + name + " not found in module " + module + ".ptx ("
                        + e.getMessage() + ")", e);
            }
            return f;
        });
    }

    static byte[] readPtx(String module) {
        String path = RESOURCE_DIR + module + ".ptx";
        try (InputStream in = KernelModules.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new CudaBackendException("PTX resource " + path + " is not on the class path");
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);   // cuModuleLoadData wants a NUL-terminated image
        } catch (IOException e) {
            throw new CudaBackendException("cannot read PTX resource " + path, e);
        }
    }

    private CUmodule load(String module) {
        ops.makeCurrent();
        byte[] image = readPtx(module);
        CUmodule m = new CUmodule();
        try {
            cuModuleLoadData(m, image);
        } catch (CudaException e) {
            String detail = "";
            if (String.valueOf(e.getMessage()).contains("PTX")) {
                PtxIsa isa = PtxIsa.of(new String(image, 0, Math.min(image.length, 4096), StandardCharsets.US_ASCII));
                detail = " (the PTX is ISA " + isa.isaVersion() + " for sm_" + isa.targetComputeCapability()
                        + ", which needs a CUDA " + PtxIsa.formatCuda(isa.minDriverVersion()) + " driver)";
            }
            throw new CudaBackendException("cannot load " + module + ".ptx on " + device + ": " + e.getMessage() + detail, e);
        }
        return m;
    }
}
