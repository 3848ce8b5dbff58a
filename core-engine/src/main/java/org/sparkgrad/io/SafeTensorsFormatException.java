package org.sparkgrad.io;

/**
 * A file (or stream) is not a valid safetensors file, or not one this engine can load: the message names the
 * source and the problem, e.g. {@code "model.safetensors: tensor 'w': data_offsets [0, 12] span 12 bytes but
 * shape [2, 2] of F32 needs 16"}. Unchecked, as every data error of a Sparkgrad module.
 */
public class SafeTensorsFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String source;
    private final String problem;

    /**
     * @param source the file path or stream name
     * @param problem what is wrong, without the source
     */
    public SafeTensorsFormatException(String source, String problem) {
        this(source, problem, null);
    }

    /**
     * @param source the file path or stream name
     * @param problem what is wrong, without the source
     * @param cause the parser exception behind it, if any
     */
    public SafeTensorsFormatException(String source, String problem, Throwable cause) {
        super(source + ": " + problem, cause);
        this.source = source;
        this.problem = problem;
    }

    /** The file path or stream name the problem was found in. */
    public String source() { return source; }

    /** The problem, without the source. */
    public String problem() { return problem; }
}
