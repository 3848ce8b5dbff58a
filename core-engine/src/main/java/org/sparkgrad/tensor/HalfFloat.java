package org.sparkgrad.tensor;

/**
 * Conversions between float32 and the two 16-bit floating formats Sparkgrad stores: IEEE 754-2008 binary16
 * ({@link DType#FLOAT16}: 1 sign, 5 exponent, 10 mantissa bits) and bfloat16 ({@link DType#BFLOAT16}: the top 16
 * bits of a float32: 1 sign, 8 exponent, 7 mantissa bits). A 16-bit value travels as the raw bits in a
 * {@code short}.
 *
 * <p>Rounding is round-to-nearest-even, as in PyTorch's {@code c10::Half} and {@code c10::BFloat16}
 * ({@code round_to_nearest_even}); float16 overflows to ±infinity and underflows through its subnormals to ±0;
 * NaN stays NaN (quiet). Widening to float32 is exact for both formats.
 */
public final class HalfFloat {
    private HalfFloat() {}

    /** The binary16 bits nearest to {@code f} (ties to even). */
    public static short floatToHalf(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int exp = (x >>> 23) & 0xff;
        int mant = x & 0x7fffff;
        if (exp == 0xff) {
            return (short) (mant == 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign;
            mant |= 0x800000;
            int shift = 14 - e;
            int h = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (h & 1) != 0)) h++;
            return (short) (sign | h);
        }
        int h = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) h++;
        return (short) (sign | h);
    }

    /** The float32 value of binary16 bits (exact). */
    public static float halfToFloat(short bits) {
        int x = bits & 0xffff;
        int sign = (x & 0x8000) << 16;
        int exp = (x >>> 10) & 0x1f;
        int mant = x & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** The bfloat16 bits nearest to {@code f} (ties to even; NaN stays a quiet NaN). */
    public static short floatToBFloat16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7fffffff) > 0x7f800000) return (short) ((x >>> 16) | 0x40);
        x += 0x7fff + ((x >>> 16) & 1);
        return (short) (x >>> 16);
    }

    /** The float32 value of bfloat16 bits (exact). */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** The bits of {@code f} rounded to {@code dtype}, which must be {@link DType#FLOAT16} or {@link DType#BFLOAT16}. */
    public static short fromFloat(float f, DType dtype) {
        return dtype == DType.BFLOAT16 ? floatToBFloat16(f) : floatToHalf(f);
    }

    /** The float32 value of 16-bit {@code bits} of {@code dtype} ({@link DType#FLOAT16} or {@link DType#BFLOAT16}). */
    public static float toFloat(short bits, DType dtype) {
        return dtype == DType.BFLOAT16 ? bfloat16ToFloat(bits) : halfToFloat(bits);
    }
}
