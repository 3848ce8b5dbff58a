package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sparkgrad.autograd.GradCheck;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/** The GPT model: nanoGPT state names, weight tying, gradients, training, generation, errors. */
class GPTTest {
    private static GPT.Config tiny() { return new GPT.Config(11, 8, 2, 2, 8, 0.0, true); }

    @Test
    void stateDictKeysAreNanoGPTs() {
        GPT gpt = new GPT(new GPT.Config(11, 8, 1, 2, 8, 0.1, true), new Generator(1));
        assertEquals(List.of("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias",
                "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias", "transformer.h.0.attn.c_proj.weight",
                "transformer.h.0.attn.c_proj.bias", "transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias",
                "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_fc.bias", "transformer.h.0.mlp.c_proj.weight",
                "transformer.h.0.mlp.c_proj.bias", "transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight"),
                List.copyOf(gpt.stateDict().keySet()));
        GPT noBias = new GPT(new GPT.Config(11, 8, 1, 2, 8, 0.0, false), new Generator(1));
        assertTrue(noBias.stateDict().keySet().stream().noneMatch(k -> k.endsWith(".bias")), noBias.stateDict().keySet().toString());
        Map<String, Tensor> sd = gpt.stateDict();
        assertArrayEquals(new int[] {24, 8}, sd.get("transformer.h.0.attn.c_attn.weight").shape());
        assertArrayEquals(new int[] {32, 8}, sd.get("transformer.h.0.mlp.c_fc.weight").shape());
    }

    @Test
    void theHeadIsTiedToTheTokenEmbedding() {
        GPT gpt = new GPT(tiny(), new Generator(1));
        assertSame(gpt.wte.weight, gpt.lmHeadWeight());
        assertEquals(1, gpt.parameters().stream().filter(p -> p == gpt.wte.weight).count());
        assertTrue(gpt.namedParameters().containsKey("transformer.wte.weight"));
        assertTrue(!gpt.namedParameters().containsKey("lm_head.weight"));
        long expected = 11 * 8 + 8 * 8 + 2 * (2 * 8 + 24 * 8 + 24 + 8 * 8 + 8 + 2 * 8 + 32 * 8 + 32 + 8 * 32 + 8) + 2 * 8;
        assertEquals(expected, gpt.numParameters());
        gpt.to(DType.FLOAT64);
        assertSame(gpt.wte.weight, gpt.lmHeadWeight());
        assertEquals(DType.FLOAT64, gpt.lmHeadWeight().dtype());
        // both uses of the tied weight contribute to its one gradient
        Tensor idx = Tensor.fromArray(new long[] {1, 2, 3, 4}, 1, 4);
        gpt.loss(idx, Tensor.fromArray(new long[] {2, 3, 4, 5}, 1, 4)).backward();
        assertTrue(gpt.wte.weight.grad().select(0, 10).abs().sum().item() > 0, "an unused token's row gets gradient through the head");
    }

    @Test
    void initialisationFollowsNanoGPT() {
        GPT gpt = new GPT(new GPT.Config(50, 16, 4, 2, 64, 0.0, true), new Generator(2));
        double std = gpt.h.get(0) instanceof GPT.Block ? ((GPT.Block) gpt.h.get(0)).mlp.cFc.weight.std(false).item() : 0;
        assertEquals(0.02, std, 0.002);
        double resid = ((GPT.Block) gpt.h.get(1)).attn.cProj.weight.std(false).item();
        assertEquals(0.02 / Math.sqrt(8), resid, 0.0015);
        assertEquals(0, ((GPT.Block) gpt.h.get(0)).attn.cAttn.bias.abs().sum().item(), 0);
    }

