// fetch_dataset against a local server (fixture_server.py) holding tiny files in the official
// layouts: fetch, verify, unpack and load; a damaged copy is refused and nothing is kept; a
// connection cut mid-file resumes; a 404 on one mirror falls back to the next; offline, the
// message says what to do; the plugins' download = true; a full disk.
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "fixture_server.hpp"
#include "images/cifar.hpp"
#include "images/mnist.hpp"
#include "nashost/data_fetch.hpp"
#include "nashost/support/remove_tree.hpp"
#include "test_helpers.hpp"
#include "text/corpus.hpp"

namespace fs = std::filesystem;
using namespace nas;
using nas::test::FixtureServer;
using nas::test::TempDir;

namespace {

const char* const kEnv[] = {"NAS_DATA_DIR", "NAS_DATA_MIRROR", "NAS_DATA_MIRROR_ONLY", "NAS_DATA_CHECKSUMS"};

class DataFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kEnv) ::unsetenv(name);  // the user's settings must not leak in
    server = FixtureServer::get();
    if (server == nullptr) GTEST_SKIP() << "no Python interpreter for the local test server";
  }
  void TearDown() override {
    for (const char* name : kEnv) ::unsetenv(name);
  }
  // Only the local server, never the official sites.
  data::FetchOptions options(std::vector<std::string> modes = {"files"}) const {
    data::FetchOptions o;
    for (const auto& m : modes) o.mirrors.push_back(server->url(m));
    o.mirrors_only = true;
    o.checksum_file = server->checksums();
    o.connect_timeout_s = 5;
    o.stall_timeout_s = 5;
    return o;
  }
  static Config image_config(const OptionList& specs, const fs::path& root, bool download = false) {
    return Config::validated(Json{{"data_dir", root.string()}, {"download", download}}, specs, "test");
  }
  // Files in `dir` whose name says they are unfinished (.part, .tmp-<pid>).
  static std::vector<std::string> leftovers(const fs::path& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
      const std::string n = e.path().filename().string();
      if (n.find(".part") != std::string::npos || n.find(".tmp-") != std::string::npos) found.push_back(n);
    }
    return found;
  }
  FixtureServer* server = nullptr;
};

TEST_F(DataFetch, FashionMnistIsFetchedVerifiedAndLoads) {
  TempDir root("fetch-fmnist");
  const auto r = data::fetch_dataset("fashion-mnist", root.path.string(), options());
  EXPECT_TRUE(r.downloaded);
  EXPECT_EQ(r.folder, root.path / "fashion-mnist");
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                        "t10k-labels-idx1-ubyte.gz"})
    EXPECT_TRUE(fs::is_regular_file(root.path / "fashion-mnist" / f)) << f;
  EXPECT_TRUE(leftovers(root.path).empty());
  const auto entry = data::with_checksum_overrides(data::catalog_entry("fashion-mnist"), server->checksums());
  EXPECT_TRUE(data::dataset_status(entry, root.path.string()).verified());

  auto d = nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(),
                                       image_config(nas::data::idx_dataset_options(), root.path), nullptr);
  EXPECT_EQ(d->size(Split::TrainFull), 20);
  EXPECT_EQ(d->size(Split::Test), 10);
  // A second fetch finds everything there and downloads nothing.
  EXPECT_FALSE(data::fetch_dataset("fashion-mnist", root.path.string(), options()).downloaded);
}

TEST_F(DataFetch, CifarArchivesAreUnpackedVerifiedAndLoad) {
  TempDir root("fetch-cifar");
  data::fetch_dataset("cifar10", root.path.string(), options());
  data::fetch_dataset("cifar100", root.path.string(), options());
  EXPECT_TRUE(fs::is_regular_file(root.path / "cifar-10-batches-bin" / "data_batch_5.bin"));
  EXPECT_TRUE(fs::is_regular_file(root.path / "cifar-100-binary" / "fine_label_names.txt"));
  EXPECT_FALSE(fs::exists(root.path / "cifar-10-batches-bin" / "cifar-10-binary.tar.gz")) << "the archive is removed";
  EXPECT_TRUE(leftovers(root.path).empty());
  // The members have no published checksums: they verify against the record of the fetch.
  const auto st = data::dataset_status(data::catalog_entry("cifar10"), root.path.string());
  EXPECT_TRUE(st.verified());

  auto c10 = nas::data::load_cifar10(image_config(nas::data::cifar10_options(), root.path), nullptr);
  EXPECT_EQ(c10->size(Split::TrainFull), 20);
  EXPECT_EQ(c10->size(Split::Test), 4);
  auto cfg100 = Config::validated(Json{{"data_dir", root.path.string()}}, nas::data::cifar100_options(), "test");
  auto c100 = nas::data::load_cifar100(cfg100, nullptr);
  EXPECT_EQ(c100->size(Split::TrainFull), 8);
  EXPECT_EQ(c100->info().class_names.at(3), "fine3");

  // A damaged member is found by `data list`.
  { std::ofstream(root.path / "cifar-10-batches-bin" / "test_batch.bin", std::ios::app) << "x"; }
  const auto bad = data::dataset_status(data::catalog_entry("cifar10"), root.path.string());
  EXPECT_FALSE(bad.verified());
  bool mismatch = false;
  for (const auto& f : bad.files)
    mismatch = mismatch || (f.name == "test_batch.bin" && f.state == data::FileState::Mismatch);
  EXPECT_TRUE(mismatch);
}

