package org.sparkgrad.data;

/**
 * Thrown by a {@link DataLoader} iterator when producing a batch failed: the dataset's {@code get}, the
 * collate function, or the prefetch worker. The original exception is the {@link #getCause() cause}; the
 * message names the epoch, the batch index and the first sample indices of the batch.
 */
public class DataLoaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, naming epoch and batch
     * @param cause the original exception (may be null when there is none)
     */
    public DataLoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
