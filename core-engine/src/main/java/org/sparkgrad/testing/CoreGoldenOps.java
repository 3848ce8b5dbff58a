package org.sparkgrad.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.Tensor;

/** Golden ops of the engine-core families: elementwise, reductions, linalg, shape, activations. */
final class CoreGoldenOps {
    private CoreGoldenOps() {}

    private static GoldenResult one(Tensor t) { return GoldenResult.of(t); }

    private static int[] dims(GoldenCase c) {
        if (!c.has("dim")) return null;
        JsonNode d = c.arg("dim");
        if (d.isArray()) {
            int[] r = new int[d.size()];
            for (int i = 0; i < r.length; i++) r[i] = d.get(i).asInt();
            return r;
        }
        return new int[] {d.asInt()};
    }

    static void register(Map<String, GoldenOp> m) {
        // ---- elementwise
        m.put("add", c -> one(c.in("x").add(c.in("y"), c.argDouble("alpha", 1))));
        m.put("sub", c -> one(c.in("x").sub(c.in("y"), c.argDouble("alpha", 1))));
        m.put("mul", c -> one(c.in("x").mul(c.in("y"))));
        m.put("div", c -> one(c.in("x").div(c.in("y"))));
        m.put("add_scalar", c -> one(c.in("x").add(c.argDouble("scalar", 0))));
        m.put("sub_scalar", c -> one(c.in("x").sub(c.argDouble("scalar", 0))));
        m.put("rsub_scalar", c -> one(c.in("x").rsub(c.argDouble("scalar", 0))));
        m.put("mul_scalar", c -> one(c.in("x").mul(c.argDouble("scalar", 0))));
        m.put("div_scalar", c -> one(c.in("x").div(c.argDouble("scalar", 0))));
        m.put("rdiv_scalar", c -> one(c.in("x").rdiv(c.argDouble("scalar", 0))));
        m.put("pow", c -> one(c.inOpt("y") != null ? c.in("x").pow(c.in("y")) : c.in("x").pow(c.argDouble("exponent", 1))));
        m.put("rpow_scalar", c -> one(c.in("x").rpow(c.argDouble("base", 1))));
        m.put("neg", c -> one(c.in("x").neg()));
        m.put("exp", c -> one(c.in("x").exp()));
        m.put("log", c -> one(c.in("x").log()));
        m.put("sqrt", c -> one(c.in("x").sqrt()));
        m.put("abs", c -> one(c.in("x").abs()));
        m.put("reciprocal", c -> one(c.in("x").reciprocal()));
        m.put("square", c -> one(c.in("x").square()));
        m.put("sin", c -> one(c.in("x").sin()));
        m.put("cos", c -> one(c.in("x").cos()));
        m.put("rsqrt", c -> one(c.in("x").rsqrt()));
        m.put("log1p", c -> one(c.in("x").log1p()));
        m.put("expm1", c -> one(c.in("x").expm1()));
        m.put("maximum", c -> one(c.in("x").maximum(c.in("y"))));
        m.put("minimum", c -> one(c.in("x").minimum(c.in("y"))));
        m.put("clamp", c -> one(c.in("x").clamp(c.argDouble("min", Double.NaN), c.argDouble("max", Double.NaN))));
        m.put("where", c -> one(Tensor.where(c.in("cond"), c.in("x"), c.in("y"))));
        m.put("where_scalar", c -> one(Tensor.where(c.in("cond"), c.in("x"), c.argDouble("other", 0))));
        // ---- reductions
        m.put("sum", c -> one(dims(c) == null ? c.in("x").sum() : c.in("x").sum(dims(c), c.argBool("keepdim", false))));
        m.put("mean", c -> one(dims(c) == null ? c.in("x").mean() : c.in("x").mean(dims(c), c.argBool("keepdim", false))));
        m.put("prod", c -> one(dims(c) == null ? c.in("x").prod() : c.in("x").prod(dims(c)[0], c.argBool("keepdim", false))));
        m.put("amax", c -> one(c.in("x").amax(dims(c), c.argBool("keepdim", false))));
        m.put("amin", c -> one(c.in("x").amin(dims(c), c.argBool("keepdim", false))));
        m.put("logsumexp", c -> one(c.in("x").logsumexp(dims(c), c.argBool("keepdim", false))));
        m.put("max", c -> maxMin(c, true));
        m.put("min", c -> maxMin(c, false));
        m.put("argmax", c -> one(dims(c) == null ? c.in("x").argmax() : c.in("x").argmax(dims(c)[0], c.argBool("keepdim", false))));
        m.put("argmin", c -> one(dims(c) == null ? c.in("x").argmin() : c.in("x").argmin(dims(c)[0], c.argBool("keepdim", false))));
        m.put("var", c -> one(dims(c) == null ? c.in("x").var(c.argBool("unbiased", true))
                : c.in("x").var(dims(c), c.argBool("unbiased", true), c.argBool("keepdim", false))));
        m.put("std", c -> one(dims(c) == null ? c.in("x").std(c.argBool("unbiased", true))
                : c.in("x").std(dims(c), c.argBool("unbiased", true), c.argBool("keepdim", false))));
        // ---- linalg
        m.put("matmul", c -> one(c.in("x").matmul(c.in("y"))));
        m.put("bmm", c -> one(c.in("x").bmm(c.in("y"))));
        m.put("matmul_transposed_rhs", c -> one(c.in("x").matmul(c.in("y").transpose(-1, -2))));
        // ---- shape
        m.put("transpose", c -> one(c.in("x").transpose(c.argInt("dim0", 0), c.argInt("dim1", 1))));
        m.put("permute", c -> one(c.in("x").permute(c.argInts("dims", 0))));
        m.put("reshape", c -> one(c.in("x").reshape(c.argInts("shape", 0))));
        m.put("transpose_reshape", c -> one(c.in("x").transpose(c.argInt("dim0", 0), c.argInt("dim1", 1)).reshape(c.argInts("shape", 0))));
        m.put("squeeze", c -> one(c.has("dim") ? c.in("x").squeeze(c.argInt("dim", 0)) : c.in("x").squeeze()));
        m.put("unsqueeze", c -> one(c.in("x").unsqueeze(c.argInt("dim", 0))));
        m.put("slice", CoreGoldenOps::slice);
        m.put("index_select", c -> one(c.in("x").indexSelect(c.argInt("dim", 0), c.in("index"))));
        m.put("gather", c -> one(c.in("x").gather(c.argInt("dim", 0), c.in("index"))));
        m.put("cat", c -> one(Tensor.cat(c.numbered("x"), c.argInt("dim", 0))));
        m.put("stack", c -> one(Tensor.stack(c.numbered("x"), c.argInt("dim", 0))));
        m.put("split", c -> {
            JsonNode s = c.arg("split_size_or_sections");
            int dim = c.argInt("dim", 0);
            List<Tensor> parts = s.isArray() ? c.in("x").split(c.argInts("split_size_or_sections", 0), dim) : c.in("x").split(s.asInt(), dim);
            return GoldenResult.of(parts);
        });
        m.put("chunk", c -> GoldenResult.of(c.in("x").chunk(c.argInt("chunks", 1), c.argInt("dim", 0))));
        m.put("expand", c -> one(c.in("x").expand(c.argInts("sizes", 0))));
        m.put("flatten", c -> one(c.in("x").flatten(c.argInt("start_dim", 0), c.argInt("end_dim", -1))));
        m.put("repeat", c -> one(c.in("x").repeat(c.argInts("repeats", 0))));
        // ---- activations
        m.put("relu", c -> one(c.in("x").relu()));
        m.put("leaky_relu", c -> one(c.in("x").leakyRelu(c.argDouble("negative_slope", 0.01))));
        m.put("elu", c -> one(c.in("x").elu(c.argDouble("alpha", 1))));
        m.put("gelu", c -> one(c.in("x").gelu("tanh".equals(c.argString("approximate", "none")))));
        m.put("silu", c -> one(c.in("x").silu()));
        m.put("sigmoid", c -> one(c.in("x").sigmoid()));
        m.put("tanh", c -> one(c.in("x").tanh()));
        m.put("softplus", c -> one(c.in("x").softplus(c.argDouble("beta", 1), c.argDouble("threshold", 20))));
        m.put("softmax", c -> one(c.in("x").softmax(c.argInt("dim", -1))));
        m.put("log_softmax", c -> one(c.in("x").logSoftmax(c.argInt("dim", -1))));
        m.put("hardtanh", c -> one(c.in("x").hardtanh(c.argDouble("min_val", -1), c.argDouble("max_val", 1))));
        m.put("relu6", c -> one(c.in("x").relu6()));
        m.put("logsigmoid", c -> one(c.in("x").logsigmoid()));
        m.put("mish", c -> one(c.in("x").mish()));
    }

