// Plugin "datasets-text": word-level language-model corpora.
#include <nashost/plugin.hpp>

#include "text/corpus.hpp"

namespace {

void register_components(nas::Registrar& r) {
  using namespace nas::data;
  r.add_dataset({"ptb", "Penn Treebank (Mikolov), word level, 10000-word vocabulary, BPTT batches", corpus_options()},
                [](const nas::Config& cfg, nas::HostContext& ctx) -> std::shared_ptr<nas::Dataset> {
                  return load_corpus(ptb_spec(), cfg, &ctx);
                });
  r.add_dataset(
      {"wikitext2", "WikiText-2 (v1, tokenised), word level, 33278-word vocabulary, BPTT batches", corpus_options()},
      [](const nas::Config& cfg, nas::HostContext& ctx) -> std::shared_ptr<nas::Dataset> {
        return load_corpus(wikitext2_spec(), cfg, &ctx);
      });
}

}  // namespace

NASHOST_PLUGIN("datasets-text", "0.1.0", register_components)
