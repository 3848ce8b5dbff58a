package org.sparkgrad.examples;

/**
 * An option value out of range ({@code --epochs 0}, {@code --dropout 1.5}, {@code --progress sometimes}): a bad command
 * line, which the CLI reports with {@link SparkgradCli#EXIT_USAGE}, unlike unusable input data
 * ({@link JobInputException}, {@link SparkgradCli#EXIT_BAD_INPUT}).
 */
public class JobUsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JobUsageException(String message) {
        super(message);
    }
}
