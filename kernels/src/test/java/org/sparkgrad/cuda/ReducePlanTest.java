package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReducePlanTest {
    private static final int SMS = 132;

    @Test
    void lastDimOfAContiguousMatrix() {
        ReducePlan p = ReducePlan.of(new int[] {100, 1000}, new int[] {1000, 1}, 0, new int[] {1}, false, SMS);
        assertEquals(100, p.nOut());
        assertEquals(1000, p.nRed());
        assertArrayEquals(new int[] {100}, p.outShape());
        assertEquals(ReducePlan.Variant.BLOCK, p.variant());
        assertEquals(1, p.red().ndim());
        assertEquals(1, p.red().stride()[0]);
        assertEquals(1000, p.keep().stride()[0]);
        assertEquals(512, p.blockThreads());
    }

    @Test
    void keepdimKeepsOnes() {
        ReducePlan p = ReducePlan.of(new int[] {2, 3, 4}, new int[] {12, 4, 1}, 0, new int[] {0, 2}, true, SMS);
        assertArrayEquals(new int[] {1, 3, 1}, p.outShape());
        assertEquals(3, p.nOut());
        assertEquals(8, p.nRed());
    }

    @Test
    void everyElementIsVisitedOnceAndOutputsAreRowMajor() {
        int[] shape = {3, 4, 5};
        int[] strides = {1, 3, 12};   // a permuted (5, 4, 3) contiguous buffer
        int offset = 2;
        ReducePlan p = ReducePlan.of(shape, strides, offset, new int[] {1}, false, SMS);
        boolean[] seen = new boolean[offset + 60];
        for (long o = 0; o < p.nOut(); o++) {
            long i0 = o / 5, i2 = o % 5;   // kept dims (3, 5) row-major
            for (int r = 0; r < p.nRed(); r++) {
                long off = p.keep().offsetOf(o) + p.red().offsetOf(r);
                assertEquals(offset + i0 * 1 + r * 3 + i2 * 12, off);
                assertTrue(!seen[(int) off]);
                seen[(int) off] = true;
            }
        }
    }

    @Test
    void manyShortRowsUseOneThreadPerOutput() {
        ReducePlan p = ReducePlan.of(new int[] {1_000_000, 4}, new int[] {4, 1}, 0, new int[] {1}, false, SMS);
        assertEquals(ReducePlan.Variant.SMALL, p.variant());
    }

    @Test
    void aFullReductionOfALargeTensorSplitsTheRow() {
        ReducePlan p = ReducePlan.of(new int[] {1 << 24}, new int[] {1}, 0, new int[] {0}, false, SMS);
        assertEquals(1, p.nOut());
        assertEquals(ReducePlan.Variant.BLOCK, p.variant());
        assertTrue(p.splits() > 100, p.toString());
        assertArrayEquals(new int[] {}, p.outShape());
    }

    @Test
    void noReducedDimIsAOneElementRow() {
        ReducePlan p = ReducePlan.of(new int[] {2, 3}, new int[] {3, 1}, 0, new int[] {}, false, SMS);
        assertEquals(6, p.nOut());
        assertEquals(1, p.nRed());
        assertArrayEquals(new int[] {2, 3}, p.outShape());
    }

    @Test
    void emptyReducedDim() {
        ReducePlan p = ReducePlan.of(new int[] {4, 0}, new int[] {0, 1}, 0, new int[] {1}, false, SMS);
        assertEquals(4, p.nOut());
        assertEquals(0, p.nRed());
    }
}
