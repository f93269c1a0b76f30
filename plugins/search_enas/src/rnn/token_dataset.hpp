#pragma once
// A tiny in-memory language-model Dataset (token tensors per split). For tests and the
// benchmark, which must not depend on the ptb/wikitext2 plugins; never registered.
#include <map>

#include "nashost/dataset.hpp"

namespace nas::enas {

class TokenDataset final : public Dataset {
 public:
  /// `synthetic` marks generated data; `source` says where the tokens came from.
  TokenDataset(std::string name, int64_t vocab, std::map<Split, at::Tensor> splits, bool synthetic, std::string source);
  /// Uniform random tokens (for timings only: nothing to learn).
  static std::shared_ptr<TokenDataset> random(int64_t vocab, int64_t train, int64_t valid, int64_t test, uint64_t seed);
  /// The first `max_train_tokens` of <dir>/ptb.train.txt plus the first `max_eval_tokens` of valid
  /// and test, tokenised as the reference does (whitespace split + <eos> per line, vocabulary
  /// grown over train, valid, test). DataError naming the file if one is missing.
  static std::shared_ptr<TokenDataset> ptb_subset(const std::string& dir, int64_t max_train_tokens,
                                                  int64_t max_eval_tokens);

  const DatasetInfo& info() const override { return info_; }
  int64_t size(Split split) const override;
  std::unique_ptr<BatchLoader> loader(Split split, const LoaderOptions& options) override;
  at::Tensor tokens(Split split) const override;

 private:
  DatasetInfo info_;
  std::map<Split, at::Tensor> splits_;
};

}  // namespace nas::enas
