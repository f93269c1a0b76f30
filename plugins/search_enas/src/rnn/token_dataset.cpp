#include "rnn/token_dataset.hpp"

#include <fstream>
#include <sstream>
#include <unordered_map>

#include <ATen/ATen.h>

#include "nashost/error.hpp"

namespace nas::enas {

TokenDataset::TokenDataset(std::string name, int64_t vocab, std::map<Split, at::Tensor> splits, bool synthetic,
                           std::string source)
    : splits_(std::move(splits)) {
  info_.name = std::move(name);
  info_.task = Task::LanguageModel;
  info_.num_outputs = vocab;
  info_.synthetic = synthetic;
  info_.source = std::move(source);
  if (!splits_.count(Split::TrainFull) && splits_.count(Split::Train))
    splits_[Split::TrainFull] = splits_[Split::Train];
}

std::shared_ptr<TokenDataset> TokenDataset::random(int64_t vocab, int64_t train, int64_t valid, int64_t test,
                                                   uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  auto draw = [&](int64_t n) { return at::randint(vocab, {n}, gen, at::TensorOptions().dtype(at::kLong)); };
  return std::make_shared<TokenDataset>(
      "random-tokens", vocab,
      std::map<Split, at::Tensor>{{Split::Train, draw(train)}, {Split::Valid, draw(valid)}, {Split::Test, draw(test)}},
      true, "synthetic");
}

std::shared_ptr<TokenDataset> TokenDataset::ptb_subset(const std::string& dir, int64_t max_train, int64_t max_eval) {
  std::unordered_map<std::string, int64_t> ids;
  auto read = [&](const std::string& file, int64_t limit) {
    std::ifstream in(dir + "/" + file);
    if (!in) throw DataError("cannot read '" + dir + "/" + file + "' (set NAS_DATA_DIR to the data folder)");
    std::vector<int64_t> out;
    std::string line, word;
    while ((limit <= 0 || static_cast<int64_t>(out.size()) < limit) && std::getline(in, line)) {
      std::istringstream words(line);
      while (words >> word) out.push_back(ids.try_emplace(word, static_cast<int64_t>(ids.size())).first->second);
      out.push_back(ids.try_emplace("<eos>", static_cast<int64_t>(ids.size())).first->second);
    }
    return at::tensor(out, at::TensorOptions().dtype(at::kLong));
  };
  std::map<Split, at::Tensor> splits{{Split::Train, read("ptb.train.txt", max_train)},
                                     {Split::Valid, read("ptb.valid.txt", max_eval)},
                                     {Split::Test, read("ptb.test.txt", max_eval)}};
  return std::make_shared<TokenDataset>("ptb-subset", static_cast<int64_t>(ids.size()), std::move(splits), false, dir);
}

int64_t TokenDataset::size(Split split) const { return tokens(split).numel(); }

std::unique_ptr<BatchLoader> TokenDataset::loader(Split, const LoaderOptions&) {
  throw Error("TokenDataset: batch loaders are not provided (ENAS reads tokens())");
}

at::Tensor TokenDataset::tokens(Split split) const {
  auto it = splits_.find(split);
  if (it == splits_.end()) throw DataError(info_.name + ": no split '" + split_name(split) + "'");
  return it->second;
}

}  // namespace nas::enas
