// The micro (cell) space behind the CnnSearchSpace interface (micro_controller + micro_cnn).
#include "cnn/micro/micro_space.hpp"

#include <ATen/ATen.h>

#include "cnn/micro/micro_controller.hpp"
#include "cnn/cnn_training.hpp"
#include "nashost/error.hpp"
#include "nashost/genotype_formats.hpp"
#include "nashost/nn/limits.hpp"
#include "cnn/micro/micro_cnn.hpp"

namespace nas::enas {

namespace {

class MicroSpace final : public CnnSearchSpace {
 public:
  MicroSpace(const Config& o, const DatasetInfo& info, HostContext& ctx, bool random)
      : ops_(ctx.operation_set(o.get_string("operation_set"))),
        nodes_(static_cast<int>(o.get_int_in("num_blocks", 1, nn::kMaxNodes))) {
    CnnControllerConfig cc;
    cc.num_nodes = nodes_;
    cc.num_ops = static_cast<int>(ops_->ops().size());
    cc.hidden = static_cast<int>(o.get_int_in("controller_hid", 1, nn::kMaxHidden));
    cc.temperature = o.get_float("softmax_temperature");
    cc.tanh_c = o.get_float("tanh_c");
    cc.op_tanh_reduce = o.get_float("op_tanh_reduce");
    cc.uniform = random;
    controller_ = CnnController(cc);
    // The micro search network has no auxiliary head (the authors' micro search has none;
    // only its final network does): refuse the option rather than ignore it.
    if (o.get_bool("auxiliary"))
      throw ConfigError(o.full_key("auxiliary") +
                        ": the micro search has no auxiliary head (cnn_space = \"macro\" only)");
    shared_ = SharedCnn(SharedCnnConfig::for_data(info, o, nodes_), *ops_);
  }
  const char* name() const override { return "micro"; }
  torch::nn::Module& shared() override { return *shared_; }
  torch::nn::Module& controller() override { return *controller_; }
  int64_t num_decisions() const override { return controller_->num_decisions(); }

  SpaceSample sample(int64_t batch) override {
    CnnControllerSample s = controller_->sample(batch);
    SpaceSample out{{}, s.log_probs, s.entropies, at::zeros({batch}, s.log_probs.options())};
    for (const auto& a : s.arcs) {
      ArcSeq seq = a.normal.seq;
      seq.insert(seq.end(), a.reduce.seq.begin(), a.reduce.seq.end());
      out.arcs.push_back(std::move(seq));
    }
    return out;
  }
  at::Tensor forward(const at::Tensor& x, const ArcSeq& arc, bool dropout) override {
    return shared_->forward(x, cells(arc), dropout);
  }
  at::Tensor aux_logits() const override { return at::Tensor(); }
  int64_t shared_parameters() const override { return count_parameters(*shared_); }
  Genotype genotype(const ArcSeq& arc) const override { return arc_genotype(cells(arc), ops_->ops()); }
  std::string summary(const ArcSeq& arc) const override { return arc_summary(cells(arc), ops_->ops()); }
  std::vector<std::pair<std::string, std::string>> pictures(const ArcSeq& arc,
                                                            const std::string& caption) const override {
    const Genotype g = genotype(arc);
    return {{"normal", cell_to_dot(g.normal, "normal cell, " + caption)},
            {"reduce", cell_to_dot(g.reduce, "reduce cell, " + caption)}};
  }
  void save_shared(const std::filesystem::path& file) override { save_shared_cnn(*shared_, ops_->ops(), file); }
  std::string describe() const override {
    const auto& c = shared_->config();
    return "micro space: shared CNN " + std::to_string(count_parameters(*shared_)) + " parameters (" +
           std::to_string(c.num_layers + 2) + " cells of " + std::to_string(c.num_nodes) +
           " nodes, C=" + std::to_string(c.channels) + "), controller " + std::to_string(num_decisions()) +
           " decisions";
  }

 private:
  CnnArc cells(const ArcSeq& arc) const {
    if (arc.size() != static_cast<size_t>(8 * nodes_))
      throw Error("enas micro space: an arc of " + std::to_string(arc.size()) + " entries, expected " +
                  std::to_string(8 * nodes_));
    CnnArc a;
    a.normal.seq.assign(arc.begin(), arc.begin() + 4 * nodes_);
    a.reduce.seq.assign(arc.begin() + 4 * nodes_, arc.end());
    return a;
  }

  std::shared_ptr<const OperationSet> ops_;
  int nodes_;
  CnnController controller_{nullptr};
  SharedCnn shared_{nullptr};
};

}  // namespace

std::unique_ptr<CnnSearchSpace> make_micro_space(const Config& options, const DatasetInfo& info, HostContext& ctx,
                                                 bool random) {
  return std::make_unique<MicroSpace>(options, info, ctx, random);
}

}  // namespace nas::enas
