package org.sparkgrad.tensor;

/**
 * A flat buffer of elements of one dtype on one device. Several tensors (views) may share one storage;
 * the storage carries the version counter that in-place ops bump, so autograd can detect that a tensor
 * saved for backward was modified.
 */
public abstract class Storage {
    private final DType dtype;
    private final int size;
    private int version;

    protected Storage(DType dtype, int size) {
        this.dtype = dtype;
        this.size = size;
    }

    public final DType dtype() { return dtype; }

    /** Number of elements. */
    public final int size() { return size; }

    public abstract Device device();

    /** Version counter, incremented by every in-place modification. */
    public final int version() { return version; }

    /** Records one in-place modification. */
    public final void bumpVersion() { version++; }
}
