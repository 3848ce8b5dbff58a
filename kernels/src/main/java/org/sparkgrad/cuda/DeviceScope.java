package org.sparkgrad.cuda;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Deterministic release of every {@link DeviceBuffer} allocated on this thread while the scope is open:
 * <pre>{@code
 * try (DeviceScope scope = DeviceScope.open()) {
 *     DeviceBuffer tmp = DeviceBuffer.allocate(alloc, n);   // closed when the scope closes
 *     DeviceBuffer result = scope.keep(DeviceBuffer.allocate(alloc, m));   // survives (moves to the outer scope)
 * }
 * }</pre>
 * Scopes nest per thread; closing one closes its buffers in reverse allocation order. Not thread-safe: a scope
 * belongs to the thread that opened it.
 */
public final class DeviceScope implements AutoCloseable {
    private static final ThreadLocal<Deque<DeviceScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Set<DeviceBuffer> buffers = new LinkedHashSet<>();
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private DeviceScope() {
    }

    /** Opens a scope on the calling thread. */
    public static DeviceScope open() {
        DeviceScope s = new DeviceScope();
        STACK.get().push(s);
        return s;
    }

    static void registerWithCurrent(DeviceBuffer b) {
        DeviceScope s = STACK.get().peek();
        if (s != null) s.buffers.add(b);
    }

    /** Takes {@code b} out of this scope (into the enclosing one, if any) so that closing this one keeps it. */
    public DeviceBuffer keep(DeviceBuffer b) {
        if (buffers.remove(b)) {
            Deque<DeviceScope> stack = STACK.get();
            boolean passedThis = false;
            for (DeviceScope s : stack) {
                if (passedThis) {
                    s.buffers.add(b);
                    break;
                }
                if (s == this) passedThis = true;
            }
        }
        return b;
    }

    /** Buffers this scope will close. */
    public int size() {
        return buffers.size();
    }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("a DeviceScope must be closed by the thread that opened it");
        }
        Deque<DeviceScope> stack = STACK.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("DeviceScopes must be closed in reverse order of opening");
        }
        closed = true;
        stack.pop();
        DeviceBuffer[] bs = buffers.toArray(new DeviceBuffer[0]);
        buffers.clear();
        RuntimeException first = null;
        for (int i = bs.length - 1; i >= 0; i--) {
            try {
                bs[i].close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }
}
