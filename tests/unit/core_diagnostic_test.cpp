// Diagnostics as users see them: the exact text, the JSON shape, the summary and the order.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <core/diagnostic.hpp>
#include <core/error.hpp>
#include <core/source.hpp>

using namespace talgpu;

namespace {

// Each test registers its own text under a unique name (the registry lives for the process).
SourceLocation at(const std::string& file, int line, int col) {
  return SourceLocation{file, line, col};
}

}  // namespace

TEST(CoreDiagnostic, RendersCompilerStyleWithSourceCaretAndHint) {
  SourceRegistry::instance().add("diag-render.yaml", "clusterName: demo\nnodes:\n  - hostnme: gpu-1\n");
  Diagnostic d{Severity::error, "talconfig-unknown-key", "unknown key 'hostnme'", at("diag-render.yaml", 3, 5),
               "did you mean 'hostname'?"};
  EXPECT_EQ(render_text(d),
            "diag-render.yaml:3:5: error: unknown key 'hostnme' [talconfig-unknown-key]\n"
            "    - hostnme: gpu-1\n"
            "      ^\n"
            "  hint: did you mean 'hostname'?\n");
}

TEST(CoreDiagnostic, WarningAndNoteWithoutRuleOrHint) {
  SourceRegistry::instance().add("diag-sev.yaml", "a: 1\n");
  Diagnostic w{Severity::warning, "", "looks odd", at("diag-sev.yaml", 1, 4), ""};
  EXPECT_EQ(render_text(w), "diag-sev.yaml:1:4: warning: looks odd\n  a: 1\n     ^\n");
  Diagnostic n{Severity::note, "x-note", "for your information", {}, ""};
  EXPECT_EQ(render_text(n), "note: for your information [x-note]\n");
}

TEST(CoreDiagnostic, LineWithoutColumnQuotesSourceButNoCaret) {
  SourceRegistry::instance().add("diag-nocol.yaml", "first\nsecond\n");
  Diagnostic d{Severity::error, "r", "m", at("diag-nocol.yaml", 2, 0), ""};
  EXPECT_EQ(render_text(d), "diag-nocol.yaml:2: error: m [r]\n  second\n");
}

TEST(CoreDiagnostic, UnknownFileOrLineOmitsTheQuote) {
  Diagnostic d{Severity::error, "r", "m", at("never-registered.yaml", 7, 3), ""};
  EXPECT_EQ(render_text(d), "never-registered.yaml:7:3: error: m [r]\n");
  SourceRegistry::instance().add("diag-short.yaml", "one line\n");
  Diagnostic beyond{Severity::error, "r", "m", at("diag-short.yaml", 5, 1), ""};
  EXPECT_EQ(render_text(beyond), "diag-short.yaml:5:1: error: m [r]\n");
  RenderOptions no_source;
  no_source.show_source = false;
  Diagnostic d2{Severity::error, "r", "m", at("diag-short.yaml", 1, 1), ""};
  EXPECT_EQ(render_text(d2, no_source), "diag-short.yaml:1:1: error: m [r]\n");
}

TEST(CoreDiagnostic, CaretKeepsTabsAndCrlfIsStripped) {
  SourceRegistry::instance().add("diag-tab.yaml", "\tkey: value\r\nnext\r\n");
  Diagnostic d{Severity::error, "r", "m", at("diag-tab.yaml", 1, 3), ""};
  // The tab in the quoted line is echoed as a tab under it, so the caret lines up in a terminal.
  EXPECT_EQ(render_text(d), "diag-tab.yaml:1:3: error: m [r]\n  \tkey: value\n  \t ^\n");
}

TEST(CoreDiagnostic, CaretPastEndOfLinePadsWithSpaces) {
  SourceRegistry::instance().add("diag-eol.yaml", "ab\n");
  Diagnostic d{Severity::error, "r", "m", at("diag-eol.yaml", 1, 5), ""};
  EXPECT_EQ(render_text(d), "diag-eol.yaml:1:5: error: m [r]\n  ab\n      ^\n");
}

