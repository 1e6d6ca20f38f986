// The YAML parser: positions, streams, anchors and merges, scalar resolution (go-yaml v3's
// resolve.go rules) and tags.

#include <gtest/gtest.h>

#include <yaml/document.hpp>

#include "test_support.hpp"

using namespace talgpu;
using namespace talgpu::yaml;

namespace {

Node parse_ok(const std::string& text, const std::string& name = "parse-test.yaml") {
  auto r = parse_one(text, name);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().describe());
  return r ? *r : Node();
}

Error parse_err(const std::string& text, const std::string& name = "parse-err.yaml") {
  auto r = parse(text, name);
  EXPECT_FALSE(r.has_value()) << "expected an error for: " << text;
  return r ? Error() : r.error();
}

std::string pos(const Node& n) {
  return std::to_string(n.mark().line) + ":" + std::to_string(n.mark().column);
}

std::string pos(const Node* n) {
  return n == nullptr ? "missing" : pos(*n);
}

ScalarType type_of(const std::string& value_text) {
  Node n = parse_ok("v: " + value_text + "\n");
  const Node* v = n.find("v");
  EXPECT_NE(v, nullptr) << value_text;
  return v == nullptr ? ScalarType::string : v->scalar_type();
}

}  // namespace

TEST(YamlParse, PositionsOfKeysValuesAndCollections) {
  Node n = parse_ok(
      "# comment\n"
      "a: 1\n"
      "b:\n"
      "  - x\n"
      "  - {k: v, q: 'w'}\n"
      "  - [1, [2]]\n"
      "c:\n"
      "    deep: |\n"
      "      text\n");
  EXPECT_EQ(pos(n), "2:1");
  ASSERT_EQ(n.entries().size(), 3u);
  EXPECT_EQ(pos(n.entries()[0].key), "2:1");
  EXPECT_EQ(pos(n.find("a")), "2:4");
  EXPECT_EQ(pos(n.entries()[1].key), "3:1");
  const Node* b = n.find("b");
  ASSERT_TRUE(b != nullptr && b->is_sequence());
  EXPECT_EQ(pos(b), "4:3");
  EXPECT_EQ(pos(b->items()[0]), "4:5");
  const Node& flow = b->items()[1];
  EXPECT_EQ(pos(flow), "5:5");
  EXPECT_EQ(pos(flow.entries()[0].key), "5:6");
  EXPECT_EQ(pos(flow.find("k")), "5:9");
  EXPECT_EQ(pos(flow.find("q")), "5:15");
  EXPECT_EQ(flow.find("q")->style(), Style::single_quoted);
  const Node& list = b->items()[2];
  EXPECT_EQ(pos(list), "6:5");
  EXPECT_EQ(pos(list.items()[1]), "6:9");
  EXPECT_EQ(pos(list.items()[1].items()[0]), "6:10");
  const Node* c = n.find("c");
  EXPECT_EQ(pos(c), "8:5");
  EXPECT_EQ(pos(c->find("deep")), "8:11");
  EXPECT_EQ(c->find("deep")->value(), "text\n");
  EXPECT_EQ(c->find("deep")->style(), Style::literal);
  EXPECT_EQ(n.location().str(), "parse-test.yaml:2:1");
}

TEST(YamlParse, EmptyValueTakesAPosition) {
  Node n = parse_ok("a:\nb: 2\n");
  const Node* a = n.find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->is_null());
  EXPECT_GT(a->mark().line, 0);
  EXPECT_EQ(a->mark().file, n.mark().file);
}

