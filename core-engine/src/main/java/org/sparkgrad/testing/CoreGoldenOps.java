package org.sparkgrad.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.sparkgrad.autograd.GradMode;
import org.sparkgrad.nn.F;
import org.sparkgrad.ops.Reductions;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Shape;
import org.sparkgrad.tensor.Tensor;

/**
 * Golden ops of the engine-core families: elementwise, reductions, linalg, shape, activations. Every handler reads
 * each keyword argument of the PyTorch 1.13 function it stands for ({@code torch.*} / {@code torch.nn.functional.*}),
 * maps it to the engine, and throws {@link UnsupportedOperationException} for a value the engine cannot honour;
 * arguments that do not change the math ({@code inplace}, {@code _stacklevel}, {@code sparse_grad}) are read and
 * ignored. Tensor inputs are found by the fixtures' names ({@code x}, {@code y}, {@code cond}) or PyTorch's
 * ({@code input}, {@code other}, {@code condition}, {@code mat2}, ...).
 */
final class CoreGoldenOps {
    private CoreGoldenOps() {}

    private static GoldenResult one(Tensor t) { return GoldenResult.of(t); }

    /** The first tensor operand: {@code x} (fixtures) or {@code input} (PyTorch). */
    static Tensor x(GoldenCase c) { return req(c, "x", "input"); }

    /** The second tensor operand: {@code y} (fixtures) or {@code other} (PyTorch). */
    private static Tensor y(GoldenCase c) { return req(c, "y", "other"); }

    /** A required input known under several names. */
    static Tensor req(GoldenCase c, String... names) {
        Tensor t = c.inAny(names);
        if (t == null) throw new IllegalArgumentException("case " + c.name() + " has none of the inputs " + String.join(", ", names));
        return t;
    }

    /** {@code dim}: null (absent or None), an int, or a list of ints. */
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

    /** A single-int {@code dim} (null when absent or None). */
    private static Integer dim1(GoldenCase c) {
        int[] d = dims(c);
        if (d == null) return null;
        if (d.length != 1) throw new IllegalArgumentException(c.op() + ": dim must be a single int, got " + c.arg("dim"));
        return d[0];
    }

    /** The input cast to the {@code dtype} arg when one is given (torch's {@code dtype=} of sum/mean/prod/softmax/...). */
    private static Tensor withDType(GoldenCase c, Tensor x) {
        DType dt = c.argDType("dtype");
        return dt == null ? x : x.to(dt);
    }

    /** Reshapes a full reduction's 0-d result to all-ones of the input's rank ({@code keepdim=True}, dim None). */
    private static Tensor keepAll(Tensor r, Tensor x, boolean keepdim) {
        if (!keepdim) return r;
        int[] ones = new int[x.dim()];
        Arrays.fill(ones, 1);
        return r.reshape(ones);
    }

    /** torch.div / Tensor.div's {@code rounding_mode}: only None (true division) is in the engine. */
    private static void trueDivisionOnly(GoldenCase c) { c.requireDefault("rounding_mode", null); }

    static void register(Map<String, GoldenOp> m) {
        registerElementwise(m);
        registerMathFunctions(m);
        registerReductions(m);
        registerLinalg(m);
        registerShape(m);
        registerActivations(m);
        registerScanSortRearrange(m);
    }

