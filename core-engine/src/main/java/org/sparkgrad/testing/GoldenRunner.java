package org.sparkgrad.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.sparkgrad.autograd.Autograd;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * The PyTorch parity harness: runs every case of golden fixture files (format in
 * {@code shared/golden/README.md}) in float32 (with each case's {@code tol.rtol}, default 1e-4) and in
 * float64 (rtol 1e-7), comparing the output, every {@code extra} result and every input gradient with
 * {@code |a - e| <= rtol * (|e| + max|e|)}; integer and bool results must match exactly.
 *
 * <p>Usage: {@code java org.sparkgrad.testing.GoldenRunner FILE_OR_DIR...} (system property
 * {@code sparkgrad.golden.dtypes}, e.g. {@code bfloat16,float16}, picks other dtypes; see {@link #floatTypes}). Prints one line per failing
 * case and the closing line {@code N passed, M failed, K skipped} (skipped = op not implemented, listed by
 * name). Exits 1 when any case fails.
 *
 * <p>Keywords are never dropped silently: when a handler did not read one of the case's {@code args} or
 * {@code inputs} (see {@link GoldenCase#unreadArgs()}), a failing case names them ("unsupported argument(s) X for op
 * Y") next to the mismatches, and a case whose values all match anyway passes with a warning line
 * ({@code WARN ... passed with unsupported argument(s) ...}; {@link #warnings()}). A handler that meets an argument
 * value the engine cannot honour throws {@link UnsupportedOperationException} naming it (reported once as
 * "unsupported: ...", a failure).
 */
public final class GoldenRunner {
    /** Float64 comparison tolerance. */
    public static final double F64_RTOL = 1e-7;
    /** Smallest float16 comparison tolerance (a case's own float32 {@code rtol} applies when larger). */
    public static final double F16_RTOL = Double.parseDouble(System.getProperty("sparkgrad.golden.f16rtol", "5e-3"));
    /** Smallest bfloat16 comparison tolerance (a case's own float32 {@code rtol} applies when larger). */
    public static final double BF16_RTOL = Double.parseDouble(System.getProperty("sparkgrad.golden.bf16rtol", "4e-2"));

    private final Map<String, GoldenOp> ops;
    private final ObjectMapper json = new ObjectMapper();
    private int passed, failed, skipped;
    private final Map<String, Integer> skippedOps = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private DType[] floatTypes = {DType.FLOAT32, DType.FLOAT64};

    /** A runner over the ops registered in {@link GoldenOps}. */
    public GoldenRunner() { this(GoldenOps.all()); }

    public GoldenRunner(Map<String, GoldenOp> ops) { this.ops = ops; }

    /**
     * The float dtypes every case runs in (default float32 and float64). {@link DType#FLOAT16} and
     * {@link DType#BFLOAT16} run the case on inputs rounded to that dtype and compare with
     * {@code max(case rtol, }{@link #F16_RTOL}{@code )} or {@code max(case rtol, }{@link #BF16_RTOL}{@code )}: the
     * references come from unrounded float64 inputs, so the tolerance covers the inputs' rounding as well.
     *
     * @throws IllegalArgumentException for an empty list or a non-floating dtype
     */
    public GoldenRunner floatTypes(DType... types) {
        if (types.length == 0) throw new IllegalArgumentException("no float dtype to run the cases in");
        for (DType t : types) {
            if (!t.isFloatingPoint()) throw new IllegalArgumentException("cases run in floating dtypes, not " + t.torchName());
        }
        floatTypes = types.clone();
        return this;
    }

    private static double tolerance(DType dt, double caseRtol) {
        switch (dt) {
            case FLOAT64: return F64_RTOL;
            case FLOAT16: return Math.max(caseRtol, F16_RTOL);
            case BFLOAT16: return Math.max(caseRtol, BF16_RTOL);
            default: return caseRtol;
        }
    }

    public int passed() { return passed; }

    public int failed() { return failed; }

    public int skipped() { return skipped; }

    /** Ops that had no implementation, with case counts. */
    public Map<String, Integer> skippedOps() { return skippedOps; }

    /** One line per failing case. */
    public List<String> failures() { return failures; }

    /** Passed cases that carried arguments or inputs their handler did not read, one line each. */
    public List<String> warnings() { return warnings; }

    /** The closing line. */
    public String summary() {
        return passed + " passed, " + failed + " failed, " + skipped + " skipped"
                + (warnings.isEmpty() ? "" : " (" + warnings.size() + " passed with unread arguments)");
    }

    /** Runs every {@code .json} fixture in a file or folder (recursively). */
    public GoldenRunner runPath(Path p) throws IOException {
        if (Files.isDirectory(p)) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(p)) {
                files = s.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            }
            for (Path f : files) runFile(f);
        } else {
            runFile(p);
        }
        return this;
    }

    /** Runs all cases of one fixture file. */
    public GoldenRunner runFile(Path file) throws IOException {
        JsonNode root = json.readTree(file.toFile());
        JsonNode cases = root.path("cases");
        if (!cases.isArray()) throw new IOException(file + " is not a golden fixture file (no 'cases' array)");
        for (JsonNode c : cases) runCase(file.getFileName().toString(), c);
        return this;
    }

    private void runCase(String file, JsonNode c) {
        String op = c.path("op").asText();
        String name = c.path("name").asText();
        GoldenOp impl = ops.get(op);
        if (impl == null) {
            skipped++;
            skippedOps.merge(op, 1, Integer::sum);
            return;
        }
        double rtol32 = c.path("tol").path("rtol").asDouble(1e-4);
        List<String> problems = new ArrayList<>();
        List<String> unread = new ArrayList<>();
        for (DType dt : floatTypes) {
            try {
                check(c, impl, new GoldenCase(file, c, dt), tolerance(dt, rtol32), problems, unread);
            } catch (UnsupportedOperationException e) {
                // the same for every dtype: report it once, untagged
                String m = "unsupported: " + e.getMessage();
                if (!problems.contains(m)) problems.add(m);
            } catch (RuntimeException e) {
                problems.add("[" + dt.torchName() + "] threw " + e);
            }
        }
        if (problems.isEmpty()) {
            passed++;
            if (!unread.isEmpty()) {
                warnings.add("WARN " + file + ":" + name + " (" + op + ") passed with " + String.join("; ", unread));
            }
        } else {
            failed++;
            List<String> all = new ArrayList<>(unread);
            all.addAll(problems);
            failures.add("FAIL " + file + ":" + name + " (" + op + "): " + String.join("; ", all));
        }
    }

    private void check(JsonNode c, GoldenOp impl, GoldenCase gc, double rtol, List<String> problems, List<String> unread) {
        String tag = "[" + gc.floatType().torchName() + "] ";
        GoldenResult r = impl.run(gc);
        // an argument or input the handler did not read is named with the result, never dropped silently
        if (!gc.unreadArgs().isEmpty()) {
            String u = "unsupported argument(s) " + String.join(", ", gc.unreadArgs()) + " for op " + gc.op();
            if (!unread.contains(u)) unread.add(u);
        }
        if (!gc.unreadInputs().isEmpty()) {
            String u = "unsupported input(s) " + String.join(", ", gc.unreadInputs()) + " for op " + gc.op();
            if (!unread.contains(u)) unread.add(u);
        }
        JsonNode outNode = c.path("output");
        List<JsonNode> expOuts = new ArrayList<>();
        if (outNode.isArray()) outNode.forEach(expOuts::add);
        else expOuts.add(outNode);
        if (expOuts.size() != r.outputs.size()) {
            problems.add(tag + "op returned " + r.outputs.size() + " outputs, expected " + expOuts.size());
            return;
        }
        for (int i = 0; i < expOuts.size(); i++) {
            compare(tag + "output" + (expOuts.size() > 1 ? "[" + i + "]" : ""), r.outputs.get(i), expOuts.get(i), rtol, problems);
        }
        JsonNode extra = c.path("extra");
        for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Tensor got = r.extra.get(e.getKey());
            if (got == null) {
                problems.add(tag + "extra." + e.getKey() + " not produced");
                continue;
            }
            if (e.getValue().isArray()) {
                for (int i = 0; i < e.getValue().size(); i++) {
                    compare(tag + "extra." + e.getKey() + "[" + i + "]", got.select(0, i), e.getValue().get(i), rtol, problems);
                }
            } else if (e.getValue().has("shape")) {
                compare(tag + "extra." + e.getKey(), got, e.getValue(), rtol, problems);
            }
        }
        JsonNode grads = c.path("grads");
        if (grads.size() == 0) return;
        JsonNode up = c.path("upstream_grad");
        List<Tensor> outs = new ArrayList<>();
        List<Tensor> seeds = new ArrayList<>();
        for (int i = 0; i < r.outputs.size(); i++) {
            Tensor o = r.outputs.get(i);
            if (!o.requiresGrad()) continue;
            JsonNode u = up.isArray() ? up.get(i) : up;
            outs.add(o);
            seeds.add(GoldenCase.toTensor(u, o.dtype()));
        }
        Map<String, Tensor> want = new LinkedHashMap<>();
        for (Iterator<String> it = grads.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            want.put(k, gc.in(k));
        }
        if (outs.isEmpty()) {
            problems.add(tag + "no output requires grad, but the case has gradients");
            return;
        }
        Tensor[] got = Autograd.grad(outs.toArray(new Tensor[0]), want.values().toArray(new Tensor[0]),
                seeds.toArray(new Tensor[0]), false, true);
        int i = 0;
        for (String k : want.keySet()) {
            Tensor g = got[i++];
            if (g == null) {
                Tensor in = want.get(k);
                try (GradMode.Guard ng = GradMode.noGrad()) {
                    g = Tensor.zerosLike(in);
                }
            }
            compare(tag + "grad." + k, g, grads.get(k), rtol, problems);
        }
    }

    /** Compares a tensor with a fixture tensor; appends a message on mismatch. */
    static void compare(String what, Tensor got, JsonNode exp, double rtol, List<String> problems) {
        JsonNode sh = exp.path("shape");
        int[] shape = new int[sh.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = sh.get(i).asInt();
        if (!java.util.Arrays.equals(shape, got.shape())) {
            problems.add(what + " shape " + java.util.Arrays.toString(got.shape()) + " != expected " + java.util.Arrays.toString(shape));
            return;
        }
        String dt = exp.path("dtype").asText("float64");
        Tensor e = GoldenCase.toTensor(exp, DType.FLOAT64);
        if (!dt.equals("float64")) {
            long[] a = got.toLongArray(), b = e.toLongArray();
            for (int i = 0; i < a.length; i++) {
                if (a[i] != b[i]) {
                    problems.add(what + " element " + i + ": " + a[i] + " != expected " + b[i]);
                    return;
                }
            }
            return;
        }
        double[] a = got.toDoubleArray(), b = e.toDoubleArray();
        double maxAbs = 0;
        for (double v : b) if (Double.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < a.length; i++) {
            if (Double.isNaN(b[i]) && Double.isNaN(a[i])) continue;
            if (Double.isInfinite(b[i]) && a[i] == b[i]) continue;
            double err = Math.abs(a[i] - b[i]);
            double allowed = rtol * (Math.abs(b[i]) + maxAbs);
            if (!(err <= allowed)) {
                double ratio = allowed == 0 ? Double.POSITIVE_INFINITY : err / allowed;
                if (Double.isNaN(err) || ratio > worst || worstAt < 0) {
                    worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : ratio;
                    worstAt = i;
                }
            }
        }
        if (worstAt >= 0) {
            problems.add(String.format(java.util.Locale.ROOT, "%s element %d: %.9g != expected %.9g (%.3gx the tolerance %.1e)",
                    what, worstAt, a[worstAt], b[worstAt], worst, rtol));
        }
    }

    /** Prints failures, skipped ops and the summary to {@code out}. */
    public void report(PrintStream out) {
        for (String f : failures) out.println(f);
        for (String w : warnings) out.println(w);
        if (!skippedOps.isEmpty()) out.println("skipped (not implemented): " + skippedOps);
        out.println(summary());
    }

    /** Command line entry: paths of fixture files or folders. */
    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: GoldenRunner FILE_OR_DIR...");
            System.exit(2);
        }
        GoldenRunner r = new GoldenRunner();
        String types = System.getProperty("sparkgrad.golden.dtypes");
        if (types != null) {
            r.floatTypes(java.util.Arrays.stream(types.split(",")).map(t -> DType.valueOf(t.trim().toUpperCase(java.util.Locale.ROOT)))
                    .toArray(DType[]::new));
        }
        for (String a : args) r.runPath(Paths.get(a));
        r.report(System.out);
        System.exit(r.failed() > 0 ? 1 : 0);
    }
}
