/**
 * Learning-rate schedulers, modelled on {@code torch.optim.lr_scheduler} (PyTorch 1.13 and 2.x; the formulas
 * of its documentation and its {@code get_lr}/{@code _get_closed_form_lr} code): epoch schedulers derived from
 * {@link org.sparkgrad.optim.lr.LRScheduler} ({@link org.sparkgrad.optim.lr.StepLR},
 * {@link org.sparkgrad.optim.lr.MultiStepLR}, {@link org.sparkgrad.optim.lr.ExponentialLR},
 * {@link org.sparkgrad.optim.lr.CosineAnnealingLR}, {@link org.sparkgrad.optim.lr.CosineAnnealingWarmRestarts},
 * {@link org.sparkgrad.optim.lr.LinearLR}, {@link org.sparkgrad.optim.lr.ConstantLR},
 * {@link org.sparkgrad.optim.lr.PolynomialLR}, {@link org.sparkgrad.optim.lr.LambdaLR},
 * {@link org.sparkgrad.optim.lr.MultiplicativeLR}, {@link org.sparkgrad.optim.lr.OneCycleLR},
 * {@link org.sparkgrad.optim.lr.CyclicLR}, and the composites {@link org.sparkgrad.optim.lr.SequentialLR} and
 * {@link org.sparkgrad.optim.lr.ChainedScheduler}) and the metric-driven
 * {@link org.sparkgrad.optim.lr.ReduceLROnPlateau}. All rates are computed in double precision and written to
 * the optimizer's parameter groups ({@code lr}, and momentum/betas for OneCycleLR and CyclicLR).
 */
package org.sparkgrad.optim.lr;
