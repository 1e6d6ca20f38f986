// The block-YAML fast path against libyaml (the reference): whenever the fast path accepts a
// text, its documents must equal libyaml's exactly (kinds, values, styles, tags, marks, order,
// document boundaries), and libyaml must accept the text too. Checked over every YAML file in
// tests/fixtures (upstream/ included) and examples/, over hand-written edge cases, and over
// deterministic random mutations of those files (most mutations leave the subset or break the
// YAML; the point is that the fast path never accepts anything libyaml reads differently).

#include <yaml/fast_parse.hpp>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <core/source.hpp>
#include <yaml/document.hpp>

#include "test_support.hpp"

namespace talgpu::yaml {
namespace {

namespace fs = std::filesystem;

std::string style_name(Style s) {
  switch (s) {
    case Style::any: return "any";
    case Style::plain: return "plain";
    case Style::single_quoted: return "single";
    case Style::double_quoted: return "double";
    case Style::literal: return "literal";
    case Style::folded: return "folded";
  }
  return "?";
}

// The first difference between two trees, or "" when equal. Marks compare line and column (the
// two parses register the text under different file ids).
std::string diff(const Node& a, const Node& b, const std::string& path) {
  auto where = [&](const std::string& what) {
    return fmt::format("{}: {} (fast {}:{} {} '{}', reference {}:{} {} '{}')", path.empty() ? "<root>" : path, what,
                       a.mark().line, a.mark().column, style_name(a.style()), a.value(), b.mark().line,
                       b.mark().column, style_name(b.style()), b.value());
  };
  if (a.kind() != b.kind()) {
    return where("kind");
  }
  if (a.mark().line != b.mark().line || a.mark().column != b.mark().column) {
    return where("mark");
  }
  if (a.style() != b.style()) {
    return where("style");
  }
  if (a.tag() != b.tag()) {
    return where("tag");
  }
  if (a.value() != b.value()) {
    return where("value");
  }
  if (a.items().size() != b.items().size() || a.entries().size() != b.entries().size()) {
    return where("size");
  }
  for (size_t i = 0; i < a.items().size(); ++i) {
    if (auto d = diff(a.items()[i], b.items()[i], path_index(path, i)); !d.empty()) {
      return d;
    }
  }
  for (size_t i = 0; i < a.entries().size(); ++i) {
    const auto& ea = a.entries()[i];
    const auto& eb = b.entries()[i];
    std::string key_path = path_join(path, ea.key.value());
    if (auto d = diff(ea.key, eb.key, key_path + " (key)"); !d.empty()) {
      return d;
    }
    if (auto d = diff(ea.value, eb.value, key_path); !d.empty()) {
      return d;
    }
  }
  return "";
}

struct Outcome {
  bool accepted = false;  // the fast path produced documents
  std::string problem;    // non-empty when the fast path disagrees with libyaml
};

Outcome compare(const std::string& text, const std::string& name) {
  Outcome out;
  auto ref = detail::parse_reference(text, name, ParseOptions{});
  if (!ref && ref.error().rule == "yaml-encoding") {
    return out;  // parse() refuses these before either parser sees them
  }
  int32_t file = SourceRegistry::instance().add(name, text);
  // The streaming form: what it hands over before it steps aside must be the reference's first
  // documents (parse.cpp goes on with libyaml after them, skipping that many).
  std::vector<Document> handed_docs;
  size_t handed = 0;
  const bool whole = detail::parse_fast_each(SourceRegistry::instance().text(file), file, ParseOptions{},
                                             [&](Document&& d) { handed_docs.push_back(std::move(d)); }, handed);
  if (handed != handed_docs.size()) {
    out.problem = fmt::format("handed {} documents, counted {}", handed_docs.size(), handed);
    return out;
  }
  if (!whole) {
    // libyaml's documents up to its error, if any: the handed-over ones must be among them.
    std::vector<Document> ref_docs;
    (void)detail::parse_reference_each(text, name, ParseOptions{},
                                       [&](Document&& d) { ref_docs.push_back(std::move(d)); });
    if (handed > ref_docs.size()) {
      out.problem = fmt::format("handed over {} documents, the reference completes {}", handed, ref_docs.size());
      return out;
    }
    for (size_t i = 0; i < handed; ++i) {
      if (auto d = diff(handed_docs[i].root, ref_docs[i].root, "");
          !d.empty() || handed_docs[i].empty != ref_docs[i].empty) {
        out.problem = fmt::format("handed-over document {} (before stepping aside): {}", i, d);
        return out;
      }
    }
    return out;
  }
  auto fast = detail::parse_fast(SourceRegistry::instance().text(file), file, ParseOptions{});
  if (!fast) {
    out.problem = "parse_fast_each accepted what parse_fast declined";
    return out;
  }
  out.accepted = true;
  if (!ref) {
    out.problem = "fast path accepted text the reference rejects: " + ref.error().message;
    return out;
  }
  if (fast->size() != ref->size()) {
    out.problem = fmt::format("{} documents, reference {}", fast->size(), ref->size());
    return out;
  }
  for (size_t i = 0; i < fast->size(); ++i) {
    const Document& f = (*fast)[i];
    const Document& r = (*ref)[i];
    if (f.empty != r.empty) {
      out.problem = fmt::format("document {}: empty {} vs reference {}", i, f.empty, r.empty);
      return out;
    }
    if (f.root.mark().file != file) {
      out.problem = fmt::format("document {}: root mark has file id {}, want {}", i, f.root.mark().file, file);
      return out;
    }
    if (auto d = diff(f.root, r.root, ""); !d.empty()) {
      out.problem = fmt::format("document {}: {}", i, d);
      return out;
    }
  }
  return out;
}

std::vector<std::string> corpus_files() {
  std::vector<std::string> files;
  for (const std::string& root :
       {test::source_path("tests/fixtures"), test::source_path("examples")}) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) {
      continue;
    }
    for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (ec) {
        break;
      }
      const auto ext = it->path().extension();
      if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml" || ext == ".json") && it->file_size(ec) < (1u << 20)) {
        files.push_back(it->path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(YamlFastParse, AgreesWithLibyamlOnEveryFixture) {
  auto files = corpus_files();
  ASSERT_GT(files.size(), 1000u) << "the fixture corpus is missing";
  size_t accepted = 0;
  for (const auto& path : files) {
    auto o = compare(test::read_text(path), path);
    EXPECT_EQ(o.problem, "") << path;
    accepted += o.accepted ? 1 : 0;
  }
  // Most Kubernetes-style fixtures are inside the subset; if this drops, the fast path stopped
  // doing its job (it would still be correct, only slow).
  EXPECT_GT(accepted * 2, files.size()) << accepted << " of " << files.size() << " accepted";
}

// Texts the fast path must take (so the speed-up is real) and get exactly right.
TEST(YamlFastParse, AcceptsTheCommonShapes) {
  const std::vector<std::string> cases = {
      "",
      "# only a comment\n",
      "---\n",
      "---\n---\n",
      "a: 1\n---\nb: 2\n---\n# only a comment\n---\n- x\n",
      "--- # a comment\na: 1\n",
      "a: 1\nb: two words\nc: 'single ''quoted'''\nd: \"double \\\"q\\\" \\n \\t \\u00e9 \\x41\"\n",
      "a:\n  b:\n    c: d\n  e: f\ng: h\n",
      "list:\n- a\n- b\nafter: 1\n",
      "list:\n  - a\n  -   b\n  -\n  - name: x\n    value: y\n  -\n    name: z\n",
      "containers:\n  - name: main\n    image: nginx:1.27 # pinned\n    args: []\n    env: {}\n",
      "a:\nb: ~\nc: null\nd: \"\"\ne: ''\n",
      "url: http://example.com:8080/path#frag\nk: a:b\nh: a#b\n",
      "\"quoted key\": 1\n'single key': 2\nplain key: 3\n",
      "- a\n- b: c\n  d: e\n-\n- - not taken\n",
      "  indented: root\n  second: key\n",
      "name: caf\xc3\xa9\nother: \xe2\x9c\x93 ok\n",
      "a: 1   \nb:    2\n\n\n# trailing comment\n",
      "a: -1\nb: -x\nc: .5\nd: ---\ne: true\n",
      "- [] \n- {}\n",
      "a: 1",
      "a:",
      "- ",
      "{}",
      "[]",
      "{\"a\": 1, \"b\": [true, false, null, -0.5e+3, \"s\\u00e9\\n\"], \"c\": {}}\n",
      "{\"a\":1,\"b\":[1,2,{\"c\":\"d\"}],\"e\":\"\"}",
      "\n\n  [\n  {\n    \"k\": \"v\"\n  },\n  []\n]\n",
      "a: |\n  line one\n    more: indented # not a comment\n\n  last\nb: 1\n",
      "script: |-\n  #!/bin/sh\n  echo ok\n\n\nnext: x\n",
      "keep: |+\n  x\n\n\n# after\n",
      "folded: >\n  one\n  two\n\n  three\n    indented\n  four\n",
      "- |\n  in a sequence\n- >-\n  folded\n  entry\n- name: c\n  data: | # comment\n    text\n",
      "items:\n- |\n  indentless\n- x\n",
      "a: |\n  no newline at the end",
      "args: [\"--v\", \"2\"]\ncaps: {\"drop\": [\"ALL\"], \"n\": -1.5e3, \"t\": true} # c\n",
      "- [1, 2]\n- {\"k\": null}\n- name: x\n  ports: [80, 443]\n",
      "description: A long description\n  wrapped over lines - with dashes\n\n  and a paragraph.\nnext: 1\n",
      "- first\n  second\n- k: v\n    w\n",
      "description: 'Optional: Custom certificates for NVIDIA\n  Driver container'\nx: \"two\n\n   lines \" # c\ny: 'it''s\n  ''quoted'' '\n",
      "securityContext:\n  capabilities: { drop: [\"ALL\"] }\n  hosts: [a.example.com, 'b', \"c\"]\n  m: {a: 1, b: [x y, {c: d}]}\n",
      "a: &s\n  -\n  - x\nb: &t\n- y\nc: *s\nd: *t\n",
      "probes:\n  liveness: &probes # shared\n    enabled: true\n    spec:\n      port: 80\n  readiness: *probes\n  list: &l\n  - a\n  - b\n  again: *l\n",
      "metadata:\n  name: &app plex\nspec:\n  app: *app # the same\n  list:\n  - *app\n  - &q 'quoted'\n  - *q\n",
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& text = cases[i];
    auto o = compare(text, fmt::format("case{}.yaml", i));
    EXPECT_EQ(o.problem, "") << text;
    bool nested_compact = text.find("- - ") != std::string::npos;
    EXPECT_EQ(o.accepted, !nested_compact) << text;
  }
}

// Texts outside the subset: the fast path gives them to libyaml.
TEST(YamlFastParse, DeclinesWhatItDoesNotHandle) {
  const std::vector<std::string> cases = {
      "a: &x\nc: 1\n",                       // an anchored empty value
      "- &x\n  b: 1\n- *x\n",                // anchors on collections in sequences
      "a: *x\n",                           // an undefined alias
      "a: &x 1\n---\nb: *x\n",              // an alias to an anchor of another document
      "a: &x&y 1\n",
      "- *x:\n",
      "a: !!str 1\n",                       // tags
      "a: |2\n  text\n",                    // block scalars with an indentation indicator
      "a: >-1\n  text\n",
      "a: |#c\n  text\n",                   // a comment right after the indicator
      "a: |\nb: 1\n",                       // an empty block scalar
      "a: |\n",                              // a header at the end
      "a: |\n    \n  text\n",               // a leading blank line wider than the content
      "a: | x\n  text\n",                   // text after the header
      "a: multi\n  # comment\n  line\n",    // a comment inside a multi-line plain scalar
      "a: multi\n  b: c\n",                 // `: ` in a continuation line
      "a: \"multi\\\n  line\"\n",           // an escaped line break
      "a: \"multi \\t\n  line\"\n",          // escapes in a multi-line double-quoted scalar
      "a: 'multi\nline'\n",                 // a continuation line not indented
      "a: 'never closes\n  at all\n",
      "a: [b, ]\n",                         // flow collections: trailing commas
      "a: [ ]\n",
      "a: [b: c]\n",                        // single-pair mappings
      "a: {b}\n",                           // keys without values
      "a: {<<: {b: c}}\n",                   // merge keys in flow mappings
      "a: {\"b\":c}\n",                      // `:` right after a key
      "a: [b:c, d#e]\n",                    // plain scalars with `:` or `#`
      "a: [\"b\",\n  \"c\"]\n",                // flow collections over several lines
      "a: [\"b\"] x\n",                      // text after a flow collection
      "%YAML 1.2\n---\na: 1\n",             // directives
      "a: 1\n...\n",                        // document end marker
      "a:\tb\n",                            // tabs
      "a: 1\r\nb: 2\r\n",                   // CR
      "\xef\xbb\xbf" "a: 1\n",              // BOM
      "a: 1\na: 2\n",                       // duplicate keys
      "<<: {a: 1}\n",                       // merge keys
      "? a\n: b\n",                         // explicit keys
      "a: b: c\n",                          // invalid
      "a: - b\n",                           // invalid
      "a: 1\n  b: 2\n",                     // invalid indentation
      "- a\nb: 1\n",                        // invalid
      "a: \"x\"y\n",                        // invalid
      "just a scalar\n",                    // scalar documents
      "a: \"\\N\"\n",                       // escapes left to libyaml
      "a: \x01\n",                          // control characters
  };
  for (const auto& text : cases) {
    int32_t file = SourceRegistry::instance().add("declined.yaml", text);
    EXPECT_FALSE(detail::parse_fast(SourceRegistry::instance().text(file), file, ParseOptions{}).has_value())
        << text;
  }
}

TEST(YamlFastParse, DeclinesNestingDeeperThanTheLimit) {
  std::string text;
  for (int i = 0; i < 10; ++i) {
    text += std::string(static_cast<size_t>(i) * 2, ' ') + "k:\n";
  }
  text += std::string(20, ' ') + "leaf: 1\n";
  ParseOptions shallow;
  shallow.max_depth = 5;
  int32_t file = SourceRegistry::instance().add("deep.yaml", text);
  EXPECT_FALSE(detail::parse_fast(SourceRegistry::instance().text(file), file, shallow).has_value());
  EXPECT_TRUE(detail::parse_fast(SourceRegistry::instance().text(file), file, ParseOptions{}).has_value());
  // And parse() reports libyaml's located error.
  auto r = parse(text, "deep.yaml", shallow);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "yaml-syntax");
}

// Errors still come from the reference path, with its locations.
TEST(YamlFastParse, ErrorsComeFromTheReferencePath) {
  auto r = parse("a: 1\nb: 2\na: 3\n", "dup.yaml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().rule, "yaml-duplicate-key");
  EXPECT_EQ(r.error().location.line, 3);
}

std::string mutate(const std::string& text, std::mt19937& rng) {
  static const std::string inserts = " -:#'\"\n[]{}&*!|>%@`?,.~\\0aZ";
  std::string s = text;
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  switch (pick(7)) {
    case 0:
      if (!s.empty()) {
        s.erase(pick(s.size()), 1);
      }
      break;
    case 1:
      s.insert(pick(s.size() + 1), 1, inserts[pick(inserts.size())]);
      break;
    case 2: {  // re-indent a line
      size_t at = s.rfind('\n', pick(s.size() + 1));
      at = at == std::string::npos ? 0 : at + 1;
      if (pick(2) == 0) {
        s.insert(at, pick(3) + 1, ' ');
      } else if (at < s.size() && s[at] == ' ') {
        s.erase(at, 1);
      }
      break;
    }
    case 3: {  // duplicate a line
      size_t at = s.rfind('\n', pick(s.size() + 1));
      at = at == std::string::npos ? 0 : at + 1;
      size_t end = s.find('\n', at);
      std::string line = s.substr(at, end == std::string::npos ? std::string::npos : end - at + 1);
      s.insert(at, line.empty() || line.back() != '\n' ? line + "\n" : line);
      break;
    }
    case 4:
      s.resize(pick(s.size() + 1));
      break;
    case 5: {  // replace a character by a YAML indicator
      if (!s.empty()) {
        s[pick(s.size())] = inserts[pick(inserts.size())];
      }
      break;
    }
    default: {  // swap two lines
      std::vector<std::string> lines;
      size_t start = 0;
      while (start <= s.size()) {
        size_t end = s.find('\n', start);
        lines.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) {
          break;
        }
        start = end + 1;
      }
      if (lines.size() > 1) {
        std::swap(lines[pick(lines.size())], lines[pick(lines.size())]);
      }
      s.clear();
      for (size_t i = 0; i < lines.size(); ++i) {
        s += lines[i];
        if (i + 1 < lines.size()) {
          s += '\n';
        }
      }
      break;
    }
  }
  return s;
}

TEST(YamlFastParse, AgreesWithLibyamlOnMutations) {
  auto files = corpus_files();
  ASSERT_FALSE(files.empty());
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 20261127u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  size_t tried = 0;
  size_t accepted = 0;
  // Every 7th file (spread over all fixture folders), small ones, 12 mutation chains each.
  for (size_t f = 0; f < files.size(); f += 7) {
    std::string original = test::read_text(files[f]);
    if (original.size() > 8192) {
      continue;
    }
    for (int chain = 0; chain < 12; ++chain) {
      std::string text = original;
      for (int step = 0; step < 1 + chain % 3; ++step) {
        text = mutate(text, rng);
      }
      auto o = compare(text, "mutated.yaml");
      ++tried;
      accepted += o.accepted ? 1 : 0;
      ASSERT_EQ(o.problem, "") << "from " << files[f] << ":\n" << text;
    }
  }
  EXPECT_GT(tried, 1000u);
  EXPECT_GT(accepted, tried / 10) << "mutations the fast path took: " << accepted << " of " << tried;
}

}  // namespace
// parse_each: documents reach the sink one by one, each exactly once, equal to what parse()
// returns, also when the fast path steps aside after some of them (the reference path goes on
// without handing those over again); on an error after some documents the error is returned and
// the sink has seen only complete documents before it.
TEST(YamlFastParse, StreamingHandsEachDocumentOnceWhereverTheFastPathStepsAside) {
  const std::vector<std::string> steps_aside = {
      "c: !!binary aGk=\n",               // a tag
      "base: &b {x: 1}\nc:\n  <<: *b\n",  // a merge key
      "c: \"a\\\n  b\"\n",                // a double-quoted scalar with an escaped line break
      "c: [1,\n  2]\n",                   // a flow collection over two lines
  };
  for (size_t at = 0; at < 4; ++at) {
    for (const auto& odd : steps_aside) {
      std::string text;
      for (size_t i = 0; i < 5; ++i) {
        text += i == 0 ? "" : "---\n";
        text += i == at ? odd : "doc: " + std::to_string(i) + "\nlist:\n- a\n- b\n";
      }
      auto whole = parse(text, "stream.yaml");
      ASSERT_TRUE(whole.has_value()) << text;
      ASSERT_EQ(whole->size(), 5u);
      std::vector<Document> seen;
      auto done = parse_each(text, "stream.yaml", ParseOptions{}, [&](Document&& d) { seen.push_back(std::move(d)); });
      ASSERT_TRUE(done.has_value()) << text;
      ASSERT_EQ(seen.size(), 5u) << text;
      for (size_t i = 0; i < 5; ++i) {
        EXPECT_EQ(diff(seen[i].root, (*whole)[i].root, ""), "") << text << " document " << i;
      }
    }
  }
  // An error in the fourth document: three documents handed over, then the error.
  std::string bad = "a: 1\n---\nb: 2\n---\nc: 3\n---\nd: [unclosed\n";
  std::vector<Document> seen;
  auto done = parse_each(bad, "bad.yaml", ParseOptions{}, [&](Document&& d) { seen.push_back(std::move(d)); });
  ASSERT_FALSE(done.has_value());
  EXPECT_EQ(done.error().rule, "yaml-syntax");
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_FALSE(parse(bad, "bad.yaml").has_value());
}

}  // namespace talgpu::yaml

