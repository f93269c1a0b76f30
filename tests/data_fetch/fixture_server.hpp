#pragma once
// The local HTTP server of the fetch tests (fixture_server.py), started once per test process
// on 127.0.0.1 with a fresh set of tiny files in the official layouts; stopped at exit.
#include <filesystem>
#include <string>

namespace nas::test {

class FixtureServer {
 public:
  /// The running server (started on first use); nullptr when Python is not available.
  static FixtureServer* get();
  /// Base URL of a behaviour: "files", "missing", "cut-N", "corrupt", "nozip".
  std::string url(const std::string& mode) const;
  /// "<hex>  <dataset>/<file>" for the served files (NAS_DATA_CHECKSUMS format).
  std::filesystem::path checksums() const { return dir_ / "checksums.txt"; }
  /// The served file `rel` ("fashion-mnist/train-images-idx3-ubyte.gz").
  std::filesystem::path file(const std::string& rel) const { return dir_ / "files" / rel; }
  /// One line per request so far: "<path> <Range or -> <status>".
  std::string log() const;
  void stop();

 private:
  std::filesystem::path dir_;
  int port_ = 0;
  int pid_ = -1;
};

/// A TCP port on 127.0.0.1 that nothing listens on (connections are refused).
int closed_port();

}  // namespace nas::test
