package org.sparkgrad.cuda;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The parameters of one kernel launch, in the order of the kernel's signature: each is a pointer to a host copy
 * of the value, which {@code cuLaunchKernel} copies by the parameter's size. Structs passed by value
 * ({@link TensorDesc}, the pooling/conv geometry) go as their packed int32 words. {@link #params()} describes the
 * list so that tests can check it against the PTX signature of the kernel.
 */
final class KernelArgs {
    /** What a parameter is, as the PTX declares it. */
    enum Kind {
        /** {@code int}: {@code .u32}/{@code .s32}. */
        I32,
        /** {@code long long}: {@code .u64}/{@code .s64}. */
        I64,
        /** {@code double}: {@code .f64}. */
        F64,
        /** a pointer: {@code .u64}. */
        PTR,
        /** a struct by value: {@code .align 4 .b8 name[bytes]}. */
        STRUCT
    }

    /** One parameter: its kind and size in bytes. */
    record Param(Kind kind, int bytes) {
    }

    private final List<NativePointerObject> pointers = new ArrayList<>();
    private final List<Param> params = new ArrayList<>();

    private KernelArgs add(Kind kind, int bytes, NativePointerObject p) {
        pointers.add(p);
        params.add(new Param(kind, bytes));
        return this;
    }

    /** {@code int}. */
    KernelArgs i32(int v) {
        return add(Kind.I32, 4, Pointer.to(new int[] {v}));
    }

    /** {@code long long} / {@code unsigned long long}. */
    KernelArgs i64(long v) {
        return add(Kind.I64, 8, Pointer.to(new long[] {v}));
    }

    /** {@code double}. */
    KernelArgs f64(double v) {
        return add(Kind.F64, 8, Pointer.to(new double[] {v}));
    }

    /** A device pointer ({@code null}: a null pointer, for the kernels' optional arguments). */
    KernelArgs ptr(CUdeviceptr p) {
        return add(Kind.PTR, 8, p == null ? Pointer.to(new long[] {0L}) : Pointer.to(p));
    }

    /** A {@code TDesc} by value. */
    KernelArgs desc(TensorDesc d) {
        return add(Kind.STRUCT, 4 * TensorDesc.INTS, Pointer.to(d.pack()));
    }

    /** A struct of int32 fields by value. */
    KernelArgs struct(int[] words) {
        return add(Kind.STRUCT, 4 * words.length, Pointer.to(words.clone()));
    }

    List<Param> params() {
        return Collections.unmodifiableList(params);
    }

    Pointer build() {
        return Pointer.to(pointers.toArray(new NativePointerObject[0]));
    }
}
