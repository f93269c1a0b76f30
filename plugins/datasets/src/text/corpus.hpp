#pragma once
// Word-level language-model corpora (PTB, WikiText-2) as in ENAS (method-enas.md §5.1):
// whitespace tokens plus one <eos> per line; one vocabulary grown in order of first
// appearance over train, then valid, then test.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/config.hpp"
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"

namespace nas::data {

struct CorpusSpec {
  std::string name;     ///< registry name
  std::string dir;      ///< sub-folder of the data directory
  std::string source;   ///< where the official files come from
  std::vector<std::string> train_names, valid_names, test_names;  ///< accepted file names, in order
};

const CorpusSpec& ptb_spec();
const CorpusSpec& wikitext2_spec();
OptionList corpus_options();

/// Grows `vocab`/`index` with unseen words of `text` and returns its ids; DataError naming
/// `file` if it holds no tokens at all.
class Vocabulary {
 public:
  std::vector<int64_t> tokenize(const std::string& text, const std::string& file);
  const std::vector<std::string>& words() const { return words_; }

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, int64_t> ids_;
};

class CorpusDataset final : public Dataset {
 public:
  CorpusDataset(DatasetInfo info, std::vector<std::string> vocabulary, at::Tensor train, at::Tensor valid,
                at::Tensor test);
  const DatasetInfo& info() const override { return info_; }
  int64_t size(Split split) const override;
  std::unique_ptr<BatchLoader> loader(Split split, const LoaderOptions& options) override;
  at::Tensor tokens(Split split) const override;
  std::vector<std::string> vocabulary() const override { return vocabulary_; }

 private:
  DatasetInfo info_;
  std::vector<std::string> vocabulary_;
  at::Tensor train_, valid_, test_;
};

std::shared_ptr<CorpusDataset> load_corpus(const CorpusSpec& spec, const Config& cfg, HostContext* ctx);

/// BPTT batches over a token stream: the stream (tail dropped to a multiple of N) is cut
/// into N contiguous columns, and batch k holds rows [k·T, k·T+L) as input and the next
/// rows shifted by one as target, L = min(T, rows−1−k·T). Order is fixed (sequential),
/// so `shuffle` and the seed do not apply.
class BpttLoader final : public BatchLoader {
 public:
  BpttLoader(const at::Tensor& stream, const LoaderOptions& options, const std::string& what);
  int64_t batches_per_epoch() const override;
  void start_epoch(int64_t epoch) override;
  std::optional<Batch> next() override;

 private:
  at::Tensor data_;  ///< rows × N, on the loader's device
  int64_t bptt_;
  bool drop_last_;
  int64_t next_ = 0;
};

}  // namespace nas::data