TEST_F(DataFetch, TextCorporaPlainFilesAndZipLoad) {
  TempDir root("fetch-text");
  data::fetch_dataset("ptb", root.path.string(), options());
  data::fetch_dataset("wikitext2", root.path.string(), options());
  EXPECT_TRUE(fs::is_regular_file(root.path / "wikitext-2" / "wiki.valid.tokens"));
  EXPECT_NE(server->log().find("/files/wikitext2/wikitext-2-v1.zip - 200"), std::string::npos);
  for (const auto* spec : {&nas::data::ptb_spec(), &nas::data::wikitext2_spec()}) {
    auto cfg = Config::validated(Json{{"data_dir", root.path.string()}}, nas::data::corpus_options(), "test");
    auto d = nas::data::load_corpus(*spec, cfg, nullptr);
    EXPECT_EQ(d->size(Split::Train), 40 * 7) << spec->name;  // 40 lines of 6 words + <eos>
  }
}

TEST_F(DataFetch, WikiTextTakesThePlainCopiesWhenTheZipIsMissing) {
  TempDir root("fetch-nozip");
  data::fetch_dataset("wikitext2", root.path.string(), options({"nozip"}));
  const std::string log = server->log();
  EXPECT_NE(log.find("/nozip/wikitext2/wikitext-2-v1.zip - 404"), std::string::npos) << log;
  EXPECT_NE(log.find("/nozip/wikitext2/wiki.train.tokens - 200"), std::string::npos) << log;
  EXPECT_TRUE(data::dataset_status(data::with_checksum_overrides(data::catalog_entry("wikitext2"), server->checksums()),
                                   root.path.string())
                  .verified());
}

TEST_F(DataFetch, ADamagedDownloadIsRefusedAndNothingIsKept) {
  TempDir root("fetch-corrupt");
  try {
    data::fetch_dataset("fashion-mnist", root.path.string(), options({"corrupt"}));
    FAIL() << "a damaged file was accepted";
  } catch (const data::DownloadError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(server->url("corrupt") + "/fashion-mnist/train-images-idx3-ubyte.gz"), std::string::npos) << m;
    EXPECT_NE(m.find("not the official"), std::string::npos) << m;
    EXPECT_NE(m.find("What to do"), std::string::npos) << m;
  }
  EXPECT_FALSE(fs::exists(root.path / "fashion-mnist" / "train-images-idx3-ubyte.gz"));
  EXPECT_TRUE(leftovers(root.path).empty());
}

TEST_F(DataFetch, AConnectionCutMidFileResumes) {
  TempDir root("fetch-cut");
  data::fetch_dataset("fashion-mnist", root.path.string(), options({"cut-100"}));
  const std::string log = server->log();
  EXPECT_NE(log.find("/cut-100/fashion-mnist/train-images-idx3-ubyte.gz bytes=100- 206"), std::string::npos) << log;
  EXPECT_TRUE(
      data::dataset_status(data::with_checksum_overrides(data::catalog_entry("fashion-mnist"), server->checksums()),
                           root.path.string())
          .verified());
}

TEST_F(DataFetch, AnInterruptedDownloadResumesInTheNextFetch) {
  TempDir root("fetch-part");
  // What an earlier, interrupted `nashost data fetch` left.
  std::ifstream in(server->file("mnist/t10k-images-idx3-ubyte.gz"), std::ios::binary);
  std::vector<char> head(200);
  in.read(head.data(), 200);
  fs::create_directories(root.path / "mnist");
  std::ofstream(root.path / "mnist" / "t10k-images-idx3-ubyte.gz.part", std::ios::binary).write(head.data(), 200);
  data::fetch_dataset("mnist", root.path.string(), options());
  EXPECT_NE(server->log().find("/files/mnist/t10k-images-idx3-ubyte.gz bytes=200- 206"), std::string::npos);
  EXPECT_TRUE(leftovers(root.path).empty());
  auto d = nas::data::load_idx_dataset(nas::data::mnist_spec(),
                                       image_config(nas::data::idx_dataset_options(), root.path), nullptr);
  EXPECT_EQ(d->size(Split::Test), 10);
}

TEST_F(DataFetch, A404OnTheFirstMirrorFallsBackToTheNext) {
  TempDir root("fetch-404");
  data::fetch_dataset("ptb", root.path.string(), options({"missing", "files"}));
  const std::string log = server->log();
  const auto miss = log.find("/missing/ptb/ptb.train.txt - 404"), hit = log.find("/files/ptb/ptb.train.txt - 200");
  ASSERT_NE(miss, std::string::npos) << log;
  ASSERT_NE(hit, std::string::npos) << log;
  EXPECT_LT(miss, hit);
}

