package org.sparkgrad.spark.ml;

import java.io.Serializable;
import org.sparkgrad.nn.Module;

/**
 * Builds a network in user code, for architectures a JSON layer spec cannot express. The class needs a public
 * no-argument constructor and must be on the executors' class path; it is named by the {@code moduleFactory}
 * Param and so survives save/load.
 */
public interface ModuleFactory extends Serializable {
    /**
     * A new network with weights initialised from {@code seed}.
     *
     * @param featuresShape per-sample input shape
     * @param outputs       number of outputs (classes for a classifier)
     */
    Module create(int[] featuresShape, int outputs, long seed);
}
