// Word-level text corpora (PTB, WikiText-2; plugins/datasets/src/text/corpus.cpp): the
// tokenizer over the raw text, then the BPTT batches the language-model loader cuts from
// the token stream, as load_corpus and CorpusDataset::loader do.
#include <ATen/ATen.h>

#include "fuzz_util.hpp"
#include "text/corpus.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  nas::fuzz::guarded([&] {
    nas::data::Vocabulary vocab;
    std::vector<int64_t> ids = vocab.tokenize(text, "fuzz.txt");
    // The vocabulary grows across splits: a second file reuses and extends it.
    const std::vector<int64_t> again = vocab.tokenize(text.substr(text.size() / 2), "fuzz-valid.txt");
    ids.insert(ids.end(), again.begin(), again.end());
    for (int64_t id : ids)
      if (id < 0 || id >= static_cast<int64_t>(vocab.words().size()))
        nas::fuzz::finding("token id outside the vocabulary");
    const at::Tensor stream = at::tensor(ids, at::kLong);
    nas::LoaderOptions options;
    options.batch_size = 1 + static_cast<int64_t>(size % 5);
    options.bptt = 1 + static_cast<int64_t>(size % 7);
    options.drop_last = (size & 1) != 0;
    nas::data::BpttLoader loader(stream, options, "fuzz");
    loader.start_epoch(0);
    int64_t batches = 0;
    while (auto batch = loader.next()) {
      if (batch->input.sizes() != batch->target.sizes()) nas::fuzz::finding("BPTT input and target shapes differ");
      ++batches;
    }
    if (batches != loader.batches_per_epoch()) nas::fuzz::finding("BPTT batch count differs from batches_per_epoch()");
  });
  return 0;
}
