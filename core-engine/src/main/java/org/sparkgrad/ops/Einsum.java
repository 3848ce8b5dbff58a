package org.sparkgrad.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * {@code torch.einsum(equation, *operands)} for any number of operands, as a composition of differentiable ops
 * (diagonal views, sums, permute/reshape/expand and batched matmul), so it runs on every backend and its gradient
 * comes from the composition.
 *
 * <p>Equation grammar (numpy / PyTorch 1.13): operands' subscripts separated by commas, each a run of letters
 * {@code [a-zA-Z]} with at most one {@code ...} standing for any number of (broadcast, right-aligned) dims; then
 * optionally {@code ->} and the output subscripts. Spaces are ignored. A letter repeated within one operand takes
 * that operand's diagonal over those dims ({@code 'ii->i'}); a letter absent from the output is summed over. Without
 * {@code ->} (implicit mode) the output is {@code ...} (when any operand has one) followed by the letters that occur
 * exactly once in the whole equation, in alphabetical order (upper case first), so {@code 'ii'} is the trace and
 * {@code 'ij,jk'} the matrix product. In explicit mode ellipsis dims missing from the output are summed. Dims with
 * the same letter must have equal sizes or size 1 (broadcast).
 *
 * <p>Evaluation: each operand's repeated letters become diagonals and the letters it alone holds (and the output
 * lacks) are summed at once; the operands are then contracted left to right, each pair by one {@code bmm} over
 * (shared kept letters as batch, own letters, summed shared letters); integer operands use broadcast multiply and
 * sum instead of {@code bmm}.
 */
public final class Einsum {
    private Einsum() {}

    private static final int ELLIPSIS_BASE = 52;

    /** Label id of a subscript letter: {@code A-Z} = 0..25, {@code a-z} = 26..51 (PyTorch's order). */
    private static int labelOf(char c) {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return 26 + c - 'a';
        return -1;
    }

    private static String labelName(int id) {
        if (id < 26) return String.valueOf((char) ('A' + id));
        if (id < ELLIPSIS_BASE) return String.valueOf((char) ('a' + id - 26));
        return "...[" + (id - ELLIPSIS_BASE) + "]";
    }

    /** A parsed subscript: the letter ids in order, and where the ellipsis stands (-1 if none). */
    private static final class Term {
        final List<Integer> letters = new ArrayList<>();
        int ellipsisAt = -1;
    }

    private static IllegalArgumentException error(String eq, String msg) {
        return new IllegalArgumentException("einsum(): " + msg + " (equation '" + eq + "')");
    }