namespace talgpu::yaml {
namespace {

// Block scalars (`|`, `>`) in every context the fast path reads them: headers with chomping
// indicators and comments, blank lines of every width before, inside and after the content,
// lines more indented than the first, text that looks like YAML, and what follows the scalar
// (a sibling, a parent's key, a comment, a document marker, the end). libyaml decides; whatever
// the fast path accepts must match it, value, style and mark.
TEST(YamlFastParse, AgreesWithLibyamlOnBlockScalars) {
  static const std::vector<std::string> headers = {"|", ">", "|-", "|+", ">-", ">+", "| # c", ">- #c", "|2", "|-1",
                                                   "|#c", "| x", "|  "};
  static const std::vector<std::string> words = {"text", "two words", "a: b", "- item", "# hash", "  deeper",
                                                 "    deeper still", "'q'", "\"dq\"", "x ", "k: |", "---", "..."};
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 11u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  size_t accepted = 0;
  const size_t total = 8000;
  for (size_t t = 0; t < total; ++t) {
    std::string text;
    size_t parent = 0;  // the column of the collection holding the scalar
    switch (pick(5)) {
      case 0: text = "a: "; break;
      case 1: text = "top:\n  inner: "; parent = 2; break;
      case 2: text = "- "; break;
      case 3: text = "list:\n- k: "; parent = 2; break;
      default: text = "  - "; parent = 2; break;
    }
    text += headers[pick(headers.size())] + "\n";
    const size_t width = parent + 1 + pick(4);
    size_t lines = pick(6);
    for (size_t l = 0; l < lines; ++l) {
      switch (pick(6)) {
        case 0: text += std::string(pick(width + 3), ' ') + "\n"; break;  // a blank line of any width
        case 1: text += std::string(width > 0 ? pick(width) : 0, ' ') + words[pick(words.size())] + "\n"; break;
        default: text += std::string(width, ' ') + words[pick(words.size())] + "\n";
      }
    }
    switch (pick(7)) {
      case 0: text += "b: 1\n"; break;
      case 1: text += std::string(parent, ' ') + (text[parent] == '-' ? "- next\n" : "next: 2\n"); break;
      case 2: text += "# trailing comment\n"; break;
      case 3: text += "---\nc: 3\n"; break;
      case 4: text += std::string(width, ' ') + "last"; break;  // no newline at the end
      case 5: text += std::string(pick(width + 2), ' '); break;
      default: break;
    }
    auto o = compare(text, "block.yaml");
    accepted += o.accepted ? 1 : 0;
    ASSERT_EQ(o.problem, "") << text;
  }
  EXPECT_GT(accepted, total / 4) << accepted << " of " << total << " accepted";
}

// Anchors and aliases: on scalars and on the collections below a key, used before and after
// their definition, redefined, across `---`, in sequences and mappings. libyaml decides.
TEST(YamlFastParse, AgreesWithLibyamlOnAnchorsAndAliases) {
  static const std::vector<std::string> values = {"&a x", "&b 'q'", "&a", "&b # c", "*a", "*b", "*a # c", "v", "",
                                                  "&c \"d\"", "*c", "[\"j\"]", "&a [1]", "*a x", "&a *b"};
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 13u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  size_t accepted = 0;
  const size_t total = 6000;
  for (size_t t = 0; t < total; ++t) {
    std::string text;
    size_t lines = 2 + pick(8);
    size_t indent = 0;
    bool opens = false;  // the previous line's value is empty or a bare anchor: a block may follow
    for (size_t l = 0; l < lines; ++l) {
      if (pick(15) == 0) {
        text += "---\n";
        indent = 0;
        opens = false;
        continue;
      }
      if (opens && pick(4) != 0) {
        indent += 2;
      } else if (indent > 0 && pick(3) == 0) {
        indent -= 2;
      }
      if (pick(8) == 0) {
        text += std::string(indent, ' ') + "-\n";  // an empty sequence entry (marked at its parent)
        opens = false;
        continue;
      }
      const std::string& v = values[pick(values.size())];
      text += std::string(indent, ' ') + (pick(4) == 0 ? "- " : "") + fmt::format("k{}: ", l) + v + "\n";
      opens = v.empty() || v == "&a" || v == "&b # c";
    }
    auto o = compare(text, "anchors.yaml");
    accepted += o.accepted ? 1 : 0;
    ASSERT_EQ(o.problem, "") << text;
  }
  EXPECT_GT(accepted, total / 40) << accepted << " of " << total << " accepted";
}

// Flow collections on one line: random nestings of sequences and mappings over plain, quoted and
// odd scalars, with random spacing, as a mapping value or a sequence entry. libyaml decides.
TEST(YamlFastParse, AgreesWithLibyamlOnFlowCollections) {
  static const std::vector<std::string> atoms = {"a", "b c", "1", "-1.5", "true", "~", "null", "'q'", "'it''s'",
                                                 "\"d\"", "\"\\u00e9\"", "x.y/z", "a:b", "a#b", "-", "- x", "?",
                                                 "*a", "&a x", "!t x", "", " ", "@x", "%x", "a-b_c", "ALL"};
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 17u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto space = [&]() { return std::string(pick(4) == 0 ? pick(3) : 0, ' '); };
  std::function<std::string(int)> flow = [&](int depth) -> std::string {
    size_t kind = depth > 2 ? 2 : pick(3);
    if (kind == 2) {
      return atoms[pick(atoms.size())];
    }
    size_t count = pick(4);
    std::string out = kind == 0 ? "[" : "{";
    for (size_t i = 0; i < count; ++i) {
      out += space();
      if (kind == 1) {
        out += atoms[pick(atoms.size())] + (pick(6) == 0 ? ":" : ": ") + space();
      }
      out += flow(depth + 1) + space();
      if (i + 1 < count || pick(8) == 0) {
        out += ",";
      }
    }
    return out + (kind == 0 ? "]" : "}");
  };
  size_t accepted = 0;
  const size_t total = 6000;
  for (size_t t = 0; t < total; ++t) {
    std::string text = pick(2) == 0 ? "k: " : "- ";
    text += flow(0) + space() + (pick(5) == 0 ? "# c" : "") + "\n";
    if (pick(2) == 0) {
      text += text[0] == 'k' ? "z: 1\n" : "- z\n";
    }
    auto o = compare(text, "flow.yaml");
    accepted += o.accepted ? 1 : 0;
    ASSERT_EQ(o.problem, "") << text;
  }
  EXPECT_GT(accepted, total / 10) << accepted << " of " << total << " accepted";
}

// Plain and quoted scalars over several lines: continuation lines at every indentation around the
// collection's, blank lines between them, text that looks like YAML, comments, the end.
TEST(YamlFastParse, AgreesWithLibyamlOnMultiLineScalars) {
  static const std::vector<std::string> words = {"more text", "- dash", "x", "a:b", "k: v", "# c", "w # c", "---",
                                                 "\"q\"", "'s'", "[x]", "x:", "*a", "&a x", "tail ", "end'", "end\"",
                                                 "it''s", "e\\\"x", "  ", "x' # c", "x\" y"};
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 19u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  size_t accepted = 0;
  const size_t total = 6000;
  for (size_t t = 0; t < total; ++t) {
    std::string text;
    size_t parent = 0;
    switch (pick(4)) {
      case 0: text = "a: "; break;
      case 1: text = "top:\n  inner: "; parent = 2; break;
      case 2: text = "- "; break;
      default: text = "- k: "; parent = 2; break;
    }
    static const std::vector<std::string> openers = {"first", "'first", "\"first", "' ", "\"", "'a''b  "};
    text += openers[pick(openers.size())];
    text += "\n";
    size_t lines = 1 + pick(5);
    for (size_t l = 0; l < lines; ++l) {
      if (pick(5) == 0) {
        text += std::string(pick(parent + 4), ' ') + "\n";
      } else {
        text += std::string(parent + pick(5), ' ') + words[pick(words.size())] + "\n";
      }
    }
    switch (pick(4)) {
      case 0: text += "b: 1\n"; break;
      case 1: text += text[0] == '-' ? "- next\n" : "next: 2\n"; break;
      case 2: text += "  last"; break;
      default: break;
    }
    auto o = compare(text, "plain.yaml");
    accepted += o.accepted ? 1 : 0;
    ASSERT_EQ(o.problem, "") << text;
  }
  EXPECT_GT(accepted, total / 20) << accepted << " of " << total << " accepted";
}

// Random texts from the subset's own building blocks (indentation, "- ", keys, values, quotes,
// comments, markers), many of them invalid: whatever the fast path accepts must match libyaml.
TEST(YamlFastParse, AgreesWithLibyamlOnGeneratedTexts) {
  static const std::vector<std::string> keys = {"a", "b", "key", "k y", "\"q\"", "'s'", "-k", "a#b", "x:y", "<<",
                                                "\"a\\\"b\"", "'it''s'", "caf\xc3\xa9", "a ", "?", "[k]", "k]"};
  static const std::vector<std::string> values = {
      "", "1", "v", "two words", "\"dq\"", "'sq'", "[]", "{}", "[1]", "~", "null", "- x", "-x", "x # c", "x#c",
      "\"a\\nb\"", "\"\\u00e9\"", "\"\\q\"", "'a''b'", "a: b", "a:b", "http://h:1/p", "&a x", "*a", "!t x", "|",
      ">", "\"open", "'open", "x ]", "---", "...", "@x", "`x", "%x", "\"x\" y", "'x'#c", ":", "-", " ", "#c", "[\"a\", 1]", "{\"k\": [true, null]}", "[\"a\",", "{\"k\":1}", "[1] x",
      "[ \"a\" ]#c", "{\"k\": \"v\", \"k\": 1}", "[-0, 1e5, \"\\u00e9\"]", "&a 1", "*a", "&a \"q\"", "&a [1]",
      "*a x", "&a", "*b # c", "&a |", "*a:", "&a&b x", "&a # c", "&a#c", "[a, b]", "{ k: v }", "[ a , 'b' ]",
      "{k: [x, {y: z}]}", "{<<: {m: 1}, k: 2}", "[a b, c]", "{a: b, a: c}", "[a,b]", "{a:b}", "[a, b", "{a: }", "[-, x]", "[- x]",
      "{? a: b}", "[a]]", "[\"x\"]y", "{k: v} # c", "[a, *b]", "[&a x]", "[!t x]", "[~, null, 1.5, true]"};
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 7u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  size_t accepted = 0;
  const size_t total = 6000;
  for (size_t t = 0; t < total; ++t) {
    std::string text;
    size_t lines = 1 + pick(8);
    for (size_t l = 0; l < lines; ++l) {
      switch (pick(12)) {
        case 0: text += "---"; break;
        case 1: text += std::string(pick(5), ' ') + "# comment"; break;
        case 2: break;  // blank line
        default: {
          text += std::string(2 * pick(3) + (pick(6) == 0 ? 1 : 0), ' ');
          if (pick(3) == 0) {
            text += pick(4) == 0 ? "-" : "- ";
          }
          if (pick(4) != 0) {
            text += keys[pick(keys.size())] + (pick(8) == 0 ? ":" : ": ");
          }
          text += values[pick(values.size())];
        }
      }
      if (l + 1 < lines || pick(3) != 0) {
        text += '\n';
      }
    }
    auto o = compare(text, "generated.yaml");
    accepted += o.accepted ? 1 : 0;
    ASSERT_EQ(o.problem, "") << text;
  }
  EXPECT_GT(accepted, total / 20) << accepted << " of " << total << " accepted";
}

}  // namespace
}  // namespace talgpu::yaml

