package org.sparkgrad.cuda;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A MemoryProvider with a capacity, handing out integer ids; records every call. */
final class FakeMemory implements MemoryProvider<Integer> {
    final long capacity;
    long used;
    int nextId = 1;
    final Map<Integer, Long> live = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    int synchronizes;

    FakeMemory(long capacity) {
        this.capacity = capacity;
    }

    @Override
    public Integer allocate(long bytes) {
        if (used + bytes > capacity) {
            calls.add("oom " + bytes);
            throw new DeviceOutOfMemoryException("fake: out of memory");
        }
        used += bytes;
        int id = nextId++;
        live.put(id, bytes);
        calls.add("alloc " + bytes);
        return id;
    }

    @Override
    public void release(Integer handle) {
        Long bytes = live.remove(handle);
        if (bytes == null) throw new AssertionError("release of unknown or already released handle " + handle);
        used -= bytes;
        calls.add("release " + bytes);
    }

    @Override
    public void synchronize() {
        synchronizes++;
        calls.add("sync");
    }

    @Override
    public String name() {
        return "fake";
    }
}
