package org.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {
    @Test
    void creationFunctions() {
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0}, Tensor.zeros(2, 3).toFloatArray());
        assertArrayEquals(new float[] {1, 1}, Tensor.ones(2).toFloatArray());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(7, 2).toFloatArray());
        Tensor ar = Tensor.arange(5);
        assertEquals(DType.INT64, ar.dtype());
        assertArrayEquals(new long[] {0, 1, 2, 3, 4}, ar.toLongArray());
        assertArrayEquals(new float[] {0.5f, 1.0f, 1.5f}, Tensor.arange(0.5, 2, 0.5).toFloatArray());
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1}, Tensor.linspace(0, 1, 5).toFloatArray());
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0}, Tensor.eye(2, 3).toFloatArray());
        Tensor z = Tensor.zerosLike(Tensor.ones(DType.FLOAT64, 2, 2));
        assertEquals(DType.FLOAT64, z.dtype());
        assertArrayEquals(new int[] {2, 2}, z.shape());
        assertEquals(3.0, Tensor.scalar(3).item());
        assertEquals(0, Tensor.scalar(3).dim());
    }

    @Test
    void generatorIsReproducible() {
        Tensor a = Tensor.randn(new Generator(5), 100), b = Tensor.randn(new Generator(5), 100);
        assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        double mean = a.mean().item(), std = Tensor.randn(new Generator(1), 20000).std(true).item();
        assertTrue(Math.abs(mean) < 0.3 && Math.abs(std - 1) < 0.03, mean + " " + std);
        Tensor u = Tensor.rand(new Generator(2), 1000);
        assertTrue(u.min().item() >= 0 && u.max().item() < 1);
        Tensor ri = Tensor.randint(3, 7, new Generator(9), 500);
        assertTrue(ri.min().toDoubleArray()[0] >= 3 || ri.toLongArray().length == 500);
        for (long v : ri.toLongArray()) assertTrue(v >= 3 && v < 7);
        long[] p = Tensor.randperm(10, new Generator(4)).toLongArray();
        java.util.Arrays.sort(p);
        assertArrayEquals(new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, p);
        assertFalse(java.util.Arrays.equals(Tensor.randn(new Generator(5), 10).toFloatArray(), Tensor.randn(new Generator(6), 10).toFloatArray()));
    }

    @Test
    void viewsShareStorageAndContiguousCopies() {
        Tensor x = Tensor.arange(0, 6, 1).toFloat().reshape(2, 3);
        Tensor t = x.t();
        assertSame(x.storage(), t.storage());
        assertFalse(t.isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.toFloatArray());
        Tensor c = t.contiguous();
        assertTrue(c.isContiguous());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, c.toFloatArray());
        Tensor s = x.slice(1, 0, 3, 2);
        assertSame(x.storage(), s.storage());
        assertArrayEquals(new float[] {0, 2, 3, 5}, s.toFloatArray());
        Tensor e = Tensor.fromArray(new float[] {1, 2}).reshape(2, 1).expand(2, 3);
        assertArrayEquals(new int[] {0, 0}, new int[] {e.stride(1), 0});
        assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2}, e.toFloatArray());
        assertEquals(4.0, x.get(1, 1));
        assertEquals(5.0, x.get(-1, -1));
    }

    @Test
    void viewOfNonContiguousTensorFailsButReshapeCopies() {
        Tensor t = Tensor.zeros(2, 3).t();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.view(6));
        assertTrue(e.getMessage().contains("reshape"), e.getMessage());
        assertArrayEquals(new int[] {6}, t.reshape(6).shape());
    }

    @Test
    void inPlaceOpsBumpTheVersion() {
        Tensor x = Tensor.zeros(3);
        int v = x.version();
        x.add_(1).mul_(3).fill_(2);
        assertEquals(v + 3, x.version());
        x.copy_(Tensor.fromArray(new float[] {1, 2, 3}));
        assertArrayEquals(new float[] {1, 2, 3}, x.toFloatArray());
        x.zero_();
        assertArrayEquals(new float[] {0, 0, 0}, x.toFloatArray());
    }

    @Test
    void shapeMismatchNamesBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(4, 2));
        assertTrue(e.getMessage().contains("[4, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, Tensor.zeros(2, 3), Tensor.zeros(2, 4)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2, 4]"), e.getMessage());
    }

    @Test
    void dtypeMisuseNamesTheDtypes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2, 2).matmul(Tensor.zeros(DType.FLOAT64, 2, 2)));
        assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("float64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(3).gather(0, Tensor.zeros(3)));
        assertTrue(e.getMessage().contains("int64") && e.getMessage().contains("float32"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.where(Tensor.zeros(2), Tensor.zeros(2), Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
    }

    @Test
    void outOfRangeDimsAndIndicesNameDimAndSize() {
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 3).sum(2));
        assertTrue(e.getMessage().contains("[-2, 1]") && e.getMessage().contains("2"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 3).select(1, 3));
        assertTrue(e.getMessage().contains("index 3") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(4, 2).indexSelect(0, Tensor.fromArray(new long[] {1, 4})));
        assertTrue(e.getMessage().contains("index 4") && e.getMessage().contains("size 4"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(2, 3).get(0, 5));
        assertTrue(e.getMessage().contains("index 5") && e.getMessage().contains("size 3"), e.getMessage());
    }

    @Test
    void toStringLooksLikePyTorch() {
        assertEquals("tensor([[1., 2.],\n        [3., 4.]])", Tensor.of(new float[][] {{1, 2}, {3, 4}}).toString());
        assertEquals("tensor([0.5000, 1.2500])", Tensor.fromArray(new float[] {0.5f, 1.25f}).toString());
        assertEquals("tensor([1, 2])", Tensor.fromArray(new long[] {1, 2}).toString());
        assertEquals("tensor([True, False])", Tensor.fromArray(new boolean[] {true, false}).toString());
        assertEquals("tensor([1.5000], dtype=float64, requires_grad=True)", Tensor.fromArray(new double[] {1.5}, 1).requiresGrad_().toString());
        Tensor big = Tensor.zeros(2000);
        assertTrue(big.toString().contains("..."));
        assertTrue(Tensor.fromArray(new double[] {1}, 1).requiresGrad_().mul(2).toString().contains("grad_fn=<mul_scalarBackward>"));
    }

    @Test
    void typePromotionAndComparisons() {
        Tensor i = Tensor.fromArray(new long[] {1, 2, 3});
        assertEquals(DType.INT64, i.add(Tensor.fromArray(new long[] {1, 1, 1})).dtype());
        assertEquals(DType.FLOAT32, i.div(Tensor.fromArray(new long[] {2, 2, 2})).dtype());
        assertArrayEquals(new float[] {0.5f, 1, 1.5f}, i.div(Tensor.fromArray(new long[] {2, 2, 2})).toFloatArray());
        assertEquals(DType.FLOAT32, Tensor.zeros(2).add(Tensor.scalar(1, DType.FLOAT64)).dtype());
        assertEquals(DType.FLOAT64, Tensor.zeros(2).add(Tensor.zeros(DType.FLOAT64, 2)).dtype());
        Tensor eq = i.eq(Tensor.fromArray(new long[] {1, 0, 3}));
        assertEquals(DType.BOOL, eq.dtype());
        assertArrayEquals(new boolean[] {true, false, true}, eq.toBooleanArray());
        assertEquals(2L, eq.sum().toLongArray()[0]);
        assertEquals(DType.INT64, eq.sum().dtype());
    }

    @Test
    void largeTensorsTakeTheParallelPathsCorrectly() {
        Generator g = new Generator(11);
        Tensor a = Tensor.randn(g, 300, 400), b = Tensor.randn(g, 400);
        Tensor s = a.add(b).relu().mul(a);
        float[] av = a.toFloatArray(), bv = b.toFloatArray(), sv = s.toFloatArray();
        for (int i = 0; i < av.length; i += 997) {
            float v = av[i] + bv[i % 400];
            assertEquals((v > 0 ? v : 0) * av[i], sv[i], 1e-6);
        }
        double sum = 0;
        for (float v : av) sum += v;
        assertEquals(sum, a.sum().item(), 1e-2);
        Tensor colSum = a.sum(0);
        double c0 = 0;
        for (int r = 0; r < 300; r++) c0 += av[r * 400];
        assertEquals(c0, colSum.get(0), 1e-3);
    }

    /** Op names in messages do not follow the default locale (Turkish lower-cases 'I' to a dotless 'ı'). */
    @Test
    void opNamesInErrorsAreLocaleIndependent() {
        java.util.Locale saved = java.util.Locale.getDefault();
        try {
            java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(0, 3).amin(0, false));
            assertTrue(e.getMessage().startsWith("amin(): Expected reduction dim"), e.getMessage());
        } finally {
            java.util.Locale.setDefault(saved);
        }
    }
}
