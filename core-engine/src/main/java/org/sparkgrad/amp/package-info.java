/**
 * Automatic mixed precision helpers, modelled on {@code torch.amp} (PyTorch 1.13 and 2.x). For now this is
 * {@link org.sparkgrad.amp.GradScaler}, dynamic loss scaling as described by Micikevicius et al. (2018), "Mixed
 * Precision Training" (ICLR 2018, arXiv:1710.03740), section 3.2, with the skip, back-off and growth policy of
 * {@code torch.amp.GradScaler}. It works on tensors of any device through ordinary tensor ops.
 */
package org.sparkgrad.amp;
