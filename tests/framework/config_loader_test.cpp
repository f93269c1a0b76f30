#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <sstream>

#include "config_loader.hpp"
#include "nashost/error.hpp"

using namespace nas;
using namespace nas::host;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(ConfigLoader, ParsesTablesArraysAndScalars) {
  Json j = parse_toml("a = 1\nb = 0.5\nc = \"x\"\nd = [1, 2]\n[s]\ne = true\n", "t.toml");
  EXPECT_EQ(j["a"], 1);
  EXPECT_DOUBLE_EQ(j["b"].get<double>(), 0.5);
  EXPECT_EQ(j["c"], "x");
  EXPECT_EQ(j["d"].size(), 2u);
  EXPECT_EQ(j["s"]["e"], true);
}

TEST(ConfigLoader, MalformedTomlNamesLineAndColumn) {
  const std::string msg = error_of([] { parse_toml("a = 1\nb = = 2\n", "bad.toml"); });
  EXPECT_NE(msg.find("bad.toml:2:"), std::string::npos) << msg;
}

// The dotted-key bound counts a chain of key parts only: dots in strings, comments, a long
// array of floats and a multi-line string do not add up; a long chain split over quoted parts does.
TEST(ConfigLoader, DottedKeyBoundCountsKeyPartsOnly) {
  std::string floats = "v = [";
  for (int i = 0; i < 200; ++i) floats += (i ? ", " : "") + std::to_string(i) + ".5";
  floats += "]\n";
  const std::string dots(300, '.');
  const Json j = parse_toml(floats + "s = \"" + dots + "\"\nm = \"\"\"\n" + dots + "\n\"\"\"\nl = '" + dots + "' # " +
                                dots + "\n[a.b.c]\nd.e = 1979-05-27T07:32:00.999Z\n",
                            "ok.toml");
  EXPECT_EQ(j["v"].size(), 200u);
  EXPECT_EQ(j["s"].get<std::string>().size(), 300u);
  std::string quoted = "\"k\"";
  for (int i = 0; i < 70; ++i) quoted += ".\"k\"";
  const std::string msg = error_of([&] { parse_toml("x = 1\n" + quoted + " = 1\n", "deep.toml"); });
  EXPECT_NE(msg.find("deep.toml:2: a dotted key or table header of more than 64 parts"), std::string::npos) << msg;
}

