package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * The default (host round-trip) {@link Backend#scan} and {@link Backend#sort}, which a device backend without native
 * kernels inherits: a proxy with only the CPU backend's other primitives gives the CPU backend's results.
 */
class ScanSortBackendDefaultsTest {
    private static Backend withoutScanSortKernels() {
        CpuBackend cpu = new CpuBackend();
        InvocationHandler h = (proxy, m, args) -> m.isDefault() ? InvocationHandler.invokeDefault(proxy, m, args) : m.invoke(cpu, args);
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }

    @Test
    void defaultsComputeOnTheHostLikeTheCpuBackend() {
        Backend d = withoutScanSortKernels();
        CpuBackend cpu = new CpuBackend();
        Tensor x = Tensor.randn(new Generator(3), 3, 4, 5).to(DType.FLOAT64).transpose(0, 2);
        for (ScanOp op : ScanOp.values()) {
            for (int dim = 0; dim < 3; dim++) {
                Tensor[] c = cpu.scan(op, x, dim), r = d.scan(op, x, dim);
                assertArrayEquals(c[0].toDoubleArray(), r[0].toDoubleArray(), 0, op + " " + dim);
                if (op.hasIndices()) assertArrayEquals(c[1].toLongArray(), r[1].toLongArray());
                else assertNull(r[1]);
            }
        }
        Tensor l = Tensor.fromArray(new long[] {4, -2, 7, 7, 0, 1}, 2, 3);
        assertArrayEquals(cpu.scan(ScanOp.SUM, l, 1)[0].toLongArray(), d.scan(ScanOp.SUM, l, 1)[0].toLongArray());
        for (boolean desc : new boolean[] {false, true}) {
            Tensor[] c = cpu.sort(x, 1, desc, true), r = d.sort(x, 1, desc, true);
            assertArrayEquals(c[0].toDoubleArray(), r[0].toDoubleArray(), 0);
            assertArrayEquals(c[1].toLongArray(), r[1].toLongArray());
        }
        assertThrows(IllegalArgumentException.class, () -> d.scan(ScanOp.LOGSUMEXP, l, 0));
        assertThrows(IllegalArgumentException.class, () -> d.sort(Tensor.fromArray(new boolean[] {true}), 0, false, false));
    }
}
