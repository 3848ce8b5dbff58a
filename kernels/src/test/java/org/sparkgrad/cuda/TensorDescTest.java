package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorDescTest {
    @Test
    void contiguousCollapsesToOneDim() {
        int[] shape = {2, 3, 4};
        TensorDesc d = TensorDesc.coalesce(shape, new int[][] {TensorDesc.contiguousStrides(shape)}, new int[] {7})[0];
        assertEquals(1, d.ndim());
        assertArrayEquals(new int[] {24}, d.shape());
        assertArrayEquals(new int[] {1}, d.stride());
        assertEquals(7 + 13, d.offsetOf(13));
    }

    @Test
    void transposeStaysTwoDims() {
        // (3, 4) contiguous viewed transposed as (4, 3) with strides (1, 4)
        TensorDesc d = TensorDesc.coalesce(new int[] {4, 3}, new int[][] {{1, 4}}, new int[] {0})[0];
        assertArrayEquals(new int[] {4, 3}, d.shape());
        assertEquals(4, d.offsetOf(1));
        assertEquals(1, d.offsetOf(3));
    }

    @Test
    void broadcastOperandSharesTheShape() {
        int[] shape = {5, 6};
        TensorDesc[] ds = TensorDesc.coalesce(shape, new int[][] {{6, 1}, {0, 1}}, new int[] {0, 2});
        assertArrayEquals(ds[0].shape(), ds[1].shape());
        assertEquals(2, ds[0].ndim(), "a row broadcast over rows cannot merge with the output");
        for (int i = 0; i < 30; i++) {
            assertEquals(i, ds[0].offsetOf(i));
            assertEquals(2 + i % 6, ds[1].offsetOf(i));
        }
    }

    @Test
    void scalarsAndOnesBecomeOneElement() {
        TensorDesc d = TensorDesc.coalesce(new int[] {}, new int[][] {{}}, new int[] {3})[0];
        assertArrayEquals(new int[] {1}, d.shape());
        assertEquals(3, d.offsetOf(0));
        TensorDesc e = TensorDesc.coalesce(new int[] {1, 1}, new int[][] {{9, 9}}, new int[] {4})[0];
        assertArrayEquals(new int[] {1}, e.shape());
        assertEquals(4, e.offsetOf(0));
    }

    @Test
    void packMatchesTheStructLayout() {
        TensorDesc d = TensorDesc.of(5, new int[] {2, 3}, new int[] {3, 1});
        int[] p = d.pack();
        assertEquals(18, p.length);
        assertEquals(2, p[0]);
        assertEquals(5, p[1]);
        assertEquals(2, p[2]);
        assertEquals(3, p[3]);
        assertEquals(0, p[4]);
        assertEquals(3, p[10]);
        assertEquals(1, p[11]);
    }

    @Test
    void tooManyDimsIsAnError() {
        int[] shape = new int[9];
        int[] strides = new int[9];
        for (int i = 0; i < 9; i++) {
            shape[i] = 2;
            strides[i] = 1 << (2 * (8 - i));   // gaps everywhere: nothing merges
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorDesc.coalesce(shape, new int[][] {strides}, new int[] {0}));
        assertEquals(true, e.getMessage().contains("at most 8 dims"));
    }

    /** Property: coalescing never changes any operand's offset of any linear index. */
    @Test
    void coalescingPreservesEveryOffset() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 500; trial++) {
            int rank = rnd.nextInt(6);
            int[] shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = 1 + rnd.nextInt(4);
            int ops = 1 + rnd.nextInt(3);
            int[][] strides = new int[ops][];
            int[] offsets = new int[ops];
            for (int o = 0; o < ops; o++) {
                int kind = rnd.nextInt(3);
                int[] base = TensorDesc.contiguousStrides(shape);
                strides[o] = new int[rank];
                for (int d = 0; d < rank; d++) {
                    strides[o][d] = kind == 0 ? base[d] : kind == 1 ? (rnd.nextBoolean() ? 0 : base[d]) : base[rank - 1 - d < 0 ? 0 : d] * (1 + rnd.nextInt(2));
                }
                offsets[o] = rnd.nextInt(10);
            }
            TensorDesc[] ds = TensorDesc.coalesce(shape, strides, offsets);
            long n = 1;
            for (int s : shape) n *= s;
            for (int o = 0; o < ops; o++) {
                TensorDesc plain = TensorDesc.of(offsets[o], shape, strides[o]);
                for (long i = 0; i < n; i++) {
                    assertEquals(plain.offsetOf(i), ds[o].offsetOf(i), "trial " + trial + " operand " + o + " index " + i);
                }
            }
        }
    }
}
