package org.sparkgrad.cuda;

/**
 * The unchecked exception of the {@code kernels} module: a CUDA driver call failed, a kernel module could not be
 * loaded, an op has no GPU kernel, or CUDA is not available on this machine (the message then carries
 * {@link CudaRuntime#unavailableReason()}).
 */
public class CudaBackendException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CudaBackendException(String message) {
        super(message);
    }

    public CudaBackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
