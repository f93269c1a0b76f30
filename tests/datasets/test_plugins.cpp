// The built plugin modules load, declare their datasets and build them through the factory.
#include <set>

#include "nashost/error.hpp"
#include "nashost/support/standalone_context.hpp"
#include "plugin_loading.hpp"

namespace {
using nas::test::LoadedPlugin;
std::unique_ptr<LoadedPlugin> load(const std::string& module) { return nas::test::load_plugin(module); }
std::shared_ptr<nas::Dataset> build(LoadedPlugin& l, const std::string& name, const nas::Json& options,
                                    nas::HostContext& ctx) {
  return nas::test::build_dataset(l, name, options, ctx);
}
}  // namespace

TEST(DatasetPlugins, ImagesPluginRegistersItsDatasets) {
  auto l = load("nashost_datasets_images.so");
  ASSERT_EQ(l->registrar.datasets.count("mnist"), 1u);
  ASSERT_EQ(l->registrar.datasets.count("fashion-mnist"), 1u);
  ASSERT_EQ(l->registrar.datasets.count("cifar10"), 1u);
  ASSERT_EQ(l->registrar.datasets.count("cifar100"), 1u);
  for (const auto& [name, entry] : l->registrar.datasets) {
    EXPECT_FALSE(entry.first.description.empty()) << name;
    std::set<std::string> keys;
    for (const auto& o : entry.first.options) keys.insert(o.key);
    for (const char* k : {"data_dir", "valid_fraction", "split_seed", "split_shuffle", "subset", "normalize"})
      EXPECT_EQ(keys.count(k), 1u) << name << " lacks option " << k;
  }
  nas::StandaloneContext ctx(NASHOST_BINARY_DIR);
  EXPECT_THROW(build(*l, "mnist", {{"data_dir", "/nonexistent"}}, ctx), nas::DataError);
  EXPECT_THROW(build(*l, "mnist", {{"valid_fraction", 1.5}}, ctx), nas::ConfigError);
}

TEST(DatasetPlugins, TextPluginRegistersPtbAndWikiText2) {
  auto l = load("nashost_datasets_text.so");
  ASSERT_EQ(l->registrar.datasets.count("ptb"), 1u);
  ASSERT_EQ(l->registrar.datasets.count("wikitext2"), 1u);
  nas::StandaloneContext ctx(NASHOST_BINARY_DIR);
  EXPECT_THROW(build(*l, "ptb", {{"data_dir", "/nonexistent"}}, ctx), nas::DataError);
  EXPECT_THROW(build(*l, "ptb", {{"valid_fraction", 0.5}}, ctx), nas::ConfigError);  // no such option
}

TEST(DatasetPlugins, SyntheticPluginSaysItIsSynthetic) {
  auto l = load("nashost_dataset_synthetic.so");
  const auto& info = l->registrar.datasets.at("synthetic-images").first;
  EXPECT_NE(info.description.find("SYNTHETIC"), std::string::npos);
  nas::StandaloneContext ctx(NASHOST_BINARY_DIR);
  auto d = build(*l, "synthetic-images", {{"train_size", 20}, {"test_size", 4}}, ctx);
  EXPECT_TRUE(d->info().synthetic);
  EXPECT_EQ(d->size(nas::Split::TrainFull), 20);
}
