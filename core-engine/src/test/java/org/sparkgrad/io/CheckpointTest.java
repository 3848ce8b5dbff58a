package org.sparkgrad.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.Sparkgrad;
import org.sparkgrad.data.Batch;
import org.sparkgrad.data.DataLoader;
import org.sparkgrad.data.TensorDataset;
import org.sparkgrad.nn.Linear;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.optim.Adam;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

class CheckpointTest {
    @TempDir Path dir;

    /** Deep equality that also checks the Java type of every value and compares tensors bit for bit. */
    static void assertDeepEquals(Object expected, Object actual, String path) {
        if (expected == null) {
            assertNull(actual, path);
            return;
        }
        if (expected instanceof Tensor) {
            assertTrue(actual instanceof Tensor, path + " is " + actual);
            SafeTensorsTest.assertBitIdentical((Tensor) expected, (Tensor) actual);
            return;
        }
        if (expected instanceof Map) {
            assertTrue(actual instanceof Map, path + " is " + actual);
            Map<?, ?> e = (Map<?, ?>) expected, a = (Map<?, ?>) actual;
            assertEquals(e.size(), a.size(), path + " size");
            for (Map.Entry<?, ?> x : e.entrySet()) {
                assertTrue(a.containsKey(x.getKey()), path + " lacks key " + x.getKey());
                for (Object k : a.keySet()) {
                    if (k.equals(x.getKey())) assertEquals(x.getKey().getClass(), k.getClass(), path + " key type of " + k);
                }
                assertDeepEquals(x.getValue(), a.get(x.getKey()), path + "." + x.getKey());
            }
            return;
        }
        if (expected instanceof List) {
            assertTrue(actual instanceof List, path + " is " + actual);
            List<?> e = (List<?>) expected, a = (List<?>) actual;
            assertEquals(e.size(), a.size(), path + " size");
            for (int i = 0; i < e.size(); i++) assertDeepEquals(e.get(i), a.get(i), path + "." + i);
            return;
        }
        assertEquals(expected.getClass(), actual == null ? null : actual.getClass(), path + " type");
        assertEquals(expected, actual, path);
    }

    static Map<String, Tensor> modelState() {
        Generator g = new Generator(7);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("fc1.weight", Tensor.randn(g, 8, 4));
        m.put("fc1.bias", Tensor.randn(g, 8));
        m.put("bn.running_var", Tensor.randn(g, 8).toDouble());
        m.put("bn.num_batches_tracked", Tensor.scalar(12, DType.INT64));
        m.put("mask", Tensor.randn(g, 3, 3).gt(0));
        return m;
    }

