package org.sparkgrad.tensor;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a tensor's storage lives: the host ({@link #CPU}) or a CUDA device ({@code cuda(i)}). A tensor's
 * ops are executed by the {@link org.sparkgrad.backend.Backend} registered for its device type.
 */
public final class Device {
    /** The device kinds. */
    public enum Type { CPU, CUDA }

    /** The host. */
    public static final Device CPU = new Device(Type.CPU, -1);

    private final Type type;
    private final int index;

    private Device(Type type, int index) {
        this.type = type;
        this.index = index;
    }

    /** CUDA device with the given ordinal (0-based). */
    public static Device cuda(int index) {
        if (index < 0) throw new IllegalArgumentException("CUDA device index must be >= 0, got " + index);
        return new Device(Type.CUDA, index);
    }

    /** Parses {@code "cpu"}, {@code "cuda"} (= cuda:0) or {@code "cuda:N"}. */
    public static Device parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda")) return cuda(0);
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device '" + s + "': expected cpu, cuda or cuda:N");
            }
        }
        throw new IllegalArgumentException("bad device '" + s + "': expected cpu, cuda or cuda:N");
    }

    public Type type() { return type; }

    /** Device ordinal, -1 for the CPU. */
    public int index() { return index; }

    public boolean isCpu() { return type == Type.CPU; }

    @Override public boolean equals(Object o) {
        return o instanceof Device && ((Device) o).type == type && ((Device) o).index == index;
    }

    @Override public int hashCode() { return Objects.hash(type, index); }

    @Override public String toString() { return type == Type.CPU ? "cpu" : "cuda:" + index; }
}