    @Test
    void lossIsTheMeanCrossEntropyIgnoringMinusOne() {
        GPT gpt = new GPT(tiny(), new Generator(3));
        gpt.to(DType.FLOAT64);
        Tensor idx = Tensor.fromArray(new long[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor tg = Tensor.fromArray(new long[] {2, -1, 4, 0, 10, -1}, 2, 3);
        Tensor lp = gpt.forward(idx).logSoftmax(-1);
        double expected = -(lp.get(0, 0, 2) + lp.get(0, 2, 4) + lp.get(1, 0, 0) + lp.get(1, 1, 10)) / 4;
        assertEquals(expected, gpt.loss(idx, tg).item(), 1e-12);
        IndexOutOfBoundsException oob = assertThrows(IndexOutOfBoundsException.class,
                () -> gpt.loss(idx, Tensor.fromArray(new long[] {2, 11, 4, 0, 10, 1}, 2, 3)));
        assertTrue(oob.getMessage().contains("11"), oob.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpt.loss(idx, Tensor.fromArray(new long[] {2, 1, 4}, 1, 3)));
        assertTrue(e.getMessage().contains("[1, 3]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void gradcheckOfATinyGPTTrunkAndEveryParameterGradient() {
        GPT gpt = new GPT(new GPT.Config(7, 6, 2, 2, 4, 0.0, true), new Generator(4));
        gpt.to(DType.FLOAT64);
        // the trunk (blocks, final norm, tied head) with respect to its input activations
        Tensor x = Tensor.randn(new Generator(5), 2, 3, 4).to(DType.FLOAT64).requiresGrad_();
        GradCheck.Result res = GradCheck.check(t -> {
            Tensor hcur = t[0];
            for (Module b : gpt.h) hcur = b.forward(hcur);
            return F.linear(gpt.lnF.forward(hcur), gpt.lmHeadWeight(), null);
        }, x);
        assertTrue(res.ok, res.toString());
        // every parameter (tied weight included): directional derivative of the loss along a random direction
        Tensor idx = Tensor.fromArray(new long[] {1, 2, 3, 4, 5, 6, 0, 1, 2}, 3, 3);
        Tensor tg = Tensor.fromArray(new long[] {2, 3, 4, 5, 6, 0, 1, 2, 3}, 3, 3);
        gpt.loss(idx, tg).backward();
        Generator g = new Generator(6);
        List<Tensor> dirs = new ArrayList<>();
        double analytic = 0;
        for (Tensor p : gpt.parameters()) {
            Tensor d = Tensor.randn(g, p.shape()).to(DType.FLOAT64);
            dirs.add(d);
            analytic += p.grad().mul(d).sum().item();
        }
        double eps = 1e-6;
        double plus = shifted(gpt, dirs, eps, idx, tg), minus = shifted(gpt, dirs, -eps, idx, tg);
        shifted(gpt, dirs, 0, idx, tg);
        double numeric = (plus - minus) / (2 * eps);
        assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)));
    }

    private static double shifted(GPT gpt, List<Tensor> dirs, double eps, Tensor idx, Tensor tg) {
        List<Tensor> ps = gpt.parameters();
        try (GradMode.Guard ng = GradMode.noGrad()) {
            for (int i = 0; i < ps.size(); i++) ps.get(i).add_(dirs.get(i), eps);
            double l = gpt.loss(idx, tg).item();
            for (int i = 0; i < ps.size(); i++) ps.get(i).add_(dirs.get(i), -eps);
            return l;
        }
    }

    @Test
    void lossFallsWhenTrainingOnARepeatedText() {
        String text = "hello sparkgrad! ".repeat(8);
        String chars = text.chars().distinct().sorted().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        int blk = 16, batch = 8;
        GPT gpt = new GPT(new GPT.Config(chars.length(), blk, 2, 2, 32, 0.0, true), new Generator(7));
        long[] data = text.chars().mapToLong(chars::indexOf).toArray();
        Generator g = new Generator(8);
        double first = 0, last = 0;
        int steps = 60;
        for (int step = 0; step < steps; step++) {
            long[] x = new long[batch * blk], y = new long[batch * blk];
            for (int b = 0; b < batch; b++) {
                int start = g.nextInt(data.length - blk - 1);
                for (int t = 0; t < blk; t++) {
                    x[b * blk + t] = data[start + t];
                    y[b * blk + t] = data[start + t + 1];
                }
            }
            gpt.zeroGrad();
            Tensor loss = gpt.loss(Tensor.fromArray(x, batch, blk), Tensor.fromArray(y, batch, blk));
            loss.backward();
            try (GradMode.Guard ng = GradMode.noGrad()) {
                for (Tensor p : gpt.parameters()) p.add_(p.grad(), -0.3);
            }
            if (step < 3) first += loss.item() / 3;
            if (step >= steps - 3) last += loss.item() / 3;
        }
        assertTrue(first > Math.log(chars.length()) - 0.5, "initial loss " + first);
        assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
    }

    @Test
    void generateIsReproducibleCropsTheContextAndRespectsTopK() {
        GPT gpt = new GPT(tiny(), new Generator(9));
        Tensor prompt = Tensor.fromArray(new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2}, 2, 6);
        Tensor a = gpt.generate(prompt, 10, 1.0, null, new Generator(42));
        Tensor b = gpt.generate(prompt, 10, 1.0, null, new Generator(42));
        assertArrayEquals(new int[] {2, 16}, a.shape());
        assertArrayEquals(a.toLongArray(), b.toLongArray());
        assertArrayEquals(prompt.toLongArray(), a.narrow(1, 0, 6).contiguous().toLongArray());
        assertTrue(gpt.isTraining(), "training mode is restored");
        // top-1 is greedy decoding
        Tensor greedy = gpt.generate(prompt, 4, 0.7, 1, new Generator(1));
        Tensor ctx = prompt;
        gpt.eval();
        for (int s = 0; s < 4; s++) {
            Tensor crop = ctx.size(1) > 8 ? ctx.narrow(1, ctx.size(1) - 8, 8).contiguous() : ctx;
            Tensor next = gpt.forward(crop).select(1, crop.size(1) - 1).argmax(-1, true);
            ctx = Tensor.cat(1, ctx, next);
        }
        assertArrayEquals(ctx.toLongArray(), greedy.toLongArray());
        // top-k sampling draws only among the k largest logits, and among all of them
        double[] logits = {0.1, 2.0, -1.0, 1.5, 0.3, 1.9};
        java.util.Set<Integer> seen = new java.util.TreeSet<>();
        Generator g = new Generator(3);
        for (int i = 0; i < 3000; i++) seen.add(GPT.sample(logits, 0, 6, 2.0, 3, g));
        assertEquals(java.util.Set.of(1, 3, 5), seen);
        for (long tok : gpt.generate(prompt, 20, 1.0, 2, new Generator(5)).toLongArray()) assertTrue(tok >= 0 && tok < 11);
    }