    /** An Adam-like optimizer state as PyTorch's {@code optimizer.state_dict()} shapes it, plus awkward values. */
    static Map<String, Object> optimizerState() {
        Generator g = new Generator(9);
        Map<Object, Object> state = new HashMap<>();
        for (int p = 0; p < 2; p++) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("step", 1200L + p);
            s.put("exp_avg", Tensor.randn(g, 8, 4));
            s.put("exp_avg_sq", Tensor.randn(g, 8, 4).abs());
            s.put("max_exp_avg_sq", null);
            state.put(p, s); // Integer parameter ids as keys
        }
        Map<String, Object> group = new LinkedHashMap<>();
        group.put("lr", 1e-3);
        group.put("betas", List.of(0.9, 0.999));
        group.put("eps", 1e-8f);
        group.put("weight_decay", -0.0);
        group.put("amsgrad", false);
        group.put("foreach", null);
        group.put("params", List.of(0, 1));
        group.put("name", "default \"group\" ✓");
        Map<String, Object> weird = new LinkedHashMap<>();
        weird.put("$dollar", 1);
        weird.put("nan", Double.NaN);
        weird.put("inf", Double.NEGATIVE_INFINITY);
        weird.put("fnan", Float.NaN);
        weird.put("fmin", Float.MIN_VALUE);
        weird.put("long", Long.MIN_VALUE);
        weird.put("int", Integer.MAX_VALUE);
        weird.put("tiny", Double.MIN_VALUE);
        weird.put("sorted", new TreeMap<>(Map.of(3L, "c", 1L, "a")));
        weird.put("nested", List.of(List.of(), Map.of(), List.of(Tensor.scalar(3.5, DType.FLOAT64))));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("state", state);
        out.put("param_groups", List.of(group));
        out.put("weird", weird);
        return out;
    }

    @Test
    void roundTripsModelOptimizerAndProvenanceExactly() {
        Instant created = Instant.parse("2024-05-06T07:08:09.123456789Z");
        Checkpoint ck = Checkpoint.builder()
                .modelState(modelState())
                .optimizerState(optimizerState())
                .step(1201).epoch(3).seed(-42L)
                .hyperParameter("lr", 1e-3).hyperParameter("batchSize", 64).hyperParameter("schedule", List.of("cosine", 10L))
                .dataDescription("mnist train split, 54000 rows, sha256=abc")
                .createdAt(created)
                .build();
        Path p = dir.resolve("ck.safetensors");
        ck.save(p);
        Checkpoint back = Checkpoint.load(p);

        assertDeepEquals(ck.modelState(), back.modelState(), "model");
        assertDeepEquals(ck.optimizerState(), back.optimizerState(), "optim");
        assertDeepEquals(ck.hyperParameters(), back.hyperParameters(), "hyper");
        assertEquals(1201, back.step());
        assertEquals(3, back.epoch());
        assertEquals(-42L, back.seed());
        assertEquals("mnist train split, 54000 rows, sha256=abc", back.dataDescription());
        assertEquals(created, back.createdAt());
        assertEquals(Sparkgrad.version(), back.engineVersion());
        assertTrue(back.engineVersion().matches("\\d+\\.\\d+\\.\\d+.*"), back.engineVersion());
    }

    private static void trainSteps(Linear model, Adam opt, DataLoader loader, int steps) {
        int done = 0;
        while (done < steps) {
            for (Batch b : loader) {
                if (done++ == steps) break;
                opt.zeroGrad();
                Losses.mseLoss(model.forward(b.features()), b.labels()).backward();
                opt.step();
            }
        }
    }

    /** A real model and optimizer: training resumed from the checkpoint continues bit-identically. */
    @Test
    void resumingFromACheckpointContinuesTrainingBitIdentically() throws Exception {
        Generator g = new Generator(21);
        TensorDataset data = new TensorDataset(Tensor.randn(g, 40, 4), Tensor.randn(g, 40, 3));
        Linear model = new Linear(4, 3, true, new Generator(1));
        Adam opt = new Adam(model.parameters()).lr(0.01);
        try (DataLoader loader = DataLoader.builder(data).batchSize(8).shuffle(true).seed(5).build()) {
            trainSteps(model, opt, loader, 7);
            Checkpoint ck = Checkpoint.builder().modelState(model.stateDict()).optimizerState(opt.stateDict())
                    .step(7).epoch(loader.nextEpoch()).seed(5).build();
            Path p = dir.resolve("adam.safetensors");
            ck.save(p);
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            ck.write(bos);
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(p), bos.toByteArray()), "stream and file bytes agree");

            Checkpoint back = Checkpoint.read(new ByteArrayInputStream(bos.toByteArray()), bos.size(), "adam");
            assertDeepEquals(opt.stateDict(), back.optimizerState(), "optim");
            Linear restored = new Linear(4, 3, true, new Generator(99));
            assertTrue(restored.loadStateDict(back.modelState(), true).missingKeys.isEmpty());
            Adam restoredOpt = new Adam(restored.parameters());
            restoredOpt.loadStateDict(back.optimizerState());

            try (DataLoader resumed = DataLoader.builder(data).batchSize(8).shuffle(true).seed(5).build()) {
                resumed.setEpoch((int) back.epoch());
                loader.setEpoch((int) back.epoch());
                trainSteps(model, opt, loader, 5);
                trainSteps(restored, restoredOpt, resumed, 5);
            }
            for (String k : model.stateDict().keySet()) {
                SafeTensorsTest.assertBitIdentical(model.stateDict().get(k), restored.stateDict().get(k));
            }
        }
    }

    @Test
    void theFileIsPlainSafetensorsWithPrefixedNames() {
        Path p = dir.resolve("ck.safetensors");
        Checkpoint.builder().modelState(modelState()).optimizerState(optimizerState()).step(5).build().save(p);
        SafeTensors.Contents c = SafeTensors.load(p);
        assertTrue(c.tensors().containsKey("model.fc1.weight"));
        assertTrue(c.tensors().containsKey("optim.state.0.exp_avg"));
        assertTrue(c.tensors().containsKey("optim.state.1.exp_avg_sq"));
        assertTrue(c.tensors().containsKey("optim.weird.nested.2.0"));
        assertEquals(Checkpoint.FORMAT, c.metadata().get("format"));
        assertEquals("5", c.metadata().get("step"));
        assertTrue(c.metadata().get("optimizer").contains("{\"$tensor\":\"optim.state.0.exp_avg\"}"), c.metadata().get("optimizer"));
        assertTrue(c.metadata().get("created_at").endsWith("Z"));
    }

    @Test
    void collidingTensorPathsGetUniqueNames() {
        Tensor a = Tensor.fromArray(new float[] {1}), b = Tensor.fromArray(new float[] {2});
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("a.b", a);
        state.put("a", Map.of("b", b));
        Path p = dir.resolve("c.safetensors");
        Checkpoint.builder().optimizerState(state).build().save(p);
        Checkpoint back = Checkpoint.load(p);
        assertDeepEquals(state, back.optimizerState(), "optim");
        assertTrue(SafeTensors.loadTensors(p).containsKey("optim.a.b~1"));
    }

    @Test
    void defaultsAreEmptyAndNow() {
        Instant before = Instant.now();
        Checkpoint ck = Checkpoint.builder().build();
        Path p = dir.resolve("empty.safetensors");
        ck.save(p);
        Checkpoint back = Checkpoint.load(p);
        assertTrue(back.modelState().isEmpty());
        assertTrue(back.optimizerState().isEmpty());
        assertTrue(back.hyperParameters().isEmpty());
        assertNull(back.seed());
        assertNull(back.dataDescription());
        assertEquals(0, back.step());
        assertTrue(!back.createdAt().isBefore(before) && !back.createdAt().isAfter(Instant.now()));
    }

    @Test
    void builderRejectsUnsupportedValuesNamingThePath() {
        Map<String, Object> state = Map.of("state", Map.of(0, Map.of("bad", new int[] {1, 2})));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder().optimizerState(state).build());
        assertTrue(e.getMessage().contains("optim.state.0.bad") && e.getMessage().contains("[I"), e.getMessage());
        IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
                () -> Checkpoint.builder().hyperParameter("init", Tensor.zeros(1)).build());
        assertTrue(h.getMessage().contains("hyper_parameters.init"), h.getMessage());
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder().optimizerState(Map.of("c", cyclic)).build());
        assertThrows(IllegalArgumentException.class, () -> Checkpoint.builder().step(-1));
    }

    private SafeTensorsFormatException loadFails(Map<String, Tensor> tensors, Map<String, String> meta, String phrase) {
        Path p = dir.resolve("bad" + System.nanoTime() + ".safetensors");
        SafeTensors.save(p, tensors, meta);
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> Checkpoint.load(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains(phrase), e.getMessage());
        return e;
    }

    private Map<String, String> goodMeta(Path written) {
        return new LinkedHashMap<>(SafeTensors.readHeader(written).metadata());
    }

    @Test
    void loadRejectsFilesThatAreNotConsistentCheckpoints() {
        Path good = dir.resolve("good.safetensors");
        Map<String, Object> optim = Map.of("state", Map.of("m", Tensor.ones(2)));
        Checkpoint.builder().modelState(Map.of("w", Tensor.zeros(2))).optimizerState(optim).build().save(good);
        Map<String, Tensor> tensors = SafeTensors.loadTensors(good);

        loadFails(Map.of("w", Tensor.zeros(1)), Map.of("format", "pt"), "not a Sparkgrad checkpoint");

        Map<String, String> m = goodMeta(good);
        m.put("format_version", "2");
        loadFails(tensors, m, "format_version 2 is not supported");

        m = goodMeta(good);
        m.put("step", "twelve");
        loadFails(tensors, m, "'step' is not an integer");

        m = goodMeta(good);
        m.remove("optimizer");
        loadFails(tensors, m, "'optimizer' is missing");

        m = goodMeta(good);
        m.put("optimizer", "{\"state\":{\"m\":{\"$tensor\":\"optim.nope\"}}}");
        loadFails(tensors, m, "not an optimizer tensor");

        m = goodMeta(good);
        m.put("optimizer", "{\"state\":{\"m\":{\"$tensor\":\"model.w\"}}}");
        loadFails(tensors, m, "not an optimizer tensor");

        m = goodMeta(good);
        m.put("optimizer", "{\"a\":{\"$tensor\":\"optim.state.m\"},\"b\":{\"$tensor\":\"optim.state.m\"}}");
        loadFails(tensors, m, "twice");

        m = goodMeta(good);
        m.put("optimizer", "{}");
        loadFails(tensors, m, "are not referenced");

        m = goodMeta(good);
        m.put("optimizer", "{\"x\":");
        loadFails(tensors, m, "is not valid JSON");

        m = goodMeta(good);
        m.put("optimizer", "{\"x\":{\"$weird\":1}}");
        loadFails(tensors, m, "unknown tag '$weird'");

        m = goodMeta(good);
        m.put("created_at", "yesterday");
        loadFails(tensors, m, "not an ISO-8601 instant");

        Map<String, Tensor> stray = new LinkedHashMap<>(tensors);
        stray.put("other.t", Tensor.ones(1));
        loadFails(stray, goodMeta(good), "neither the model. nor the optim. prefix");
    }

    @Test
    void typedJsonKeepsJavaTypes() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("i", 1);
        v.put("l", 1L);
        v.put("f", 0.1f);
        v.put("d", 0.1);
        String json = StateJson.toJson(v, "x", null);
        assertEquals("{\"i\":{\"$i32\":1},\"l\":1,\"f\":{\"$f32\":\"0.1\"},\"d\":0.1}", json);
        Object back = StateJson.fromJson(json, "src", "x", null);
        assertDeepEquals(v, back, "x");
        Iterator<?> keys = ((Map<?, ?>) back).keySet().iterator();
        assertEquals(Arrays.asList("i", "l", "f", "d"), Arrays.asList(keys.next(), keys.next(), keys.next(), keys.next()));
        try {
            StateJson.fromJson("{\"t\":{\"$tensor\":\"x\"}}", "src", "x", null);
            fail("a tensor reference without a tensor source must be rejected");
        } catch (SafeTensorsFormatException e) {
            assertTrue(e.getMessage().contains("tensors are not allowed"), e.getMessage());
        }
    }
}
