#include "lambda_range.hpp"

#include <cmath>
#include <string>

#include "nashost/error.hpp"

namespace nas::darts_cc {

LambdaRange::LambdaRange(double log10_min, double log10_max, const std::string& key_prefix)
    : min_(log10_min), max_(log10_max) {
  if (!std::isfinite(min_) || !std::isfinite(max_) || !(min_ < max_))
    throw ConfigError(key_prefix + "log10_lambda_min (" + std::to_string(min_) + ") must be below " + key_prefix +
                      "log10_lambda_max (" + std::to_string(max_) + "); e.g. -8 and -4 for the mini networks");
}

int64_t LambdaRange::knots() const {
  // The original uses int(M − m) + 1; a range under one decade would give a single knot
  // and no segment to interpolate on, so we keep at least two.
  return std::max<int64_t>(2, static_cast<int64_t>(max_ - min_) + 1);
}

double LambdaRange::lambda_at(double lambda_tilde) const { return std::pow(10.0, min_ + lambda_tilde * (max_ - min_)); }

LambdaSample LambdaRange::sample(std::mt19937_64& rng) const {
  std::uniform_real_distribution<double> u(min_, max_);
  const double log10_lambda = u(rng);
  return {std::pow(10.0, log10_lambda), normalize(log10_lambda)};
}

void check_lambda_tilde(double lambda_tilde, const std::string& key) {
  if (!std::isfinite(lambda_tilde) || lambda_tilde < 0.0 || lambda_tilde > 1.0)
    throw ConfigError(key + " = " + std::to_string(lambda_tilde) +
                      " is outside [0, 1]; λ̃ is the normalised complexity (0 = log10_lambda_min, "
                      "1 = log10_lambda_max)");
}

}  // namespace nas::darts_cc
