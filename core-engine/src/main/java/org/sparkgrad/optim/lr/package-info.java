/**
 * Learning-rate schedulers, modelled on {@code torch.optim.lr_scheduler} (PyTorch 1.13): epoch schedulers
 * derived from {@link org.sparkgrad.optim.lr.LRScheduler} ({@link org.sparkgrad.optim.lr.StepLR},
 * {@link org.sparkgrad.optim.lr.MultiStepLR}, {@link org.sparkgrad.optim.lr.ExponentialLR},
 * {@link org.sparkgrad.optim.lr.CosineAnnealingLR}, {@link org.sparkgrad.optim.lr.LinearLR},
 * {@link org.sparkgrad.optim.lr.OneCycleLR}, {@link org.sparkgrad.optim.lr.SequentialLR}) and the
 * metric-driven {@link org.sparkgrad.optim.lr.ReduceLROnPlateau}. All rates are computed in double precision
 * and written to the optimizer's parameter groups ({@code lr}, and momentum/betas for OneCycleLR).
 */
package org.sparkgrad.optim.lr;