    // ------------------------------------------------------------------ elementwise
    private static void registerElementwise(Map<String, GoldenOp> m) {
        // torch.add(input, other, *, alpha=1) / torch.sub(input, other, *, alpha=1)
        m.put("add", c -> one(x(c).add(y(c), c.argDouble("alpha", 1))));
        m.put("sub", c -> one(x(c).sub(y(c), c.argDouble("alpha", 1))));
        m.put("mul", c -> one(x(c).mul(y(c))));
        m.put("div", c -> {
            trueDivisionOnly(c);
            return one(x(c).div(y(c)));
        });
        // Python-scalar forms (README); add/sub/rsub keep torch's alpha
        m.put("add_scalar", c -> one(x(c).add(c.argDouble("alpha", 1) * c.argDouble("scalar", 0))));
        m.put("sub_scalar", c -> one(x(c).sub(c.argDouble("alpha", 1) * c.argDouble("scalar", 0))));
        m.put("rsub_scalar", c -> {
            double alpha = c.argDouble("alpha", 1);
            Tensor x = x(c);
            return one((alpha == 1 ? x : x.mul(alpha)).rsub(c.argDouble("scalar", 0)));
        });
        m.put("mul_scalar", c -> one(x(c).mul(c.argDouble("scalar", 0))));
        m.put("div_scalar", c -> {
            trueDivisionOnly(c);
            return one(x(c).div(c.argDouble("scalar", 0)));
        });
        m.put("rdiv_scalar", c -> one(x(c).rdiv(c.argDouble("scalar", 0))));
        // torch.pow(input, exponent): exponent a tensor input (y / exponent) or a number arg
        m.put("pow", c -> {
            Tensor x = x(c);
            Tensor e = c.inAny("y", "exponent");
            if (e != null) return one(x.pow(e));
            if (!c.has("exponent")) throw new IllegalArgumentException("pow: no exponent");
            return one(x.pow(c.argDouble("exponent", 1)));
        });
        m.put("rpow_scalar", c -> one(x(c).rpow(c.argDouble("base", 1))));
        m.put("neg", c -> one(x(c).neg()));
        m.put("exp", c -> one(x(c).exp()));
        m.put("log", c -> one(x(c).log()));
        m.put("sqrt", c -> one(x(c).sqrt()));
        m.put("abs", c -> one(x(c).abs()));
        m.put("sign", c -> one(x(c).sign()));
        m.put("reciprocal", c -> one(x(c).reciprocal()));
        m.put("square", c -> one(x(c).square()));
        m.put("sin", c -> one(x(c).sin()));
        m.put("cos", c -> one(x(c).cos()));
        m.put("rsqrt", c -> one(x(c).rsqrt()));
        m.put("log1p", c -> one(x(c).log1p()));
        m.put("expm1", c -> one(x(c).expm1()));
        m.put("maximum", c -> one(x(c).maximum(y(c))));
        m.put("minimum", c -> one(x(c).minimum(y(c))));
        // torch.clamp(input, min=None, max=None): numbers as args, or tensors as inputs min/max
        m.put("clamp", CoreGoldenOps::clamp);
        m.put("clip", CoreGoldenOps::clamp);
        m.put("clamp_min", c -> {
            Tensor t = c.inOpt("min");
            return one(t != null ? x(c).maximum(t) : x(c).clampMin(c.argDouble("min", Double.NaN)));
        });
        m.put("clamp_max", c -> {
            Tensor t = c.inOpt("max");
            return one(t != null ? x(c).minimum(t) : x(c).clampMax(c.argDouble("max", Double.NaN)));
        });
        // torch.where(condition, input, other)
        m.put("where", c -> one(Tensor.where(req(c, "cond", "condition"), x(c), y(c))));
        m.put("where_scalar", c -> one(Tensor.where(req(c, "cond", "condition"), x(c), c.argDouble("other", 0))));
        // comparisons (bool results): other a tensor input or a number arg
        m.put("eq", c -> compare(c, Tensor::eq, Tensor::eq));
        m.put("ne", c -> compare(c, Tensor::ne, Tensor::ne));
        m.put("lt", c -> compare(c, Tensor::lt, Tensor::lt));
        m.put("le", c -> compare(c, Tensor::le, Tensor::le));
        m.put("gt", c -> compare(c, Tensor::gt, Tensor::gt));
        m.put("ge", c -> compare(c, Tensor::ge, Tensor::ge));
        m.put("logical_not", c -> one(x(c).logicalNot()));
        m.put("logical_and", c -> one(x(c).logicalAnd(y(c))));
        m.put("logical_or", c -> one(x(c).logicalOr(y(c))));
    }