namespace talgpu::yaml {
namespace {

// Random JSON-like texts (valid and broken numbers, escapes, literals, commas, whitespace).
TEST(YamlFastParse, AgreesWithLibyamlOnGeneratedJson) {
  static const std::vector<std::string> scalars = {
      "0", "-0", "12", "01", "1.", ".5", "+1", "1e5", "1E-2", "-1.5e+3", "1e", "true", "false", "null", "True",
      "nul", "\"\"", "\"s\"", "\"a b\"", "\"\\n\\t\\\\\\/\\\"\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\x41\"",
      "\"caf\xc3\xa9\"", "\"# not a comment\"", "\"a: b\"", "'single'", "bare", "\"\\q\""};
  std::mt19937 rng(GTEST_FLAG_GET(random_seed) == 0 ? 11u : static_cast<unsigned>(GTEST_FLAG_GET(random_seed)));
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  auto space = [&]() -> std::string {
    switch (pick(6)) {
      case 0: return "\n";
      case 1: return "\n  ";
      case 2: return " ";
      default: return "";
    }
  };
  std::function<std::string(int)> value = [&](int depth) -> std::string {
    size_t kind = depth > 3 ? 2 : pick(5);
    if (kind == 0 || kind == 1) {
      bool object = kind == 0;
      std::string s = object ? "{" : "[";
      size_t n = pick(4);
      for (size_t i = 0; i < n; ++i) {
        s += space();
        if (object) {
          s += pick(12) == 0 ? "k" : "\"k" + std::to_string(pick(4)) + "\"";
          s += space() + (pick(15) == 0 ? "" : ":") + space();
        }
        s += value(depth + 1) + space();
        if (i + 1 < n || pick(15) == 0) {
          s += ",";
        }
      }
      return s + space() + (object ? "}" : "]");
    }
    return scalars[pick(scalars.size())];
  };
  size_t accepted = 0;
  const size_t total = 4000;
  for (size_t t = 0; t < total; ++t) {
    std::string text = space() + (pick(2) == 0 ? "{" : "[") + space() + value(1) + space() + "]";
    if (text.find('{') < text.find('[')) {
      text = space() + "{\"root\":" + space() + value(0) + space() + "}" + space();
    }
    auto o = compare(text, "generated.json");
    accepted += o.accepted ? 1 : 0;
    ASSERT_EQ(o.problem, "") << text;
  }
  EXPECT_GT(accepted, total / 4) << accepted << " of " << total << " accepted";
}

}  // namespace
}  // namespace talgpu::yaml

namespace talgpu::yaml {
namespace {

// The word-at-a-time scan against the byte rule, for every byte value at every offset of a word.
TEST(YamlFastParse, UnsupportedBytesAtEveryOffset) {
  for (int b = 1; b < 0x80; ++b) {
    for (size_t at = 0; at < 24; ++at) {
      std::string text(24, 'a');
      text[at] = static_cast<char>(b);
      bool expected = !(b == '\n' || (b >= 0x20 && b < 0x7F));
      EXPECT_EQ(detail::has_unsupported_bytes(text), expected) << "byte " << b << " at " << at;
    }
  }
  for (const std::string bad : {"\xc2\x85", "\xe2\x80\xa8", "\xef\xbb\xbf", "\xef\xbf\xbe"}) {
    for (size_t at = 0; at < 20; ++at) {
      std::string text(24, 'a');
      text.replace(at, bad.size(), bad);
      EXPECT_TRUE(detail::has_unsupported_bytes(text)) << at;
    }
  }
  std::string ok = std::string(21, 'a') + "\xc3\xa9";
  EXPECT_FALSE(detail::has_unsupported_bytes(ok));
}

}  // namespace
}  // namespace talgpu::yaml
