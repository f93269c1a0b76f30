// run.json: each invocation of a run is recorded with what it ran on and how it ended; a
// resumed run adds to the record instead of replacing it, and nothing earlier is lost.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "nashost/io.hpp"
#include "nashost/support/remove_tree.hpp"
#include "run_record.hpp"

namespace fs = std::filesystem;
using nas::Json;
using nas::host::InvocationFacts;
using nas::host::RunRecord;

namespace {
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("nashost_" + name + "_" + std::to_string(::getpid()));
  nas::remove_tree(dir);  // not fs::remove_all: see nashost/support/remove_tree.hpp
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

Json read_record(const fs::path& dir) { return Json::parse(nas::read_text_file(dir / "run.json")); }

InvocationFacts facts(const fs::path& script, uint64_t seed, bool resumed = false) {
  InvocationFacts f;
  f.command = {"nashost", "run", script.string(), "--seed", std::to_string(seed)};
  f.script = script;
  f.device = "cpu";
  f.kernels = "CPU algorithms";
  f.seed = seed;
  f.resumed = resumed;
  f.plugins.push_back(Json{{"plugin", "darts"}, {"version", "1.0.0"}, {"library", "/x/search_darts.so"}});
  return f;
}
}  // namespace

TEST(RunRecord, RecordsARunningThenFinishedInvocation) {
  const fs::path dir = fresh_dir("record_finished");
  const fs::path script = dir / "experiment.lua";
  write(script, "print('hi')\n");
  RunRecord record(dir, "experiment", facts(script, 7));
  Json j = read_record(dir);
  EXPECT_EQ(j["name"], "experiment");
  ASSERT_EQ(j["invocations"].size(), 1u);
  const Json& inv = j["invocations"][0];
  EXPECT_EQ(inv["status"], "running");  // a crash of the process leaves this visible
  EXPECT_EQ(inv["seed"], 7);
  EXPECT_EQ(inv["device"], "cpu");
  EXPECT_EQ(inv["plugins"][0]["plugin"], "darts");
  EXPECT_EQ(inv["command"][4], "7");
  EXPECT_FALSE(inv["software"]["torch"].get<std::string>().empty());
  EXPECT_FALSE(inv["software"]["nashost"].get<std::string>().empty());
  EXPECT_EQ(inv["script_copy"], "script.lua");
  EXPECT_EQ(nas::read_text_file(dir / "script.lua"), "print('hi')\n");

  record.finish(true);
  j = read_record(dir);
  EXPECT_EQ(j["invocations"][0]["status"], "finished");
  EXPECT_TRUE(j["invocations"][0].contains("ended"));
  EXPECT_GE(j["invocations"][0]["wall_seconds"].get<double>(), 0.0);
  EXPECT_FALSE(j["invocations"][0].contains("error"));
}

TEST(RunRecord, AResumedRunAppendsAndKeepsTheEarlierInvocation) {
  const fs::path dir = fresh_dir("record_resume");
  const fs::path script = dir / "experiment.lua";
  write(script, "print(1)\n");
  RunRecord(dir, "experiment", facts(script, 1)).finish(false, "stopped by the user (Ctrl-C)");

  RunRecord second(dir, "experiment", facts(script, 1, true));  // same script: no second copy
  second.finish(true);
  write(script, "print(2)\n");
  RunRecord third(dir, "experiment", facts(script, 1, true));  // edited script: its own copy
  third.finish(true);

  const Json j = read_record(dir);
  ASSERT_EQ(j["invocations"].size(), 3u);
  EXPECT_EQ(j["invocations"][0]["status"], "failed");
  EXPECT_EQ(j["invocations"][0]["error"], "stopped by the user (Ctrl-C)");
  EXPECT_EQ(j["invocations"][1]["status"], "finished");
  EXPECT_EQ(j["invocations"][1]["resumed"], true);
  EXPECT_EQ(j["invocations"][1]["number"], 2);
  EXPECT_EQ(j["invocations"][1]["script_copy"], "script.lua");
  EXPECT_EQ(j["invocations"][2]["script_copy"], "script-3.lua");
  EXPECT_EQ(nas::read_text_file(dir / "script.lua"), "print(1)\n");
  EXPECT_EQ(nas::read_text_file(dir / "script-3.lua"), "print(2)\n");
}

TEST(RunRecord, CopiesTheRequiredModulesOfEachInvocation) {
  const fs::path dir = fresh_dir("record_modules");
  const fs::path script = dir / "experiment.lua", helper = dir / "lib" / "helpers.lua";
  fs::create_directories(helper.parent_path());
  write(script, "local h = require('helpers')\n");
  write(helper, "return 1\n");
  RunRecord(dir, "experiment", facts(script, 0)).finish(true, "", {helper});
  write(helper, "return 2\n");  // edited between the run and its resume
  RunRecord(dir, "experiment", facts(script, 0, true)).finish(false, "failed later", {helper});

  const Json j = read_record(dir);
  ASSERT_EQ(j["invocations"].size(), 2u);
  EXPECT_EQ(j["invocations"][0]["modules"][0]["file"], helper.string());
  EXPECT_EQ(j["invocations"][0]["modules"][0]["copy"], "lua/helpers.lua");
  EXPECT_EQ(j["invocations"][1]["modules"][0]["copy"], "lua/helpers-2.lua");
  EXPECT_EQ(nas::read_text_file(dir / "lua" / "helpers.lua"), "return 1\n");
  EXPECT_EQ(nas::read_text_file(dir / "lua" / "helpers-2.lua"), "return 2\n");
}

TEST(RunRecord, AnUnreadableRecordIsSetAsideNotOverwritten) {
  const fs::path dir = fresh_dir("record_unreadable");
  write(dir / "run.json", "{\"name\": \"experiment\", \"invoc");  // truncated
  const fs::path script = dir / "experiment.lua";
  write(script, "x = 1\n");
  RunRecord(dir, "experiment", facts(script, 0)).finish(true);
  EXPECT_EQ(nas::read_text_file(dir / "run.json.unreadable"), "{\"name\": \"experiment\", \"invoc");
  EXPECT_EQ(read_record(dir)["invocations"].size(), 1u);
}