    // ------------------------------------------------------------------ math functions (torch 1.13 names and aliases)
    private static void registerMathFunctions(Map<String, GoldenOp> m) {
        // torch.<f>(input, *, out=None): no keyword that changes the math
        Map<String, java.util.function.UnaryOperator<Tensor>> unary = new java.util.LinkedHashMap<>();
        unary.put("tan", Tensor::tan);
        unary.put("asin", Tensor::asin);
        unary.put("arcsin", Tensor::asin);
        unary.put("acos", Tensor::acos);
        unary.put("arccos", Tensor::acos);
        unary.put("atan", Tensor::atan);
        unary.put("arctan", Tensor::atan);
        unary.put("sinh", Tensor::sinh);
        unary.put("cosh", Tensor::cosh);
        unary.put("asinh", Tensor::asinh);
        unary.put("arcsinh", Tensor::asinh);
        unary.put("acosh", Tensor::acosh);
        unary.put("arccosh", Tensor::acosh);
        unary.put("atanh", Tensor::atanh);
        unary.put("arctanh", Tensor::atanh);
        unary.put("erf", Tensor::erf);
        unary.put("erfc", Tensor::erfc);
        unary.put("erfinv", Tensor::erfinv);
        unary.put("log2", Tensor::log2);
        unary.put("log10", Tensor::log10);
        unary.put("exp2", Tensor::exp2);
        unary.put("floor", Tensor::floor);
        unary.put("ceil", Tensor::ceil);
        unary.put("trunc", Tensor::trunc);
        unary.put("fix", Tensor::trunc);
        unary.put("frac", Tensor::frac);
        unary.forEach((name, f) -> m.put(name, c -> one(f.apply(x(c)))));
        // torch.round(input, *, decimals=0)
        m.put("round", c -> one(x(c).round(c.argInt("decimals", 0))));
        // F.softmin(input, dim=None, _stacklevel=3, dtype=None) = softmax(-input): the implicit dim as softmax's
        m.put("softmin", c -> one(F.softmin(softmaxInput(c), softmaxDim(c))));
        // torch.atan2 / arctan2 / hypot(input, other): tensors
        m.put("atan2", c -> one(x(c).atan2(y(c))));
        m.put("arctan2", c -> one(x(c).atan2(y(c))));
        m.put("hypot", c -> one(x(c).hypot(y(c))));
        // torch.fmod / remainder / copysign(input, other): other a tensor input or a number arg
        m.put("fmod", c -> compare(c, Tensor::fmod, Tensor::fmod));
        m.put("remainder", c -> compare(c, Tensor::remainder, Tensor::remainder));
        m.put("copysign", c -> compare(c, Tensor::copysign, Tensor::copysign));
        // torch.lerp(input, end, weight): weight a tensor input or a number arg
        m.put("lerp", c -> {
            Tensor x = x(c), end = c.in("end");
            Tensor w = c.inOpt("weight");
            boolean numberWeight = c.has("weight");
            if (w != null && numberWeight) throw new IllegalArgumentException("lerp: weight given both as a tensor and a number");
            if (w != null) return one(x.lerp(end, w));
            if (!numberWeight) throw new IllegalArgumentException("lerp: no weight");
            return one(x.lerp(end, c.argDouble("weight", 0)));
        });
        // torch.addcmul / addcdiv(input, tensor1, tensor2, *, value=1)
        m.put("addcmul", c -> one(x(c).addcmul(c.in("tensor1"), c.in("tensor2"), c.argDouble("value", 1))));
        m.put("addcdiv", c -> one(x(c).addcdiv(c.in("tensor1"), c.in("tensor2"), c.argDouble("value", 1))));
    }

    /** An op whose second operand is a tensor input ({@code y}/{@code other}) or a number arg {@code other}. */
    private static GoldenResult compare(GoldenCase c, java.util.function.BinaryOperator<Tensor> withTensor,
                                        java.util.function.BiFunction<Tensor, Double, Tensor> withNumber) {
        Tensor x = x(c);
        Tensor o = c.inAny("y", "other");
        if (o != null) return one(withTensor.apply(x, o));
        if (!c.has("other")) throw new IllegalArgumentException(c.op() + ": no other operand");
        return one(withNumber.apply(x, c.argDouble("other", 0)));
    }

    private static GoldenResult clamp(GoldenCase c) {
        Tensor x = x(c);
        Tensor tmin = c.inOpt("min"), tmax = c.inOpt("max");
        if (tmin == null && tmax == null) {
            if (!c.has("min") && !c.has("max")) throw new IllegalArgumentException("clamp: at least one of 'min' or 'max' must not be None");
            return one(x.clamp(c.argDouble("min", Double.NaN), c.argDouble("max", Double.NaN)));
        }
        // tensor bounds: min(max(x, min), max), as at::clamp(Tensor, Tensor?, Tensor?)
        if (c.has("min") || c.has("max")) throw new IllegalArgumentException("clamp: give the bounds all as tensors or all as numbers");
        Tensor r = x;
        if (tmin != null) r = r.maximum(tmin);
        if (tmax != null) r = r.minimum(tmax);
        return one(r);
    }

