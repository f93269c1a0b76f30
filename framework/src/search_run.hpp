#pragma once
// The host's policy around a search strategy, apart from the Lua layer that calls it:
// making it (and, on --resume, loading its checkpoint), running epochs with metrics and a
// status line, an atomic checkpoint after every complete epoch, and what a stop request,
// a diverged loss or a full disk leave on disk (always the last complete epoch).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "nashost/config.hpp"
#include "nashost/genotype.hpp"
#include "nashost/strategy.hpp"
#include "session.hpp"

namespace nas::host {

/// A search of a run and what the host keeps about it.
struct SearchRun {
  std::shared_ptr<SearchStrategy> strategy;
  std::shared_ptr<Dataset> data;
  std::string name;   ///< the strategy component
  std::string label;  ///< names its checkpoint and metrics (default: the component name)
  bool loaded_checkpoint = false;
  bool clock_counted = false;  ///< epochs done before this invocation told to the run clock
};

/// <run>/checkpoints/<label>.ckpt
std::filesystem::path checkpoint_file(const Session& s, const std::string& label);

/// Makes the strategy (ConfigError for bad options) and, when its checkpoint exists,
/// continues from it; on --resume without one it says that the search starts again.
std::shared_ptr<SearchRun> open_search(Session& s, const std::string& name, const Json& options,
                                       std::shared_ptr<Dataset> data, const std::string& label);

/// Runs epochs until `until` (capped at the strategy's total); returns the last epoch's
/// metrics (empty when none ran). Throws Interrupted on a stop request, NumericError or
/// Error naming what is kept on disk.
Metrics run_search(Session& s, SearchRun& search, int64_t until);

/// The strategy's genotypes for `args`, each with meta.strategy and meta.search_epoch.
std::vector<Genotype> derive_genotypes(SearchRun& search, const Json& args);

/// "a 1, b 0.5" for the log.
std::string metrics_line(const Metrics& m);

}  // namespace nas::host