TEST_F(DataFetch, OfflineTheMessageSaysWhatToDoAndWhereFilesGo) {
  TempDir root("fetch-offline");
  data::FetchOptions o = options({});
  const std::string dead = "http://127.0.0.1:" + std::to_string(nas::test::closed_port());
  o.mirrors = {dead};
  o.checksum_file.clear();
  try {
    data::fetch_dataset("fashion-mnist", root.path.string(), o);
    FAIL() << "no error offline";
  } catch (const data::DownloadError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(dead + "/fashion-mnist/train-images-idx3-ubyte.gz"), std::string::npos) << m;
    // The exact file to place by hand, its official URL and checksum.
    EXPECT_NE(m.find((root.path / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").string()), std::string::npos) << m;
    EXPECT_NE(m.find("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/t10k-labels-idx1-ubyte.gz"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("md5 bb300cfdad3c16e7a12a480ee83cd310"), std::string::npos) << m;
    EXPECT_NE(m.find("NAS_DATA_MIRROR"), std::string::npos) << m;
  }
  EXPECT_TRUE(leftovers(root.path).empty());

  // Only mirrors allowed and none set: nothing is tried, and the message says so.
  o.mirrors.clear();
  try {
    data::fetch_dataset("cifar10", root.path.string(), o);
    FAIL() << "no error without URLs";
  } catch (const data::DownloadError& e) {
    EXPECT_NE(std::string(e.what()).find("no URL to try"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unpack https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(DataFetch, AFileThatDiffersIsNotReplacedWithoutForce) {
  TempDir root("fetch-force");
  data::fetch_dataset("mnist", root.path.string(), options());
  const fs::path labels = root.path / "mnist" / "train-labels-idx1-ubyte.gz";
  { std::ofstream(labels, std::ios::app) << "x"; }
  EXPECT_THROW(
      {
        try {
          data::fetch_dataset("mnist", root.path.string(), options());
        } catch (const data::DownloadError&) {
          FAIL() << "a file that is there is a data error, not a download error";
        } catch (const DataError& e) {
          EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
          throw;
        }
      },
      DataError);
  data::FetchOptions o = options();
  o.force = true;
  EXPECT_TRUE(data::fetch_dataset("mnist", root.path.string(), o).downloaded);
  EXPECT_TRUE(data::dataset_status(data::with_checksum_overrides(data::catalog_entry("mnist"), server->checksums()),
                                   root.path.string())
                  .verified());
}

TEST_F(DataFetch, ThePluginOptionDownloadFetchesOrSaysWhyNot) {
  TempDir root("fetch-plugin");
  ::setenv("NAS_DATA_MIRROR", server->url("files").c_str(), 1);
  ::setenv("NAS_DATA_MIRROR_ONLY", "1", 1);
  ::setenv("NAS_DATA_CHECKSUMS", server->checksums().c_str(), 1);
  const auto specs = nas::data::idx_dataset_options();
  // download = false: absent, and the message says how to fetch.
  try {
    nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(), image_config(specs, root.path), nullptr);
    FAIL();
  } catch (const DataMissingError& e) {
    EXPECT_NE(std::string(e.what()).find("nashost data fetch fashion-mnist"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("the parent of a 'fashion-mnist' folder"), std::string::npos) << e.what();
  }
  auto d = nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(), image_config(specs, root.path, true), nullptr);
  EXPECT_EQ(d->size(Split::TrainFull), 20);

  // A failed download of absent files: still "absent" (a script may fall back), and it says why.
  TempDir other("fetch-plugin-404");
  ::setenv("NAS_DATA_MIRROR", server->url("missing").c_str(), 1);
  try {
    nas::data::load_idx_dataset(nas::data::fashion_mnist_spec(), image_config(specs, other.path, true), nullptr);
    FAIL();
  } catch (const DataMissingError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("data files not found"), std::string::npos) << m;
    EXPECT_NE(m.find("download = true, but the download failed"), std::string::npos) << m;
    EXPECT_NE(m.find("HTTP 404"), std::string::npos) << m;
  }
}

// Runs in the death test's child: writes beyond 500 bytes fail as on a full disk (EFBIG
// instead of ENOSPC). Exits 0 when the error came and nothing was left behind.
[[noreturn]] void fetch_with_a_full_disk(const fs::path& root, const data::FetchOptions& o) {
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit limit{500, 500};
  ::setrlimit(RLIMIT_FSIZE, &limit);
  try {
    data::fetch_dataset("fashion-mnist", root.string(), o);
  } catch (const data::DownloadError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    const bool clean = !fs::exists(root / "fashion-mnist" / "train-images-idx3-ubyte.gz") &&
                       !fs::exists(root / "fashion-mnist" / "train-images-idx3-ubyte.gz.part");
    nas::remove_tree(root);  // std::exit skips the TempDir's destructor
    std::exit(clean ? 0 : 3);
  }
  nas::remove_tree(root);
  std::exit(4);
}

TEST_F(DataFetch, AFullDiskIsAClearErrorAndNothingIsKept) {
  TempDir root("fetch-full");
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(fetch_with_a_full_disk(root.path, options()), ::testing::ExitedWithCode(0),
              "cannot write .*train-images-idx3-ubyte.gz.part: File too large.*nothing was kept");
}

}  // namespace