TEST(ConfigLoader, ProfileIsMergedOverBase) {
  Json j = parse_toml(
      "profile = \"quick\"\n[search]\nepochs = 50\nlr = 0.1\n[profiles.quick.search]\nepochs = 2\n"
      "[profiles.paper.search]\nepochs = 600\n",
      "p.toml");
  Json quick = j;
  apply_profile(quick, "");
  EXPECT_EQ(quick["search"]["epochs"], 2);
  EXPECT_DOUBLE_EQ(quick["search"]["lr"].get<double>(), 0.1);
  EXPECT_FALSE(quick.contains("profiles"));
  Json paper = j;
  apply_profile(paper, "paper");
  EXPECT_EQ(paper["search"]["epochs"], 600);
  EXPECT_EQ(paper["profile"], "paper");
  Json bad = j;
  const std::string msg = error_of([&] { apply_profile(bad, "fast"); });
  EXPECT_NE(msg.find("unknown profile 'fast'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("quick"), std::string::npos) << msg;
}

TEST(ConfigLoader, OverridesAreTypedAndChecked) {
  Json j = parse_toml("[search]\nepochs = 50\nname = \"a\"\n", "o.toml");
  apply_override(j, "search.epochs=3");
  EXPECT_EQ(j["search"]["epochs"], 3);
  apply_override(j, "search.name=cifar10");
  EXPECT_EQ(j["search"]["name"], "cifar10");
  apply_override(j, "search.epochs=[1, 2]");
  EXPECT_TRUE(j["search"]["epochs"].is_array());
  apply_override(j, "search.epochs=4");
  const std::string typo = error_of([&] { apply_override(j, "search.epochs=5O"); });
  EXPECT_NE(typo.find("the config has an integer at search.epochs (4), and '5O' is a string"), std::string::npos)
      << typo;
  const std::string msg = error_of([&] { apply_override(j, "search.epoch=1"); });
  EXPECT_NE(msg.find("unknown key 'search.epoch'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("epochs"), std::string::npos) << msg;
  EXPECT_NE(error_of([&] { apply_override(j, "noequals"); }).find("section.key=value"), std::string::npos);
}

TEST(ConfigView, ValidationRejectsUnknownKeysAndWrongTypes) {
  OptionList specs{{"epochs", OptionType::Int, 50, "epochs"}, {"lr", OptionType::Float, 0.1, "lr"}};
  Config c = Config::validated(Json{{"epochs", 3}}, specs, "search");
  EXPECT_EQ(c.get_int("epochs"), 3);
  EXPECT_DOUBLE_EQ(c.get_float("lr"), 0.1);
  std::string msg = error_of([&] { Config::validated(Json{{"epoch", 3}}, specs, "search"); });
  EXPECT_NE(msg.find("unknown option 'search.epoch'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("epochs, lr"), std::string::npos) << msg;
  msg = error_of([&] { Config::validated(Json{{"epochs", "many"}}, specs, "search"); });
  EXPECT_NE(msg.find("'search.epochs' must be a integer"), std::string::npos) << msg;
  msg = error_of([&] { c.get_string("epochs"); });
  EXPECT_NE(msg.find("search.epochs"), std::string::npos) << msg;
}

TEST(ConfigLoader, ExtendsMergesOverTheBaseFileProfilesIncluded) {
  const auto dir = std::filesystem::temp_directory_path() / ("nashost_extends_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub");
  auto write = [](const std::filesystem::path& f, const std::string& text) { std::ofstream(f) << text; };
  write(dir / "base.toml",
        "profile = \"quick\"\n[search]\ntrain_type = \"orig\"\nepochs = 150\n"
        "[profiles.quick.search]\nepochs = 3\n[profiles.paper.search]\nepochs = 150\n");
  write(dir / "sub" / "variant.toml",
        "extends = \"../base.toml\"\n[search]\ntrain_type = \"flexible\"\n[profiles.quick.search]\nhidden = 64\n");
  Json j = load_toml_file(dir / "sub" / "variant.toml");
  EXPECT_FALSE(j.contains("extends"));
  apply_profile(j, "");
  EXPECT_EQ(j["search"]["train_type"], "flexible");
  EXPECT_EQ(j["search"]["epochs"], 3);   // from the base's quick profile
  EXPECT_EQ(j["search"]["hidden"], 64);  // from the variant's quick profile
  write(dir / "loop.toml", "extends = \"loop.toml\"\n");
  EXPECT_NE(error_of([&] { load_toml_file(dir / "loop.toml"); }).find("extends itself"), std::string::npos);
  write(dir / "orphan.toml", "extends = \"missing.toml\"\n");
  const std::string msg = error_of([&] { load_toml_file(dir / "orphan.toml"); });
  EXPECT_NE(msg.find("missing.toml' does not exist (named by 'extends' in"), std::string::npos) << msg;
  for (const char* f : {"sub/variant.toml", "base.toml", "loop.toml", "orphan.toml"}) std::filesystem::remove(dir / f);
  std::filesystem::remove(dir / "sub");
  std::filesystem::remove(dir);
}

// A renamed option keeps working under its old name for a release: the value reaches the
// new key, a warning names the new key, and giving both names is an error.
TEST(ConfigOptions, OldNamesAreRenamedWithAWarningAndBothAreRefused) {
  const OptionList specs = {{"max_steps_per_epoch", OptionType::Int, 0, "steps", {"steps_per_epoch"}},
                            {"epochs", OptionType::Int, 1, "epochs"}};
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  const Config c = Config::validated(Json{{"steps_per_epoch", 7}}, specs, "train");
  spdlog::set_default_logger(previous);
  EXPECT_EQ(c.get_int("max_steps_per_epoch"), 7);
  EXPECT_FALSE(c.has("steps_per_epoch"));
  EXPECT_NE(captured.str().find("option 'train.steps_per_epoch' is deprecated: use 'train.max_steps_per_epoch'"),
            std::string::npos)
      << captured.str();
  EXPECT_NE(error_of([&] {
              Config::validated(Json{{"steps_per_epoch", 7}, {"max_steps_per_epoch", 8}}, specs, "train");
            }).find("'train.steps_per_epoch' is the old name of 'train.max_steps_per_epoch'"),
            std::string::npos);
  // A wrong type under the old name is still a type error naming what was given.
  EXPECT_NE(error_of([&] {
              Config::validated(Json{{"steps_per_epoch", "seven"}}, specs, "train");
            }).find("option 'train.steps_per_epoch' must be a integer"),
            std::string::npos);
}
