package org.sparkgrad.spark.ml;

import java.io.Serializable;
import java.util.Map;
import org.sparkgrad.nn.Module;
import org.sparkgrad.tensor.Tensor;

/**
 * A trained network as data: the training configuration (architecture, shapes, output count), its state
 * dict and the training summary. Executors rebuild the module from it; {@link #stateBytes()} is the compact
 * form that is broadcast.
 */
final class TrainedNetwork implements Serializable {
    private static final long serialVersionUID = 1L;
    final TrainConfig conf;
    private final byte[] state;
    final TrainingSummary summary;

    TrainedNetwork(TrainConfig conf, Map<String, Tensor> stateDict, TrainingSummary summary) {
        this.conf = conf;
        this.state = StateCodec.encode(StateCodec.flatten(stateDict));
        this.summary = summary;
    }

    byte[] stateBytes() { return state; }

    Map<String, Tensor> stateDict() { return StateCodec.toStateDict(StateCodec.decode(state)); }

    /** A fresh module with the trained weights, in eval mode. */
    Module buildModule() {
        Module m = conf.buildModel(conf.seed);
        m.loadStateDict(stateDict(), true);
        m.eval();
        return m;
    }
}
