package org.sparkgrad.autograd;

/**
 * Thread-local switch for graph recording, like {@code torch.no_grad()} / {@code torch.enable_grad()}.
 * Use as try-with-resources: {@code try (var g = GradMode.noGrad()) { ... }}.
 */
public final class GradMode {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {}

    /** Whether ops record the graph on this thread. */
    public static boolean isEnabled() { return ENABLED.get()[0]; }

    /** Sets recording on or off for this thread. */
    public static void setEnabled(boolean on) { ENABLED.get()[0] = on; }

    /** Disables recording until the returned guard is closed (then restores the previous state). */
    public static Guard noGrad() { return new Guard(false); }

    /** Enables recording until the returned guard is closed (then restores the previous state). */
    public static Guard enableGrad() { return new Guard(true); }

    /** Restores the previous grad mode on {@link #close()}. */
    public static final class Guard implements AutoCloseable {
        private final boolean previous;

        private Guard(boolean on) {
            boolean[] st = ENABLED.get();
            previous = st[0];
            st[0] = on;
        }

        @Override public void close() { ENABLED.get()[0] = previous; }
    }
}
