#include "test_support.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace talgpu::test {

std::string source_path(const std::string& rel) {
  return std::string(TALGPU_SOURCE_DIR) + "/" + rel;
}

std::string upstream_path(const std::string& rel) {
  return std::string(TALGPU_SOURCE_DIR) + "/tests/fixtures/upstream/" + rel;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read test file " + path);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult run_command(const std::string& command_line) {
  TempDir tmp;
  std::string script = tmp.write("cmd.sh", command_line + "\n");
  std::string line = "bash " + script + " >" + tmp.file("out") + " 2>" + tmp.file("err") + " </dev/null";
  int st = std::system(line.c_str());
  CommandResult r;
  r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = read_text(tmp.file("out"));
  r.err = read_text(tmp.file("err"));
  return r;
}

std::string talgpu_binary() {
  return TALGPU_BINARY;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "talgpu-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  std::string p = file(name);
  std::filesystem::create_directories(std::filesystem::path(p).parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p;
}

}  // namespace talgpu::test
