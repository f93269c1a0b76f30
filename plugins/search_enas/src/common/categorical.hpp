#pragma once
// Drawing the ENAS controllers' decisions.
//
// at::multinomial(p, 1) checks its input on every call (finite, non-negative, rows not all
// zero): ~25 ATen ops and two host syncs (`item`) per decision — 46 syncs per RNN-cell
// sample on a GPU. Its draw itself is argmax(p / q) with q ~ Exp(1); sample_categorical
// makes exactly that draw (the same generator calls, so the same samples: tested), and the
// controllers check the sample's log-probabilities once instead (check_finite_log_probs).
#include <string>

#include <ATen/core/Tensor.h>

namespace nas::enas {

/// One class per row of the probabilities `p` [B, C] → [B] int64, as at::multinomial(p, 1).squeeze(1).
at::Tensor sample_categorical(const at::Tensor& p);

/// Throws nas::Error naming `where` if a log-probability is NaN or infinite (a diverged
/// controller: its logits overflowed), where at::multinomial stopped with its own message.
void check_finite_log_probs(const at::Tensor& log_probs, const std::string& where);

}  // namespace nas::enas
