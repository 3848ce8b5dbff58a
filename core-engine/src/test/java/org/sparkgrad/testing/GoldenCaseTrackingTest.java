package org.sparkgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner's unread-argument check ({@link GoldenCase#unreadArgs()}, {@link GoldenCase#unreadInputs()}) and the
 * handlers' explicit refusal of argument values the engine cannot honour.
 */
class GoldenCaseTrackingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    private static ObjectNode caseFrom(Path file, String name) throws Exception {
        for (JsonNode c : JSON.readTree(file.toFile()).path("cases")) {
            if (c.path("name").asText().equals(name)) return (ObjectNode) c.deepCopy();
        }
        throw new AssertionError("no case " + name + " in " + file);
    }

    /** Runs the given cases as one fixture file. */
    private GoldenRunner run(List<ObjectNode> cases) throws Exception {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode arr = root.putArray("cases");
        cases.forEach(arr::add);
        Path f = dir.resolve("cases" + System.nanoTime() + ".json");
        JSON.writeValue(f.toFile(), root);
        return new GoldenRunner().runFile(f);
    }

    private GoldenRunner runOne(Path file, String name, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode c = caseFrom(file, name);
        edit.accept(c);
        return run(List.of(c));
    }

    private static ObjectNode args(ObjectNode c) { return (ObjectNode) c.get("args"); }

    @Test
    void anUnreadArgumentIsNamedAndFailsACaseThatDoesNotMatch() throws Exception {
        Path act = GoldenRunnerTest.golden("activations.json");
        String relu = firstCaseOf("activations.json", "relu");
        // values still match: the case passes, with a warning naming the arguments (once for both dtypes)
        GoldenRunner r = runOne(act, relu, c -> args(c).put("bogus_flag", true).put("another", 3));
        assertEquals(0, r.failed(), r.summary());
        assertEquals(1, r.warnings().size(), r.warnings().toString());
        String w = r.warnings().get(0);
        assertTrue(w.startsWith("WARN ") && w.contains("passed with unsupported argument(s) another, bogus_flag for op relu"), w);
        assertEquals(w.indexOf("unsupported argument(s)"), w.lastIndexOf("unsupported argument(s)"), w);
        assertTrue(r.summary().endsWith("(1 passed with unread arguments)"), r.summary());
        // values differ: the failure names the unread arguments next to the mismatch
        GoldenRunner bad = runOne(act, relu, c -> {
            args(c).put("bogus_flag", true);
            ObjectNode out = (ObjectNode) c.get("output");
            ArrayNode data = (ArrayNode) out.get("data");
            data.set(0, data.get(0).asDouble() + 1);
        });
        assertEquals(1, bad.failed(), bad.summary());
        String f = bad.failures().get(0);
        assertTrue(f.contains("unsupported argument(s) bogus_flag for op relu") && f.contains("output element 0"), f);
    }

    @Test
    void anArgumentOfAnotherOpIsNamedWhileAKnownOneIsNot() throws Exception {
        // return_indices is a max_pool keyword (read, ignored: extra.indices decides); divisor_override belongs to avg_pool
        GoldenRunner r = runOne(GoldenRunnerTest.golden("pooling.json"), firstCaseOf("pooling.json", "max_pool4d"),
                c -> args(c).put("return_indices", false).put("divisor_override", 2));
        assertEquals(1, r.warnings().size(), r.summary());
        assertTrue(r.warnings().get(0).contains("unsupported argument(s) divisor_override for op max_pool4d"), r.warnings().get(0));
    }

    @Test
    void nullArgumentsMustBeReadUnlessNoneIsTheirDefaultEverywhere() throws Exception {
        Path act = GoldenRunnerTest.golden("activations.json");
        // out / dtype / size_average / foreach ... default to None wherever they exist: an unread None is the default
        GoldenRunner ok = runOne(act, firstCaseOf("activations.json", "relu"), c -> args(c).putNull("out"));
        assertEquals(0, ok.failed(), () -> String.join("\n", ok.failures()));
        assertTrue(ok.warnings().isEmpty(), ok.warnings().toString());
        // any other None must be read by the handler, which alone knows what None means for that parameter
        GoldenRunner bad = runOne(act, firstCaseOf("activations.json", "relu"), c -> args(c).putNull("lambd"));
        assertEquals(1, bad.warnings().size());
        assertTrue(bad.warnings().get(0).contains("unsupported argument(s) lambd for op relu"), bad.warnings().get(0));
    }

    @Test
    void anUnreadInputIsNamed() throws Exception {
        GoldenRunner r = runOne(GoldenRunnerTest.golden("activations.json"), firstCaseOf("activations.json", "relu"), c -> {
            ObjectNode t = ((ObjectNode) c.get("inputs")).putObject("weight");
            t.putArray("shape").add(1);
            t.put("dtype", "float64");
            t.putArray("data").add(0.5);
        });
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().get(0).contains("unsupported input(s) weight for op relu"), r.warnings().get(0));
    }

    @Test
    void readArgumentsAndInputsAreTrackedByGoldenCase() throws Exception {
        ObjectNode c = caseFrom(GoldenRunnerTest.golden("reductions.json"), "var_all_unbiased");
        GoldenCase gc = new GoldenCase("f", c, org.sparkgrad.tensor.DType.FLOAT64);
        assertEquals(Set.of("dim", "keepdim", "unbiased"), gc.unreadArgs());
        assertEquals(Set.of("x"), gc.unreadInputs());
        gc.has("dim");
        gc.argBool("unbiased", true);
        gc.in("x");
        assertEquals(Set.of("keepdim"), gc.unreadArgs());
        gc.ignore("keepdim");
        assertTrue(gc.unreadArgs().isEmpty());
        assertTrue(gc.unreadInputs().isEmpty());
    }

    @Test
    void nonDefaultValuesTheEngineCannotHonourAreRefusedByName() throws Exception {
        Path args = GoldenArgsTest.argsCases();
        Path nn = GoldenRunnerTest.golden("nn_functional.json");
        Path norm = GoldenRunnerTest.golden("norm.json");
        Path att = GoldenRunnerTest.golden("attention.json");
        List<ObjectNode> cases = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        Object[][] edits = {
            {args, "div_rounding_mode_none", (Consumer<ObjectNode>) c -> args(c).put("rounding_mode", "floor"), "div: argument rounding_mode="},
            {args, "embedding_torch_names_sparse", (Consumer<ObjectNode>) c -> args(c).put("max_norm", 1.0), "embedding: argument max_norm="},
            {args, "embedding_torch_names_sparse", (Consumer<ObjectNode>) c -> args(c).put("scale_grad_by_freq", true),
                "embedding: argument scale_grad_by_freq="},
            {args, "dropout_p1_training", (Consumer<ObjectNode>) c -> args(c).put("p", 0.5), "dropout: argument p="},
            {args, "interpolate_nearest_scale2", (Consumer<ObjectNode>) c -> args(c).put("antialias", true), "interpolate: argument antialias="},
            {args, "pad_constant_value", (Consumer<ObjectNode>) c -> args(c).put("mode", "reflect"), "pad: argument mode="},
            {args, "scatter_value_reduce_none", (Consumer<ObjectNode>) c -> args(c).put("reduce", "add"), "scatter: argument reduce="},
            {args, "norm_fro_all", (Consumer<ObjectNode>) c -> args(c).put("p", "nuc"), "norm: argument p="},
            {args, "norm_p3_last", (Consumer<ObjectNode>) c -> args(c).put("p", 0), "norm: argument p="},
            {args, "sum_dtype_float64", (Consumer<ObjectNode>) c -> args(c).put("dtype", "torch.int32"), "sum: argument dtype="},
            {args, "sdpa_scale_float_mask", (Consumer<ObjectNode>) c -> args(c).put("dropout_p", 0.1),
                "scaled_dot_product_attention: argument dropout_p="},
            {args, "mha_seq_first_attn_mask_weights_per_head", (Consumer<ObjectNode>) c -> args(c).put("add_zero_attn", true),
                "multi_head_attention: argument add_zero_attn="},
            {args, "mha_seq_first_attn_mask_weights_per_head", (Consumer<ObjectNode>) c -> args(c).put("add_bias_kv", true),
                "multi_head_attention: argument add_bias_kv="},
            {args, "mha_seq_first_attn_mask_weights_per_head", (Consumer<ObjectNode>) c -> args(c).put("kdim", 3),
                "multi_head_attention: argument kdim="},
            {args, "mha_need_weights_false", (Consumer<ObjectNode>) c -> args(c).put("dropout", 0.1), "multi_head_attention: argument dropout="},
            {args, "cycliclr_exp_range", (Consumer<ObjectNode>) c -> args(c).put("scale_fn", "lambda x: 1.0"), "lr_scheduler.CyclicLR: argument scale_fn="},
            {norm, firstCaseOf("norm.json", "batch_norm"), (Consumer<ObjectNode>) c -> args(c).putNull("momentum"), "batch_norm: argument momentum="},
            {nn, firstCaseOf("nn_functional.json", "embedding"), (Consumer<ObjectNode>) c -> args(c).put("max_norm", 2.0),
                "embedding: argument max_norm="},
            {att, firstCaseOf("attention.json", "multi_head_attention"), (Consumer<ObjectNode>) c -> args(c).put("add_zero_attn", true),
                "multi_head_attention: argument add_zero_attn="},
        };
        int i = 0;
        for (Object[] e : edits) {
            ObjectNode c = caseFrom((Path) e[0], (String) e[1]);
            @SuppressWarnings("unchecked") Consumer<ObjectNode> edit = (Consumer<ObjectNode>) e[2];
            edit.accept(c);
            c.put("name", "refused_" + i++);
            cases.add(c);
            expected.add((String) e[3]);
        }
        GoldenRunner r = run(cases);
        assertEquals(edits.length, r.failed(), () -> String.join("\n", r.failures()));
        for (int k = 0; k < edits.length; k++) {
            String f = r.failures().get(k);
            assertTrue(f.contains("refused_" + k + " ") && f.contains("unsupported: " + expected.get(k)), expected.get(k) + " <- " + f);
        }
    }

    @Test
    void theSameCasesWithDefaultValuesPass() throws Exception {
        // the refusals above are about the values: the defaults, spelled out, pass
        Path args = GoldenArgsTest.argsCases();
        List<ObjectNode> cases = new ArrayList<>();
        ObjectNode e = caseFrom(args, "embedding_torch_names_sparse");
        args(e).putNull("max_norm").put("scale_grad_by_freq", false);
        cases.add(e);
        ObjectNode p = caseFrom(args, "pad_constant_value");
        args(p).put("mode", "constant");
        cases.add(p);
        ObjectNode m = caseFrom(args, "mha_seq_first_attn_mask_weights_per_head");
        args(m).put("kdim", 4).put("vdim", 4).put("add_zero_attn", false);
        cases.add(m);
        GoldenRunner r = run(cases);
        assertEquals(0, r.failed(), () -> String.join("\n", r.failures()));
        assertEquals(3, r.passed());
    }

    private static String firstCaseOf(String file, String op) throws Exception {
        for (JsonNode c : JSON.readTree(GoldenRunnerTest.golden(file).toFile()).path("cases")) {
            if (c.path("op").asText().equals(op)) return c.path("name").asText();
        }
        throw new AssertionError("no " + op + " case in " + file);
    }

    @Test
    void everyOpOfTheReadmeTableAndEveryAddedOpIsRegistered() throws Exception {
        String readme = Files.readString(GoldenRunnerTest.golden("README.md"), StandardCharsets.UTF_8);
        Set<String> listed = new LinkedHashSet<>();
        Matcher row = Pattern.compile("(?m)^\\| [a-z_]+\\.json \\| \\d+ \\| (.+) \\|$").matcher(readme);
        while (row.find()) for (String op : row.group(1).split(",")) listed.add(op.trim());
        assertTrue(listed.size() >= 120, "parsed " + listed.size() + " ops from the README table");
        Map<String, GoldenOp> ops = GoldenOps.all();
        for (String op : listed) assertTrue(ops.containsKey(op), "README op " + op + " is not registered");
        String[] added = {"sign", "clamp_min", "clamp_max", "clip", "eq", "ne", "lt", "le", "gt", "ge", "logical_not", "logical_and",
            "logical_or", "norm", "mm", "dot", "outer", "ger", "t", "view", "narrow", "select", "scatter", "scatter_add", "masked_fill",
            "concat", "unbind", "unflatten", "pad", "selu", "celu", "hardswish", "hardsigmoid", "prelu", "softsign", "tanhshrink",
            "softshrink", "hardshrink", "threshold", "glu", "instance_norm", "interpolate", "upsample", "upsample_nearest",
            "upsample_bilinear", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool3d", "lr_scheduler.MultiStepLR",
            "lr_scheduler.ConstantLR", "lr_scheduler.LinearLR", "lr_scheduler.PolynomialLR", "lr_scheduler.CosineAnnealingWarmRestarts",
            "lr_scheduler.CyclicLR"};
        for (String op : added) assertTrue(ops.containsKey(op), op + " is not registered");
    }
}
