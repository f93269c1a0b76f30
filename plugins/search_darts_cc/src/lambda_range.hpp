#pragma once
// The complexity multiplier λ of DARTS-CC: its configured log10 range, the normalised
// coordinate λ̃ the hypernetworks see, and log-uniform sampling (docs/methods.md, DARTS-CC).
#include <cstdint>
#include <random>

namespace nas::darts_cc {

struct LambdaSample {
  double lambda = 0.0;        ///< raw λ: multiplies the parameter penalty
  double lambda_tilde = 0.0;  ///< normalised λ̃ ∈ [0, 1]: input of the hypernets and head
};

class LambdaRange {
 public:
  /// Throws ConfigError (naming `key_prefix`.log10_lambda_min/max) unless min < max.
  LambdaRange(double log10_min, double log10_max, const std::string& key_prefix = "");
  double log10_min() const { return min_; }
  double log10_max() const { return max_; }
  /// K = int(M − m) + 1 knots (one per decade), at least 2 so that there is a segment.
  int64_t knots() const;
  double normalize(double log10_lambda) const { return (log10_lambda - min_) / (max_ - min_); }
  double lambda_at(double lambda_tilde) const;
  /// u ~ Uniform(m, M), λ = 10^u.
  LambdaSample sample(std::mt19937_64& rng) const;

 private:
  double min_, max_;
};

/// Checks λ̃ ∈ [0, 1]; throws ConfigError naming `key` otherwise.
void check_lambda_tilde(double lambda_tilde, const std::string& key);

}  // namespace nas::darts_cc