TEST(CoreDiagnostic, CaretCountsUtf8Characters) {
  SourceRegistry::instance().add("diag-utf8.yaml", "name: \xc3\xa9t\xc3\xa9 x\n");
  Diagnostic d{Severity::error, "r", "m", at("diag-utf8.yaml", 1, 11), ""};
  EXPECT_EQ(render_text(d), "diag-utf8.yaml:1:11: error: m [r]\n  name: \xc3\xa9t\xc3\xa9 x\n            ^\n");
}

TEST(CoreDiagnostic, BinaryLinesAreNotEchoed) {
  SourceRegistry::instance().add("diag-bin.yaml", std::string("\x7f" "ELF\x02\x01\x00", 7));
  Diagnostic d{Severity::error, "r", "m", at("diag-bin.yaml", 1, 7), ""};
  EXPECT_EQ(render_text(d), "diag-bin.yaml:1:7: error: m [r]\n");
}

TEST(CoreDiagnostic, VeryLongLinesAreNotQuoted) {
  SourceRegistry::instance().add("diag-long.yaml", std::string(500, 'x') + "\n");
  Diagnostic d{Severity::error, "r", "m", at("diag-long.yaml", 1, 1), ""};
  EXPECT_EQ(render_text(d), "diag-long.yaml:1:1: error: m [r]\n");
}

TEST(CoreDiagnostic, ColourWrapsEachPartWhenAsked) {
  SourceRegistry::instance().add("diag-color.yaml", "a: b\n");
  Diagnostic d{Severity::error, "r", "m", at("diag-color.yaml", 1, 4), "h"};
  RenderOptions opts;
  opts.color = true;
  EXPECT_EQ(render_text(d, opts),
            "\x1b[1mdiag-color.yaml:1:4:\x1b[0m \x1b[1;31merror:\x1b[0m \x1b[1mm\x1b[0m [r]\n"
            "  a: b\n"
            "  \x1b[1;32m   ^\x1b[0m\n"
            "  \x1b[1;36mhint:\x1b[0m h\n");
}

TEST(CoreDiagnostic, RenderManyConcatenatesInOrder) {
  Diagnostics ds;
  ds.error("r1", "first");
  ds.warning("r2", "second");
  EXPECT_EQ(render_text(ds), "error: first [r1]\nwarning: second [r2]\n");
}

TEST(CoreDiagnostic, SummaryLine) {
  Diagnostics ds;
  EXPECT_EQ(summary_line(ds), "");
  ds.error("a", "x");
  EXPECT_EQ(summary_line(ds), "1 error");
  ds.error("a", "y");
  ds.warning("b", "z");
  EXPECT_EQ(summary_line(ds), "2 errors, 1 warning");
  ds.note("c", "n");
  ds.note("c", "n2");
  EXPECT_EQ(summary_line(ds), "2 errors, 1 warning, 2 notes");
  Diagnostics only_warnings;
  only_warnings.warning("b", "z");
  EXPECT_EQ(summary_line(only_warnings), "1 warning");
  EXPECT_FALSE(only_warnings.has_errors());
  EXPECT_TRUE(ds.has_errors());
  EXPECT_EQ(ds.size(), 5u);
  EXPECT_EQ(ds.count(Severity::note), 2u);
}

TEST(CoreDiagnostic, JsonRendering) {
  Diagnostics ds;
  ds.error("yaml-syntax", "bad \"thing\"", at("f.yaml", 2, 3), "fix it");
  ds.warning("w", "unlocated");
  EXPECT_EQ(render_json(ds),
            "[\n"
            "  {\n"
            "    \"rule\": \"yaml-syntax\",\n"
            "    \"severity\": \"error\",\n"
            "    \"message\": \"bad \\\"thing\\\"\",\n"
            "    \"file\": \"f.yaml\",\n"
            "    \"line\": 2,\n"
            "    \"column\": 3,\n"
            "    \"hint\": \"fix it\"\n"
            "  },\n"
            "  {\n"
            "    \"rule\": \"w\",\n"
            "    \"severity\": \"warning\",\n"
            "    \"message\": \"unlocated\",\n"
            "    \"file\": \"\",\n"
            "    \"line\": 0,\n"
            "    \"column\": 0\n"
            "  }\n"
            "]");
  EXPECT_EQ(render_json(Diagnostics{}), "[]");
  EXPECT_EQ(render_json(ds, -1).find('\n'), std::string::npos);
}

