#pragma once
// The "darts-eval" trainer: trains a genotype from scratch in the DARTS evaluation network
// and tests it (docs/methods.md, DARTS).
#include <filesystem>
#include <memory>

#include "nashost/config.hpp"
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"
#include "nashost/nn/darts_eval_network.hpp"
#include "nashost/strategy.hpp"

namespace nas::darts {

const OptionList& eval_options();

class DartsEvalTrainer : public Trainer {
 public:
  DartsEvalTrainer(const Config& options, HostContext& ctx);
  int64_t count_params(const Genotype& genotype, Dataset& data) override;
  TrainResult train(const Genotype& genotype, Dataset& data) override;
  nn::DartsEvalNetwork build(const Genotype& genotype, const DatasetInfo& info) const;

 private:
  std::filesystem::path save_model(nn::DartsEvalNetwork& net, const Genotype& g, const DatasetInfo& info,
                                   const std::string& label, int64_t params) const;

  Config options_;
  HostContext& ctx_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace nas::darts