TEST(YamlParse, Utf8ColumnsCountCharacters) {
  // A multi-byte character counts as one column, as editors show it.
  Node n = parse_ok("name: \xc3\xa9t\xc3\xa9\nx: [\xc3\xa9, b]\n");
  EXPECT_EQ(n.find("name")->value(), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(pos(n.find("x")->items()[1]), "2:8");
}

TEST(YamlParse, ByteOrderMarkIsAccepted) {
  Node n = parse_ok("\xef\xbb\xbf" "a: 1\n");
  EXPECT_EQ(n.find("a")->value(), "1");
}

TEST(YamlParse, CrlfLineEndings) {
  Node n = parse_ok("a: 1\r\nb:\r\n  - x\r\n");
  EXPECT_EQ(n.find("a")->value(), "1");
  EXPECT_EQ(pos(n.find("b")->items()[0]), "3:5");
}

TEST(YamlParse, MultiDocumentStream) {
  auto r = parse("a: 1\n---\nb: 2\n---\n# only a comment\n---\n- x\n...\n", "multi.yaml");
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_FALSE((*r)[0].empty);
  EXPECT_EQ((*r)[0].root.find("a")->value(), "1");
  EXPECT_EQ(pos((*r)[1].root), "3:1");
  EXPECT_TRUE((*r)[2].empty);
  EXPECT_TRUE((*r)[2].root.is_null());
  EXPECT_TRUE((*r)[3].root.is_sequence());
  EXPECT_EQ(pos((*r)[3].root), "7:1");
}

TEST(YamlParse, EmptyInputs) {
  for (const char* text : {"", "\n\n", "# nothing\n", "   \n"}) {
    auto r = parse(text, "empty.yaml");
    ASSERT_TRUE(r) << r.error().describe();
    EXPECT_TRUE(r->empty()) << "'" << text << "'";
    auto one = parse_one(text, "empty.yaml");
    ASSERT_TRUE(one);
    EXPECT_TRUE(one->is_null());
  }
  auto dashes = parse("---\n", "dashes.yaml");
  ASSERT_TRUE(dashes);
  ASSERT_EQ(dashes->size(), 1u);
  EXPECT_TRUE((*dashes)[0].root.is_null());
  auto tilde = parse("~\n", "tilde.yaml");
  ASSERT_TRUE(tilde);
  ASSERT_EQ(tilde->size(), 1u);
  EXPECT_FALSE((*tilde)[0].empty);  // a null value is content
}

TEST(YamlParse, ParseOneRejectsStreams) {
  auto r = parse_one("a: 1\n---\nb: 2\n", "two.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().describe(), "two.yaml:3:1: expected a single YAML document, found 2");
  EXPECT_EQ(r.error().rule, "yaml-syntax");
}

TEST(YamlParse, AnchorsAndAliases) {
  Node n = parse_ok("base: &b\n  x: 1\n  y: [a, b]\nuse: *b\nscalar: &s hello\nagain: *s\n");
  const Node* use = n.find("use");
  ASSERT_NE(use, nullptr);
  EXPECT_TRUE(use->equals(*n.find("base")));
  EXPECT_EQ(pos(use), "4:6");  // the alias's own position: its '*'
  EXPECT_EQ(n.find("again")->value(), "hello");
  EXPECT_EQ(pos(n.find("again")), "6:8");
}

TEST(YamlParse, UndefinedAlias) {
  Error e = parse_err("a: *nope\n");
  EXPECT_EQ(e.rule, "yaml-syntax");
  EXPECT_EQ(e.describe(), "parse-err.yaml:1:4: undefined alias '*nope'");
}

TEST(YamlParse, AnchorsDoNotCrossDocuments) {
  Error e = parse_err("a: &x 1\n---\nb: *x\n");
  EXPECT_EQ(e.describe(), "parse-err.yaml:3:4: undefined alias '*x'");
}

TEST(YamlParse, MergeKeysEarlierExplicitKeysWin) {
  Node n = parse_ok("base: &b {x: 1, y: 2}\nm:\n  y: 9\n  <<: *b\n  z: 3\n");
  const Node* m = n.find("m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->find("x")->value(), "1");
  EXPECT_EQ(m->find("y")->value(), "9");
  EXPECT_EQ(m->find("z")->value(), "3");
  EXPECT_EQ(m->size(), 3u);
  EXPECT_EQ(m->find("<<"), nullptr);
}

TEST(YamlParse, MergeKeysLaterExplicitKeysOverride) {
  // The usual shape: merge first, then override. Explicit keys win over merged ones wherever they
  // appear (go-yaml v3 decode.go merge(); the YAML 1.1 merge key spec), and that is no duplicate.
  Node n = parse_ok("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 9\n");
  const Node* m = n.find("m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->size(), 2u);
  EXPECT_EQ(m->find("x")->value(), "1");
  EXPECT_EQ(m->find("y")->value(), "9");
  EXPECT_EQ(pos(m->find("y")), "4:6");
  // An explicit key given twice is still a duplicate.
  Error e = parse_err("base: &b {x: 1}\nm:\n  <<: *b\n  x: 2\n  x: 3\n");
  EXPECT_EQ(e.rule, "yaml-duplicate-key");
  EXPECT_EQ(e.describe(), "parse-err.yaml:5:3: duplicate key 'x' (first defined at line 4)");
}

TEST(YamlParse, MergeKeyListFirstMappingWins) {
  Node n = parse_ok("a: &a {k: from-a, only-a: 1}\nb: &b {k: from-b, only-b: 2}\nm:\n  <<: [*a, *b]\n");
  const Node* m = n.find("m");
  EXPECT_EQ(m->find("k")->value(), "from-a");
  EXPECT_EQ(m->find("only-a")->value(), "1");
  EXPECT_EQ(m->find("only-b")->value(), "2");
}

TEST(YamlParse, MergeKeyNeedsMappings) {
  Error e = parse_err("m:\n  <<: scalar\n");
  EXPECT_EQ(e.describe(), "parse-err.yaml:2:7: merge key '<<' needs a mapping or a list of mappings");
  // A quoted "<<" is an ordinary key.
  Node n = parse_ok("m:\n  '<<': x\n");
  EXPECT_EQ(n.find("m")->find("<<")->value(), "x");
}

TEST(YamlParse, DuplicateKeys) {
  Error e = parse_err("a: 1\nb: 2\na: 3\n");
  EXPECT_EQ(e.rule, "yaml-duplicate-key");
  EXPECT_EQ(e.describe(), "parse-err.yaml:3:1: duplicate key 'a' (first defined at line 1)");
  Error nested = parse_err("x:\n  y: 1\n  \"y\": 2\n");
  EXPECT_EQ(nested.describe(), "parse-err.yaml:3:3: duplicate key 'y' (first defined at line 2)");
  ParseOptions lax;
  lax.allow_duplicate_keys = true;
  auto ok = parse("a: 1\na: 2\n", "lax.yaml", lax);
  ASSERT_TRUE(ok);
}

TEST(YamlParse, ManyKeysStayFast) {
  // Duplicate detection must not be quadratic: 200,000 keys in one mapping.
  std::string text;
  text.reserve(200000 * 16);
  for (int i = 0; i < 200000; ++i) {
    text += "key" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  }
  auto r = parse_one(text, "many.yaml");
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(r->size(), 200000u);
  text += "key7: again\n";
  auto dup = parse_one(text, "many-dup.yaml");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().describe(), "many-dup.yaml:200001:1: duplicate key 'key7' (first defined at line 8)");
}

TEST(YamlParse, NonScalarKeysAreRejected) {
  Error e = parse_err("? [a, b]\n: v\n");
  EXPECT_EQ(e.rule, "yaml-syntax");
  EXPECT_EQ(e.describe(), "parse-err.yaml:1:3: only scalar mapping keys are supported");
}

TEST(YamlParse, AliasBombIsStopped) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) {
      text += std::string(i == 0 ? "" : ", ") + "*" + prev;
    }
    text += "]\n";
    prev = c;
  }
  Error e = parse_err(text);
  EXPECT_EQ(e.rule, "yaml-syntax");
  EXPECT_NE(e.message.find("aliases expand to more than a million nodes"), std::string::npos) << e.message;
  EXPECT_GT(e.location.line, 1);
}

