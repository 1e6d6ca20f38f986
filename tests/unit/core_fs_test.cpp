// File reads with clear errors, and atomic writes that never leave a half-written file behind.
// Tests may run as root, so every failure case here is one that permissions cannot bypass.

#include <gtest/gtest.h>

#include <filesystem>
#include <sys/stat.h>

#include <core/fs.hpp>

#include "test_support.hpp"

using namespace talgpu;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::vector<std::string> entries_of(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST(CoreFs, ReadFileReturnsBytesExactly) {
  test::TempDir tmp;
  std::string content("a\0b\r\n\xff", 6);
  std::string p = tmp.write("f.bin", content);
  auto r = read_file(p);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(*r, content);
  auto empty = read_file(tmp.write("empty", ""));
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
}

TEST(CoreFs, ReadFileMissing) {
  test::TempDir tmp;
  auto r = read_file(tmp.file("nope.yaml"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "io-read");
  EXPECT_EQ(r.error().message, "cannot open '" + tmp.file("nope.yaml") + "': No such file or directory");
}

TEST(CoreFs, ReadFileDirectory) {
  test::TempDir tmp;
  auto r = read_file(tmp.path());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "io-read");
  EXPECT_EQ(r.error().message, "cannot read '" + tmp.path() + "': is a directory");
}

TEST(CoreFs, ReadFileTooLarge) {
  test::TempDir tmp;
  std::string p = tmp.write("big", std::string(2000, 'x'));
  auto r = read_file(p, 1000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "io-too-large");
  EXPECT_EQ(r.error().message, "cannot read '" + p + "': file is 2000 bytes, over the 1000 byte limit");
  EXPECT_TRUE(read_file(p, 2000).has_value());  // the limit itself is allowed
}

TEST(CoreFs, ReadFileRefusesDevices) {
  // Only regular files are read (issue 11): an endless device is refused before the first read.
  auto r = read_file("/dev/zero", 100000);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "io-read");
  EXPECT_EQ(r.error().message, "cannot read '/dev/zero': not a regular file (a FIFO, socket or device is never read)");
}

TEST(CoreFs, ExistsAndIsDirectory) {
  test::TempDir tmp;
  std::string f = tmp.write("f", "x");
  EXPECT_TRUE(file_exists(f));
  EXPECT_FALSE(is_directory(f));
  EXPECT_TRUE(is_directory(tmp.path()));
  EXPECT_FALSE(file_exists(tmp.file("missing")));
  EXPECT_FALSE(is_directory(tmp.file("missing")));
}

TEST(CoreFs, WriteAtomicContentAndDefaultMode) {
  test::TempDir tmp;
  std::string p = tmp.file("out.yaml");
  ASSERT_TRUE(write_file_atomic(p, "hello\n"));
  EXPECT_EQ(test::read_text(p), "hello\n");
  EXPECT_EQ(mode_of(p), 0644u);
  EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"out.yaml"});
}

TEST(CoreFs, WriteAtomicHonoursSecretMode) {
  test::TempDir tmp;
  std::string p = tmp.file("secrets.yaml");
  WriteOptions o;
  o.mode = 0600;
  ASSERT_TRUE(write_file_atomic(p, "key: value\n", o));
  EXPECT_EQ(mode_of(p), 0600u);
  // Overwriting an existing, wider file narrows it too.
  std::string wide = tmp.write("wide.yaml", "old");
  ::chmod(wide.c_str(), 0666);
  ASSERT_TRUE(write_file_atomic(wide, "new", o));
  EXPECT_EQ(test::read_text(wide), "new");
  EXPECT_EQ(mode_of(wide), 0600u);
}

TEST(CoreFs, WriteAtomicEmptyAndBinaryContent) {
  test::TempDir tmp;
  std::string p = tmp.file("e");
  ASSERT_TRUE(write_file_atomic(p, ""));
  EXPECT_EQ(test::read_text(p), "");
  std::string bin("\0\x01\xff", 3);
  ASSERT_TRUE(write_file_atomic(p, bin));
  EXPECT_EQ(test::read_text(p), bin);
}

