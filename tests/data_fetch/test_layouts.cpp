// Every layout in the catalog (nashost/dataset_catalog.hpp) is where the readers look, and
// docs/datasets.md documents exactly those: small files are written into each layout under
// NAS_DATA_DIR and loaded through the dataset loaders; CIFAR's Python version gets an error
// that says why it is not read and what to fetch instead.
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "images/cifar.hpp"
#include "images/mnist.hpp"
#include "nashost/data_fetch.hpp"
#include "test_helpers.hpp"
#include "text/corpus.hpp"

namespace fs = std::filesystem;
using namespace nas;
using nas::test::TempDir;

namespace {

std::vector<uint8_t> cifar_records(int n, int label_bytes) {
  std::vector<uint8_t> b;
  for (int i = 0; i < n; ++i) {
    for (int l = 0; l < label_bytes; ++l) b.push_back(static_cast<uint8_t>(i % 10));
    for (int k = 0; k < 3072; ++k) b.push_back(static_cast<uint8_t>(i + k));
  }
  return b;
}

std::vector<uint8_t> text(int lines) {
  std::string t;
  for (int i = 0; i < lines; ++i) t += " a b c" + std::to_string(i % 5) + " \n";
  return {t.begin(), t.end()};
}

// The dataset's files (the names `fetch` gives them) in `dir`.
void write_dataset(const std::string& name, const fs::path& dir) {
  using nas::test::write_file;
  if (name == "mnist" || name == "fashion-mnist") {
    write_file(dir / "train-images-idx3-ubyte.gz", nas::test::gzip_bytes(nas::test::idx_images(6, 28, 28)));
    write_file(dir / "train-labels-idx1-ubyte.gz", nas::test::gzip_bytes(nas::test::idx_labels(6)));
    write_file(dir / "t10k-images-idx3-ubyte.gz", nas::test::gzip_bytes(nas::test::idx_images(3, 28, 28)));
    write_file(dir / "t10k-labels-idx1-ubyte.gz", nas::test::gzip_bytes(nas::test::idx_labels(3)));
  } else if (name == "cifar10") {
    for (int b = 1; b <= 5; ++b) write_file(dir / ("data_batch_" + std::to_string(b) + ".bin"), cifar_records(2, 1));
    write_file(dir / "test_batch.bin", cifar_records(3, 1));
  } else if (name == "cifar100") {
    write_file(dir / "train.bin", cifar_records(6, 2));
    write_file(dir / "test.bin", cifar_records(3, 2));
  } else if (name == "ptb") {
    for (const char* s : {"train", "valid", "test"}) write_file(dir / ("ptb." + std::string(s) + ".txt"), text(4));
  } else if (name == "wikitext2") {
    for (const char* s : {"train", "valid", "test"}) write_file(dir / ("wiki." + std::string(s) + ".tokens"), text(4));
  } else {
    FAIL() << "no test files for catalog dataset " << name;
  }
}

// Loads catalog dataset `name` as its plugin does, with data_dir unset (NAS_DATA_DIR rules).
std::shared_ptr<Dataset> load(const std::string& name) {
  const Json none = Json::object();
  if (name == "mnist" || name == "fashion-mnist")
    return nas::data::load_idx_dataset(name == "mnist" ? nas::data::mnist_spec() : nas::data::fashion_mnist_spec(),
                                       Config::validated(none, nas::data::idx_dataset_options(), name), nullptr);
  if (name == "cifar10")
    return nas::data::load_cifar10(Config::validated(none, nas::data::cifar10_options(), name), nullptr);
  if (name == "cifar100")
    return nas::data::load_cifar100(Config::validated(none, nas::data::cifar100_options(), name), nullptr);
  return nas::data::load_corpus(name == "ptb" ? nas::data::ptb_spec() : nas::data::wikitext2_spec(),
                                Config::validated(none, nas::data::corpus_options(), name), nullptr);
}

class DataLayouts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* d = std::getenv("NAS_DATA_DIR")) saved_ = d;
  }
  void TearDown() override {
    if (saved_.empty())
      ::unsetenv("NAS_DATA_DIR");
    else
      ::setenv("NAS_DATA_DIR", saved_.c_str(), 1);
  }
  std::string saved_;
};

