#include "training_run.hpp"

#include "nashost/error.hpp"
#include "nashost/io.hpp"
#include "nashost/json_text.hpp"

namespace nas::host {
namespace fs = std::filesystem;

namespace {

int64_t epochs_option(const Json& options) {
  return options.is_object() && options.contains("epochs") && options["epochs"].is_number_integer()
             ? options["epochs"].get<int64_t>()
             : 0;
}

}  // namespace

TrainerRun make_trainer_run(Session& s, const std::string& name, const Json& options) {
  TrainerRun run;
  run.name = name;
  run.trainer = s.registry->make_trainer(name, options, *s.context);
  run.epochs = epochs_option(options);
  return run;
}

Json train_recorded(Session& s, TrainerRun& h, Genotype g, Dataset& data, std::string label) {
  if (label.empty()) label = g.meta.value("label", h.name + "-" + std::to_string(++s.unlabelled_trainings[h.name]));
  g.meta["label"] = label;
  const fs::path result_file = s.run_dir / "train" / label / "result.json";
  if (s.resumed && fs::exists(result_file)) {
    Json cached = parse_json_text(read_text_file(result_file), result_file.string());
    if (cached.value("genotype", Json()) == to_json(g)) {
      s.log->info("train '{}': already done in this run, reusing {}", label, result_file.string());
      s.clock.epochs_skipped(RunClock::Kind::Training, h.epochs);
      return cached["result"];
    }
  }
  s.log->info("train '{}' with {}", label, h.name);
  s.in_training = true;  // its epochs' progress reports are training epochs (the status line)
  TrainResult r;
  try {
    r = h.trainer->train(g, data);
  } catch (...) {
    s.in_training = false;
    throw;
  }
  s.in_training = false;
  // A trainer stops early when asked to; its result is partial and must not be cached as
  // this training's result (a --resume would reuse it).
  if (s.context->stop_requested())
    throw Interrupted("training '" + label + "' interrupted by " + std::string(stop_signal_name()) + " (not recorded)");
  Json out = Json::object();
  out["label"] = label;
  out["params"] = r.params;
  for (const auto& [k, v] : r.metrics) out[k] = v;
  out["model_file"] = r.model_file.string();
  atomic_write_text(result_file, Json{{"genotype", to_json(g)}, {"result", out}}.dump(2) + "\n");
  for (const auto& [k, v] : r.metrics) s.context->metrics().scalar("train/" + label + "/" + k, v, 0);
  s.context->metrics().flush();
  return out;
}

}  // namespace nas::host
