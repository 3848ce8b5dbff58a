package org.sparkgrad.testing;

/** Runs one golden op on a case's inputs and args. */
@FunctionalInterface
public interface GoldenOp {
    GoldenResult run(GoldenCase c);
}