    private static Term parseTerm(String eq, String s, String what) {
        Term t = new Term();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                if (!s.startsWith("...", i)) throw error(eq, "found '.' for " + what + " that is not part of any ellipsis");
                if (t.ellipsisAt >= 0) throw error(eq, "found more than one ellipsis ('...') in " + what);
                t.ellipsisAt = t.letters.size();
                i += 2;
                continue;
            }
            int id = labelOf(c);
            if (id < 0) throw error(eq, "invalid subscript '" + c + "' given in " + what + "; subscripts must be letters in [a-zA-Z]");
            t.letters.add(id);
        }
        return t;
    }

    /** An operand in label form: the tensor and one label id per dim (all distinct). */
    private static final class Operand {
        Tensor t;
        int[] labels;

        Operand(Tensor t, int[] labels) {
            this.t = t;
            this.labels = labels;
        }

        int indexOf(int label) {
            for (int i = 0; i < labels.length; i++) if (labels[i] == label) return i;
            return -1;
        }
    }

    /**
     * Evaluates the equation.
     *
     * @throws IllegalArgumentException for a malformed equation, an operand count or rank that does not match it, or
     *     sizes that do not broadcast (the message names the equation, the operand and the shapes)
     */
    public static Tensor einsum(String equation, Tensor... operands) {
        String eq = equation.replace(" ", "");
        int arrow = eq.indexOf("->");
        String lhs = arrow >= 0 ? eq.substring(0, arrow) : eq;
        if (arrow >= 0 && eq.indexOf("->", arrow + 2) >= 0) throw error(equation, "more than one '->' in the equation");
        String[] specs = lhs.split(",", -1);
        if (operands.length == 0) throw error(equation, "must provide at least one operand");
        if (specs.length > operands.length) throw error(equation, "fewer operands were provided (" + operands.length + ") than specified in the equation (" + specs.length + ")");
        if (specs.length < operands.length) throw error(equation, "more operands were provided (" + operands.length + ") than specified in the equation (" + specs.length + ")");
        Term[] terms = new Term[specs.length];
        int ellDims = 0;
        boolean anyEllipsis = false;
        for (int i = 0; i < specs.length; i++) {
            terms[i] = parseTerm(equation, specs[i], "operand " + i);
            Tensor op = operands[i];
            int nl = terms[i].letters.size();
            if (terms[i].ellipsisAt < 0 ? op.dim() != nl : op.dim() < nl) {
                throw error(equation, "the number of subscripts in the equation (" + nl + ") does not match the number of dimensions ("
                        + op.dim() + ") for operand " + i + " of shape " + Shape.str(op.shapeRef())
                        + (terms[i].ellipsisAt < 0 ? " and no ellipsis was given" : " (more subscripts than dims)"));
            }
            if (terms[i].ellipsisAt >= 0) {
                anyEllipsis = true;
                ellDims = Math.max(ellDims, op.dim() - nl);
            }
        }
        for (int i = 1; i < operands.length; i++) {
            if (operands[i].dtype() != operands[0].dtype()) {
                throw error(equation, "expected all operands to have one dtype, got " + operands[0].dtype().torchName() + " (operand 0) and "
                        + operands[i].dtype().torchName() + " (operand " + i + ")");
            }
            Arithmetic.sameDevice(operands[0], operands[i], "einsum");
        }
        // occurrences of each label over the whole left-hand side (repeats within an operand count)
        int[] count = new int[ELLIPSIS_BASE + ellDims];
        for (Term t : terms) for (int id : t.letters) count[id]++;
        // output labels
        List<Integer> out = new ArrayList<>();
        if (arrow >= 0) {
            Term o = parseTerm(equation, eq.substring(arrow + 2), "the output");
            boolean[] seen = new boolean[ELLIPSIS_BASE];
            for (int i = 0; i <= o.letters.size(); i++) {
                if (i == o.ellipsisAt) for (int e = 0; e < ellDims; e++) out.add(ELLIPSIS_BASE + e);
                if (i == o.letters.size()) break;
                int id = o.letters.get(i);
                if (seen[id]) throw error(equation, "output subscript " + labelName(id) + " appears more than once in the output");
                if (count[id] == 0) throw error(equation, "output subscript " + labelName(id) + " does not appear in the equation for any input operand");
                seen[id] = true;
                out.add(id);
            }
        } else {
            if (anyEllipsis) for (int e = 0; e < ellDims; e++) out.add(ELLIPSIS_BASE + e);
            for (int id = 0; id < ELLIPSIS_BASE; id++) if (count[id] == 1) out.add(id);
        }
        boolean[] inOutput = new boolean[ELLIPSIS_BASE + ellDims];
        for (int id : out) inOutput[id] = true;
        // label sizes (1 broadcasts)
        int[] size = new int[ELLIPSIS_BASE + ellDims];
        Arrays.fill(size, 1);
        // operands in label form, diagonals taken
        List<Operand> ops = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            Operand o = labelled(equation, terms[i], operands[i], ellDims, i);
            for (int k = 0; k < o.labels.length; k++) {
                int id = o.labels[k], s = o.t.size(k);
                if (s != 1 && size[id] != 1 && size[id] != s) {
                    throw error(equation, "operands do not broadcast: subscript " + labelName(id) + " has size " + size[id]
                            + " in an earlier operand and " + s + " in operand " + i + " of shape " + Shape.str(operands[i].shapeRef()));
                }
                if (s != 1) size[id] = s;
            }
            ops.add(o);
        }
        // left to right; before each pair, labels needed by neither the partner nor anything later are summed
        Operand acc = sumUnneeded(ops.get(0), inOutput, ops, 1, null);
        for (int j = 1; j < ops.size(); j++) {
            Operand a = sumUnneeded(acc, inOutput, ops, j + 1, ops.get(j));
            Operand b = sumUnneeded(ops.get(j), inOutput, ops, j + 1, a);
            acc = contract(a, b, inOutput, ops, j + 1, size);
        }
        // permute to the output order, broadcasting size-1 dims to the output sizes
        int[] perm = new int[out.size()];
        int[] outShape = new int[out.size()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = acc.indexOf(out.get(i));
            outShape[i] = size[out.get(i)];
        }
        Tensor r = acc.t.permute(perm);
        if (!Arrays.equals(r.shapeRef(), outShape)) r = r.expand(outShape).contiguous();
        return r;
    }

    /** Expands the ellipsis into ids and takes the diagonal of repeated letters (the first occurrence's place kept). */
    private static Operand labelled(String eq, Term term, Tensor x, int ellDims, int which) {
        int nl = term.letters.size();
        int myEll = term.ellipsisAt < 0 ? 0 : x.dim() - nl;
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < nl; i++) {
            if (i == term.ellipsisAt) for (int e = 0; e < myEll; e++) labels.add(ELLIPSIS_BASE + ellDims - myEll + e);
            labels.add(term.letters.get(i));
        }
        if (term.ellipsisAt == nl) for (int e = 0; e < myEll; e++) labels.add(ELLIPSIS_BASE + ellDims - myEll + e);
        Tensor t = x;
        // repeated letters: diagonal over the two dims, the diagonal (last) moved back to the first one's place
        for (int i = 0; i < labels.size(); i++) {
            for (int j = labels.size() - 1; j > i; j--) {
                if (!labels.get(j).equals(labels.get(i))) continue;
                if (t.size(i) != t.size(j)) {
                    throw error(eq, "subscript " + labelName(labels.get(i)) + " is repeated for operand " + which + " but the sizes don't match, "
                            + t.size(i) + " != " + t.size(j) + " (operand shape " + Shape.str(x.shapeRef()) + ")");
                }
                t = Rearrange.movedim(Rearrange.diagonal(t, 0, i, j), new int[] {-1}, new int[] {i});
                labels.remove(j);
            }
        }
        int[] ids = new int[labels.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = labels.get(i);
        return new Operand(t, ids);
    }

    /** Whether {@code label} is in the output or in operands {@code from..}. */
    private static boolean neededLater(int label, boolean[] inOutput, List<Operand> ops, int from) {
        if (inOutput[label]) return true;
        for (int j = from; j < ops.size(); j++) if (ops.get(j).indexOf(label) >= 0) return true;
        return false;
    }

    /** Sums the dims whose labels are needed neither later nor by {@code partner} (may be null). */
    private static Operand sumUnneeded(Operand o, boolean[] inOutput, List<Operand> ops, int from, Operand partner) {
        List<Integer> sum = new ArrayList<>();
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < o.labels.length; i++) {
            int id = o.labels[i];
            boolean needed = neededLater(id, inOutput, ops, from) || (partner != null && partner.indexOf(id) >= 0);
            (needed ? keep : sum).add(i);
        }
        if (sum.isEmpty()) return o;
        int[] dims = sum.stream().mapToInt(Integer::intValue).toArray();
        int[] labels = keep.stream().mapToInt(i -> o.labels[i]).toArray();
        return new Operand(o.t.sum(dims, false), labels);
    }

    /**
     * Contracts two operands: shared labels needed later are batch dims, shared labels not needed are summed, the
     * others are kept; the result's labels are (batch, a's own, b's own).
     */
    private static Operand contract(Operand a, Operand b, boolean[] inOutput, List<Operand> ops, int from, int[] size) {
        List<Integer> batch = new ArrayList<>(), sum = new ArrayList<>(), onlyA = new ArrayList<>(), onlyB = new ArrayList<>();
        for (int id : a.labels) {
            if (b.indexOf(id) >= 0) (neededLater(id, inOutput, ops, from) ? batch : sum).add(id);
            else onlyA.add(id);
        }
        for (int id : b.labels) if (a.indexOf(id) < 0) onlyB.add(id);
        List<Integer> la = new ArrayList<>(batch), lb = new ArrayList<>(batch);
        la.addAll(onlyA);
        la.addAll(sum);
        lb.addAll(sum);
        lb.addAll(onlyB);
        Tensor ta = aligned(a, la, batch, sum, size), tb = aligned(b, lb, batch, sum, size);
        int[] resultLabels = new int[batch.size() + onlyA.size() + onlyB.size()];
        int[] resultShape = new int[resultLabels.length];
        int k = 0;
        for (List<Integer> part : List.of(batch, onlyA, onlyB)) {
            for (int id : part) {
                resultLabels[k] = id;
                resultShape[k++] = part == batch ? size[id] : part == onlyA ? ta.size(la.indexOf(id)) : tb.size(lb.indexOf(id));
            }
        }
        int nb = prod(ta, 0, batch.size()), m = prod(ta, batch.size(), batch.size() + onlyA.size());
        int kk = prod(ta, batch.size() + onlyA.size(), la.size()), n = prod(tb, batch.size() + sum.size(), lb.size());
        Tensor r;
        if (ta.dtype().isFloatingPoint()) {
            r = ta.reshape(nb, m, kk).bmm(tb.reshape(nb, kk, n));
        } else {
            // (nb, m, k, 1) * (nb, 1, k, n) summed over k
            r = ta.reshape(nb, m, kk, 1).mul(tb.reshape(nb, 1, kk, n)).sum(2, false);
        }
        return new Operand(r.reshape(resultShape), resultLabels);
    }

    private static int prod(Tensor t, int from, int to) {
        int p = 1;
        for (int i = from; i < to; i++) p *= t.size(i);
        return p;
    }

    /** Permutes {@code o} to {@code order}, expanding size-1 batch and summed dims to their full sizes. */
    private static Tensor aligned(Operand o, List<Integer> order, List<Integer> batch, List<Integer> sum, int[] size) {
        int[] perm = new int[order.size()];
        for (int i = 0; i < perm.length; i++) perm[i] = o.indexOf(order.get(i));
        Tensor t = o.t.permute(perm);
        int[] target = t.shape();
        boolean expand = false;
        for (int i = 0; i < perm.length; i++) {
            int id = order.get(i);
            if ((batch.contains(id) || sum.contains(id)) && target[i] != size[id]) {
                target[i] = size[id];
                expand = true;
            }
        }
        return expand ? t.expand(target) : t;
    }
}
