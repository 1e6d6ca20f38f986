// core/prefetch.hpp: files read ahead on a second thread come back in order, exactly as reading
// them one after the other would, whatever the window, and the reader stops when told.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <core/fs.hpp>
#include <core/prefetch.hpp>

#include "test_support.hpp"

using namespace talgpu;

namespace {

std::vector<std::string> write_files(const test::TempDir& t, size_t n, std::vector<std::string>& texts) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < n; ++i) {
    // Sizes vary, some empty, some over the 64 KiB read chunk.
    std::string text = i % 17 == 0 ? std::string() : std::string(i % 5 == 0 ? 70000 + i : 10 + i * 3, 'a' + i % 26);
    texts.push_back(text);
    paths.push_back(t.write("f" + std::to_string(i) + ".yaml", text));
  }
  return paths;
}

// Every window and batch size, down to one file and one byte: same texts, same order.
TEST(Prefetch, TextsComeBackInOrderWhateverTheWindow) {
  test::TempDir t;
  std::vector<std::string> texts;
  auto paths = write_files(t, 150, texts);
  for (PrefetchOptions o : {PrefetchOptions{}, PrefetchOptions{.window_bytes = 1, .window_files = 1, .batch_files = 1},
                            PrefetchOptions{.window_bytes = 100000, .window_files = 3, .batch_files = 2},
                            PrefetchOptions{.window_bytes = size_t{1} << 30, .window_files = 100000, .batch_files = 1000},
                            // The reader right after the first file / never (the taker reads all).
                            PrefetchOptions{.batch_files = 7, .probe_files = 1, .small_average = SIZE_MAX},
                            PrefetchOptions{.batch_files = 7, .small_average = 0},
                            PrefetchOptions{.window_bytes = 1, .window_files = 1, .batch_files = 1, .probe_files = 3,
                                            .small_average = SIZE_MAX}}) {
    Prefetcher p(paths, o);
    ASSERT_EQ(p.size(), paths.size());
    for (size_t i = 0; i < paths.size(); ++i) {
      auto text = p.take(i);
      ASSERT_TRUE(text.has_value()) << paths[i];
      EXPECT_EQ(*text, texts[i]) << paths[i];
    }
  }
}

TEST(Prefetch, SkippedFilesAreDroppedAndLaterOnesStillArrive) {
  test::TempDir t;
  std::vector<std::string> texts;
  auto paths = write_files(t, 60, texts);
  for (size_t small : {size_t{0}, SIZE_MAX}) {
    Prefetcher p(paths, PrefetchOptions{.window_files = 4, .batch_files = 3, .probe_files = 2, .small_average = small});
    for (size_t i = 0; i < paths.size(); i += 7) {
      auto text = p.take(i);
      ASSERT_TRUE(text.has_value());
      EXPECT_EQ(*text, texts[i]);
    }
    // Going back, or past the end, is a caller's bug: an error, never a hang.
    EXPECT_FALSE(p.take(3).has_value());
    EXPECT_FALSE(p.take(paths.size()).has_value());
  }
}

TEST(Prefetch, ReadErrorsArriveAtTheirFileAndTheRestIsRead) {
  test::TempDir t;
  std::vector<std::string> paths = {t.write("a.yaml", "a: 1\n"), t.file("missing.yaml"), t.file(""),
                                    t.write("b.yaml", "b: 2\n")};
  Prefetcher p(paths, PrefetchOptions{.max_bytes = 1000, .batch_files = 2, .probe_files = 1});
  EXPECT_EQ(*p.take(0), "a: 1\n");
  auto missing = p.take(1);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().rule, "io-read");
  EXPECT_NE(missing.error().message.find("missing.yaml"), std::string::npos);
  EXPECT_FALSE(p.take(2).has_value());  // a folder: read() fails with EISDIR
  EXPECT_EQ(*p.take(3), "b: 2\n");
}

TEST(Prefetch, TheSizeLimitIsEachFiles) {
  test::TempDir t;
  std::vector<std::string> paths = {t.write("small.yaml", std::string(100, 'x')),
                                    t.write("big.yaml", std::string(200000, 'y')),
                                    t.write("edge.yaml", std::string(150000, 'z'))};
  Prefetcher p(paths, PrefetchOptions{.max_bytes = 150000, .window_bytes = 10, .probe_files = 1,
                                      .small_average = SIZE_MAX});
  EXPECT_TRUE(p.take(0).has_value());
  auto big = p.take(1);
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().rule, "io-too-large");
  auto edge = p.take(2);  // exactly at the limit: read
  ASSERT_TRUE(edge.has_value());
  EXPECT_EQ(edge->size(), 150000u);
}

// Dropped early (the caller stopped on an error): the reader is stopped and joined, even while it
// waits for room in a full window, and an empty list starts no reader at all.
TEST(Prefetch, StopsWhenDroppedEarly) {
  test::TempDir t;
  std::vector<std::string> texts;
  auto paths = write_files(t, 200, texts);
  for (size_t taken : {0, 1, 5, 199}) {
    Prefetcher p(paths, PrefetchOptions{.window_bytes = 1, .window_files = 1, .batch_files = 1, .probe_files = 1,
                                        .small_average = SIZE_MAX});
    for (size_t i = 0; i < taken; ++i) {
      ASSERT_TRUE(p.take(i).has_value());
    }
  }
  Prefetcher none({}, PrefetchOptions{});
  EXPECT_EQ(none.size(), 0u);
  EXPECT_FALSE(none.take(0).has_value());
}

// append_regular_file reads what read_file reads, across the chunk boundary, after what the
// buffer already holds; on an error the buffer is as it was.
TEST(Prefetch, AppendRegularFileMatchesReadFile) {
  test::TempDir t;
  ByteBuffer buf;
  std::string expected;
  for (size_t n : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{200000}}) {
    std::string text(n, 'q');
    for (size_t i = 0; i < n; i += 97) {
      text[i] = static_cast<char>('a' + i % 26);
    }
    std::string path = t.write("f" + std::to_string(n), text);
    ASSERT_TRUE(append_regular_file(path, k_max_input_bytes, buf).has_value());
    auto b = read_file(path);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(*b, text);
    expected += text;
    ASSERT_EQ(std::string(buf.data(), buf.size()), expected);
  }
  auto limited = append_regular_file(t.write("limited", std::string(65536 * 2, 'l')), 65536 * 2 - 1, buf);
  ASSERT_FALSE(limited.has_value());
  EXPECT_EQ(limited.error().rule, "io-too-large");
  EXPECT_EQ(std::string(buf.data(), buf.size()), expected);
  EXPECT_FALSE(append_regular_file(t.file("missing"), k_max_input_bytes, buf).has_value());
  EXPECT_FALSE(append_regular_file(t.path(), k_max_input_bytes, buf).has_value());  // a folder
  EXPECT_EQ(buf.size(), expected.size());
}

}  // namespace
