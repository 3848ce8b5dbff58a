package org.sparkgrad.nn;

import java.util.Iterator;

/** An indexable list of registered modules (PyTorch {@code nn.ModuleList}); it has no forward. */
public class ModuleList extends Module implements Iterable<Module> {
    private int count;

    public ModuleList(Module... modules) {
        for (Module m : modules) add(m);
    }

    public ModuleList add(Module m) {
        registerModule(Integer.toString(count++), m);
        return this;
    }

    public Module get(int i) {
        int k = i < 0 ? i + count : i;
        if (k < 0 || k >= count) throw new IndexOutOfBoundsException("index " + i + " is out of range for ModuleList of length " + count);
        return child(Integer.toString(k));
    }

    public int size() { return count; }

    @Override public Iterator<Module> iterator() { return children().iterator(); }
}
