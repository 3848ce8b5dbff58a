package org.sparkgrad.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The Java twin passes the Random123 known-answer vectors the CUDA header passes in build-ptx.sh's self-test. */
class PhiloxTest {
    @Test
    void knownAnswerVectors() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, Philox.block(0, 0, 0, 0, 0, 0));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                Philox.block(-1, -1, -1, -1, -1, -1));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                Philox.block(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0));
    }

    @Test
    void uniformStreamsAreInRangeAndRoughlyUniform() {
        int n = 100_000;
        double sf = 0, sd = 0;
        for (int i = 0; i < n; i++) {
            float f = Philox.uniformFloat(42, 7, i);
            double d = Philox.uniformDouble(42, 7, i);
            assertTrue(f >= 0 && f < 1 && d >= 0 && d < 1);
            sf += f;
            sd += d;
        }
        assertEquals(0.5, sf / n, 0.01);
        assertEquals(0.5, sd / n, 0.01);
        assertTrue(Philox.uniformFloat(42, 7, 0) != Philox.uniformFloat(42, 8, 0), "offsets give other streams");
        assertEquals(Philox.uniformFloat(42, 7, 5), Philox.uniformFloat(42, 7, 5));
    }
}