    // ------------------------------------------------------------------ reductions
    private static void registerReductions(Map<String, GoldenOp> m) {
        // torch.sum/mean(input, dim=None, keepdim=False, *, dtype=None); dim None (or []) = all dims
        m.put("sum", c -> {
            Tensor x = withDType(c, x(c));
            int[] d = dims(c);
            return one(x.sum(d == null ? new int[0] : d, c.argBool("keepdim", false)));
        });
        m.put("mean", c -> {
            Tensor x = withDType(c, x(c));
            int[] d = dims(c);
            return one(x.mean(d == null ? new int[0] : d, c.argBool("keepdim", false)));
        });
        // torch.prod(input, dim, keepdim=False, *, dtype=None): one int dim
        m.put("prod", c -> {
            Tensor x = withDType(c, x(c));
            Integer d = dim1(c);
            boolean keep = c.argBool("keepdim", false);
            return one(d == null ? keepAll(x.prod(), x, keep) : x.prod(d, keep));
        });
        // torch.amax/amin(input, dim=(), keepdim=False)
        m.put("amax", c -> one(x(c).amax(dims(c), c.argBool("keepdim", false))));
        m.put("amin", c -> one(x(c).amin(dims(c), c.argBool("keepdim", false))));
        m.put("logsumexp", c -> one(x(c).logsumexp(dims(c), c.argBool("keepdim", false))));
        // torch.max/min(input) | (input, dim, keepdim=False) -> (values, indices) | (input, other)
        m.put("max", c -> maxMin(c, true));
        m.put("min", c -> maxMin(c, false));
        // torch.argmax/argmin(input, dim=None, keepdim=False); dim None: index into the flattened input
        m.put("argmax", c -> one(Reductions.argReduce(x(c), dim1(c), c.argBool("keepdim", false), true)));
        m.put("argmin", c -> one(Reductions.argReduce(x(c), dim1(c), c.argBool("keepdim", false), false)));
        // torch.var/std(input, dim=None, unbiased=True, keepdim=False) or (input, dim=None, *, correction=None, keepdim=False)
        m.put("var", c -> one(Reductions.var(x(c), dims(c), correction(c), c.argBool("keepdim", false))));
        m.put("std", c -> one(Reductions.std(x(c), dims(c), correction(c), c.argBool("keepdim", false))));
        // torch.norm(input, p='fro', dim=None, keepdim=False, out=None, dtype=None)
        m.put("norm", CoreGoldenOps::norm);
    }

    /** {@code unbiased} (default True: n - 1) or {@code correction} (None = 1); not both. */
    private static double correction(GoldenCase c) {
        boolean hasU = c.has("unbiased"), hasC = c.has("correction");
        if (hasU && hasC) throw new IllegalArgumentException(c.op() + ": give unbiased or correction, not both");
        if (hasC) return c.argDouble("correction", 1);
        return c.argBool("unbiased", true) ? 1 : 0;
    }

    private static GoldenResult maxMin(GoldenCase c, boolean max) {
        Tensor x = x(c);
        Tensor other = c.inAny("y", "other");
        Integer d = dim1(c);
        boolean keep = c.argBool("keepdim", false);
        if (other != null) {
            if (d != null) throw new IllegalArgumentException(c.op() + ": dim with a tensor other");
            return one(max ? x.maximum(other) : x.minimum(other));
        }
        if (d == null) return one(keepAll(max ? x.max() : x.min(), x, keep));
        Tensor[] r = max ? x.max(d, keep) : x.min(d, keep);
        return GoldenResult.of(r[0]).extra("indices", r[1]);
    }