TEST(CoreFs, WriteAtomicCreatesParentsWhenAsked) {
  test::TempDir tmp;
  std::string p = tmp.file("clusterconfig/a/b/node.yaml");
  auto no = write_file_atomic(p, "x");
  ASSERT_FALSE(no);
  EXPECT_EQ(no.error().rule, "io-write");
  EXPECT_FALSE(file_exists(tmp.file("clusterconfig")));

  WriteOptions o;
  o.create_parents = true;
  o.parent_mode = 0700;
  ASSERT_TRUE(write_file_atomic(p, "x", o)) << write_file_atomic(p, "x", o).error().describe();
  EXPECT_EQ(test::read_text(p), "x");
  EXPECT_EQ(mode_of(tmp.file("clusterconfig")), 0700u);
  EXPECT_EQ(mode_of(tmp.file("clusterconfig/a/b")), 0700u);
}

TEST(CoreFs, WriteAtomicFailureOnDirectoryTargetLeavesNothingBehind) {
  // rename() over a non-empty directory fails even for root.
  test::TempDir tmp;
  tmp.write("target/keep.txt", "kept");
  auto r = write_file_atomic(tmp.file("target"), "data");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "io-write");
  EXPECT_EQ(r.error().message, "refusing to write '" + tmp.file("target") + "': it exists and is not a regular file");
  EXPECT_TRUE(is_directory(tmp.file("target")));
  EXPECT_EQ(test::read_text(tmp.file("target/keep.txt")), "kept");
  EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"target"});  // no temp file left
}

TEST(CoreFs, WriteAtomicFailureWhenParentIsAFile) {
  test::TempDir tmp;
  std::string blocker = tmp.write("notadir", "original");
  auto r = write_file_atomic(tmp.file("notadir/out.yaml"), "data");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot write '" + tmp.file("notadir/out.yaml") + "': cannot open folder '" +
                                   tmp.file("notadir") + "': Not a directory");
  WriteOptions o;
  o.create_parents = true;
  auto r2 = write_file_atomic(tmp.file("notadir/sub/out.yaml"), "data", o);
  ASSERT_FALSE(r2);
  EXPECT_EQ(r2.error().rule, "io-write");
  EXPECT_EQ(test::read_text(blocker), "original");
  EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"notadir"});
}

TEST(CoreFs, WriteAtomicFailureKeepsThePreviousContent) {
  // A name too long for the file system fails in every case, root included; the old file beside
  // it must be untouched and no temp file may remain.
  test::TempDir tmp;
  std::string existing = tmp.write("existing.yaml", "v1");
  std::string too_long = tmp.file(std::string(300, 'n'));
  auto r = write_file_atomic(too_long, "v2");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().rule, "io-write");
  EXPECT_EQ(test::read_text(existing), "v1");
  EXPECT_EQ(entries_of(tmp.path()), std::vector<std::string>{"existing.yaml"});
}

TEST(CoreFs, MakeDirs) {
  test::TempDir tmp;
  ASSERT_TRUE(make_dirs(tmp.file("a/b/c")));
  EXPECT_TRUE(is_directory(tmp.file("a/b/c")));
  EXPECT_TRUE(make_dirs(tmp.file("a/b/c")));  // idempotent
  EXPECT_TRUE(make_dirs(""));
  tmp.write("f", "x");
  auto r = make_dirs(tmp.file("f/g"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "cannot create folder '" + tmp.file("f/g") + "': Not a directory");
}

TEST(CoreFs, DirnameAndJoin) {
  EXPECT_EQ(dirname_of("a/b/c.yaml"), "a/b");
  EXPECT_EQ(dirname_of("c.yaml"), ".");
  EXPECT_EQ(dirname_of("/c.yaml"), "/");
  EXPECT_EQ(dirname_of(""), ".");
  EXPECT_EQ(join_path("a", "b.yaml"), "a/b.yaml");
  EXPECT_EQ(join_path("a/", "b.yaml"), "a/b.yaml");
  EXPECT_EQ(join_path("a", "/abs/b.yaml"), "/abs/b.yaml");
  EXPECT_EQ(join_path(".", "b.yaml"), "b.yaml");
  EXPECT_EQ(join_path("", "b.yaml"), "b.yaml");
  EXPECT_EQ(join_path("a", ""), "a");
}
