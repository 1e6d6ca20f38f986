// Bad input never crashes the YAML layer: each class of broken file gets a clear, located error,
// and a deterministic mutation run over real fixtures (Talos stability configs, Pod Security
// cases) only ever yields a value or an Error. Run it under scripts/sanitize.sh to catch memory
// errors the assertions cannot see.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include <yaml/document.hpp>
#include <yaml/emit.hpp>
#include <yaml/json.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::yaml;
namespace fs = std::filesystem;

namespace {

Error parse_file_err(const std::string& path) {
  auto r = parse_file(path);
  EXPECT_FALSE(r.has_value()) << path;
  return r ? Error() : r.error();
}

// splitmix64: tiny, and the same sequence on every platform and standard library.
class Rng {
 public:
  explicit Rng(uint64_t seed) : m_state(seed) {}
  uint64_t next() {
    uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }

 private:
  uint64_t m_state;
};

std::vector<std::string> fixture_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(test::shared_path("fixtures/talos/stability"))) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") {
      out.push_back(e.path().string());
    }
  }
  std::vector<std::string> psa;
  for (const auto& e : fs::recursive_directory_iterator(test::shared_path("fixtures/pod-security"))) {
    if (e.is_regular_file() && e.path().extension() == ".yaml") {
      psa.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  std::sort(psa.begin(), psa.end());
  // Every 25th Pod Security case: all levels and versions, without thousands of near-duplicates.
  for (size_t i = 0; i < psa.size(); i += 25) {
    out.push_back(psa[i]);
  }
  return out;
}

// The bytes YAML cares most about, plus a few that are not YAML at all.
constexpr char k_interesting[] = {':', '-', '[', ']', '{', '}', '\t', '&', '*', '!', '|', '>', '\'', '"', '#',
                                  '\n', ' ', '?', ',', '%', '@', '`', '<', '\0', '\x7f', '\xff', '\xc3', '\\'};

std::string mutate(std::string text, Rng& rng) {
  size_t edits = 1 + rng.below(4);
  for (size_t e = 0; e < edits && !text.empty(); ++e) {
    size_t at = rng.below(text.size());
    switch (rng.below(6)) {
      case 0:  // flip one byte to an interesting one
        text[at] = k_interesting[rng.below(sizeof k_interesting)];
        break;
      case 1:  // flip one byte to anything
        text[at] = static_cast<char>(rng.below(256));
        break;
      case 2:  // truncate
        text.resize(at);
        break;
      case 3: {  // delete a span
        size_t len = std::min(text.size() - at, 1 + rng.below(40));
        text.erase(at, len);
        break;
      }
      case 4: {  // duplicate a span (duplicate keys, repeated structure)
        size_t len = std::min(text.size() - at, 1 + rng.below(80));
        text.insert(at, text.substr(at, len));
        break;
      }
      default:  // insert an interesting byte
        text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), k_interesting[rng.below(sizeof k_interesting)]);
        break;
    }
  }
  return text;
}

}  // namespace

TEST(YamlRobustness, MutatedFixturesNeverCrash) {
  std::vector<std::string> files = fixture_files();
  ASSERT_GE(files.size(), 50u);
  std::vector<std::string> texts;
  for (const auto& f : files) {
    texts.push_back(test::read_text(f));
  }
  Rng rng(20240611);
  size_t ok = 0;
  size_t errors = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    size_t pick = rng.below(texts.size());
    std::string text = mutate(texts[pick], rng);
    std::string name = "mutant-" + std::to_string(iter) + ".yaml";
    auto r = parse(text, name);
    if (r) {
      ++ok;
      // Whatever parses must also convert and emit without trouble.
      for (const auto& d : *r) {
        (void)to_json(d.root).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        (void)emit(d.root, goyaml_v3_options(4));
        (void)emit(d.root, kubernetes_options());
      }
    } else {
      ++errors;
      const Error& e = r.error();
      EXPECT_FALSE(e.message.empty()) << name << " from " << files[pick];
      EXPECT_FALSE(e.rule.empty()) << name << ": " << e.describe();
      EXPECT_EQ(e.location.file, name) << e.describe();
      int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
      EXPECT_LE(e.location.line, lines + 1) << name << ": " << e.describe();
      EXPECT_GE(e.location.line, 0);
      EXPECT_GE(e.location.column, 0);
    }
  }
  // Both outcomes must actually occur, or the mutations are not testing anything.
  EXPECT_GT(ok, 100u);
  EXPECT_GT(errors, 100u);
}

