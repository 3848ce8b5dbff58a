package org.sparkgrad.arrow;

/**
 * What to do with NaN or ±Inf in a floating-point <em>feature</em> column (label columns are never altered).
 *
 * <ul>
 *   <li>{@link #FAIL} (default): throw an {@link ArrowDataException} naming file, column and row.</li>
 *   <li>{@link #SKIP}: drop the whole row (every column of it); the number of rows dropped is counted and logged.</li>
 *   <li>{@link #ZERO}: replace each non-finite value by 0.0; the number of values replaced is counted and logged.</li>
 * </ul>
 */
public enum NonFinitePolicy {
    FAIL,
    SKIP,
    ZERO
}
