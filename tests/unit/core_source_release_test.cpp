// SourceRegistry::release (issue 18): a file's text is dropped after parsing and read again only
// when a diagnostic quotes it, and then only if the file still holds what was parsed.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include <core/diagnostic.hpp>
#include <core/fs.hpp>
#include <core/source.hpp>
#include <yaml/document.hpp>

#include "test_support.hpp"

using namespace talgpu;

namespace {

void overwrite(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

TEST(CoreSourceRelease, ReleasedTextIsReadAgainForQuotes) {
  test::TempDir dir;
  const std::string a = dir.write("a.yaml", "one\ntwo\r\nthree");
  const std::string b = dir.write("b.yaml", "bee\n");
  auto& reg = SourceRegistry::instance();
  const int32_t ia = reg.add(a, "one\ntwo\r\nthree");
  const int32_t ib = reg.add(b, "bee\n");
  reg.release(ia);
  reg.release(ib);
  EXPECT_EQ(reg.text(ia), "");  // the memory is gone
  EXPECT_EQ(reg.line_of(a, 2), "two");
  EXPECT_EQ(reg.line_of(a, 3), "three");
  EXPECT_EQ(reg.line_of(a, 4), "");
  EXPECT_EQ(reg.line_of(b, 1), "bee");  // another file replaces the cached one
  EXPECT_EQ(reg.line_of(a, 1), "one");
}

TEST(CoreSourceRelease, ChangedOrMissingFilesAreNotQuoted) {
  test::TempDir dir;
  const std::string same_size = dir.write("s.yaml", "key: 1\n");
  const std::string longer = dir.write("l.yaml", "key: 1\n");
  const std::string gone = dir.write("g.yaml", "key: 1\n");
  auto& reg = SourceRegistry::instance();
  const int32_t is = reg.add(same_size, "key: 1\n");
  const int32_t il = reg.add(longer, "key: 1\n");
  const int32_t ig = reg.add(gone, "key: 1\n");
  reg.release(is);
  reg.release(il);
  reg.release(ig);
  overwrite(same_size, "key: 2\n");  // same size, other bytes: the hash tells
  overwrite(longer, "key: 1\nmore: 2\n");
  ASSERT_EQ(std::remove(gone.c_str()), 0);
  EXPECT_EQ(reg.line_of(same_size, 1), "");
  EXPECT_EQ(reg.line_of(longer, 1), "");
  EXPECT_EQ(reg.line_of(gone, 1), "");
}

TEST(CoreSourceRelease, SensitiveTextsStayUnquotedWhenReadAgain) {
  test::TempDir dir;
  const std::string path = dir.write("secret.yaml", "token: abc\n");
  auto& reg = SourceRegistry::instance();
  reg.release(reg.add(path, "token: abc\n"));
  reg.mark_sensitive(path);
  EXPECT_EQ(reg.line_of(path, 1), "");
}

TEST(CoreSourceRelease, DiagnosticsQuoteAReleasedFile) {
  test::TempDir dir;
  const std::string path = dir.write("bad.yaml", "a: 1\nb: [unclosed\n");
  auto parsed = yaml::parse_file(path);
  ASSERT_FALSE(parsed);
  auto& reg = SourceRegistry::instance();
  const int32_t id = reg.add(path, "a: 1\nb: [unclosed\n");  // the newest registration of the name
  reg.release(id);
  Diagnostics ds;
  ds.error("yaml-syntax", "example", SourceLocation{path, 2, 4});
  RenderOptions ro;
  ro.show_source = true;
  const std::string text = render_text(ds, ro);
  EXPECT_NE(text.find("  b: [unclosed\n     ^"), std::string::npos) << text;
}
