#include "cnn/macro/macro_space.hpp"

#include "nashost/genotype_macro.hpp"

#include "cnn/cnn_training.hpp"
#include "cnn/macro/macro_cnn.hpp"
#include "cnn/macro/macro_controller.hpp"
#include "nashost/error.hpp"
#include "nashost/nn/limits.hpp"

namespace nas::enas {

namespace {

class MacroSpace final : public CnnSearchSpace {
 public:
  MacroSpace(const Config& o, const DatasetInfo& info, bool random) : skip_weight_(o.get_float("skip_weight")) {
    MacroControllerConfig cc;
    cc.num_layers = static_cast<int>(o.get_int_in("num_layers", 1, nn::kMaxLayers));
    cc.hidden = static_cast<int>(o.get_int_in("controller_hid", 1, nn::kMaxHidden));
    cc.temperature = o.get_float("softmax_temperature");
    cc.tanh_c = o.get_float("tanh_c");
    cc.skip_target = o.get_float("skip_target");
    cc.uniform = random;
    if (skip_weight_ < 0) throw ConfigError(o.full_key("skip_weight") + " must be >= 0");
    controller_ = MacroController(cc);
    // One width in the search network (docs/methods.md, ENAS); `auxiliary`: the authors' macro search has
    // the authors' aux head.
    shared_ = MacroCnn(
        MacroCnnConfig::for_data(info, o, o.get_int_in("num_layers", 1, nn::kMaxLayers), /*grow_channels=*/false));
  }
  const char* name() const override { return "macro"; }
  torch::nn::Module& shared() override { return *shared_; }
  torch::nn::Module& controller() override { return *controller_; }
  int64_t num_decisions() const override { return controller_->num_decisions(); }

  SpaceSample sample(int64_t batch) override {
    MacroControllerSample s = controller_->sample(batch);
    SpaceSample out{{}, s.log_probs, s.entropies, skip_weight_ * s.skip_penalty};
    for (const auto& a : s.arcs) out.arcs.push_back(macro_to_seq(a));
    return out;
  }
  at::Tensor forward(const at::Tensor& x, const ArcSeq& arc, bool dropout) override {
    return shared_->forward(x, layers(arc), dropout);
  }
  at::Tensor aux_logits() const override { return shared_->aux_logits(); }
  int64_t shared_parameters() const override { return count_parameters(*shared_) - shared_->aux_parameter_count(); }
  Genotype genotype(const ArcSeq& arc) const override { return macro_genotype(layers(arc)); }
  std::string summary(const ArcSeq& arc) const override { return macro_summary(layers(arc)); }
  std::vector<std::pair<std::string, std::string>> pictures(const ArcSeq& arc,
                                                            const std::string& caption) const override {
    return {{"network", macro_network_to_dot(macro_genotype(layers(arc)), caption)}};
  }
  void save_shared(const std::filesystem::path& file) override { save_macro_cnn(*shared_, file); }
  std::string describe() const override {
    const auto& c = shared_->config();
    const int64_t aux = shared_->aux_parameter_count();
    return "macro space: shared CNN " + std::to_string(shared_parameters()) + " parameters (" +
           std::to_string(c.num_layers) + " layers, C=" + std::to_string(c.channels) + ")" +
           (aux > 0
                ? " + auxiliary head " + std::to_string(aux) + " after layer " + std::to_string(shared_->aux_layer())
                : std::string()) +
           ", controller " + std::to_string(num_decisions()) + " decisions, skip penalty " +
           std::to_string(skip_weight_) + " x KL(p || " + std::to_string(controller_->config().skip_target) + ")";
  }

 private:
  MacroArc layers(const ArcSeq& arc) const {
    return macro_from_seq(arc, static_cast<int>(shared_->config().num_layers));
  }

  double skip_weight_;
  MacroController controller_{nullptr};
  MacroCnn shared_{nullptr};
};

}  // namespace

std::unique_ptr<CnnSearchSpace> make_macro_space(const Config& options, const DatasetInfo& info, bool random) {
  return std::make_unique<MacroSpace>(options, info, random);
}

}  // namespace nas::enas
