#pragma once
// Strategy "darts-cc-random": the random-architecture baseline of DARTS-CC (docs/methods.md, DARTS-CC) as
// a strategy without epochs whose derive{count=} returns the genotypes, so scripts
// fine-tune them exactly like searched ones.
#include "nashost/strategy.hpp"

namespace nas::darts_cc {

class RandomShareStrategy : public SearchStrategy {
 public:
  explicit RandomShareStrategy(const Config& options);
  int64_t total_epochs() const override { return 0; }
  int64_t completed_epochs() const override { return 0; }
  Metrics run_epoch() override;
  void save(const std::filesystem::path& file) const override;
  void load(const std::filesystem::path& file) override;
  /// args: count (default: the option), seed (default: the option).
  std::vector<Genotype> derive(const Config& args) override;

 private:
  int64_t count_, seed_, nodes_;
};

}  // namespace nas::darts_cc
