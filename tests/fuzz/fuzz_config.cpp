// Experiment configs as `nashost run --config` loads them (framework/src/config_loader.cpp):
// TOML with `extends` chains, the default profile, --set overrides, the resolved JSON the
// run directory gets, and the config pushed into Lua as nas.config() does (lua_runtime.cpp).
//
// Input: up to four parts separated by a line "---" (never valid TOML, so seeds stay
// readable): main.toml, base.toml, sub/other.toml (so `extends` can name files beside and
// below, and "../base.toml"), and --set assignments one per line. Parts absent from the
// input are absent on disk.
#include <sstream>

#include <lua.hpp>

#include "config_loader.hpp"
#include "fuzz_util.hpp"
#include "lua_runtime.hpp"

namespace {

int push_and_read_back(lua_State* L) {
  const auto* config = static_cast<const nas::Json*>(lua_touserdata(L, 1));
  nas::fuzz::guarded([&] {
    nas::host::push_json(L, *config);
    (void)nas::host::lua_to_json(L, -1);
  });
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kFiles[] = {"main.toml", "base.toml", "sub/other.toml"};
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  for (size_t pos = 0;;) {
    const size_t sep = input.find("\n---\n", pos);
    parts.push_back(input.substr(pos, sep == std::string::npos ? std::string::npos : sep - pos));
    if (sep == std::string::npos || parts.size() == 4) break;
    pos = sep + 5;
  }
  for (size_t i = 0; i < 3; ++i) {
    if (i < parts.size())
      nas::fuzz::write_file(kFiles[i], reinterpret_cast<const uint8_t*>(parts[i].data()), parts[i].size());
    else
      std::filesystem::remove(nas::fuzz::scratch_dir() / kFiles[i]);
  }
  nas::fuzz::guarded([&] {
    nas::Json config = nas::host::load_toml_file(nas::fuzz::scratch_dir() / kFiles[0]);
    nas::host::apply_profile(config, "");
    if (parts.size() == 4) {
      std::istringstream lines(parts[3]);
      int n = 0;
      for (std::string line; std::getline(lines, line) && n < 8; ++n)
        nas::fuzz::guarded([&] { nas::host::apply_override(config, line); });
    }
    (void)config.dump(2);  // config.resolved.json
    lua_State* L = luaL_newstate();
    lua_pushcfunction(L, push_and_read_back);
    lua_pushlightuserdata(L, &config);
    (void)lua_pcall(L, 1, 0, 0);  // a Lua error is a rejection, as in a script
    lua_close(L);
  });
  return 0;
}
