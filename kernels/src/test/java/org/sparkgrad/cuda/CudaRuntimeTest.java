package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class CudaRuntimeTest {
    private static final String PTX_90 = "//\n.version 9.0\n.target sm_75\n.address_size 64\n";

    @Test
    void answersOnThisMachineAndAgainWithoutThrowing() {
        CudaRuntime.Discovery first = CudaRuntime.discovery();
        CudaRuntime.Discovery second = CudaRuntime.discovery();
        assertSame(first, second, "discovery runs once and is cached");
        assertEquals(first.available(), CudaRuntime.isAvailable());
        assertEquals(first.available(), CudaRuntime.isAvailable());
        if (first.available()) {
            assertTrue(CudaRuntime.unavailableReason().isEmpty());
            assertTrue(CudaRuntime.deviceCount() > 0);
        } else {
            String reason = CudaRuntime.unavailableReason().orElseThrow();
            String r = reason.toLowerCase(Locale.ROOT);
            assertTrue(r.contains("libcuda") || r.contains("driver") || r.contains("disabled"),
                    "the reason names the driver: " + reason);
            assertEquals(0, CudaRuntime.deviceCount());
            assertEquals(reason, CudaRuntime.unavailableReason().orElseThrow(), "same reason the second time");
        }
    }

    @Test
    void realProbeRepeatedNeverThrows() {
        // the first native touch in a driver-less JVM fails with UnsatisfiedLinkError, every later one with
        // NoClassDefFoundError: both must come back as the same kind of answer
        CudaRuntime.Discovery a = CudaRuntime.discover(null, CudaRuntime::jcudaProbe, PTX_90);
        CudaRuntime.Discovery b = CudaRuntime.discover(null, CudaRuntime::jcudaProbe, PTX_90);
        assertEquals(a.available(), b.available());
        if (!a.available()) {
            assertTrue(a.reason().contains("libcuda") || a.reason().contains("driver"), a.reason());
            assertTrue(b.reason().contains("libcuda") || b.reason().contains("driver"), b.reason());
        }
    }

    @Test
    void missingDriverLibraryIsReportedNotThrown() {
        CudaRuntime.Discovery d = CudaRuntime.discover(null, () -> {
            throw new UnsatisfiedLinkError("/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open"
                    + " shared object file: No such file or directory");
        }, PTX_90);
        assertFalse(d.available());
        assertTrue(d.reason().contains("libcuda.so.1"), d.reason());
        assertTrue(d.reason().contains("cannot open shared object file"), "keeps the loader's words: " + d.reason());
    }

    @Test
    void jcudaSearchLogIsSummarisedToTheLinkerLine() {
        String jcudaMessage = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "Operating system name: Linux\n---(start of nested stack traces)---\n"
                + "Stack trace from the attempt to load the library as a file:\n"
                + "java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/lib\n"
                + "\tat java.base/java.lang.ClassLoader.loadLibrary(ClassLoader.java:2458)\n"
                + "Stack trace from the attempt to load the library as a resource:\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot"
                + " open shared object file: No such file or directory\n"
                + "\tat java.base/jdk.internal.loader.NativeLibraries.load(Native Method)\n---(end of nested stack traces)---\n";
        assertEquals("/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No"
                + " such file or directory", CudaRuntime.summarizeLinkError(jcudaMessage));
        CudaRuntime.Discovery d = CudaRuntime.discover(null, () -> {
            throw new UnsatisfiedLinkError(jcudaMessage);
        }, PTX_90);
        assertFalse(d.reason().contains("\n"), "one line: " + d.reason());
        assertFalse(d.reason().contains("\tat "), "no stack frames: " + d.reason());
    }

    @Test
    void laterNoClassDefFoundErrorIsReportedNotThrown() {
        CudaRuntime.Discovery d = CudaRuntime.discover(null, () -> {
            throw new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver");
        }, PTX_90);
        assertFalse(d.available());
        assertTrue(d.reason().contains("libcuda.so.1") && d.reason().contains("JCudaDriver"), d.reason());

        CudaRuntime.Discovery noJar = CudaRuntime.discover(null, () -> {
            throw new NoClassDefFoundError("jcuda/driver/JCudaDriver");
        }, PTX_90);
        assertTrue(noJar.reason().contains("class path"), noJar.reason());
    }

    @Test
    void driverErrorsAreReported() {
        CudaRuntime.Discovery d = CudaRuntime.discover(null, () -> {
            throw new IllegalStateException("CUDA_ERROR_NO_DEVICE");
        }, PTX_90);
        assertFalse(d.available());
        assertTrue(d.reason().contains("CUDA_ERROR_NO_DEVICE"), d.reason());
    }

    @Test
    void noDeviceIsUnavailable() {
        CudaRuntime.Discovery d = CudaRuntime.discover(null,
                () -> new CudaRuntime.Discovery(true, null, 13000, List.of()), PTX_90);
        assertFalse(d.available());
        assertTrue(d.reason().contains("no GPU"), d.reason());
    }

    @Test
    void driverTooOldForThePtxIsUnavailableWithAClearReason() {
        CudaRuntime.DeviceInfo h100 = new CudaRuntime.DeviceInfo(0, "NVIDIA H100", 9, 0, 132, 80L << 30);
        CudaRuntime.Discovery d = CudaRuntime.discover(null,
                () -> new CudaRuntime.Discovery(true, null, 12040, List.of(h100)), PTX_90);
        assertFalse(d.available());
        assertTrue(d.reason().contains("12.4") && d.reason().contains("13.0") && d.reason().contains("9.0"), d.reason());

        CudaRuntime.Discovery ok = CudaRuntime.discover(null,
                () -> new CudaRuntime.Discovery(true, null, 13000, List.of(h100)), PTX_90);
        assertTrue(ok.available(), String.valueOf(ok.reason()));
        assertEquals(1, ok.devices().size());
    }

    @Test
    void gpuOlderThanThePtxTargetIsUnavailable() {
        CudaRuntime.DeviceInfo p100 = new CudaRuntime.DeviceInfo(0, "Tesla P100", 6, 0, 56, 16L << 30);
        CudaRuntime.Discovery d = CudaRuntime.discover(null,
                () -> new CudaRuntime.Discovery(true, null, 13000, List.of(p100)), PTX_90);
        assertFalse(d.available());
        assertTrue(d.reason().contains("7.5"), d.reason());
    }

    @Test
    void disabledSkipsTheProbe() {
        CudaRuntime.Discovery d = CudaRuntime.discover("disabled by test", () -> {
            throw new AssertionError("the probe must not run");
        }, PTX_90);
        assertFalse(d.available());
        assertEquals("disabled by test", d.reason());
    }

    @Test
    void committedPtxHeaderIsReadable() {
        String header = CudaRuntime.readReferencePtxHeader();
        assertNotNull(header, "elementwise.ptx is on the class path");
        PtxIsa isa = PtxIsa.of(header);
        assertEquals(75, isa.targetComputeCapability());
        assertTrue(isa.minDriverVersion() >= 11000);
    }
}
