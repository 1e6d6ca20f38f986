#pragma once
// Shared helpers for unit tests: fixture paths and a per-test temporary folder.

#include <string>

namespace talgpu::test {

// The project root as seen from the build (absolute), and a file of the vendored upstream
// fixtures (tests/fixtures/upstream/, provenance in its README).
std::string source_path(const std::string& rel);
std::string upstream_path(const std::string& rel);
std::string read_text(const std::string& path);

// Runs a shell command line (bash -c), capturing stdout and stderr; rc is the exit status.
struct CommandResult {
  int rc = -1;
  std::string out;
  std::string err;
};
CommandResult run_command(const std::string& command_line);
// The talgpu binary under test.
std::string talgpu_binary();

// A fresh temporary folder, removed when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string file(const std::string& name) const { return m_path + "/" + name; }
  // Writes `content` to `name` inside the folder and returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string m_path;
};

}  // namespace talgpu::test
