package org.sparkgrad.cuda;

import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/** The JCuda calls of discovery; every failure propagates to {@link CudaRuntime#discover}. */
final class JCudaProbe {
    private JCudaProbe() {
    }

    static CudaRuntime.Discovery probe() {
        JCudaDriver.setExceptionsEnabled(true);  // first touch: loads libJCudaDriver, which links libcuda.so.1
        cuInit(0);
        int[] version = new int[1];
        cuDriverGetVersion(version);
        int[] count = new int[1];
        cuDeviceGetCount(count);
        List<CudaRuntime.DeviceInfo> devices = new ArrayList<>();
        for (int i = 0; i < count[0]; i++) {
            CUdevice dev = new CUdevice();
            cuDeviceGet(dev, i);
            byte[] name = new byte[256];
            cuDeviceGetName(name, name.length, dev);
            int len = 0;
            while (len < name.length && name[len] != 0) len++;
            devices.add(new CudaRuntime.DeviceInfo(i, new String(name, 0, len, StandardCharsets.US_ASCII),
                    attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                    attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                    attribute(dev, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                    totalMemory(dev)));
        }
        return new CudaRuntime.Discovery(true, null, version[0], devices);
    }

    private static int attribute(CUdevice dev, int attribute) {
        int[] v = new int[1];
        cuDeviceGetAttribute(v, attribute, dev);
        return v[0];
    }

    private static long totalMemory(CUdevice dev) {
        long[] v = new long[1];
        cuDeviceTotalMem(v, dev);
        return v[0];
    }
}
