package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.sparkgrad.backend.Backend;
import org.sparkgrad.backend.Backends;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Tensor;

/** The engine finds the CUDA backend through ServiceLoader, and without a GPU says why, everywhere. */
class CudaBackendRegistrationTest {
    @Test
    void serviceLoaderFindsTheCudaBackend() {
        var found = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::type)
                .collect(Collectors.toList());
        assertTrue(found.contains(CudaBackend.class), "registered providers: " + found);
        Backend b = ServiceLoader.load(Backend.class).stream().filter(p -> p.type() == CudaBackend.class).findFirst()
                .orElseThrow().get();
        assertEquals(Device.Type.CUDA, b.deviceType());
        assertEquals("cuda", b.name());
        assertEquals(CudaRuntime.isAvailable(), b.isAvailable());
    }

    @Test
    void engineRegistryAgreesWithDiscovery() {
        assertEquals(CudaRuntime.isAvailable(), Backends.isAvailable(Device.Type.CUDA));
        if (CudaRuntime.isAvailable()) {
            assertEquals("cuda", Backends.forDevice(Device.cuda(0)).name(), "the engine serves CUDA through the cuda backend");
            return;
        }
        String reason = CudaRuntime.unavailableReason().orElseThrow();
        assertEquals(reason, Backends.unavailableReason(Device.Type.CUDA), "the engine reports the discovery reason");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.forDevice(Device.cuda(0)));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        CudaBackendException c = assertThrows(CudaBackendException.class, () -> CudaDevice.get(0));
        assertTrue(c.getMessage().contains(reason), c.getMessage());
        // moving a tensor to the GPU fails with the same reason, not with a link error
        RuntimeException m = assertThrows(RuntimeException.class, () -> Tensor.zeros(DType.FLOAT32, 2).to(Device.cuda(0)));
        assertTrue(m.getMessage().contains(reason), m.getMessage());
    }
}