TEST(YamlRobustness, TruncatedYaml) {
  test::TempDir tmp;
  std::string p = tmp.write("t.yaml", "machine:\n  install:\n    disk: /dev/sda\n  network: {hostname: \"gpu-");
  Error e = parse_file_err(p);
  EXPECT_EQ(e.rule, "yaml-syntax");
  EXPECT_EQ(e.location.file, p);
  EXPECT_EQ(e.location.line, 4);  // the last line, not one past the end
  EXPECT_GT(e.location.column, 0);
}

TEST(YamlRobustness, TabIndentation) {
  test::TempDir tmp;
  std::string p = tmp.write("t.yaml", "machine:\n\tinstall: {}\n");
  Error e = parse_file_err(p);
  EXPECT_EQ(e.describe(), p + ":2:1: tab character used for indentation (YAML allows only spaces)");
  EXPECT_EQ(e.rule, "yaml-syntax");
}

TEST(YamlRobustness, DuplicateKeys) {
  test::TempDir tmp;
  std::string p = tmp.write("t.yaml", "clusterName: a\nnodes: []\nclusterName: b\n");
  Error e = parse_file_err(p);
  EXPECT_EQ(e.describe(), p + ":3:1: duplicate key 'clusterName' (first defined at line 1)");
  EXPECT_EQ(e.rule, "yaml-duplicate-key");
}

TEST(YamlRobustness, FiftyMegabyteFileIsRefused) {
  test::TempDir tmp;
  std::string p = tmp.file("big.yaml");
  {
    std::ofstream out(p, std::ios::binary);
    std::string line = "key: " + std::string(94, 'x') + "\n";  // 100 bytes
    for (int i = 0; i < 500000; ++i) {
      out << line;
    }
  }
  ASSERT_EQ(fs::file_size(p), 50000000u);
  Error e = parse_file_err(p);
  EXPECT_EQ(e.rule, "io-too-large");
  EXPECT_EQ(e.message, "cannot read '" + p + "': file is 50000000 bytes, over the 16777216 byte limit");
}

TEST(YamlRobustness, LargeValidFileUnderTheLimitParses) {
  // 4 MiB of manifests in one stream: accepted, every document present.
  test::TempDir tmp;
  std::string text;
  int docs = 0;
  while (text.size() < (size_t{4} << 20)) {
    text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-" + std::to_string(docs) +
            "\ndata:\n  a: \"1\"\n  b: [x, y, z]\n";
    ++docs;
  }
  std::string p = tmp.write("many.yaml", text);
  auto r = parse_file(p);
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->size(), static_cast<size_t>(docs));
  EXPECT_EQ(r->back().root.find("metadata")->find("name")->value(), "cm-" + std::to_string(docs - 1));
}

TEST(YamlRobustness, BinaryGarbage) {
  test::TempDir tmp;
  std::string garbage("\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00", 12);
  std::string p = tmp.write("t.yaml", garbage);
  Error e = parse_file_err(p);
  EXPECT_EQ(e.describe(), p + ":1:8: file is binary, not YAML (contains NUL bytes)");
  EXPECT_EQ(e.rule, "yaml-encoding");
  // Random high bytes without NULs are invalid UTF-8.
  std::string p2 = tmp.write("t2.yaml", std::string("a: 1\n\x89PNG\r\n\x1a\n", 13));
  Error e2 = parse_file_err(p2);
  EXPECT_EQ(e2.describe(), p2 + ":2:1: invalid UTF-8 (byte 0x89); YAML inputs must be UTF-8");
}

TEST(YamlRobustness, Utf16IsNamed) {
  test::TempDir tmp;
  std::string p = tmp.write("t.yaml", std::string("\xff\xfe" "a\0:\0 \0" "1\0", 10));
  Error e = parse_file_err(p);
  EXPECT_EQ(e.describe(), p + ":1:1: file is UTF-16 or UTF-32 encoded; YAML inputs must be UTF-8");
}

