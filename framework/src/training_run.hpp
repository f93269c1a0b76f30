#pragma once
// The host's policy around a trainer: one training per label and run directory, its result
// recorded in train/<label>/result.json and reused by --resume when the genotype is the
// same, its epochs counted for the status line, a training cut short never recorded.
#include <cstdint>
#include <memory>
#include <string>

#include "nashost/config.hpp"
#include "nashost/genotype.hpp"
#include "nashost/strategy.hpp"
#include "session.hpp"

namespace nas::host {

struct TrainerRun {
  std::shared_ptr<Trainer> trainer;
  std::string name;    ///< the trainer component
  int64_t epochs = 0;  ///< its "epochs" option when given: a training reused on --resume counts them as done
};

/// Makes the trainer component (ConfigError for bad options).
TrainerRun make_trainer_run(Session& s, const std::string& name, const Json& options);

/// Trains `g` (labelled `label`, else meta.label, else <trainer>-<n>) unless --resume finds
/// the same training done; returns {label, params, model_file, <metrics>...}. Throws
/// Interrupted when a stop request cut it short (nothing recorded).
Json train_recorded(Session& s, TrainerRun& run, Genotype g, Dataset& data, std::string label);

}  // namespace nas::host
