package org.sparkgrad.autograd;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.sparkgrad.tensor.DType;
import org.sparkgrad.tensor.Tensor;

/**
 * Finite-difference gradient checking in float64, as {@code torch.autograd.gradcheck}: for every
 * differentiable input element the Jacobian column is estimated by central differences
 * {@code (f(x + eps) - f(x - eps)) / (2 eps)} and compared with the analytical vector-Jacobian products
 * obtained by backward, with {@code |analytical - numerical| <= atol + rtol * |numerical|}. Defaults are
 * PyTorch's: eps 1e-6, atol 1e-5, rtol 1e-3.
 */
public final class GradCheck {
    /** PyTorch's defaults. */
    public static final double EPS = 1e-6, ATOL = 1e-5, RTOL = 1e-3;

    private GradCheck() {}

    /** Result of a check: whether it passed and, if not, where it failed. */
    public static final class Result {
        public final boolean ok;
        public final String message;

        Result(boolean ok, String message) {
            this.ok = ok;
            this.message = message;
        }

        @Override public String toString() { return ok ? "gradcheck passed" : message; }
    }

    /**
     * Checks {@code f} at {@code inputs} with PyTorch's default tolerances. Inputs must be float64; those
     * that require grad are checked. {@code f} may return any float64 tensor.
     *
     * @throws IllegalArgumentException when an input that requires grad is not float64
     */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, EPS, ATOL, RTOL, inputs);
    }

    /** As {@link #check(Function, Tensor...)} with explicit tolerances. */
    public static Result check(Function<Tensor[], Tensor> f, double eps, double atol, double rtol, Tensor... inputs) {
        List<Integer> diff = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t != null && t.requiresGrad()) {
                if (t.dtype() != DType.FLOAT64) {
                    throw new IllegalArgumentException("gradcheck expects float64 inputs, but input " + i + " is "
                            + t.dtype().torchName());
                }
                diff.add(i);
            }
        }
        if (diff.isEmpty()) throw new IllegalArgumentException("gradcheck: no input requires grad");
        Tensor out = f.apply(inputs);
        if (!out.requiresGrad()) return new Result(false, "output does not require grad (the op recorded no backward)");
        int nOut = out.numel();
        double[] base = out.toDoubleArray();
        // analytical Jacobian rows: one backward per output element with a one-hot seed
        Tensor[] diffInputs = new Tensor[diff.size()];
        for (int k = 0; k < diff.size(); k++) diffInputs[k] = inputs[diff.get(k)];
        double[][][] analytical = new double[diff.size()][nOut][];
        for (int j = 0; j < nOut; j++) {
            double[] seed = new double[nOut];
            seed[j] = 1;
            Tensor s = Tensor.fromArray(seed, out.shape());
            Tensor[] g = Autograd.grad(new Tensor[] {out}, diffInputs, new Tensor[] {s}, true, true);
            for (int k = 0; k < diff.size(); k++) {
                analytical[k][j] = g[k] == null ? new double[diffInputs[k].numel()] : g[k].contiguous().toDoubleArray();
            }
        }
        // numerical Jacobian columns
        for (int k = 0; k < diff.size(); k++) {
            Tensor x = diffInputs[k];
            double[] data = x.contiguous().toDoubleArray();
            for (int e = 0; e < data.length; e++) {
                double orig = data[e];
                double[] plus = evalPerturbed(f, inputs, diff.get(k), data, e, orig + eps, x.shape());
                double[] minus = evalPerturbed(f, inputs, diff.get(k), data, e, orig - eps, x.shape());
                data[e] = orig;
                for (int j = 0; j < nOut; j++) {
                    double num = (plus[j] - minus[j]) / (2 * eps);
                    double ana = analytical[k][j][e];
                    if (!(Math.abs(ana - num) <= atol + rtol * Math.abs(num))) {
                        return new Result(false, String.format(java.util.Locale.ROOT,
                                "Jacobian mismatch for output %d with respect to input %d, element %d: numerical %.10g, analytical %.10g",
                                j, diff.get(k), e, num, ana));
                    }
                }
            }
        }
        if (base.length != nOut) return new Result(false, "output size changed");
        return new Result(true, "gradcheck passed");
    }

    private static double[] evalPerturbed(Function<Tensor[], Tensor> f, Tensor[] inputs, int which, double[] data, int e,
                                          double value, int[] shape) {
        data[e] = value;
        Tensor[] in = inputs.clone();
        in[which] = Tensor.fromArray(data.clone(), shape);
        try (GradMode.Guard g = GradMode.noGrad()) {
            return f.apply(in).contiguous().toDoubleArray();
        }
    }
}