TEST(YamlRobustness, UnreadablePaths) {
  test::TempDir tmp;
  Error missing = parse_file_err(tmp.file("missing.yaml"));
  EXPECT_EQ(missing.rule, "io-read");
  EXPECT_EQ(missing.message, "cannot open '" + tmp.file("missing.yaml") + "': No such file or directory");
  Error dir = parse_file_err(tmp.path());
  EXPECT_EQ(dir.rule, "io-read");
  EXPECT_EQ(dir.message, "cannot read '" + tmp.path() + "': is a directory");
  // A symlink loop cannot be opened, not even by root.
  fs::create_symlink(tmp.file("loop.yaml"), tmp.file("loop.yaml"));
  Error loop = parse_file_err(tmp.file("loop.yaml"));
  EXPECT_EQ(loop.rule, "io-read");
  EXPECT_EQ(loop.message, "cannot open '" + tmp.file("loop.yaml") + "': Too many levels of symbolic links");
}

TEST(YamlRobustness, EmptyFileIsAnEmptyStream) {
  test::TempDir tmp;
  auto r = parse_file(tmp.write("empty.yaml", ""));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(YamlRobustness, TenThousandOpenBrackets) {
  test::TempDir tmp;
  std::string p = tmp.write("deep.yaml", std::string(10000, '['));
  Error e = parse_file_err(p);
  EXPECT_EQ(e.describe(), p + ":1:257: nesting deeper than 256 levels");
  std::string p2 = tmp.write("deep2.yaml", std::string(10000, '{'));
  EXPECT_EQ(parse_file_err(p2).describe(), p2 + ":1:257: nesting deeper than 256 levels");
  std::string block;
  for (int i = 0; i < 1000; ++i) {
    block += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  }
  std::string p3 = tmp.write("deep3.yaml", block);
  Error e3 = parse_file_err(p3);
  EXPECT_EQ(e3.rule, "yaml-syntax");
  EXPECT_EQ(e3.location.line, 257);
}

TEST(YamlRobustness, InvalidUtf8IsLocated) {
  test::TempDir tmp;
  struct Case {
    std::string text;
    std::string where;
    std::string byte;
  };
  std::vector<Case> cases = {
      {"name: caf\xe9\n", "1:10", "0xE9"},                       // Latin-1
      {"a: 1\nb: \xc3\xa9\xc3\n", "2:5", "0xC3"},                // truncated sequence at the end
      {"a: \xc0\xaf\n", "1:4", "0xC0"},                          // overlong '/'
      {"a: \xed\xa0\x80\n", "1:4", "0xED"},                      // UTF-16 surrogate
      {"a: \xf4\x90\x80\x80\n", "1:4", "0xF4"},                  // above U+10FFFF
      {"# comment \xff\na: 1\n", "1:11", "0xFF"},                // even in a comment
      {"k: \"\xe2\x82\xac \x80\"\n", "1:7", "0x80"},             // stray continuation after a valid euro sign
  };
  for (const auto& c : cases) {
    std::string p = tmp.write("u.yaml", c.text);
    Error e = parse_file_err(p);
    EXPECT_EQ(e.describe(), p + ":" + c.where + ": invalid UTF-8 (byte " + c.byte + "); YAML inputs must be UTF-8");
    EXPECT_EQ(e.rule, "yaml-encoding");
  }
  // Valid multi-byte text of every length passes.
  auto ok = parse_one("a: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\n", "utf8-ok.yaml");
  ASSERT_TRUE(ok) << ok.error().describe();
}

TEST(YamlRobustness, ParserErrorsKeepTheirPosition) {
  // Errors found by the parser itself (libyaml's messages, as go-yaml reports them) carry its
  // line and column, and the construct it was in, not "invalid YAML".
  auto r = parse("a: [1, 2\n", "unclosed.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().describe(),
            "unclosed.yaml:1:9: did not find expected ',' or ']' (while parsing a flow sequence at line 1 column 4)");
  auto r2 = parse("a: b\n  c: d\n", "badmap.yaml");
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().describe(), "badmap.yaml:2:4: mapping values are not allowed in this context");
  EXPECT_EQ(r2.error().rule, "yaml-syntax");
  // Unterminated at the end of a file without a final newline: located on the last line.
  auto r3 = parse("a: {b: [x", "eof.yaml");
  ASSERT_FALSE(r3);
  EXPECT_EQ(r3.error().location.str(), "eof.yaml:1:10");
}
