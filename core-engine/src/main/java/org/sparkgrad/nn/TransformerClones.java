package org.sparkgrad.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.Tensor;

/**
 * Deep copies of transformer layers, the counterpart of PyTorch's {@code _get_clones} ({@code copy.deepcopy} of a
 * layer, {@code num_layers} times, in a {@code ModuleList}).
 */
final class TransformerClones {
    private TransformerClones() {}

    /** A {@link ModuleList} of {@code n} copies made by {@code copier} (the template itself is not included). */
    static ModuleList clones(Supplier<? extends Module> copier, int n) {
        ModuleList list = new ModuleList();
        for (int i = 0; i < n; i++) list.add(copier.get());
        return list;
    }

    /**
     * Makes {@code to} (a freshly built module of the same structure as {@code from}) a deep copy of {@code from}: each
     * parameter gets its own copy of the template's values, dtype and device, and its {@code requiresGrad} flag (no
     * gradient, as PyTorch's {@code Parameter.__deepcopy__}); each sub-module gets the template's training flag.
     *
     * @throws IllegalStateException when the two modules do not have the same parameters and sub-modules (a bug)
     */
    static void copyState(Module from, Module to) {
        Map<String, Tensor> src = from.namedParameters(), dst = to.namedParameters();
        if (!src.keySet().equals(dst.keySet())) {
            throw new IllegalStateException("copy has parameters " + dst.keySet() + ", template " + src.keySet());
        }
        if (!from.buffers().isEmpty() || !to.buffers().isEmpty()) {
            throw new IllegalStateException("copying modules with buffers is not supported");
        }
        try (GradMode.Guard g = GradMode.noGrad()) {
            for (Map.Entry<String, Tensor> e : src.entrySet()) {
                Tensor s = e.getValue(), d = dst.get(e.getKey());
                d.setData(s.detach().clone());
                d.requiresGrad_(s.requiresGrad());
            }
        }
        List<Module> ms = new ArrayList<>(from.namedModules().values()), md = new ArrayList<>(to.namedModules().values());
        if (ms.size() != md.size()) throw new IllegalStateException("copy has " + md.size() + " modules, template " + ms.size());
        // parents come before their children, so each module ends with its own template's flag
        for (int i = 0; i < ms.size(); i++) md.get(i).train(ms.get(i).isTraining());
    }
}
