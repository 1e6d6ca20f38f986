#pragma once
// File access for loaders and generators. Reads return Result so a missing or unreadable file is
// an error the caller can locate; writes are atomic (temp file in the same folder, fsync, rename),
// so a failure never leaves a half-written config or secrets bundle behind.

#include <core/error.hpp>

#include <string>
#include <string_view>
#include <sys/types.h>

namespace talgpu {

// Reads a whole file. Refuses files over `max_bytes` (default 256 MiB) with a clear error.
Result<std::string> read_file(const std::string& path, size_t max_bytes = size_t{256} << 20);

bool file_exists(const std::string& path);
bool is_directory(const std::string& path);

struct WriteOptions {
  mode_t mode = 0644;
  bool create_parents = false;
  mode_t parent_mode = 0755;
};

// Writes `content` to `path` atomically with the given mode (e.g. 0600 for secrets).
Result<void> write_file_atomic(const std::string& path, std::string_view content, const WriteOptions& opts = {});

// mkdir -p with `mode` for created folders.
Result<void> make_dirs(const std::string& path, mode_t mode = 0755);

// The folder part of `path` ("." when none) and a join that keeps absolute right-hand sides.
std::string dirname_of(const std::string& path);
std::string join_path(const std::string& dir, const std::string& rel);

}  // namespace talgpu
