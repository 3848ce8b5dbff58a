package org.sparkgrad.tensor;

/**
 * Host storage backed by one Java primitive array: {@code float[]} (float32), {@code double[]} (float64),
 * {@code long[]} (int64), {@code byte[]} (bool, 0/1) or {@code short[]} (float16 and bfloat16, the raw 16-bit
 * patterns of {@link HalfFloat}). Exactly one of the array fields is non-null.
 */
public final class CpuStorage extends Storage {
    public final float[] f;
    public final double[] d;
    public final long[] l;
    public final byte[] b;
    /** The 16-bit patterns of a float16 or bfloat16 storage (null otherwise). */
    public final short[] h;

    private CpuStorage(DType dtype, int size, float[] f, double[] d, long[] l, byte[] b) {
        this(dtype, size, f, d, l, b, null);
    }

    private CpuStorage(DType dtype, int size, float[] f, double[] d, long[] l, byte[] b, short[] h) {
        super(dtype, size);
        this.f = f;
        this.d = d;
        this.l = l;
        this.b = b;
        this.h = h;
    }

    /** A zero-filled storage of {@code size} elements. */
    public static CpuStorage allocate(DType dtype, int size) {
        switch (dtype) {
            case FLOAT32: return new CpuStorage(dtype, size, new float[size], null, null, null);
            case FLOAT64: return new CpuStorage(dtype, size, null, new double[size], null, null);
            case INT64: return new CpuStorage(dtype, size, null, null, new long[size], null);
            case BOOL: return new CpuStorage(dtype, size, null, null, null, new byte[size]);
            case FLOAT16:
            case BFLOAT16: return new CpuStorage(dtype, size, null, null, null, null, new short[size]);
            default: throw new IllegalArgumentException("unsupported dtype " + dtype);
        }
    }

    public static CpuStorage wrap(float[] a) { return new CpuStorage(DType.FLOAT32, a.length, a, null, null, null); }
    public static CpuStorage wrap(double[] a) { return new CpuStorage(DType.FLOAT64, a.length, null, a, null, null); }
    public static CpuStorage wrap(long[] a) { return new CpuStorage(DType.INT64, a.length, null, null, a, null); }
    public static CpuStorage wrapBool(byte[] a) { return new CpuStorage(DType.BOOL, a.length, null, null, null, a); }

    /**
     * Wraps 16-bit patterns as a float16 or bfloat16 storage.
     *
     * @throws IllegalArgumentException when {@code dtype} is not {@link DType#FLOAT16} or {@link DType#BFLOAT16}
     */
    public static CpuStorage wrapHalf(short[] a, DType dtype) {
        if (!dtype.isReducedPrecision()) throw new IllegalArgumentException("a short[] storage holds float16 or bfloat16, not " + dtype.torchName());
        return new CpuStorage(dtype, a.length, null, null, null, null, a);
    }

    @Override public Device device() { return Device.CPU; }

    /** Element {@code i} as a double (bool as 0/1). */
    public double get(int i) {
        if (f != null) return f[i];
        if (d != null) return d[i];
        if (l != null) return l[i];
        if (h != null) return HalfFloat.toFloat(h[i], dtype());
        return b[i];
    }

    /** Element {@code i} as a long (floats truncated toward zero as in a C cast). */
    public long getLong(int i) {
        if (l != null) return l[i];
        if (f != null) return (long) f[i];
        if (d != null) return (long) d[i];
        if (h != null) return (long) HalfFloat.toFloat(h[i], dtype());
        return b[i];
    }

    /**
     * Sets element {@code i} from a double (int64 truncates toward zero, bool is value != 0, float16/bfloat16 round
     * through float32 as PyTorch's casts do).
     */
    public void set(int i, double v) {
        if (f != null) f[i] = (float) v;
        else if (d != null) d[i] = v;
        else if (l != null) l[i] = (long) v;
        else if (h != null) h[i] = HalfFloat.fromFloat((float) v, dtype());
        else b[i] = (byte) (v != 0 ? 1 : 0);
    }

    /** Sets element {@code i} from a long. */
    public void setLong(int i, long v) {
        if (l != null) l[i] = v;
        else if (f != null) f[i] = v;
        else if (d != null) d[i] = v;
        else if (h != null) h[i] = HalfFloat.fromFloat((float) v, dtype());
        else b[i] = (byte) (v != 0 ? 1 : 0);
    }

    /** The backing array (float[], double[], long[], byte[] or short[]). */
    public Object array() {
        if (f != null) return f;
        if (d != null) return d;
        if (l != null) return l;
        if (h != null) return h;
        return b;
    }
}
