package org.sparkgrad.examples;

/**
 * The input of a job is unusable: a path that does not exist, an empty dataset, or a dataset whose layout is not
 * the one the job reads (missing column, wrong type, wrong number of values per row). The message says what was
 * found and what was expected; the CLI prints it and exits with {@link SparkgradCli#EXIT_BAD_INPUT}.
 */
public class JobInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JobInputException(String message) {
        super(message);
    }

    public JobInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