    private static GoldenResult maxMin(GoldenCase c, boolean max) {
        int[] d = dims(c);
        if (d == null) return one(max ? c.in("x").max() : c.in("x").min());
        Tensor[] r = max ? c.in("x").max(d[0], c.argBool("keepdim", false)) : c.in("x").min(d[0], c.argBool("keepdim", false));
        return GoldenResult.of(r[0]).extra("indices", r[1]);
    }

    /** Python indexing: entries are [start, stop, step] lists, ints (select) or "..." (ellipsis). */
    private static GoldenResult slice(GoldenCase c) {
        Tensor x = c.in("x");
        JsonNode idx = c.arg("index");
        int consumed = 0;
        for (int i = 0; i < idx.size(); i++) if (!(idx.get(i).isTextual())) consumed++;
        int dim = 0;
        for (int i = 0; i < idx.size(); i++) {
            JsonNode e = idx.get(i);
            if (e.isTextual()) {
                dim += x.dim() - dim - (consumed - countBefore(idx, i));
                continue;
            }
            if (e.isInt() || e.isLong()) {
                x = x.select(dim, e.asInt());
            } else {
                Integer start = e.get(0).isNull() ? null : e.get(0).asInt();
                Integer stop = e.get(1).isNull() ? null : e.get(1).asInt();
                int step = e.size() > 2 && !e.get(2).isNull() ? e.get(2).asInt() : 1;
                x = x.slice(dim, start, stop, step);
                dim++;
            }
        }
        return one(x);
    }

    private static int countBefore(JsonNode idx, int i) {
        int n = 0;
        for (int k = 0; k < i; k++) if (!idx.get(k).isTextual()) n++;
        return n;
    }
}