    @Test
    void badInputsAreRejected() {
        GPT gpt = new GPT(tiny(), new Generator(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpt.forward(Tensor.zeros(DType.INT64, 1, 9)));
        assertTrue(e.getMessage().contains("length 9") && e.getMessage().contains("block size is only 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new GPT.Config(11, 8, 1, 3, 8, 0.0, true));
        assertTrue(e.getMessage().contains("divisible"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> gpt.forward(Tensor.zeros(2, 3)));
        assertThrows(IllegalArgumentException.class, () -> gpt.generate(Tensor.zeros(DType.INT64, 1, 2), 3, 0.0, null, new Generator(1)));
        assertThrows(IllegalArgumentException.class, () -> gpt.generate(Tensor.zeros(DType.INT64, 1, 2), 3, 1.0, 0, new Generator(1)));
        assertThrows(IndexOutOfBoundsException.class, () -> gpt.forward(Tensor.fromArray(new long[] {3, 11}, 1, 2)));
    }

    @Test
    void samplingWithATemperatureNearZeroIsGreedy() {
        // logits / T overflowed to +-inf for T ~ 1e-310, so softmax gave NaN and the last positive logit was drawn
        double[] logits = {3.0e5, 0.5, 2.0, -1.0, 1.5, -2.0};
        for (double temp : new double[] {1e-3, 1e-12, 1e-300, 1e-310, Double.MIN_VALUE}) {
            for (Integer k : new Integer[] {null, 1, 3}) assertEquals(0, GPT.sample(logits, 0, 6, temp, k, new Generator(1)), "T=" + temp + " k=" + k);
        }
    }
}