TEST(YamlParse, AliasesCannotBuildDeepTrees) {
  // Each anchor nests the previous one 200 levels deeper: within the depth limit per anchor, far
  // beyond it once expanded. The parser must refuse before the tree gets deep enough to overflow
  // the stack of anything that walks it.
  std::string text;
  for (int level = 0; level < 60; ++level) {
    text += "k" + std::to_string(level) + ": &a" + std::to_string(level) + " " + std::string(200, '[');
    text += level == 0 ? std::string("x") : "*a" + std::to_string(level - 1);
    text += std::string(200, ']') + "\n";
  }
  Error e = parse_err(text);
  EXPECT_EQ(e.rule, "yaml-syntax");
  EXPECT_NE(e.message.find("deeper than 256 levels"), std::string::npos) << e.message;
}

TEST(YamlParse, DepthLimit) {
  std::string ok_text = std::string(200, '[') + std::string(200, ']') + "\n";
  EXPECT_TRUE(parse(ok_text, "deep-ok.yaml").has_value());
  std::string deep = std::string(300, '[') + std::string(300, ']') + "\n";
  Error e = parse_err(deep);
  EXPECT_EQ(e.describe(), "parse-err.yaml:1:257: nesting deeper than 256 levels");
  ParseOptions opts;
  opts.max_depth = 10;
  auto r = parse("a:\n  b:\n    c: {d: [[[[[[[[x]]]]]]]]}\n", "depth.yaml", opts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "yaml-syntax");
}

