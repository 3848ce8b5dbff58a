package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WindowGeometryTest {
    private static int[] a(int... v) {
        return v;
    }

    @Test
    void convOutputSizesFollowTorch() {
        // torch.nn.Conv2d(k=3, s=2, p=1) on 7x8 gives 4x4; dilation 2 on 10 with k=3 gives 6
        assertArrayEquals(a(4, 4), WindowGeometry.conv(a(7, 8), a(3, 3), a(2, 2), a(1, 1), a(1, 1)).out());
        assertArrayEquals(a(6), WindowGeometry.conv(a(10), a(3), a(1), a(0), a(2)).out());
        // Conv4d: a 4-D window
        WindowGeometry g4 = WindowGeometry.conv(a(5, 6, 7, 8), a(2, 3, 2, 3), a(1, 2, 1, 2), a(0, 1, 1, 0), a(1, 1, 2, 1));
        assertArrayEquals(a(4, 3, 7, 3), g4.out());
        assertEquals(2 * 3 * 2 * 3, g4.kernelProduct());
    }

    @Test
    void poolCeilModeDropsAWindowStartingInThePadding() {
        // torch.nn.MaxPool1d(2, stride=2, ceil_mode=True) on 5 -> 3; on 4 -> 2
        assertArrayEquals(a(3), WindowGeometry.pool(a(5), a(2), a(2), a(0), a(1), true).out());
        assertArrayEquals(a(2), WindowGeometry.pool(a(5), a(2), a(2), a(0), a(1), false).out());
        assertArrayEquals(a(2), WindowGeometry.pool(a(4), a(2), a(2), a(0), a(1), true).out());
        // MaxPool1d(3, stride=2, padding=1, ceil_mode=True) on 6: windows start at -1, 1, 3, 5 -> 4
        assertArrayEquals(a(4), WindowGeometry.pool(a(6), a(3), a(2), a(1), a(1), true).out());
        // MaxPool1d(2, stride=2, padding=1, ceil_mode=True) on 5: a 4th window would start at 5, in the padding
        assertArrayEquals(a(3), WindowGeometry.pool(a(5), a(2), a(2), a(1), a(1), true).out());
        assertThrows(IllegalArgumentException.class, () -> WindowGeometry.pool(a(6), a(2), a(1), a(2), a(1), false));
    }

    @Test
    void tooSmallInputsAreRejectedWithTheSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WindowGeometry.conv(a(2), a(5), a(1), a(0), a(1)));
        assertEquals(true, e.getMessage().contains("[2]") && e.getMessage().contains("[5]"));
        assertThrows(IllegalArgumentException.class,
                () -> WindowGeometry.conv(a(2, 2, 2, 2, 2, 2, 2), a(1, 1, 1, 1, 1, 1, 1), a(1, 1, 1, 1, 1, 1, 1),
                        a(0, 0, 0, 0, 0, 0, 0), a(1, 1, 1, 1, 1, 1, 1)));
    }

    @Test
    void packsTheStruct() {
        WindowGeometry g = WindowGeometry.conv(a(7, 8), a(3, 2), a(2, 1), a(1, 0), a(1, 2));
        int[] p = g.pack(5);
        assertEquals(41, p.length);
        assertEquals(2, p[0]);
        assertEquals(5, p[1]);
        assertEquals(6, p[2]);                              // kprod
        assertEquals(g.out()[0] * g.out()[1], p[3]);       // oprod
        assertEquals(56, p[4]);                             // iprod
        assertArrayEquals(a(7, 8, 1, 1, 1, 1), java.util.Arrays.copyOfRange(p, 5, 11));    // in
        assertArrayEquals(a(3, 2, 1, 1, 1, 1), java.util.Arrays.copyOfRange(p, 11, 17));   // k
        assertArrayEquals(a(2, 1, 1, 1, 1, 1), java.util.Arrays.copyOfRange(p, 17, 23));   // stride
        assertArrayEquals(a(1, 0, 1, 1, 1, 1), java.util.Arrays.copyOfRange(p, 23, 29));   // pad
        assertArrayEquals(a(1, 2, 1, 1, 1, 1), java.util.Arrays.copyOfRange(p, 29, 35));   // dil
        assertArrayEquals(a(4, 6, 1, 1, 1, 1), java.util.Arrays.copyOfRange(p, 35, 41));   // out
    }

    @Test
    void adaptiveKeepsTheRequestedOutput() {
        WindowGeometry g = WindowGeometry.adaptive(a(10, 7), a(3, 2));
        assertArrayEquals(a(3, 2), g.out());
        assertEquals(70, g.inputProduct());
    }
}
