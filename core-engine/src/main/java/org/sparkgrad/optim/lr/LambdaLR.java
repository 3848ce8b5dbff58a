package org.sparkgrad.optim.lr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.sparkgrad.optim.Optimizer;

/**
 * Sets each group's learning rate to its base rate times a function of the epoch
 * ({@code torch.optim.lr_scheduler.LambdaLR}, PyTorch 2.x): {@code lr = base_lr * lambda(epoch)}, where
 * {@code base_lr} is the group's {@code initial_lr}. One function for all groups, or one per group.
 * <pre>{@code
 * // linear warm-up over 100 steps, then constant
 * LambdaLR warmup = new LambdaLR(opt, step -> Math.min(1.0, (step + 1) / 100.0));
 * }</pre>
 * The functions are not part of {@link #stateDict()} (PyTorch saves only callable objects' fields).
 */
public final class LambdaLR extends LRScheduler {
    private List<IntToDoubleFunction> lambdas;

    /** One function for every group, starting fresh. */
    public LambdaLR(Optimizer optimizer, IntToDoubleFunction lrLambda) { this(optimizer, lrLambda, -1); }

    /** One function for every group; {@code lastEpoch} -1 starts fresh, else the epoch to resume from. */
    public LambdaLR(Optimizer optimizer, IntToDoubleFunction lrLambda, int lastEpoch) {
        super(optimizer, lastEpoch);
        if (lrLambda == null) throw new IllegalArgumentException("LambdaLR needs a function");
        lambdas = Collections.nCopies(optimizer.paramGroups().size(), lrLambda);
        initialStep();
    }

    /** One function per group, starting fresh. */
    public LambdaLR(Optimizer optimizer, List<? extends IntToDoubleFunction> perGroup) { this(optimizer, perGroup, -1); }

    /**
     * One function per group.
     *
     * @throws IllegalArgumentException when the number of functions differs from the number of groups
     */
    public LambdaLR(Optimizer optimizer, List<? extends IntToDoubleFunction> perGroup, int lastEpoch) {
        super(optimizer, lastEpoch);
        lambdas = checkedLambdas(optimizer, perGroup);
        initialStep();
    }

    static List<IntToDoubleFunction> checkedLambdas(Optimizer optimizer, List<? extends IntToDoubleFunction> perGroup) {
        int n = optimizer.paramGroups().size();
        if (perGroup.size() != n) throw new IllegalArgumentException("Expected " + n + " lr_lambdas, but got " + perGroup.size());
        for (IntToDoubleFunction f : perGroup) if (f == null) throw new IllegalArgumentException("lr_lambda must not be null");
        return Collections.unmodifiableList(new ArrayList<>(perGroup));
    }

    @Override protected double[] computeLr() {
        double[] r = new double[Math.min(lambdas.size(), baseLrs.length)];
        for (int i = 0; i < r.length; i++) r[i] = baseLrs[i] * lambdas.get(i).applyAsDouble(lastEpoch);
        return r;
    }
}
