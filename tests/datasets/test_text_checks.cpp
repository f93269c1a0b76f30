// Text corpora are checked: bytes that are not clean UTF-8 text stop the load with the file,
// line and byte offset; a vocabulary far from the documented size is warned about; absent
// files are DataMissingError (the only error a script may fall back on).
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "nashost/error.hpp"
#include "nashost/support/standalone_context.hpp"
#include "test_helpers.hpp"
#include "text/corpus.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

nas::Config corpus_config(const fs::path& dir) {
  return nas::Config::validated({{"data_dir", dir.string()}}, nas::data::corpus_options(), "dataset");
}

// Loads `spec` from `dir` and returns the DataError's message ("" when it loads).
std::string load_error(const nas::data::CorpusSpec& spec, const fs::path& dir) {
  try {
    nas::data::load_corpus(spec, corpus_config(dir), nullptr);
  } catch (const nas::DataError& e) {
    return e.what();
  }
  return "";
}

std::string check_error(const std::string& text) {
  try {
    nas::data::check_text(text, "f.txt");
  } catch (const nas::DataError& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A context whose loggers write into one string, to see the warnings.
class CapturingContext : public nas::StandaloneContext {
 public:
  explicit CapturingContext(const fs::path& dir) : StandaloneContext(dir) {}
  std::shared_ptr<spdlog::logger> logger(const std::string& component) override {
    auto l = std::make_shared<spdlog::logger>(component, std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    l->set_level(spdlog::level::info);
    return l;
  }
  std::ostringstream out;
};

}  // namespace

TEST(TextChecks, RandomBytesAreNotACorpus) {
  // 2 MB of random bytes used to load as a 52k-word "vocabulary".
  nas::test::TempDir tmp("text-random");
  std::mt19937 rng(5);
  std::vector<uint8_t> noise(2 << 20);
  for (auto& b : noise) b = static_cast<uint8_t>(rng());
  nas::test::write_file(tmp.path / "ptb.train.txt", noise);
  nas::test::write_file(tmp.path / "ptb.valid.txt", bytes("a b\n"));
  nas::test::write_file(tmp.path / "ptb.test.txt", bytes("a b\n"));
  const std::string e = load_error(nas::data::ptb_spec(), tmp.path);
  EXPECT_TRUE(has(e, (tmp.path / "ptb.train.txt").string())) << e;
  EXPECT_TRUE(has(e, "line ")) << e;
  EXPECT_TRUE(has(e, "byte offset ")) << e;
}

TEST(TextChecks, ControlCharactersAndBadUtf8NameLineAndOffset) {
  EXPECT_EQ(check_error("a b\tc\r\nd \xC3\xA9t\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80\n"), "");  // tab, CR, é, 中, 😀
  const std::string c = check_error("a b\nc\x01 d\n");
  EXPECT_TRUE(has(c, "f.txt: control character 0x01 at line 2 (byte offset 5)")) << c;
  EXPECT_TRUE(has(check_error("x\fy"), "control character 0x0C at line 1")) << check_error("x\fy");
  EXPECT_TRUE(has(check_error("x\x7F"), "control character 0x7F"));
  EXPECT_TRUE(has(check_error("\n\nab\xC2\x85"), "control character U+0085 at line 3 (byte offset 4)"));
  EXPECT_TRUE(has(check_error("ab\xFF"), "invalid UTF-8 (byte 0xFF) at line 1 (byte offset 2)"));
  EXPECT_TRUE(has(check_error("\xC0\x80"), "invalid UTF-8"));      // overlong NUL
  EXPECT_TRUE(has(check_error("\xED\xA0\x80"), "invalid UTF-8"));  // a surrogate
  EXPECT_TRUE(has(check_error("\xC3 x"), "invalid UTF-8 (byte 0x20 after 0xC3)"));
  EXPECT_TRUE(has(check_error("ab\xE2\x82"), "cut off by the end of the file"));
}

TEST(TextChecks, AbsentCorpusIsDataMissingError) {
  nas::test::TempDir tmp("text-absent");
  EXPECT_THROW(nas::data::load_corpus(nas::data::wikitext2_spec(), corpus_config(tmp.path), nullptr),
               nas::DataMissingError);
}

TEST(TextChecks, VocabularyFarFromTheDocumentedSizeIsWarned) {
  nas::test::TempDir tmp("text-vocab");
  nas::test::write_file(tmp.path / "ptb.train.txt", bytes(" a b c \n d e \n"));
  nas::test::write_file(tmp.path / "ptb.valid.txt", bytes("a\n"));
  nas::test::write_file(tmp.path / "ptb.test.txt", bytes("b\n"));
  CapturingContext ctx(tmp.path);
  nas::data::load_corpus(nas::data::ptb_spec(), corpus_config(tmp.path), &ctx);
  const std::string log = ctx.out.str();
  EXPECT_TRUE(has(log, "vocabulary of 6 words")) << log;
  EXPECT_TRUE(has(log, "have 10000")) << log;
}

TEST(TextChecks, RealCorporaLoadWithoutWarnings) {
  const fs::path root = nas::test::shared_data_root();
  for (const auto* spec : {&nas::data::ptb_spec(), &nas::data::wikitext2_spec()}) {
    CapturingContext ctx(root);
    auto d = nas::data::load_corpus(*spec, corpus_config(root / spec->dir), &ctx);
    EXPECT_EQ(d->info().num_outputs, spec->documented_vocabulary);
    EXPECT_FALSE(has(ctx.out.str(), "[warning]")) << ctx.out.str();
  }
}
