package org.sparkgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.data.Batch;
import org.sparkgrad.data.DataLoader;
import org.sparkgrad.data.TensorDataset;
import org.sparkgrad.io.SafeTensors;
import org.sparkgrad.ops.Losses;
import org.sparkgrad.optim.Adam;
import org.sparkgrad.optim.AdamW;
import org.sparkgrad.optim.Optimizer;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Generator;
import org.sparkgrad.tensor.Tensor;

/**
 * The nn stack trained end to end on real data (UCI digits, a slice of Moby-Dick) and on a 4-D batch, with the
 * engine alone: MLP and CNN accuracy, a GPT's falling loss, a Conv4d network overfitting, save → load.
 */
class TrainingProofTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = TrainingProofTest.class.getResourceAsStream("/data/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Digits: features (N, 64) scaled to [0, 1], labels (N); a seeded 80/20 split. */
    private static Tensor[] digits() throws IOException {
        ByteBuffer fb = ByteBuffer.wrap(resource("digits/features.f32")).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer lb = ByteBuffer.wrap(resource("digits/labels.i32")).order(ByteOrder.LITTLE_ENDIAN);
        int n = lb.remaining() / 4;
        float[] f = new float[n * 64];
        fb.asFloatBuffer().get(f);
        for (int i = 0; i < f.length; i++) f[i] /= 16f;
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = lb.getInt(i * 4);
        Tensor perm = Tensor.randperm(n, new Generator(2024));
        Tensor x = Tensor.fromArray(f, n, 64).indexSelect(0, perm), yy = Tensor.fromArray(y, n).indexSelect(0, perm);
        int nTrain = n * 4 / 5;
        return new Tensor[] {x.narrow(0, 0, nTrain).contiguous(), yy.narrow(0, 0, nTrain).contiguous(),
                x.narrow(0, nTrain, n - nTrain).contiguous(), yy.narrow(0, nTrain, n - nTrain).contiguous()};
    }

    private static double train(Module net, Tensor xTrain, Tensor yTrain, Tensor xTest, Tensor yTest, int epochs, double lr) {
        Optimizer opt = new Adam(net.parameters()).lr(lr);
        try (DataLoader loader = DataLoader.builder(new TensorDataset(xTrain, yTrain)).batchSize(32).shuffle(true).seed(7).build()) {
            for (int e = 0; e < epochs; e++) {
                net.train();
                for (Batch b : loader) {
                    opt.zeroGrad();
                    Losses.crossEntropy(net.forward(b.features()), b.labels()).backward();
                    opt.step();
                }
            }
        }
        net.eval();
        try (GradMode.Guard g = GradMode.noGrad()) {
            Tensor pred = net.forward(xTest).argmax(1, false);
            return pred.eq(yTest).sum().item() / yTest.numel();
        }
    }

    @Test
    void mlpReaches95PercentOnDigits() throws IOException {
        Tensor[] d = digits();
        Generator g = new Generator(1);
        Module mlp = new Sequential(new Linear(64, 128, true, g), new ReLU(), new Linear(128, 10, true, g));
        double acc = train(mlp, d[0], d[1], d[2], d[3], 25, 3e-3);
        assertTrue(acc >= 0.95, "MLP test accuracy " + acc);
    }

    @Test
    void smallCnnReaches95PercentOnDigits() throws IOException {
        Tensor[] d = digits();
        Generator g = new Generator(3);
        Module cnn = new Sequential(new Unflatten(1, 1, 8, 8),
                new Conv2d(1, 16, new int[] {3}, new int[] {1}, new int[] {1}, null, 1, true, g), new ReLU(), new MaxPool2d(2),
                new Conv2d(16, 32, new int[] {3}, new int[] {1}, new int[] {1}, null, 1, true, g), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(32 * 2 * 2, 10, true, g));
        double acc = train(cnn, d[0], d[1], d[2], d[3], 20, 3e-3);
        assertTrue(acc >= 0.95, "CNN test accuracy " + acc);
    }

    @Test
    void tinyGptLossFallsOnMobyDick() throws IOException {
        String text = new String(resource("moby_dick_slice.txt"), StandardCharsets.UTF_8);
        TreeSet<Character> chars = new TreeSet<>();
        for (char c : text.toCharArray()) chars.add(c);
        Character[] vocab = chars.toArray(new Character[0]);
        Map<Character, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < vocab.length; i++) index.put(vocab[i], i);
        long[] ids = new long[text.length()];
        for (int i = 0; i < ids.length; i++) ids[i] = index.get(text.charAt(i));
        int block = 32, batch = 16;
        GPT gpt = new GPT(new GPT.Config(vocab.length, block, 2, 2, 32, 0.0, true), new Generator(5));
        Optimizer opt = new AdamW(gpt.parameters()).lr(3e-3).weightDecay(0.0);
        Generator g = new Generator(9);
        double first = 0, last = 0;
        int steps = 120;
        for (int s = 0; s < steps; s++) {
            long[] x = new long[batch * block], y = new long[batch * block];
            for (int b = 0; b < batch; b++) {
                int start = g.nextInt(ids.length - block - 1);
                System.arraycopy(ids, start, x, b * block, block);
                System.arraycopy(ids, start + 1, y, b * block, block);
            }
            opt.zeroGrad();
            Tensor loss = gpt.loss(Tensor.fromArray(x, batch, block), Tensor.fromArray(y, batch, block));
            loss.backward();
            opt.step();
            if (s < 5) first += loss.item() / 5;
            if (s >= steps - 5) last += loss.item() / 5;
        }
        assertTrue(first > Math.log(vocab.length) - 0.5, "initial loss " + first + " should be near ln(V) = " + Math.log(vocab.length));
        assertTrue(last < 0.75 * first, "loss should fall: " + first + " -> " + last);
        Tensor sample = gpt.generate(Tensor.fromArray(new long[] {ids[0]}, 1, 1), 20, 1.0, 10, new Generator(1));
        assertArrayEquals(new int[] {1, 21}, sample.shape());
    }

    @Test
    void conv4dNetworkOverfitsASmallBatchOf4dSamples() {
        Generator g = new Generator(11);
        Tensor x = Tensor.randn(g, 6, 2, 4, 5, 5, 5);              // (N, C, T, D, H, W)
        Tensor y = Tensor.fromArray(new long[] {0, 1, 2, 0, 1, 2});
        Module net = new Sequential(new Conv4d(2, 4, new int[] {3}, new int[] {1}, new int[] {1}, null, 1, true, g), new ReLU(),
                new Flatten(), new Linear(4 * 4 * 5 * 5 * 5, 3, true, g));
        Optimizer opt = new Adam(net.parameters()).lr(1e-2);
        double loss = Double.NaN;
        for (int s = 0; s < 60; s++) {
            opt.zeroGrad();
            Tensor l = Losses.crossEntropy(net.forward(x), y);
            l.backward();
            opt.step();
            loss = l.item();
        }
        assertTrue(loss < 0.05, "Conv4d net should overfit 6 samples, final loss " + loss);
        try (GradMode.Guard ng = GradMode.noGrad()) {
            assertArrayEquals(y.toLongArray(), net.forward(x).argmax(1, false).toLongArray());
        }
    }

    @Test
    void saveThenLoadGivesIdenticalOutputs(@TempDir Path dir) {
        Generator g = new Generator(4);
        Module a = new Sequential(new Conv2d(1, 4, new int[] {3}, null, new int[] {1}, null, 1, true, g), new BatchNorm2d(4), new ReLU(),
                new Flatten(), new Linear(4 * 6 * 6, 3, true, g));
        a.train();
        try (GradMode.Guard ng = GradMode.noGrad()) {
            a.forward(Tensor.randn(g, 8, 1, 6, 6)); // move the batch-norm running statistics
        }
        Path file = dir.resolve("model.safetensors");
        SafeTensors.save(file, a.stateDict());
        Generator other = new Generator(99);
        Module b = new Sequential(new Conv2d(1, 4, new int[] {3}, null, new int[] {1}, null, 1, true, other), new BatchNorm2d(4), new ReLU(),
                new Flatten(), new Linear(4 * 6 * 6, 3, true, other));
        b.loadStateDict(SafeTensors.loadTensors(file), true);
        a.eval();
        b.eval();
        Tensor in = Tensor.randn(new Generator(5), 2, 1, 6, 6);
        try (GradMode.Guard ng = GradMode.noGrad()) {
            assertArrayEquals(a.forward(in).toFloatArray(), b.forward(in).toFloatArray(), 0f);
        }
        assertEquals(DType.INT64, b.stateDict().get("1.num_batches_tracked").dtype());
    }
}
