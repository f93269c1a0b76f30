#pragma once
// Loading a built dataset plugin module in a test: its registrations, and its factories.
#include <map>
#include <memory>
#include <string>

#include <boost/dll/shared_library.hpp>
#include <gtest/gtest.h>

#include "nashost/config.hpp"
#include "nashost/plugin.hpp"

namespace nas::test {

struct CapturingRegistrar : nas::Registrar {
  std::map<std::string, std::pair<nas::ComponentInfo, nas::DatasetFactory>> datasets;
  void add_dataset(nas::ComponentInfo info, nas::DatasetFactory f) override {
    const auto name = info.name;
    datasets.emplace(name, std::make_pair(std::move(info), std::move(f)));
  }
  void add_operation_set(nas::ComponentInfo, nas::OperationSetFactory) override { FAIL(); }
  void add_strategy(nas::ComponentInfo, nas::StrategyFactory) override { FAIL(); }
  void add_trainer(nas::ComponentInfo, nas::TrainerFactory) override { FAIL(); }
};

struct LoadedPlugin {
  boost::dll::shared_library lib;
  CapturingRegistrar registrar;
};

/// Loads build/plugins/<module> and runs its registration.
inline std::unique_ptr<LoadedPlugin> load_plugin(const std::string& module) {
  auto l = std::make_unique<LoadedPlugin>();
  l->lib = boost::dll::shared_library(std::string(NASHOST_BINARY_DIR) + "/plugins/" + module);
  auto descriptor = l->lib.get_alias<const nas::PluginDescriptor*()>("nashost_plugin_descriptor")();
  EXPECT_EQ(descriptor->abi_version, NASHOST_ABI_VERSION);
  descriptor->register_components(l->registrar);
  return l;
}

/// Validates `options` against the component's option list and calls its factory.
inline std::shared_ptr<nas::Dataset> build_dataset(LoadedPlugin& l, const std::string& name, const nas::Json& options,
                                                   nas::HostContext& ctx) {
  const auto& [info, factory] = l.registrar.datasets.at(name);
  return factory(nas::Config::validated(options, info.options, name), ctx);
}

}  // namespace nas::test