TEST(YamlParse, QuotedScalarsAreStrings) {
  Node n = parse_ok("a: \"true\"\nb: '1'\nc: \"null\"\nd: |\n  1\ne: >\n  false\n");
  for (const char* k : {"a", "b", "c", "d", "e"}) {
    EXPECT_EQ(n.find(k)->scalar_type(), ScalarType::string) << k;
    EXPECT_TRUE(n.find(k)->is_string()) << k;
  }
  EXPECT_EQ(n.find("a")->style(), Style::double_quoted);
  EXPECT_EQ(n.find("b")->style(), Style::single_quoted);
  EXPECT_EQ(n.find("e")->style(), Style::folded);
  EXPECT_EQ(n.find("e")->value(), "false\n");
}

TEST(YamlParse, EscapesAreDecoded) {
  Node n = parse_ok("a: \"tab\\there \\u00e9 \\x41\"\nb: 'it''s'\n");
  EXPECT_EQ(n.find("a")->value(), "tab\there \xc3\xa9 A");
  EXPECT_EQ(n.find("b")->value(), "it's");
}

TEST(YamlParse, PlainScalarTypesFollowGoYamlV3) {
  // Booleans: YAML 1.2 only; YAML 1.1 spellings stay strings when parsed.
  for (const char* t : {"true", "True", "TRUE", "false", "False", "FALSE"}) {
    EXPECT_EQ(type_of(t), ScalarType::boolean) << t;
  }
  for (const char* t : {"yes", "no", "on", "off", "y", "n", "Yes", "ON", "tRUE"}) {
    EXPECT_EQ(type_of(t), ScalarType::string) << t;
  }
  for (const char* t : {"~", "null", "Null", "NULL"}) {
    EXPECT_EQ(type_of(t), ScalarType::null) << t;
  }
  EXPECT_EQ(type_of("nULL"), ScalarType::string);
  for (const char* t : {"0", "42", "-17", "+12", "0o17", "0O17", "0x1F", "0X1f", "-0x1F", "0b101", "-0b11", "0777",
                        "1_000", "0x_1F", "1_", "9223372036854775807", "-9223372036854775808",
                        "18446744073709551615", "0xFFFFFFFFFFFFFFFF"}) {
    EXPECT_EQ(type_of(t), ScalarType::integer) << t;
  }
  for (const char* t : {"1.5", "-1.5", "1.", ".5", "+.5", "1e3", "1E-3", "1.5e+3", "08", "09.5", ".inf", ".Inf",
                        ".INF", "+.inf", "-.inf", "-.INF", ".nan", ".NaN", ".NAN", "1_0.5",
                        "18446744073709551616", "-9223372036854775809"}) {
    EXPECT_EQ(type_of(t), ScalarType::floating) << t;
  }
  for (const char* t : {"0x", "0b2", "0o8", "1.2.3", "1e", "e3", "+", "-1-", ".", "..", ".inf2", "inf", "nan",
                        "0xFFFFFFFFFFFFFFFFF", "-0x8000000000000001", "1e400", "1:20", "v1.11", "12abc",
                        "+-1", "_1"}) {
    EXPECT_EQ(type_of(t), ScalarType::string) << t;
  }
}