    private static GoldenResult norm(GoldenCase c) {
        Tensor x = withDType(c, x(c));
        int[] d = dims(c);
        boolean keep = c.argBool("keepdim", false);
        double p = 2;
        if (c.has("p")) {
            JsonNode pn = c.arg("p");
            String s = pn.isTextual() ? pn.asText() : null;
            if ("fro".equals(s)) {
                if (d != null && d.length > 2) throw new IllegalArgumentException("norm: 'fro' over more than 2 dims");
                p = 2;
            } else if ("inf".equals(s) || "Infinity".equals(s)) {
                p = Double.POSITIVE_INFINITY;
            } else if (s != null && !isNumber(s)) {
                throw c.unsupported("p", pn.toString() + " (the engine's norm takes 'fro' and positive p, inf included)");
            } else {
                p = s != null ? Double.parseDouble(s) : pn.asDouble();
            }
            if (!(p > 0)) throw c.unsupported("p", pn.toString() + " (the engine's norm takes positive p only)");
        }
        return one(x.norm(p, d, keep));
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ linalg
    private static void registerLinalg(Map<String, GoldenOp> m) {
        m.put("matmul", c -> one(x(c).matmul(y(c))));
        m.put("bmm", c -> one(x(c).bmm(req(c, "y", "mat2"))));
        m.put("mm", c -> one(x(c).mm(req(c, "y", "mat2"))));
        m.put("dot", c -> one(x(c).dot(req(c, "y", "other", "tensor"))));
        m.put("outer", c -> one(x(c).outer(req(c, "y", "vec2"))));
        m.put("ger", c -> one(x(c).outer(req(c, "y", "vec2"))));
        m.put("matmul_transposed_rhs", c -> one(x(c).matmul(y(c).transpose(-1, -2))));
    }

    // ------------------------------------------------------------------ shape
    private static void registerShape(Map<String, GoldenOp> m) {
        m.put("transpose", c -> one(x(c).transpose(c.argInt("dim0", 0), c.argInt("dim1", 1))));
        m.put("t", c -> one(x(c).t()));
        m.put("permute", c -> one(x(c).permute(c.argInts("dims", 0))));
        m.put("reshape", c -> one(x(c).reshape(sizes(c, "shape"))));
        m.put("view", c -> one(x(c).view(sizes(c, "shape", "size"))));
        m.put("transpose_reshape", c -> one(x(c).transpose(c.argInt("dim0", 0), c.argInt("dim1", 1)).reshape(c.argInts("shape", 0))));
        // torch.squeeze(input, dim=None); a list of dims (torch 2.x) squeezes each
        m.put("squeeze", c -> {
            Tensor x = x(c);
            int[] d = dims(c);
            if (d == null) return one(x.squeeze());
            int[] w = new int[d.length];
            for (int i = 0; i < d.length; i++) w[i] = Shape.wrapDim(d[i], x.dim());
            Arrays.sort(w);
            for (int i = w.length - 1; i >= 0; i--) x = x.squeeze(w[i]);
            return one(x);
        });
        m.put("unsqueeze", c -> one(x(c).unsqueeze(c.argInt("dim", 0))));
        m.put("slice", CoreGoldenOps::slice);
        m.put("narrow", c -> one(x(c).narrow(c.argInt("dim", 0), c.argInt("start", 0), c.argInt("length", 0))));
        m.put("select", c -> one(x(c).select(c.argInt("dim", 0), c.argInt("index", 0))));
        m.put("index_select", c -> one(x(c).indexSelect(c.argInt("dim", 0), c.in("index"))));
        // torch.gather(input, dim, index, *, sparse_grad=False): sparse_grad only changes the gradient's layout
        m.put("gather", c -> {
            c.ignore("sparse_grad");
            return one(x(c).gather(c.argInt("dim", 0), c.in("index")));
        });
        // torch.scatter(input, dim, index, src | value, *, reduce=None), torch.scatter_add(input, dim, index, src)
        m.put("scatter", c -> {
            c.requireDefault("reduce", null);
            Tensor x = x(c), index = c.in("index");
            Tensor src = c.inOpt("src");
            if (src == null) {
                if (!c.has("value")) throw new IllegalArgumentException("scatter: needs src or value");
                try (GradMode.Guard g = GradMode.noGrad()) {
                    src = Tensor.full(c.argDouble("value", 0), x.dtype(), index.shape()).to(x.device());
                }
            } else if (c.has("value")) {
                throw new IllegalArgumentException("scatter: give src or value, not both");
            }
            return one(x.scatter(c.argInt("dim", 0), index, src));
        });
        m.put("scatter_add", c -> one(x(c).scatterAdd(c.argInt("dim", 0), c.in("index"), c.in("src"))));
        m.put("masked_fill", c -> one(x(c).maskedFill(c.in("mask"), c.argDouble("value", 0))));
        m.put("cat", c -> one(Tensor.cat(c.numbered("x"), c.argInt("dim", 0))));
        m.put("concat", c -> one(Tensor.cat(c.numbered("x"), c.argInt("dim", 0))));
        m.put("stack", c -> one(Tensor.stack(c.numbered("x"), c.argInt("dim", 0))));
        m.put("split", c -> {
            JsonNode s = c.arg("split_size_or_sections");
            int dim = c.argInt("dim", 0);
            List<Tensor> parts = s.isArray() ? x(c).split(c.argInts("split_size_or_sections", 0), dim) : x(c).split(s.asInt(), dim);
            return GoldenResult.of(parts);
        });
        m.put("chunk", c -> GoldenResult.of(x(c).chunk(c.argInt("chunks", 1), c.argInt("dim", 0))));
        m.put("unbind", c -> {
            Tensor x = x(c);
            int d = Shape.wrapDim(c.argInt("dim", 0), x.dim());
            List<Tensor> parts = new ArrayList<>();
            for (int i = 0; i < x.size(d); i++) parts.add(x.select(d, i));
            return GoldenResult.of(parts);
        });
        m.put("expand", c -> one(x(c).expand(sizes(c, "sizes", "size"))));
        m.put("flatten", c -> one(x(c).flatten(c.argInt("start_dim", 0), c.argInt("end_dim", -1))));
        m.put("unflatten", c -> one(x(c).unflatten(c.argInt("dim", 0), sizes(c, "sizes"))));
        m.put("repeat", c -> one(x(c).repeat(sizes(c, "repeats", "sizes"))));
        // F.pad(input, pad, mode='constant', value=None): the engine pads with a constant only
        m.put("pad", c -> {
            c.requireDefault("mode", "constant");
            return one(x(c).pad(c.argInts("pad", 0), c.argDouble("value", 0)));
        });
    }

    /** An int-list arg known under one of several names (exactly one present). */
    private static int[] sizes(GoldenCase c, String... names) {
        int[] r = null;
        for (String n : names) {
            int[] v = c.argInts(n, 1);
            if (v == null) continue;
            if (r != null) throw new IllegalArgumentException(c.op() + ": give one of " + String.join(", ", names));
            r = v;
        }
        if (r == null) throw new IllegalArgumentException(c.op() + ": missing " + names[0]);
        return r;
    }

    /** Python indexing: entries are [start, stop, step] lists, ints (select) or "..." (ellipsis). */
    private static GoldenResult slice(GoldenCase c) {
        Tensor x = x(c);
        JsonNode idx = c.arg("index");
        int consumed = countBefore(idx, idx.size());
        int dim = 0;
        for (int i = 0; i < idx.size(); i++) {
            JsonNode e = idx.get(i);
            if (e.isTextual()) {
                if (!"...".equals(e.asText())) throw new IllegalArgumentException("slice: unknown index entry " + e);
                dim += x.dim() - dim - (consumed - countBefore(idx, i));
                continue;
            }
            if (e.isNull()) {
                // None inserts a new axis
                x = x.unsqueeze(dim);
                dim++;
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

    /** Entries before position i that consume an input dim (ints and ranges; not "..." or None). */
    private static int countBefore(JsonNode idx, int i) {
        int n = 0;
        for (int k = 0; k < i; k++) if (!idx.get(k).isTextual() && !idx.get(k).isNull()) n++;
        return n;
    }

    // ------------------------------------------------------------------ activations
    private static void registerActivations(Map<String, GoldenOp> m) {
        // F.*(input, ..., inplace=False): inplace only changes where the result is written
        m.put("relu", c -> one(act(c).relu()));
        m.put("leaky_relu", c -> one(act(c).leakyRelu(c.argDouble("negative_slope", 0.01))));
        m.put("elu", c -> one(act(c).elu(c.argDouble("alpha", 1))));
        m.put("gelu", c -> {
            String a = c.argString("approximate", "none");
            if (!a.equals("none") && !a.equals("tanh")) throw new IllegalArgumentException("gelu: approximate must be 'none' or 'tanh', got " + a);
            return one(x(c).gelu(a.equals("tanh")));
        });
        m.put("silu", c -> one(act(c).silu()));
        m.put("sigmoid", c -> one(x(c).sigmoid()));
        m.put("tanh", c -> one(x(c).tanh()));
        m.put("softplus", c -> one(x(c).softplus(c.argDouble("beta", 1), c.argDouble("threshold", 20))));
        // F.softmax/log_softmax(input, dim=None, _stacklevel=3, dtype=None): dim None is the legacy implicit dim
        m.put("softmax", c -> one(softmaxInput(c).softmax(softmaxDim(c))));
        m.put("log_softmax", c -> one(softmaxInput(c).logSoftmax(softmaxDim(c))));
        m.put("hardtanh", c -> one(act(c).hardtanh(c.argDouble("min_val", -1), c.argDouble("max_val", 1))));
        m.put("relu6", c -> one(act(c).relu6()));
        m.put("logsigmoid", c -> one(x(c).logsigmoid()));
        m.put("mish", c -> one(act(c).mish()));
        m.put("selu", c -> one(F.selu(act(c))));
        m.put("celu", c -> one(F.celu(act(c), c.argDouble("alpha", 1))));
        m.put("hardswish", c -> one(F.hardswish(act(c))));
        m.put("hardsigmoid", c -> one(F.hardsigmoid(act(c))));
        m.put("prelu", c -> one(F.prelu(x(c), c.in("weight"))));
        m.put("softsign", c -> one(F.softsign(x(c))));
        m.put("tanhshrink", c -> one(F.tanhshrink(x(c))));
        m.put("softshrink", c -> one(F.softshrink(x(c), c.argDouble("lambd", 0.5))));
        m.put("hardshrink", c -> one(F.hardshrink(x(c), c.argDouble("lambd", 0.5))));
        // F.threshold(input, threshold, value, inplace=False): both required
        m.put("threshold", c -> {
            if (!c.has("threshold") || !c.has("value")) throw new IllegalArgumentException("threshold: needs threshold and value");
            return one(F.threshold(act(c), c.argDouble("threshold", 0), c.argDouble("value", 0)));
        });
        m.put("glu", c -> one(F.glu(x(c), c.argInt("dim", -1))));
    }

    /** The input of an activation with an {@code inplace} flag (read; it does not change the values). */
    private static Tensor act(GoldenCase c) {
        c.ignore("inplace");
        return x(c);
    }

    private static Tensor softmaxInput(GoldenCase c) {
        c.ignore("_stacklevel");
        return withDType(c, x(c));
    }

    /** torch.nn.functional._get_softmax_dim: 0 for 0-, 1- and 3-D inputs, else 1. */
    private static int softmaxDim(GoldenCase c) {
        Integer d = dim1(c);
        if (d != null) return d;
        int nd = x(c).dim();
        return nd == 0 || nd == 1 || nd == 3 ? 0 : 1;
    }

    // ------------------------------------------------------------------ scans, sorting, rearranging, einsum
    private static void registerScanSortRearrange(Map<String, GoldenOp> m) {
        // torch.cumsum/cumprod(input, dim, *, dtype=None, out=None); logcumsumexp/cummax/cummin(input, dim, *, out=None)
        m.put("cumsum", c -> one(x(c).cumsum(requiredInt(c, "dim"), c.argDType("dtype"))));
        m.put("cumprod", c -> one(x(c).cumprod(requiredInt(c, "dim"), c.argDType("dtype"))));
        m.put("logcumsumexp", c -> one(x(c).logcumsumexp(requiredInt(c, "dim"))));
        m.put("cummax", c -> valuesIndices(x(c).cummax(requiredInt(c, "dim"))));
        m.put("cummin", c -> valuesIndices(x(c).cummin(requiredInt(c, "dim"))));
        // torch.sort(input, dim=-1, descending=False, stable=False); torch.argsort(input, dim=-1, descending=False, stable=False)
        m.put("sort", c -> valuesIndices(x(c).sort(c.argInt("dim", -1), c.argBool("descending", false), c.argBool("stable", false))));
        m.put("argsort", c -> one(x(c).argsort(c.argInt("dim", -1), c.argBool("descending", false), c.argBool("stable", false))));
        m.put("msort", c -> one(x(c).msort()));
        // torch.topk(input, k, dim=-1, largest=True, sorted=True) (the engine's result is always sorted)
        m.put("topk", c -> valuesIndices(x(c).topk(requiredInt(c, "k"), c.argInt("dim", -1), c.argBool("largest", true),
                c.argBool("sorted", true))));
        // torch.kthvalue(input, k, dim=-1, keepdim=False)
        m.put("kthvalue", c -> valuesIndices(x(c).kthvalue(requiredInt(c, "k"), c.argInt("dim", -1), c.argBool("keepdim", false))));
        // torch.median(input) | (input, dim=-1, keepdim=False) -> (values, indices)
        m.put("median", c -> {
            Integer d = dim1(c);
            boolean keep = c.argBool("keepdim", false);
            if (d == null) {
                if (keep) throw new IllegalArgumentException("median: keepdim needs a dim");
                return one(x(c).median());
            }
            return valuesIndices(x(c).median(d, keep));
        });
        // torch.flip(input, dims); torch.roll(input, shifts, dims=None); torch.rot90(input, k=1, dims=[0, 1])
        m.put("flip", c -> one(x(c).flip(sizes(c, "dims"))));
        m.put("roll", c -> one(x(c).roll(sizes(c, "shifts"), c.argInts("dims", 1))));
        m.put("rot90", c -> {
            int[] d = c.argInts("dims", 1);
            if (d == null) d = new int[] {0, 1};
            if (d.length != 2) throw new IllegalArgumentException("rot90: expected total rotation dims == 2, but got dims = " + d.length);
            return one(x(c).rot90(c.argInt("k", 1), d[0], d[1]));
        });
        // torch.tril/triu(input, diagonal=0); torch.diag(input, diagonal=0); torch.diagonal(input, offset=0, dim1=0, dim2=1)
        m.put("tril", c -> one(x(c).tril(c.argInt("diagonal", 0))));
        m.put("triu", c -> one(x(c).triu(c.argInt("diagonal", 0))));
        m.put("diag", c -> one(x(c).diag(c.argInt("diagonal", 0))));
        m.put("diagonal", c -> one(x(c).diagonal(c.argInt("offset", 0), c.argInt("dim1", 0), c.argInt("dim2", 1))));
        m.put("trace", c -> one(x(c).trace()));
        // torch.repeat_interleave(input, repeats, dim=None, *, output_size=None): repeats an int arg or an int64 tensor input
        m.put("repeat_interleave", c -> {
            Tensor x = x(c);
            Tensor rep = c.inOpt("repeats");
            Integer d = c.argIntOrNull("dim");
            Tensor r;
            if (rep != null) {
                if (c.has("repeats")) throw new IllegalArgumentException("repeat_interleave: repeats given as both a tensor and a number");
                r = x.repeatInterleave(rep, d);
            } else {
                r = x.repeatInterleave(requiredInt(c, "repeats"), d);
            }
            Integer outputSize = c.argIntOrNull("output_size");
            int along = d == null ? 0 : org.sparkgrad.tensor.Shape.wrapDim(d, r.dim());
            if (outputSize != null && r.size(along) != outputSize) {
                throw new IllegalArgumentException("repeat_interleave: output_size " + outputSize + " != the repeated size " + r.size(along));
            }
            return one(r);
        });
        m.put("tile", c -> one(x(c).tile(sizes(c, "dims"))));
        // torch.movedim/moveaxis(input, source, destination): ints or lists
        m.put("movedim", c -> one(x(c).movedim(sizes(c, "source"), sizes(c, "destination"))));
        m.put("moveaxis", c -> one(x(c).movedim(sizes(c, "source"), sizes(c, "destination"))));
        // torch.take_along_dim(input, indices, dim=None)
        m.put("take_along_dim", c -> one(x(c).takeAlongDim(c.in("indices"), c.argIntOrNull("dim"))));
        // torch.var_mean/std_mean(input, dim=None, unbiased=True, keepdim=False) or (..., *, correction=None, keepdim=False)
        m.put("var_mean", c -> GoldenResult.of(List.of(x(c).varMean(dims(c), correction(c), c.argBool("keepdim", false)))));
        m.put("std_mean", c -> GoldenResult.of(List.of(x(c).stdMean(dims(c), correction(c), c.argBool("keepdim", false)))));
        // torch.einsum(equation, *operands): operands as inputs x0, x1, ... (or operand0, ...)
        m.put("einsum", c -> {
            List<Tensor> ops = c.numbered("x");
            if (ops.isEmpty()) ops = c.numbered("operand");
            if (!c.has("equation")) throw new IllegalArgumentException("einsum: no equation");
            return one(Tensor.einsum(c.argString("equation", ""), ops.toArray(new Tensor[0])));
        });
    }

    /** A required int arg. */
    private static int requiredInt(GoldenCase c, String name) {
        if (!c.has(name)) throw new IllegalArgumentException(c.op() + ": missing " + name);
        return c.argInt(name, 0);
    }

    /** (values, indices) results: values the output, indices the {@code indices} extra (as max/min(dim)). */
    private static GoldenResult valuesIndices(Tensor[] r) { return GoldenResult.of(r[0]).extra("indices", r[1]); }
}
