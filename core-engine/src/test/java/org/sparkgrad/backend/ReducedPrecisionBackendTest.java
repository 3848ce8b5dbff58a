package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Device;
import org.sparkgrad.tensor.Storage;
import org.sparkgrad.tensor.Tensor;

class ReducedPrecisionBackendTest {
    /** A stand-in device backend that records the methods called on it. */
    private static Backend fakeDevice(List<String> calls, Storage answer) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (p, m, a) -> {
            calls.add(m.getName());
            switch (m.getName()) {
                case "deviceType": return Device.Type.CUDA;
                case "name": return "fake";
                case "allocate": return answer;
                default: return null;
            }
        });
    }

    @Test
    void sixteenBitStoragesStayOnTheCpu() {
        List<String> calls = new ArrayList<>();
        Storage s = Backends.cpu().allocate(DType.FLOAT32, 1, Device.CPU);
        Backend b = ReducedPrecisionBackend.wrap(fakeDevice(calls, s));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.allocate(DType.FLOAT16, 4, Device.cuda(0)));
        assertTrue(e.getMessage().contains("float16 tensors are stored on the CPU only"), e.getMessage());
        Tensor h = Tensor.zeros(2).bfloat16();
        e = assertThrows(IllegalArgumentException.class, () -> b.upload(Backends.cpu().download(h), Device.cuda(0)));
        assertTrue(e.getMessage().contains("bfloat16") && e.getMessage().contains("fake"), e.getMessage());
        assertSame(s, b.allocate(DType.FLOAT32, 1, Device.cuda(0)), "other dtypes pass straight through");
        assertEquals(List.of("deviceType", "name", "deviceType", "name", "allocate"), calls);
    }

    @Test
    void kernelExceptionsReachTheCallerUnwrapped() {
        Tensor h = Tensor.zeros(2, 3).half();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.matmul(Tensor.zeros(2, 3).half()));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void everyBackendMethodIsOverridden() throws Exception {
        // a method left to the interface's default would run the host fallback on 16-bit tensors unconverted
        for (java.lang.reflect.Method m : Backend.class.getMethods()) {
            java.lang.reflect.Method own = ReducedPrecisionBackend.class.getMethod(m.getName(), m.getParameterTypes());
            assertEquals(ReducedPrecisionBackend.class, own.getDeclaringClass(), m.getName() + " is not overridden");
        }
    }

    @Test
    void theWrittenArgumentPositionsNameTensorParameters() throws Exception {
        for (java.util.Map.Entry<String, int[]> e : ReducedPrecisionBackend.WRITTEN_ARGUMENTS.entrySet()) {
            java.lang.reflect.Method m = java.util.Arrays.stream(Backend.class.getMethods())
                    .filter(x -> x.getName().equals(e.getKey())).findFirst().orElseThrow();
            for (int i : e.getValue()) assertEquals(Tensor.class, m.getParameterTypes()[i], e.getKey() + " argument " + i);
        }
    }

    @Test
    void inPlaceKernelsWriteOnlyTheirTarget() {
        Tensor base = Tensor.fromArray(new float[] {1, 2, 3, 4}, 4).half();
        Tensor x = base.narrow(0, 1, 3), y = base.narrow(0, 0, 3); // overlapping views of one storage
        Backends.forDevice(Device.CPU).binaryInPlace(BinaryOp.ADD, x, y);
        assertEquals(java.util.List.of(1f, 3f, 5f, 7f), java.util.List.of(base.toFloatArray()[0], base.toFloatArray()[1],
                base.toFloatArray()[2], base.toFloatArray()[3]), "y's old values are not written back over x's new ones");
    }
}
