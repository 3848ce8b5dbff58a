package org.sparkgrad.cuda;

/**
 * Device (or pinned host) memory is exhausted even after the caching allocator returned every cached block to the
 * driver. The message names the requested size and the allocator's statistics.
 */
public class DeviceOutOfMemoryException extends CudaBackendException {
    private static final long serialVersionUID = 1L;

    public DeviceOutOfMemoryException(String message) {
        super(message);
    }

    public DeviceOutOfMemoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