TEST(CoreDiagnostic, JsonRenderingSurvivesInvalidUtf8InMessages) {
  // Messages can quote user input; a stray byte must not make the JSON dump throw.
  Diagnostics ds;
  ds.error("r", std::string("bad byte \xff here"), at("f\xfe.yaml", 1, 1));
  std::string out;
  ASSERT_NO_THROW(out = render_json(ds));
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j[0]["message"], "bad byte \xef\xbf\xbd here");
}

TEST(CoreDiagnostic, SortIsByFileLineColumnThenInsertion) {
  Diagnostics ds;
  ds.error("r", "b-3-1", at("b.yaml", 3, 1));
  ds.error("r", "a-10-2", at("a.yaml", 10, 2));
  ds.error("r", "a-2-9", at("a.yaml", 2, 9));
  ds.error("r", "a-2-1-first", at("a.yaml", 2, 1));
  ds.warning("r", "a-2-1-second", at("a.yaml", 2, 1));
  ds.error("r", "unlocated");
  ds.sort();
  std::vector<std::string> order;
  for (const auto& d : ds.items()) {
    order.push_back(d.message);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"unlocated", "a-2-1-first", "a-2-1-second", "a-2-9", "a-10-2", "b-3-1"}));
}

TEST(CoreDiagnostic, AppendKeepsBoth) {
  Diagnostics a;
  a.error("r", "1");
  Diagnostics b;
  b.warning("r", "2");
  a.append(b);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a.items()[1].message, "2");
  EXPECT_EQ(a.items()[1].severity, Severity::warning);
}

TEST(CoreDiagnostic, SeverityNames) {
  EXPECT_STREQ(severity_name(Severity::error), "error");
  EXPECT_STREQ(severity_name(Severity::warning), "warning");
  EXPECT_STREQ(severity_name(Severity::note), "note");
}

TEST(CoreError, DescribeAndLocationString) {
  EXPECT_EQ(Error("boom").describe(), "boom");
  EXPECT_EQ(Error("boom", at("x.yaml", 3, 4)).describe(), "x.yaml:3:4: boom");
  EXPECT_EQ(SourceLocation({"x.yaml", 3, 0}).str(), "x.yaml:3");
  EXPECT_EQ(SourceLocation({"x.yaml", 0, 0}).str(), "x.yaml");
  EXPECT_TRUE(SourceLocation{}.empty());
}

namespace {

Result<int> half(int x) {
  if (x % 2 != 0) {
    return fail("odd", {}, "r-odd");
  }
  return x / 2;
}

Result<int> quarter(int x) {
  TRY_ASSIGN(int h, half(x));
  TRY_ASSIGN(int q, half(h));
  return q;
}

Result<void> check_even(int x) {
  TRY(half(x));
  return {};
}

}  // namespace

TEST(CoreError, TryMacrosPropagate) {
  EXPECT_EQ(quarter(8).value(), 2);
  auto r = quarter(6);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "odd");
  EXPECT_EQ(r.error().rule, "r-odd");
  EXPECT_TRUE(check_even(4).has_value());
  EXPECT_FALSE(check_even(3).has_value());
}

TEST(CoreError, ValueOrAbortThrowsWithExitCode) {
  EXPECT_EQ(value_or_abort(half(4)), 2);
  try {
    value_or_abort(Result<int>(fail("bad", at("f", 1, 2))), k_exit_findings);
    FAIL() << "expected Abort";
  } catch (const Abort& a) {
    EXPECT_STREQ(a.what(), "f:1:2: bad");
    EXPECT_EQ(a.exit_code(), 1);
  }
}

TEST(CoreError, ValueOrAbortForVoidResults) {
  EXPECT_NO_THROW(value_or_abort(check_even(2)));
  try {
    value_or_abort(check_even(3));
    FAIL() << "expected Abort";
  } catch (const Abort& a) {
    EXPECT_STREQ(a.what(), "odd");
    EXPECT_EQ(a.exit_code(), k_exit_usage);
  }
}

