// Language-model corpora: the real PTB and WikiText-2 files, small generated corpora,
// BPTT batching and the errors for empty or missing files.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "test_helpers.hpp"
#include "text/corpus.hpp"

using nas::Split;
namespace fs = std::filesystem;

namespace {
std::shared_ptr<nas::data::CorpusDataset> corpus(const nas::data::CorpusSpec& spec, const fs::path& dir,
                                                 int64_t subset = 0) {
  return nas::data::load_corpus(
      spec,
      nas::Config::validated({{"data_dir", dir.string()}, {"subset", subset}}, nas::data::corpus_options(), "dataset"),
      nullptr);
}
std::vector<uint8_t> text(const std::string& s) { return {s.begin(), s.end()}; }
}  // namespace

TEST(RealText, PtbCountsAndVocabulary) {
  auto d = corpus(nas::data::ptb_spec(), nas::test::shared_data_root() / "ptb");
  EXPECT_EQ(d->info().task, nas::Task::LanguageModel);
  EXPECT_EQ(d->info().num_outputs, 10000);
  EXPECT_EQ(d->vocabulary().size(), 10000u);
  EXPECT_EQ(d->size(Split::Train), 929589);
  EXPECT_EQ(d->size(Split::TrainFull), 929589);
  EXPECT_EQ(d->size(Split::Valid), 73760);
  EXPECT_EQ(d->size(Split::Test), 82430);
  // First line of ptb.train.txt: " aer banknote berlitz ... " → ids 0, 1, 2 in order of appearance.
  const auto vocab = d->vocabulary();
  EXPECT_EQ(vocab[0], "aer");
  EXPECT_EQ(vocab[1], "banknote");
  const at::Tensor t = d->tokens(Split::Train);
  EXPECT_EQ(t.scalar_type(), at::kLong);
  EXPECT_EQ(t[0].item<int64_t>(), 0);
  const auto eos = std::find(vocab.begin(), vocab.end(), "<eos>") - vocab.begin();
  EXPECT_EQ(t.eq(eos).sum().item<int64_t>(), 42068);  // one per line
  EXPECT_EQ(t[-1].item<int64_t>(), eos);
}

TEST(RealText, WikiText2CountsAndVocabulary) {
  auto d = corpus(nas::data::wikitext2_spec(), nas::test::shared_data_root() / "wikitext-2");
  EXPECT_EQ(d->info().num_outputs, 33278);
  EXPECT_EQ(d->size(Split::Train), 2088628);
  EXPECT_EQ(d->size(Split::Valid), 217646);
  EXPECT_EQ(d->size(Split::Test), 245569);
  // The first line of wiki.train.tokens is empty: <eos> gets id 0.
  EXPECT_EQ(d->vocabulary()[0], "<eos>");
}

TEST(Text, VocabularyGrowsTrainValidTestAndBpttBatchesShiftByOne) {
  nas::test::TempDir tmp("text");
  nas::test::write_file(tmp.path / "train.txt", text(" a b c \n d a \n\n b e f g h \n"));
  nas::test::write_file(tmp.path / "valid.txt", text(" x a\n"));
  nas::test::write_file(tmp.path / "test.txt", text("y\n"));
  auto d = corpus(nas::data::ptb_spec(), tmp.path);
  EXPECT_EQ(d->vocabulary(), (std::vector<std::string>{"a", "b", "c", "<eos>", "d", "e", "f", "g", "h", "x", "y"}));
  // train: a b c <eos> d a <eos> <eos> b e f g h <eos> = 14 tokens
  const at::Tensor train = d->tokens(Split::Train);
  ASSERT_EQ(train.numel(), 14);
  EXPECT_EQ(d->tokens(Split::Valid).numel(), 3);
  EXPECT_EQ(d->tokens(Split::Test).numel(), 2);

  nas::LoaderOptions o;
  o.batch_size = 2;
  o.bptt = 3;
  auto loader = d->loader(Split::Train, o);
  // 2 columns of 7 rows; 6 prediction steps → batches of 3 and 3.
  EXPECT_EQ(loader->batches_per_epoch(), 2);
  loader->start_epoch(0);
  auto b0 = loader->next();
  ASSERT_TRUE(b0);
  EXPECT_EQ(b0->input.sizes(), at::IntArrayRef({3, 2}));
  EXPECT_TRUE(at::equal(b0->input.select(1, 0), train.slice(0, 0, 3)));
  EXPECT_TRUE(at::equal(b0->input.select(1, 1), train.slice(0, 7, 10)));
  EXPECT_TRUE(at::equal(b0->target.select(1, 1), train.slice(0, 8, 11)));
  auto b1 = loader->next();
  ASSERT_TRUE(b1);
  EXPECT_TRUE(at::equal(b1->target.select(1, 0), train.slice(0, 4, 7)));
  EXPECT_FALSE(loader->next());
  o.bptt = 4;  // 6 steps → 4 + 2; drop_last keeps only the full one
  EXPECT_EQ(d->loader(Split::Train, o)->batches_per_epoch(), 2);
  o.drop_last = true;
  EXPECT_EQ(d->loader(Split::Train, o)->batches_per_epoch(), 1);
  o.batch_size = 8;
  EXPECT_THROW(d->loader(Split::Valid, o), nas::ConfigError);
}

TEST(Text, SubsetCutsAllSplitsProportionally) {
  auto d = corpus(nas::data::ptb_spec(), nas::test::shared_data_root() / "ptb", 92958);
  EXPECT_EQ(d->size(Split::Train), 92958);
  EXPECT_EQ(d->size(Split::Valid), 7376);
  EXPECT_EQ(d->size(Split::Test), 8243);
  EXPECT_EQ(d->info().num_outputs, 10000);  // the vocabulary still comes from the whole files
}

TEST(Text, EmptyOrMissingFilesAreNamed) {
  nas::test::TempDir tmp("text-bad");
  nas::test::write_file(tmp.path / "wiki.train.tokens", text(" \n \n"));
  nas::test::write_file(tmp.path / "wiki.valid.tokens", text("a\n"));
  nas::test::write_file(tmp.path / "wiki.test.tokens", text("a\n"));
  try {
    corpus(nas::data::wikitext2_spec(), tmp.path);
    FAIL() << "expected DataError";
  } catch (const nas::DataError& e) {
    EXPECT_NE(std::string(e.what()).find((tmp.path / "wiki.train.tokens").string()), std::string::npos) << e.what();
  }
  fs::remove(tmp.path / "wiki.test.tokens");
  try {
    corpus(nas::data::wikitext2_spec(), tmp.path);
    FAIL() << "expected DataError";
  } catch (const nas::DataError& e) {
    const std::string msg = e.what();
    for (const char* name : {"wiki.test.tokens", "test.txt"}) {
      EXPECT_NE(msg.find((fs::absolute(tmp.path) / name).string()), std::string::npos) << msg;
      EXPECT_NE(msg.find((fs::absolute(tmp.path) / "wikitext-2" / name).string()), std::string::npos) << msg;
    }
    EXPECT_EQ(msg.find("wiki.valid.tokens"), std::string::npos) << msg;
  }
}