TEST(YamlParse, TimestampsFollowGoTimeParse) {
  for (const char* t : {"2024-01-02", "2024-1-2", "2001-12-14t21:59:43.10-05:00", "2001-12-14T21:59:43Z",
                        "2001-12-14 21:59:43.10", "2001-12-14T21:59:43.123456789+01:00", "2024-02-29",
                        "2000-02-29", "2024-1-2 3:4:5"}) {
    EXPECT_EQ(type_of(t), ScalarType::timestamp) << t;
  }
  for (const char* t : {"2024-02-30", "2023-02-29", "1900-02-29", "2024-13-01", "2024-00-01", "2024-01-00",
                        "2024-01-32", "2001-12-14T21:59:43", "2001-12-14 21:59:43 -5", "2001-12-14T25:00:00Z",
                        "2001-12-14T21:60:00Z", "2001-12-14T21:59:60Z", "24-01-02", "20240-01-02",
                        "2024-01-02x", "2001-12-14T21:59:43.Z"}) {
    EXPECT_EQ(type_of(t), ScalarType::string) << t;
  }
}

TEST(YamlParse, ResolvePlainTable) {
  EXPECT_EQ(resolve_plain(""), ScalarType::null);
  EXPECT_EQ(resolve_plain("hello"), ScalarType::string);
  EXPECT_EQ(resolve_plain("<<"), ScalarType::string);
  EXPECT_EQ(resolve_plain("0"), ScalarType::integer);
  EXPECT_EQ(resolve_plain("-0"), ScalarType::integer);
  EXPECT_EQ(resolve_plain("0.0"), ScalarType::floating);
  EXPECT_EQ(resolve_plain("2024-01-02"), ScalarType::timestamp);
}

TEST(YamlParse, TagsOverrideResolution) {
  Node n = parse_ok("a: !!str 123\nb: !!str true\nc: !!int \"5\"\nd: !!bool \"true\"\ne: !!null ''\nf: !!float 1\n"
                    "g: ! 12\nh: !custom 12\ni: !!str\n");
  EXPECT_EQ(n.find("a")->tag(), "!!str");
  EXPECT_EQ(n.find("a")->scalar_type(), ScalarType::string);
  EXPECT_EQ(n.find("b")->scalar_type(), ScalarType::string);
  EXPECT_EQ(n.find("c")->scalar_type(), ScalarType::integer);
  EXPECT_EQ(n.find("d")->scalar_type(), ScalarType::boolean);
  EXPECT_TRUE(n.find("e")->is_null());
  EXPECT_EQ(n.find("f")->scalar_type(), ScalarType::floating);
  EXPECT_EQ(n.find("g")->scalar_type(), ScalarType::string);  // the non-specific tag '!'
  EXPECT_EQ(n.find("h")->tag(), "!custom");
  EXPECT_EQ(n.find("h")->scalar_type(), ScalarType::integer);  // unknown tags: resolved as plain text
  EXPECT_EQ(n.find("i")->scalar_type(), ScalarType::string);
  EXPECT_EQ(n.find("i")->value(), "");
  Node coll = parse_ok("m: !!map {a: 1}\ns: !!seq [1]\n");
  EXPECT_EQ(coll.find("m")->tag(), "!!map");
  EXPECT_TRUE(coll.find("s")->is_sequence());
}

TEST(YamlParse, SyntaxErrorsAreLocated) {
  Error e = parse_err("a: [1, 2\nb: 3\n");
  EXPECT_EQ(e.rule, "yaml-syntax");
  EXPECT_EQ(e.location.file, "parse-err.yaml");
  EXPECT_GT(e.location.line, 0);
  EXPECT_GT(e.location.column, 0);
  Error bad_indent = parse_err("a:\n  b: 1\n c: 2\n");
  EXPECT_EQ(bad_indent.rule, "yaml-syntax");
  EXPECT_EQ(bad_indent.location.line, 3);
}

TEST(YamlParse, TabsInIndentationAreLocated) {
  Error e = parse_err("a:\n\tb: 1\n");
  EXPECT_EQ(e.describe(), "parse-err.yaml:2:1: tab character used for indentation (YAML allows only spaces)");
  Error after_spaces = parse_err("a:\n  b:\n  \t- 1\n");
  EXPECT_EQ(after_spaces.describe(),
            "parse-err.yaml:3:3: tab character used for indentation (YAML allows only spaces)");
}

