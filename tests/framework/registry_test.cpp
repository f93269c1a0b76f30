#include <gtest/gtest.h>

#include "nashost/error.hpp"
#include "nashost/support/standalone_context.hpp"
#include "registry.hpp"

using namespace nas;
using namespace nas::host;

namespace {
ComponentEntry trainer_entry(const std::string& name, const std::string& plugin) {
  return ComponentEntry{
      ComponentKind::Trainer, ComponentInfo{name, "d", {{"epochs", OptionType::Int, 1, "e"}}},
      Provenance{plugin, "1", "/x/" + plugin + ".so", nullptr},
      TrainerFactory([](const Config&, HostContext&) -> std::shared_ptr<Trainer> { return nullptr; })};
}
}  // namespace

TEST(Registry, DuplicateNamesOfOneKindAreRefusedNamingBothPlugins) {
  Registry r;
  r.add(trainer_entry("one-hot", "a"));
  try {
    r.add(trainer_entry("one-hot", "b"));
    FAIL() << "duplicate accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("plugin 'a'"), std::string::npos) << e.what();
  }
  // Another kind may use the same name (the "darts" strategy and the "darts" operation set).
  ComponentEntry other = trainer_entry("one-hot", "c");
  other.kind = ComponentKind::Strategy;
  other.factory = StrategyFactory(
      [](const Config&, std::shared_ptr<Dataset>, HostContext&) -> std::shared_ptr<SearchStrategy> { return nullptr; });
  EXPECT_NO_THROW(r.add(std::move(other)));
}

TEST(Registry, UnknownNameSuggestsNearNames) {
  Registry r;
  r.add(trainer_entry("darts-eval", "a"));
  try {
    r.find(ComponentKind::Trainer, "darts-evl");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'darts-eval'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Registry, FactoryReturningNothingIsAnError) {
  Registry r;
  r.add(trainer_entry("t", "a"));
  StandaloneContext ctx(std::filesystem::temp_directory_path());
  EXPECT_THROW(r.make_trainer("t", Json::object(), ctx), Error);
  EXPECT_THROW(r.make_trainer("t", Json{{"epocs", 2}}, ctx), ConfigError);
}

TEST(Registry, ObjectsKeepTheirLibraryAlive) {
  auto library = std::make_shared<int>(7);
  std::weak_ptr<int> weak = library;
  auto object = keep_library_alive(std::make_shared<double>(1.0), std::static_pointer_cast<void>(library));
  library.reset();
  EXPECT_FALSE(weak.expired());
  object.reset();
  EXPECT_TRUE(weak.expired());
}
