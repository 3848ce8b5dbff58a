package org.sparkgrad.nn;

import java.util.Map;
import java.util.Set;

/** Registered modules by name, in insertion order (PyTorch {@code nn.ModuleDict}); it has no forward. */
public class ModuleDict extends Module {
    public ModuleDict() {}

    public ModuleDict(Map<String, ? extends Module> modules) {
        modules.forEach(this::put);
    }

    public ModuleDict put(String name, Module m) {
        registerModule(name, m);
        return this;
    }

    public Module get(String name) { return child(name); }

    public Set<String> keys() { return namedChildren().keySet(); }

    public int size() { return namedChildren().size(); }
}
