// Which real YAML takes the fast path (issue 18): for every .yaml/.yml file under the given
// folders, whether yaml::parse's fast path reads the whole file or steps aside to libyaml, and
// the same per document (split at `---` lines), with bytes and parse time per path.
//   build/bench/talgpu_bench_yaml_paths [-l] DIR...     (-l lists what steps aside)
// bench/README.md ("Real-shaped YAML") has the figures and what makes real files step aside.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <core/fs.hpp>
#include <core/source.hpp>
#include <yaml/document.hpp>
#include <yaml/fast_parse.hpp>

namespace fs = std::filesystem;
using talgpu::yaml::ParseOptions;

namespace {

struct Tally {
  size_t files = 0;
  size_t bytes = 0;
  double seconds = 0;
};

// The documents of a stream, split at lines that start with `---`.
std::vector<std::string_view> documents(std::string_view t) {
  std::vector<std::string_view> out;
  size_t start = 0;
  size_t pos = 0;
  while (pos < t.size()) {
    size_t eol = t.find('\n', pos);
    size_t next = eol == std::string_view::npos ? t.size() : eol + 1;
    if (pos > start && t.compare(pos, 3, "---") == 0) {
      out.push_back(t.substr(start, pos - start));
      start = pos;
    }
    pos = next;
  }
  if (start < t.size()) {
    out.push_back(t.substr(start));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool list = false;
  std::vector<std::string> roots;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-l") {
      list = true;
    } else {
      roots.push_back(a);
    }
  }
  if (roots.empty()) {
    std::fprintf(stderr, "usage: talgpu_bench_yaml_paths [-l] DIR...\n");
    return 2;
  }
  std::vector<std::string> files;
  for (const auto& r : roots) {
    for (const auto& e : fs::recursive_directory_iterator(r, fs::directory_options::skip_permission_denied)) {
      auto ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
        files.push_back(e.path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  Tally fast, slow, invalid;
  size_t docs_fast = 0, docs_slow = 0, docs_fast_bytes = 0, docs_slow_bytes = 0;
  ParseOptions po;
  using Clock = std::chrono::steady_clock;
  for (const auto& f : files) {
    auto text = talgpu::read_file(f, po.max_bytes);
    if (!text || !talgpu::yaml::check_text_encoding(*text, f)) {
      continue;
    }
    int32_t id = talgpu::SourceRegistry::instance().add(f, *text);
    auto t0 = Clock::now();
    bool ok = talgpu::yaml::detail::parse_fast(*text, id, po).has_value();
    auto t1 = Clock::now();
    bool valid = ok || talgpu::yaml::detail::parse_reference(*text, f, po).has_value();
    auto t2 = Clock::now();
    Tally& t = ok ? fast : valid ? slow : invalid;
    ++t.files;
    t.bytes += text->size();
    t.seconds += std::chrono::duration<double>(ok ? t1 - t0 : t2 - t0).count();
    if (!ok && valid) {
      if (list) {
        fmt::print("file-steps-aside {} {}\n", text->size(), f);
      }
      auto docs = documents(*text);
      for (size_t i = 0; i < docs.size(); ++i) {
        bool dok = talgpu::yaml::detail::parse_fast(docs[i], id, po).has_value();
        (dok ? docs_fast : docs_slow) += 1;
        (dok ? docs_fast_bytes : docs_slow_bytes) += docs[i].size();
        if (!dok && list) {
          fmt::print("doc-steps-aside {} {} {}\n", docs[i].size(), i, f);
        }
      }
    }
    talgpu::SourceRegistry::instance().release(id);
  }
  size_t total = fast.bytes + slow.bytes;
  fmt::print("files: {} fast ({:.1f} MB), {} step aside ({:.1f} MB), {} not YAML\n", fast.files, fast.bytes / 1e6,
             slow.files, slow.bytes / 1e6, invalid.files);
  fmt::print("bytes on the fast path: {:.1f}%\n", total ? 100.0 * fast.bytes / total : 0.0);
  fmt::print("MB/s: fast path {:.1f}, libyaml {:.1f}\n", fast.seconds > 0 ? fast.bytes / 1e6 / fast.seconds : 0.0,
             slow.seconds > 0 ? slow.bytes / 1e6 / slow.seconds : 0.0);
  fmt::print("documents of the files that step aside: {} fast ({:.1f} MB), {} step aside ({:.1f} MB)\n", docs_fast,
             docs_fast_bytes / 1e6, docs_slow, docs_slow_bytes / 1e6);
  return 0;
}
