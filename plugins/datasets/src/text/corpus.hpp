#pragma once
// Word-level language-model corpora (PTB, WikiText-2) as in ENAS (docs/methods.md, ENAS):
// whitespace tokens plus one <eos> per line; one vocabulary grown in order of first
// appearance over train, then valid, then test.
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ATen/core/Tensor.h>

#include "nashost/config.hpp"
#include "nashost/context.hpp"
#include "nashost/dataset.hpp"

namespace nas::data {

struct CorpusSpec {
  std::string name;                                               ///< registry name
  std::string dir;                                                ///< sub-folder of the data directory
  std::string source;                                             ///< where the official files come from
  std::vector<std::string> train_names, valid_names, test_names;  ///< accepted file names, in order
  int64_t documented_vocabulary = 0;  ///< words (with <eos>) of the official files; 0 = unknown
};

const CorpusSpec& ptb_spec();
const CorpusSpec& wikitext2_spec();
OptionList corpus_options();

/// Throws DataError naming `file`, the line and the byte offset of the first invalid UTF-8
/// sequence or control character (anything below U+0020 but tab, CR and LF; DEL; U+0080..
/// U+009F) in `text`: a binary or damaged file must not pass as a corpus of odd "words".
void check_text(std::string_view text, const std::string& file);

/// Grows `vocab`/`index` with unseen words of `text` and returns its ids; DataError naming
/// `file` if it is not clean text (check_text) or holds no tokens at all.
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
