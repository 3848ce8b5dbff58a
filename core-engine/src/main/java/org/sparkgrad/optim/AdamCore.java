package org.sparkgrad.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparkgrad.tensor.Tensor;

/** The update shared by {@link Adam} (L2 weight decay) and {@link AdamW} (decoupled weight decay). */
abstract class AdamCore extends Optimizer {
    private final boolean decoupled;

    AdamCore(Iterable<Tensor> params, double weightDecay, boolean decoupled) {
        super(params, initialDefaults(weightDecay));
        this.decoupled = decoupled;
    }

    AdamCore(List<ParamGroup> groups, double weightDecay, boolean decoupled) {
        super(groups, initialDefaults(weightDecay));
        this.decoupled = decoupled;
    }

    private static Map<String, Object> initialDefaults(double weightDecay) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("lr", 1e-3);
        d.put("betas", List.of(0.9, 0.999));
        d.put("eps", 1e-8);
        d.put("weight_decay", weightDecay);
        d.put("amsgrad", false);
        d.put("maximize", false);
        return d;
    }

    static void checkBetas(double beta1, double beta2) {
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("Invalid beta parameter at index 0: " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Invalid beta parameter at index 1: " + beta2);
    }

    @Override protected void validate(ParamGroup g) {
        checkNonNegative("learning rate", g.getDouble("lr"));
        checkNonNegative("epsilon value", g.getDouble("eps"));
        checkNonNegative("weight_decay value", g.getDouble("weight_decay"));
        double[] b = g.getDoubles("betas");
        if (b.length != 2) throw new IllegalArgumentException("betas must hold 2 values, got " + b.length);
        checkBetas(b[0], b[1]);
    }

    @Override protected void update(Tensor p, Tensor grad, Map<String, Object> state, ParamGroup g) {
        double lr = g.getDouble("lr"), eps = g.getDouble("eps"), wd = g.getDouble("weight_decay");
        double[] betas = g.getDoubles("betas");
        double beta1 = betas[0], beta2 = betas[1];
        boolean amsgrad = g.getBoolean("amsgrad");
        Tensor expAvg = stateTensor(state, "exp_avg", p, 0);
        Tensor expAvgSq = stateTensor(state, "exp_avg_sq", p, 0);
        Tensor maxExpAvgSq = amsgrad ? stateTensor(state, "max_exp_avg_sq", p, 0) : null;
        long step = stepCount(state) + 1;
        state.put("step", step);

        Tensor gr = g.getBoolean("maximize") ? grad.neg() : grad;
        if (decoupled) {
            p.mul_(1 - lr * wd);
        } else if (wd != 0) {
            gr = gr.add(p, wd);
        }
        expAvg.mul_(beta1).add_(gr, 1 - beta1);
        InPlace.addcmul(expAvgSq.mul_(beta2), gr, gr, 1 - beta2);

        double biasCorrection1 = 1 - Math.pow(beta1, step);
        double biasCorrection2 = 1 - Math.pow(beta2, step);
        double stepSize = lr / biasCorrection1;
        double biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
        Tensor second = expAvgSq;
        if (amsgrad) {
            InPlace.maximum(maxExpAvgSq, expAvgSq);
            second = maxExpAvgSq;
        }
        Tensor denom = InPlace.divScalar(second.sqrt(), biasCorrection2Sqrt).add_(eps);
        InPlace.addcdiv(p, expAvg, denom, -stepSize);
    }
}
