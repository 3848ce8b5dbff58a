package org.sparkgrad.optim.lr;

import java.util.Collections;
import java.util.List;
import java.util.function.IntToDoubleFunction;
import org.sparkgrad.optim.Optimizer;

/**
 * Multiplies each group's current learning rate by a function of the epoch at every step after the first
 * ({@code torch.optim.lr_scheduler.MultiplicativeLR}, PyTorch 2.x): {@code lr_e = lr_(e-1) * lambda(e)} for
 * {@code e > 0}; epoch 0 keeps the rate. One function for all groups, or one per group. The functions are not
 * part of {@link #stateDict()}.
 */
public final class MultiplicativeLR extends LRScheduler {
    private List<IntToDoubleFunction> lambdas;

    /** One function for every group, starting fresh. */
    public MultiplicativeLR(Optimizer optimizer, IntToDoubleFunction lrLambda) { this(optimizer, lrLambda, -1); }

    /** One function for every group; {@code lastEpoch} -1 starts fresh, else the epoch to resume from. */
    public MultiplicativeLR(Optimizer optimizer, IntToDoubleFunction lrLambda, int lastEpoch) {
        super(optimizer, lastEpoch);
        if (lrLambda == null) throw new IllegalArgumentException("MultiplicativeLR needs a function");
        lambdas = Collections.nCopies(optimizer.paramGroups().size(), lrLambda);
        initialStep();
    }

    /** One function per group, starting fresh. */
    public MultiplicativeLR(Optimizer optimizer, List<? extends IntToDoubleFunction> perGroup) { this(optimizer, perGroup, -1); }

    /**
     * One function per group.
     *
     * @throws IllegalArgumentException when the number of functions differs from the number of groups
     */
    public MultiplicativeLR(Optimizer optimizer, List<? extends IntToDoubleFunction> perGroup, int lastEpoch) {
        super(optimizer, lastEpoch);
        lambdas = LambdaLR.checkedLambdas(optimizer, perGroup);
        initialStep();
    }

    @Override protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch <= 0) return lr;
        double[] r = new double[Math.min(lambdas.size(), lr.length)];
        for (int i = 0; i < r.length; i++) r[i] = lr[i] * lambdas.get(i).applyAsDouble(lastEpoch);
        return r;
    }
}