TEST_F(DataLayouts, EveryCatalogLayoutIsRead) {
  for (const auto& entry : data::catalog()) {
    ASSERT_FALSE(entry.layouts.empty());
    EXPECT_EQ(entry.layouts.front(), entry.folder) << entry.name << ": fetch puts the files where they are read first";
    for (const auto& layout : entry.layouts) {
      TempDir root("layout");
      ::setenv("NAS_DATA_DIR", root.path.c_str(), 1);
      write_dataset(entry.name, root.path / layout);
      std::shared_ptr<Dataset> d;
      ASSERT_NO_THROW(d = load(entry.name)) << entry.name << " in " << layout;
      EXPECT_EQ(fs::path(d->info().source), root.path / layout) << entry.name;
      const auto st = data::dataset_status(entry, "", false);
      EXPECT_TRUE(st.complete()) << entry.name << " in " << layout;
      EXPECT_EQ(st.folder, root.path / layout);
    }
  }
}

TEST_F(DataLayouts, TheDataDirOptionMayBeTheDatasetFolderItself) {
  TempDir root("layout-itself");
  write_dataset("cifar10", root.path);
  auto d = nas::data::load_cifar10(
      Config::validated(Json{{"data_dir", root.path.string()}}, nas::data::cifar10_options(), "cifar10"), nullptr);
  EXPECT_EQ(d->size(Split::Test), 3);
}

TEST_F(DataLayouts, CifarPythonVersionIsNamedWithWhatToFetch) {
  for (const std::string name : {"cifar10", "cifar100"}) {
    TempDir root("layout-py");
    ::setenv("NAS_DATA_DIR", root.path.c_str(), 1);
    const std::string folder = name == "cifar10" ? "cifar-10-batches-py" : "cifar-100-python";
    nas::test::write_file(root.path / folder / (name == "cifar10" ? "data_batch_1" : "train"), {0x80, 0x02});
    try {
      load(name);
      FAIL() << name << ": loaded from nothing";
    } catch (const DataMissingError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find((root.path / folder).string()), std::string::npos) << m;
      EXPECT_NE(m.find("Python version"), std::string::npos) << m;
      EXPECT_NE(m.find("no well-kept C++ reader of Python pickles"), std::string::npos) << m;
      EXPECT_NE(m.find("nashost data fetch " + name), std::string::npos) << m;
    }
    EXPECT_NE(data::dataset_status(data::catalog_entry(name), "", false).unreadable.find(folder), std::string::npos);
  }
}

// docs/datasets.md's layout table lists, per dataset, exactly the catalog's folders.
TEST_F(DataLayouts, TheDocsListExactlyTheseLayouts) {
  std::ifstream in(fs::path(NASHOST_SOURCE_DIR) / "docs" / "datasets.md");
  ASSERT_TRUE(in) << "docs/datasets.md";
  std::map<std::string, std::set<std::string>> documented;
  const std::regex row(R"(^\| `([a-z0-9-]+)` \|(.*)$)"), folder("`([A-Za-z0-9._/-]+)/`");
  bool in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("<!-- layouts: checked by tests/data_fetch -->") != std::string::npos)
      in_table = true;
    else if (in_table && line.empty())
      break;
    std::smatch m;
    if (!in_table || !std::regex_match(line, m, row)) continue;
    // Columns 2 and 3: where fetch puts it, and the other folders read.
    std::vector<std::string> cells;
    std::stringstream rest(m[2].str());
    for (std::string cell; std::getline(rest, cell, '|');) cells.push_back(cell);
    ASSERT_GE(cells.size(), 2u) << line;
    for (size_t c = 0; c < 2; ++c)
      for (std::sregex_iterator it(cells[c].begin(), cells[c].end(), folder), end; it != end; ++it)
        documented[m[1]].insert((*it)[1]);
  }
  for (const auto& entry : data::catalog()) {
    const std::set<std::string> layouts(entry.layouts.begin(), entry.layouts.end());
    EXPECT_EQ(documented[entry.name], layouts) << entry.name << ": docs/datasets.md and the catalog disagree";
  }
  EXPECT_EQ(documented.size(), data::catalog().size());
}

}  // namespace
