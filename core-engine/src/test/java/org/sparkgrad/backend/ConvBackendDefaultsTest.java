package org.sparkgrad.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * The default (host round-trip) implementations of the convolution and pooling primitives of {@link Backend},
 * which a device backend inherits until it has native kernels: a proxy backend that has only the other
 * primitives of the CPU backend must give the CPU backend's results.
 */
class ConvBackendDefaultsTest {
    private static Backend withoutConvKernels() {
        CpuBackend cpu = new CpuBackend();
        InvocationHandler h = (proxy, m, args) -> m.isDefault() ? InvocationHandler.invokeDefault(proxy, m, args) : m.invoke(cpu, args);
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, h);
    }

    @Test
    void defaultsComputeOnTheHostLikeTheCpuBackend() {
        Backend d = withoutConvKernels();
        CpuBackend cpu = new CpuBackend();
        Generator g = new Generator(8);
        Tensor x = Tensor.randn(g, 2, 4, 6, 5).to(DType.FLOAT64), w = Tensor.randn(g, 6, 2, 3, 2).to(DType.FLOAT64);
        Tensor b = Tensor.randn(g, 6).to(DType.FLOAT64);
        int[] s = {2, 1}, p = {1, 0}, dil = {1, 2}, k = {3, 2}, in = {6, 5};
        Tensor y = cpu.conv(x, w, b, s, p, dil, 2);
        assertArrayEquals(y.toDoubleArray(), d.conv(x, w, b, s, p, dil, 2).toDoubleArray(), 0);
        assertArrayEquals(cpu.convBackwardInput(y, w, in, s, p, dil, 2).toDoubleArray(),
                d.convBackwardInput(y, w, in, s, p, dil, 2).toDoubleArray(), 0);
        assertArrayEquals(cpu.convBackwardWeight(x, y, k, s, p, dil, 2).toDoubleArray(),
                d.convBackwardWeight(x, y, k, s, p, dil, 2).toDoubleArray(), 0);
        Tensor cols = cpu.im2col(x, k, s, p, dil);
        assertArrayEquals(cols.toDoubleArray(), d.im2col(x, k, s, p, dil).toDoubleArray(), 0);
        assertArrayEquals(cpu.col2im(cols, in, k, s, p, dil).toDoubleArray(), d.col2im(cols, in, k, s, p, dil).toDoubleArray(), 0);
        PoolWindows pw = PoolWindows.regular(in, new int[] {3, 2}, new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, true, false, null);
        Tensor[] mc = cpu.maxPool(x, pw), md = d.maxPool(x, pw);
        assertArrayEquals(mc[0].toDoubleArray(), md[0].toDoubleArray(), 0);
        assertArrayEquals(mc[1].toLongArray(), md[1].toLongArray());
        assertArrayEquals(cpu.maxPoolBackward(mc[0], mc[1], x.shape()).toDoubleArray(), d.maxPoolBackward(mc[0], md[1], x.shape()).toDoubleArray(), 0);
        Tensor a = cpu.avgPool(x, pw);
        assertArrayEquals(a.toDoubleArray(), d.avgPool(x, pw).toDoubleArray(), 0);
        assertArrayEquals(cpu.avgPoolBackward(a, pw, x.shape()).toDoubleArray(), d.avgPoolBackward(a, pw, x.shape()).toDoubleArray(), 0);
    }
}
