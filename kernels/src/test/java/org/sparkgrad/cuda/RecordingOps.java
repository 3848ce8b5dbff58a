package org.sparkgrad.cuda;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * A DeviceOps without a GPU: memory handles are plain JCuda pointer objects, copies do nothing (downloads read
 * zeros), and every launch is recorded with its kernel, configuration and parameter list. Lets the real
 * CudaBackend code run its planning on this machine.
 */
final class RecordingOps implements DeviceOps {
    /** One recorded launch. */
    record Launch(String module, String name, LaunchConfig cfg, int sharedBytes, List<KernelArgs.Param> params) {
    }

    final List<Launch> launches = new ArrayList<>();
    final Map<Pointer, ByteBuffer> host = new IdentityHashMap<>();
    int streamsCreated;
    int streamWaits;
    long bytesUploaded;
    long bytesDownloaded;

    private final MemoryProvider<CUdeviceptr> device = new MemoryProvider<>() {
        @Override
        public CUdeviceptr allocate(long bytes) {
            return new CUdeviceptr();
        }

        @Override
        public void release(CUdeviceptr handle) {
        }

        @Override
        public void synchronize() {
        }

        @Override
        public String name() {
            return "recording device memory";
        }
    };

    private final MemoryProvider<Pointer> pinned = new MemoryProvider<>() {
        @Override
        public Pointer allocate(long bytes) {
            Pointer p = new Pointer();
            host.put(p, ByteBuffer.allocate((int) bytes));
            return p;
        }

        @Override
        public void release(Pointer handle) {
            host.remove(handle);
        }

        @Override
        public void synchronize() {
        }

        @Override
        public String name() {
            return "recording pinned memory";
        }
    };

    @Override
    public void makeCurrent() {
    }

    @Override
    public Object createStream() {
        streamsCreated++;
        return new Object();
    }

    @Override
    public MemoryProvider<CUdeviceptr> deviceMemory() {
        return device;
    }

    @Override
    public MemoryProvider<Pointer> pinnedMemory() {
        return pinned;
    }

    @Override
    public ByteBuffer hostView(Pointer p, long bytes) {
        ByteBuffer b = host.get(p);
        if (b == null) throw new AssertionError("host view of an unknown pinned block");
        if (bytes > b.capacity()) throw new AssertionError("host view beyond the pinned block");
        ByteBuffer v = b.duplicate();
        v.clear();
        v.limit((int) bytes);
        return v.slice();
    }

    @Override
    public void launch(String module, String name, LaunchConfig cfg, int sharedBytes, KernelArgs args, Object stream) {
        args.build();   // the JCuda parameter pointer must be constructible
        launches.add(new Launch(module, name, cfg, sharedBytes, args.params()));
    }

    @Override
    public void memsetZero(CUdeviceptr dst, long bytes, Object stream) {
    }

    @Override
    public void copyHostToDevice(CUdeviceptr dst, Pointer src, long bytes, Object stream) {
        bytesUploaded += bytes;
    }

    @Override
    public void copyDeviceToHost(Pointer dst, CUdeviceptr src, long bytes, Object stream) {
        bytesDownloaded += bytes;
        ByteBuffer b = host.get(dst);
        for (int i = 0; i < bytes; i++) b.put(i, (byte) 0);   // device memory reads as zeros
    }

    @Override
    public void streamWait(Object waiting, Object writer) {
        streamWaits++;
    }

    @Override
    public void synchronizeStream(Object stream) {
    }

    @Override
    public void synchronizeDevice() {
    }
}