TEST(YamlParse, TabsThatAreNotIndentationAreFine) {
  Node n = parse_ok("a:\tx\nb: \"q\tq\"\n# \tcomment\n");
  EXPECT_EQ(n.find("a")->value(), "x");
  EXPECT_EQ(n.find("b")->value(), "q\tq");
  // A tab indenting a comment is not fine: go-yaml skips tabs at the start of a block-context
  // line only where no key may start, so it refuses this file (libfyaml accepted it).
  Error comment = parse_err("a: 1\n\t# indented comment\n");
  EXPECT_EQ(comment.describe(), "parse-err.yaml:2:1: tab character used for indentation (YAML allows only spaces)");
  // Inside a block scalar a tab after the indentation is content (a Makefile, a script).
  Node block = parse_ok("script: |\n  all:\n  \techo hi\nnext: 1\n");
  EXPECT_EQ(block.find("script")->value(), "all:\n\techo hi\n");
  EXPECT_EQ(block.find("next")->value(), "1");
  Node folded = parse_ok("- >-\n    a\n    \tb\n- c\n");
  EXPECT_EQ(folded.items()[0].value(), "a\n\tb");
}

TEST(YamlParse, ParseFileErrors) {
  test::TempDir tmp;
  auto missing = parse_file(tmp.file("missing.yaml"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().rule, "io-read");
  auto dir = parse_file(tmp.path());
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().message, "cannot read '" + tmp.path() + "': is a directory");
  std::string ok = tmp.write("ok.yaml", "a: 1\n");
  auto r = parse_file(ok);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0].root.location().file, ok);
}

// issue 10: a block scalar whose header sits on the line after its `-` (after a comment, or after
// a bare `-`). libfyaml 0.7.12 read these as garbage holding NUL bytes; go-yaml (libyaml) reads
// the literal text.
TEST(YamlParse, BlockScalarHeaderOnTheLineAfterTheDash) {
  Node commented = parse_ok("- # the script\n  |-\n  echo hi\n  echo there\n- next\n");
  ASSERT_EQ(commented.items().size(), 2u);
  EXPECT_EQ(commented.items()[0].value(), "echo hi\necho there");
  EXPECT_EQ(commented.items()[0].style(), Style::literal);
  EXPECT_EQ(pos(commented.items()[0]), "2:3");  // its `|`
  EXPECT_EQ(commented.items()[1].value(), "next");
  Node bare = parse_ok("patches:\n  -\n    |-\n    machine:\n      kubelet: {}\n  - >\n    folded\n    text\n");
  const Node* p = bare.find("patches");
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->items().size(), 2u);
  EXPECT_EQ(p->items()[0].value(), "machine:\n  kubelet: {}");
  EXPECT_EQ(p->items()[1].value(), "folded text\n");
  // Keep (+) chomping and an indentation indicator, header after a comment under a key.
  Node keyed = parse_ok("a: # note\n  |+\n  x\n\nb: 1\n");
  EXPECT_EQ(keyed.find("a")->value(), "x\n\n");
  Node indicator = parse_ok("-\n  |2\n     lead\n");
  EXPECT_EQ(indicator.items()[0].value(), "   lead\n");
}

// issue 10: `*app:` is the alias `app` used as a mapping key, as go-yaml reads it (anchor names
// end at ':' in libyaml's scanner); the app-template idiom `*app:` under `controllers:`.
TEST(YamlParse, AliasAsMappingKey) {
  Node n = parse_ok("app: &app frigate\ncontrollers:\n  *app :\n    x: 1\nservice:\n  *app:\n    y: 2\n");
  const Node* c = n.find("controllers");
  ASSERT_NE(c, nullptr);
  ASSERT_NE(c->find("frigate"), nullptr);
  EXPECT_EQ(c->find("frigate")->find("x")->value(), "1");
  const Node* s = n.find("service");
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->entries().size(), 1u);
  EXPECT_EQ(s->entries()[0].key.value(), "frigate");
  EXPECT_EQ(pos(s->entries()[0].key), "6:3");  // the `*`
  EXPECT_EQ(s->find("frigate")->find("y")->value(), "2");
  // An alias key naming no anchor is still an error, located at its `*`.
  Error e = parse_err("a:\n  *nope: 1\n");
  EXPECT_EQ(e.describe(), "parse-err.yaml:2:3: undefined alias '*nope'");
  // An alias key that names a mapping is a non-scalar key: refused, as before.
  Error m = parse_err("m: &m {a: 1}\nx:\n  *m: 2\n");
  EXPECT_EQ(m.rule, "yaml-syntax");
}