TEST(CoreSource, RegistryLinesAndNewestWins) {
  auto& reg = SourceRegistry::instance();
  int32_t id = reg.add("src-lines.yaml", "l1\r\nl2\n\nl4");
  EXPECT_EQ(reg.name(id), "src-lines.yaml");
  EXPECT_EQ(reg.line_of("src-lines.yaml", 1), "l1");
  EXPECT_EQ(reg.line_of("src-lines.yaml", 2), "l2");
  EXPECT_EQ(reg.line_of("src-lines.yaml", 3), "");
  EXPECT_EQ(reg.line_of("src-lines.yaml", 4), "l4");
  EXPECT_EQ(reg.line_of("src-lines.yaml", 5), "");
  EXPECT_EQ(reg.line_of("src-lines.yaml", 0), "");
  EXPECT_EQ(reg.line_of("src-lines.yaml", -3), "");
  reg.add("src-lines.yaml", "replaced\n");
  EXPECT_EQ(reg.line_of("src-lines.yaml", 1), "replaced");
  EXPECT_EQ(reg.text(id), "l1\r\nl2\n\nl4");  // older texts stay valid
  EXPECT_EQ(reg.name(-1), "");
  EXPECT_EQ(reg.name(1 << 30), "");
  EXPECT_EQ(reg.text(1 << 30), "");
}

// line_of indexes line starts once per text (rendering N findings in one file must not rescan it
// N times); the answers equal a scan from the start for every line, in any order of asking.
TEST(CoreSource, LineIndexAgreesWithAScanForEveryLine) {
  std::string text;
  for (int i = 0; i < 500; ++i) {
    text += (i % 7 == 0) ? "" : "line " + std::to_string(i);
    text += (i % 5 == 0) ? "\r\n" : "\n";
  }
  text += "last-without-newline";
  auto& reg = SourceRegistry::instance();
  reg.add("src-index.yaml", text);
  auto scan = [&](int line) -> std::string {
    std::string_view t = text;
    size_t pos = 0;
    for (int l = 1; l < line; ++l) {
      pos = t.find('\n', pos);
      if (pos == std::string_view::npos) {
        return "";
      }
      ++pos;
    }
    std::string out(t.substr(pos, t.find('\n', pos) == std::string_view::npos ? std::string_view::npos
                                                                                : t.find('\n', pos) - pos));
    if (!out.empty() && out.back() == '\r') {
      out.pop_back();
    }
    return out;
  };
  for (int line : {502, 1, 501, 250, 7, 8, 503, 100000}) {
    EXPECT_EQ(std::string(reg.line_of("src-index.yaml", line)), scan(line)) << line;
  }
  for (int line = 1; line <= 505; ++line) {
    ASSERT_EQ(std::string(reg.line_of("src-index.yaml", line)), scan(line)) << line;
  }
}

TEST(Diagnostics, CountsFollowAddAppendAndTruncate) {
  Diagnostics d;
  d.error("a", "1");
  d.warning("b", "2");
  d.note("c", "3");
  d.error("a", "4");
  EXPECT_EQ(d.count(Severity::error), 2u);
  EXPECT_EQ(d.count(Severity::warning), 1u);
  EXPECT_EQ(d.count(Severity::note), 1u);
  Diagnostics more;
  more.warning("b", "5");
  d.append(more);
  EXPECT_EQ(d.count(Severity::warning), 2u);
  d.truncate(2);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d.count(Severity::error), 1u);
  EXPECT_EQ(d.count(Severity::warning), 1u);
  EXPECT_EQ(d.count(Severity::note), 0u);
  EXPECT_TRUE(d.has_errors());
  d.truncate(5);  // longer than it is: nothing changes
  EXPECT_EQ(d.size(), 2u);
  d.truncate(0);
  EXPECT_TRUE(d.empty());
  EXPECT_FALSE(d.has_errors());
  Diagnostics copy = more;  // copies keep their counts
  EXPECT_EQ(copy.count(Severity::warning), 1u);
}
