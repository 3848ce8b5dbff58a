package org.sparkgrad.tensor;

/**
 * Element types of a {@link Tensor}. Names and promotion follow PyTorch: {@code float32} is the default
 * floating type, {@code int64} holds indices and class targets, {@code bool} holds masks.
 */
public enum DType {
    /** 32-bit IEEE-754 float, the default for tensors created from floating data. */
    FLOAT32(4, "F32", true),
    /** 64-bit IEEE-754 float, used for gradcheck and reference comparisons. */
    FLOAT64(8, "F64", true),
    /** 64-bit signed integer: indices, class targets, argmax results. */
    INT64(8, "I64", false),
    /** Boolean, stored as one byte per element (0 or 1): masks and comparison results. */
    BOOL(1, "BOOL", false),
    /**
     * IEEE 754 binary16 ({@code torch.float16}), a storage format: ops on it compute in float32 and round each
     * result back (see {@link HalfFloat}). CPU only.
     */
    FLOAT16(2, "F16", true),
    /**
     * bfloat16 ({@code torch.bfloat16}: float32's exponent range, 8 significant bits), a storage format like
     * {@link #FLOAT16}. CPU only.
     */
    BFLOAT16(2, "BF16", true);

    private final int itemSize;
    private final String safetensorsName;
    private final boolean floatingPoint;

    DType(int itemSize, String safetensorsName, boolean floatingPoint) {
        this.itemSize = itemSize;
        this.safetensorsName = safetensorsName;
        this.floatingPoint = floatingPoint;
    }

    /** Bytes per element. */
    public int itemSize() { return itemSize; }

    /** The dtype string of the safetensors format ({@code F32}, {@code F64}, {@code I64}, {@code BOOL}, {@code F16}, {@code BF16}). */
    public String safetensorsName() { return safetensorsName; }

    /** True for float16, bfloat16, float32 and float64. */
    public boolean isFloatingPoint() { return floatingPoint; }

    /** True for the 16-bit storage formats {@link #FLOAT16} and {@link #BFLOAT16}. */
    public boolean isReducedPrecision() { return this == FLOAT16 || this == BFLOAT16; }

    /**
     * {@code torch.finfo(dtype).eps}: the gap between 1 and the next value (2^-10 float16, 2^-7 bfloat16, 2^-23
     * float32, 2^-52 float64).
     *
     * @throws IllegalArgumentException for a non-floating dtype
     */
    public double finfoEps() {
        switch (this) {
            case FLOAT16: return 0x1p-10;
            case BFLOAT16: return 0x1p-7;
            case FLOAT32: return Math.ulp(1.0f);
            case FLOAT64: return Math.ulp(1.0);
            default: throw new IllegalArgumentException("torch.finfo is for floating dtypes, not " + torchName());
        }
    }

    /**
     * {@code torch.finfo(dtype).min}: the most negative finite value (-65504 float16, about -3.39e38 bfloat16,
     * -{@link Float#MAX_VALUE} float32, -{@link Double#MAX_VALUE} float64).
     *
     * @throws IllegalArgumentException for a non-floating dtype
     */
    public double finfoMin() {
        switch (this) {
            case FLOAT16: return -65504.0;
            case BFLOAT16: return -0x1.fep127;
            case FLOAT32: return -Float.MAX_VALUE;
            case FLOAT64: return -Double.MAX_VALUE;
            default: throw new IllegalArgumentException("torch.finfo is for floating dtypes, not " + torchName());
        }
    }

    /** PyTorch-style name, e.g. {@code float32}. */
    public String torchName() { return name().toLowerCase(java.util.Locale.ROOT); }

    /**
     * The dtype that a binary op on {@code a} and {@code b} computes in (PyTorch type promotion for the
     * supported dtypes: bool &lt; int64 &lt; float16, bfloat16 &lt; float32 &lt; float64; float16 with bfloat16
     * gives float32, as in PyTorch).
     */
    public static DType promote(DType a, DType b) {
        if (a != b && a.isReducedPrecision() && b.isReducedPrecision()) return FLOAT32;
        return a.ordinalRank() >= b.ordinalRank() ? a : b;
    }

    private int ordinalRank() {
        switch (this) {
            case BOOL: return 0;
            case INT64: return 1;
            case FLOAT16:
            case BFLOAT16: return 2;
            case FLOAT32: return 3;
            default: return 4;
        }
    }

    /** Parses a safetensors dtype string; throws {@link IllegalArgumentException} for unknown ones. */
    public static DType fromSafetensors(String s) {
        for (DType d : values()) if (d.safetensorsName.equals(s)) return d;
        throw new IllegalArgumentException("unknown or unsupported dtype '" + s + "'");
    }
}
