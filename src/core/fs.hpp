#pragma once
// File access for loaders and generators.
//
// Reads return Result so a missing or unreadable file is an error the caller can locate. Only
// regular files are read: the file is opened non-blocking and checked with fstat, so a FIFO,
// socket or device named as an input (or planted under an output's name) is refused at once instead
// of blocking forever. Every input file has the same size limit, k_max_input_bytes.
//
// Writes are atomic and never follow a symbolic link: the folder is opened component by component
// with O_NOFOLLOW below the folder the caller confines the write to, a temporary file is created
// next to the target with O_EXCL|O_NOFOLLOW, fsynced and renamed over the target (rename replaces a
// name, it never writes through a link), and a symlink or non-regular file at the target is
// refused. Temporary files are named `.<name>.tmp-XXXXXX` (k_temp_file_pattern, which the managed
// .gitignore lists) and are removed if the process is interrupted (SIGINT, SIGTERM, SIGHUP).

#include <core/error.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace talgpu {

// The size limit of an input file (talconfig, secrets, patches, manifests): a rendered chart or CRD
// bundle is tens of MB, and the parser bounds its own memory per input (see yaml/document.hpp), so
// 256 MiB refuses a runaway file quickly without refusing a real one. `kubectl get nodes -o json`
// has its own, larger bound (kube/nodes_json.hpp: its streaming reader keeps only the Nodes).
inline constexpr size_t k_max_input_bytes = size_t{256} << 20;

// The name pattern of talgpu's temporary files (a .gitignore line).
inline constexpr const char* k_temp_file_pattern = ".*.tmp-*";

// Reads a whole regular file. Refuses files over `max_bytes` (rule `io-too-large`), FIFOs,
// devices, sockets and folders (rule `io-read`). "-" is standard input (any kind: a pipe too),
// read once per run and bounded by the same `max_bytes`.
Result<std::string> read_file(const std::string& path, size_t max_bytes = k_max_input_bytes);
// A growing byte buffer that is not zero-filled as it grows (read() fills it): files are read
// straight into it, many per buffer, and the buffer is used again for the next ones.
class ByteBuffer {
 public:
  const char* data() const { return m_data.get(); }
  size_t size() const { return m_size; }
  size_t capacity() const { return m_capacity; }
  // Room for `n` more bytes after the end (grows by doubling); commit() says how many were written.
  char* tail(size_t n);
  void commit(size_t n) { m_size += n; }
  void truncate(size_t n) { m_size = n < m_size ? n : m_size; }

 private:
  std::unique_ptr<char[]> m_data;
  size_t m_size = 0;
  size_t m_capacity = 0;
};

// Appends a file the caller already knows is a regular file (a folder walk's d_type said so) to
// `out`: open, read, close, without read_file's fstat. A read that returns less than it asked for
// is the end of the file, as it is for regular files on Linux; the size limit applies to what is
// read. One system call less per file on trees of 100,000 small manifests (issue 18). On an error
// `out` is as it was.
Result<void> append_regular_file(const std::string& path, size_t max_bytes, ByteBuffer& out);
// "-": the name that means standard input wherever talgpu reads a file.
bool is_stdin_path(std::string_view path);

// Reads a file talgpu is about to rewrite: never through a symbolic link (rule `io-symlink`);
// nullopt when the file does not exist.
Result<std::optional<std::string>> read_file_nofollow(const std::string& path, size_t max_bytes = k_max_input_bytes);

bool file_exists(const std::string& path);
bool is_directory(const std::string& path);

struct WriteOptions {
  mode_t mode = 0644;
  bool create_parents = false;
  mode_t parent_mode = 0755;
  // When set, `path` must lie inside this folder (after resolving `.` and `..`), and no folder
  // between it and the file may be a symbolic link (rule `output-outside`/`io-symlink`).
  std::string confine_to;
};

// Writes `content` to `path` atomically with the given mode (e.g. 0600 for secrets).
Result<void> write_file_atomic(const std::string& path, std::string_view content, const WriteOptions& opts = {});

// Checks, without writing, that write_file_atomic(path, ..., opts) would be allowed: inside the
// confining folder, no symlinked folder on the way, no symlink or non-regular file at `path`.
Result<void> check_output_path(const std::string& path, const WriteOptions& opts = {});

// A message when `dir` can be read or entered by group or others (mode wider than 0700), for
// folders that receive private keys; nullopt when it is private or does not exist.
std::optional<std::string> folder_wider_than_private(const std::string& dir);

// mkdir -p with `mode` for created folders.
Result<void> make_dirs(const std::string& path, mode_t mode = 0755);

// The folder part of `path` ("." when none) and a join that keeps absolute right-hand sides.
std::string dirname_of(const std::string& path);
std::string join_path(const std::string& dir, const std::string& rel);

// A folder removed (with the files in it) when this object goes away and when the process is
// interrupted, unless keep() was called. For scratch output such as `plan`'s generated configs.
class ScratchDir {
 public:
  explicit ScratchDir(std::string path);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return m_path; }
  void keep();

 private:
  std::string m_path;
  int m_slot = -1;
  bool m_keep = false;
};

// Removes registered temporary files and scratch folders now (what the signal handler does);
// for tests.
void remove_registered_temporaries();

}  // namespace talgpu
