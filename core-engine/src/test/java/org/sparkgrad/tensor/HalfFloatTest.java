package org.sparkgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatTest {
    /** Every finite non-negative float16 value, ascending (patterns 0x0000..0x7BFF). */
    private static final double[] HALVES = new double[0x7C00];

    static {
        for (int b = 0; b < 0x7C00; b++) {
            int exp = b >>> 10, mant = b & 0x3FF;
            HALVES[b] = exp == 0 ? Math.scalb((double) mant, -24) : Math.scalb(1 + mant / 1024.0, exp - 15);
        }
    }

    /** Round-to-nearest-even into float16, computed from the table of all values (independent of the bit tricks). */
    private static int referenceHalf(float f) {
        if (Float.isNaN(f)) return -1;
        int sign = (Float.floatToRawIntBits(f) >>> 31) << 15;
        double a = Math.abs((double) f);
        if (a >= 65520) return sign | 0x7C00; // halfway between 65504 and 2^16 rounds to the even 2^16: overflow
        int i = Arrays.binarySearch(HALVES, a);
        if (i >= 0) return sign | i;
        int lo = -i - 2, hi = lo + 1;
        if (hi == HALVES.length) return sign | lo; // between 65504 and 65520: nearer to 65504
        double dl = a - HALVES[lo], dh = HALVES[hi] - a;
        int pick = dl < dh ? lo : dh < dl ? hi : (lo & 1) == 0 ? lo : hi;
        return sign | pick;
    }

    @Test
    void everyHalfPatternWidensExactlyAndNarrowsBack() {
        for (int b = 0; b < 0x10000; b++) {
            float f = HalfFloat.halfToFloat((short) b);
            int exp = (b >>> 10) & 0x1F;
            if (exp == 0x1F && (b & 0x3FF) != 0) {
                assertTrue(Float.isNaN(f), Integer.toHexString(b));
                assertTrue(Float.isNaN(HalfFloat.halfToFloat(HalfFloat.floatToHalf(f))), "NaN stays NaN");
                continue;
            }
            double expected = exp == 0x1F ? Double.POSITIVE_INFINITY : HALVES[b & 0x7FFF];
            if ((b & 0x8000) != 0) expected = -expected;
            assertEquals(expected, f, 0.0, Integer.toHexString(b));
            assertEquals(b, HalfFloat.floatToHalf(f) & 0xFFFF, "round trip of " + Integer.toHexString(b));
        }
    }

    @Test
    void floatToHalfRoundsToNearestEven() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float f;
            switch (i % 4) {
                case 0: f = Float.intBitsToFloat(r.nextInt()); break; // any pattern
                case 1: f = (float) (r.nextDouble(-70000, 70000)); break; // the normal range and overflow
                case 2: f = (float) (r.nextDouble(-1, 1) * 1e-4); break; // subnormals
                default: { // exact midpoints between neighbours, and one float ulp either side
                    int b = r.nextInt(0x7BFF);
                    float mid = (float) ((HALVES[b] + HALVES[b + 1]) / 2);
                    int k = r.nextInt(3) - 1;
                    f = Float.intBitsToFloat(Float.floatToRawIntBits(mid) + k);
                }
            }
            int expected = referenceHalf(f);
            int got = HalfFloat.floatToHalf(f) & 0xFFFF;
            if (expected < 0) assertTrue(Float.isNaN(HalfFloat.halfToFloat((short) got)));
            else assertEquals(expected, got, "float " + f + " (" + Integer.toHexString(Float.floatToRawIntBits(f)) + ")");
        }
    }

    @Test
    void halfEdgeCases() {
        assertEquals(0x7BFF, HalfFloat.floatToHalf(65504f) & 0xFFFF);
        assertEquals(0x7BFF, HalfFloat.floatToHalf(Math.nextDown(65520f)) & 0xFFFF);
        assertEquals(0x7C00, HalfFloat.floatToHalf(65520f) & 0xFFFF);
        assertEquals(0xFC00, HalfFloat.floatToHalf(Float.NEGATIVE_INFINITY) & 0xFFFF);
        assertEquals(0x8000, HalfFloat.floatToHalf(-0f) & 0xFFFF);
        assertEquals(0x0000, HalfFloat.floatToHalf(0x1p-25f) & 0xFFFF, "half the smallest subnormal ties to even 0");
        assertEquals(0x0001, HalfFloat.floatToHalf(Math.nextUp(0x1p-25f)) & 0xFFFF);
        assertEquals(0x0400, HalfFloat.floatToHalf(0x1p-14f) & 0xFFFF, "smallest normal");
        assertEquals(0x3555, HalfFloat.floatToHalf(1f / 3) & 0xFFFF);
        assertTrue(Float.isNaN(HalfFloat.halfToFloat(HalfFloat.floatToHalf(Float.intBitsToFloat(0x7F800001)))),
                "a NaN whose payload sits below float16's mantissa stays NaN");
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        SplittableRandom r = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            int bits = i % 2 == 0 ? r.nextInt() : (r.nextInt() & 0xFFFF0000) | 0x8000; // half of them exact ties
            float f = Float.intBitsToFloat(bits);
            short got = HalfFloat.floatToBFloat16(f);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(HalfFloat.bfloat16ToFloat(got)));
                continue;
            }
            float lo = Float.intBitsToFloat(bits & 0xFFFF0000);
            float hi = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
            double dl = Math.abs((double) f - lo), dh = Math.abs((double) hi - f);
            if (Float.isInfinite(hi)) dh = Math.abs(Math.scalb(1.0, 128) * Math.signum(f) - f); // overflow threshold
            float expected = dl < dh ? lo : dh < dl ? hi : ((Float.floatToRawIntBits(lo) >>> 16) & 1) == 0 ? lo : hi;
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(HalfFloat.bfloat16ToFloat(got)),
                    Integer.toHexString(bits));
        }
        assertEquals(0x3F80, HalfFloat.floatToBFloat16(1f) & 0xFFFF);
        assertEquals(0x7F80, HalfFloat.floatToBFloat16(Float.MAX_VALUE) & 0xFFFF, "rounds up to infinity");
        assertEquals(0x8000, HalfFloat.floatToBFloat16(-0f) & 0xFFFF);
    }
}
