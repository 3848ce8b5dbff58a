/**
 * Optimizers over parameter groups, modelled on {@code torch.optim} (PyTorch 1.13 and 2.x, {@code foreach=False}
 * update rules): {@link org.sparkgrad.optim.SGD}, {@link org.sparkgrad.optim.Adam},
 * {@link org.sparkgrad.optim.AdamW}, {@link org.sparkgrad.optim.RMSprop}, {@link org.sparkgrad.optim.Adagrad},
 * their base {@link org.sparkgrad.optim.Optimizer} with {@link org.sparkgrad.optim.ParamGroup}s and plain-data
 * state dicts, and gradient clipping ({@link org.sparkgrad.optim.ClipGrad}). Learning-rate schedulers are in
 * {@link org.sparkgrad.optim.lr}.
 */
package org.sparkgrad.optim;
