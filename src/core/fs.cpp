#include <core/fs.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <fmt/format.h>

namespace talgpu {

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

// ---------------------------------------------------------------------------------------------
// Paths to remove when interrupted. Fixed slots, so the signal handler touches no allocator.

constexpr int k_slots = 64;
constexpr size_t k_slot_path = 4096;
enum SlotKind : int { k_free = 0, k_file = 1, k_dir = 2, k_busy = 3 };
struct Slot {
  std::atomic<int> kind{k_free};
  char path[k_slot_path];
};
Slot g_slots[k_slots];

void remove_folder_best_effort(const char* path) {
  // Scratch folders hold plain files only. opendir is not async-signal-safe; this is a best
  // effort on the way out (git removes its temporary object folders from a signal handler alike).
  if (DIR* d = ::opendir(path)) {
    while (dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        ::unlinkat(::dirfd(d), e->d_name, 0);
      }
    }
    ::closedir(d);
  }
  ::rmdir(path);
}

void remove_slots() {
  for (auto& s : g_slots) {
    int kind = s.kind.load();
    if (kind == k_file) {
      ::unlink(s.path);
    } else if (kind == k_dir) {
      remove_folder_best_effort(s.path);
    }
  }
}

extern "C" void on_fatal_signal(int sig) {
  remove_slots();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) {
        continue;  // e.g. SIGHUP under nohup stays ignored
      }
      struct sigaction sa {};
      sa.sa_handler = on_fatal_signal;
      sigemptyset(&sa.sa_mask);
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

int register_path(const std::string& path, int kind) {
  if (path.size() >= k_slot_path) {
    return -1;
  }
  install_handlers();
  for (int i = 0; i < k_slots; ++i) {
    int expected = k_free;
    if (g_slots[i].kind.compare_exchange_strong(expected, k_busy)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].kind.store(kind);
      return i;
    }
  }
  return -1;  // more than 64 writes in flight: not cleaned on a signal, still removed on error
}

void unregister_path(int slot) {
  if (slot >= 0) {
    g_slots[slot].kind.store(k_free);
  }
}

// ---------------------------------------------------------------------------------------------
// Output paths.

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  Fd& operator=(Fd&& o) noexcept {
    std::swap(fd, o.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

struct Target {
  Fd dir;            // the folder that will hold the file
  std::string dir_path;  // the same, as a path (for messages and the cleanup slot)
  std::string name;  // the file name inside it
};

std::filesystem::path absolute_normal(const std::string& p) {
  std::filesystem::path x(p.empty() ? "." : p);
  if (!x.is_absolute()) {
    std::error_code ec;
    std::filesystem::path cwd = std::filesystem::current_path(ec);
    x = cwd / x;
  }
  return x.lexically_normal();
}

Result<Target> open_target(const std::string& path, const WriteOptions& opts, bool create) {
  std::string base = opts.confine_to.empty() ? dirname_of(path) : opts.confine_to;
  std::vector<std::string> parts;
  std::string name;
  if (opts.confine_to.empty()) {
    name = std::filesystem::path(path).filename().string();
  } else {
    std::filesystem::path rel = absolute_normal(path).lexically_relative(absolute_normal(base));
    for (const auto& part : rel) {
      parts.push_back(part.string());
    }
    if (parts.empty() || parts.front() == ".." || parts.front() == "." ||
        std::find(parts.begin(), parts.end(), "..") != parts.end()) {
      return fail(fmt::format("refusing to write '{}': it is outside the output folder '{}'", path, base), {},
                  "output-outside");
    }
    name = parts.back();
    parts.pop_back();
  }
  if (name.empty() || name == "." || name == "..") {
    return fail(fmt::format("cannot write '{}': not a file name", path), {}, "io-write");
  }
  if (create && (opts.create_parents || !opts.confine_to.empty()) && !is_directory(base)) {
    TRY(make_dirs(base, opts.parent_mode));
  }
  Target t;
  t.dir = Fd(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  t.dir_path = base;
  if (t.dir.fd < 0) {
    return fail(fmt::format("cannot write '{}': cannot open folder '{}': {}", path, base, errno_text(errno)), {},
                "io-write");
  }
  for (const auto& part : parts) {
    std::string next_path = join_path(t.dir_path, part);
    int fd = ::openat(t.dir.fd, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create && opts.create_parents) {
      if (::mkdirat(t.dir.fd, part.c_str(), opts.parent_mode) != 0 && errno != EEXIST) {
        return fail(fmt::format("cannot create folder '{}': {}", next_path, errno_text(errno)), {}, "io-write");
      }
      fd = ::openat(t.dir.fd, part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      int err = errno;
      struct stat st {};
      if (::fstatat(t.dir.fd, part.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        return fail(fmt::format("refusing to write '{}': '{}' is a symbolic link", path, next_path), {},
                    "io-symlink");
      }
      if (err == ENOENT && !create) {
        t.dir = Fd(fd);
        t.dir_path = next_path;
        t.name.clear();  // the folder does not exist yet: nothing in the way
        return t;
      }
      return fail(fmt::format("cannot write '{}': {}: {}", path, next_path, errno_text(err)), {}, "io-write");
    }
    t.dir = Fd(fd);
    t.dir_path = next_path;
  }
  struct stat st {};
  if (::fstatat(t.dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (S_ISLNK(st.st_mode)) {
      return fail(fmt::format("refusing to write '{}': it is a symbolic link (remove it first)", path), {},
                  "io-symlink");
    }
    if (!S_ISREG(st.st_mode)) {
      return fail(fmt::format("refusing to write '{}': it exists and is not a regular file", path), {},
                  "io-write");
    }
  }
  t.name = name;
  return t;
}

std::string random_suffix() {
  static const char k_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[6] = {};
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    static std::atomic<unsigned> counter{0};
    unsigned v = static_cast<unsigned>(::getpid()) * 2654435761U + counter++;
    for (auto& b : bytes) {
      b = static_cast<unsigned char>(v);
      v = v * 1103515245U + 12345U;
    }
  }
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(k_chars[b % (sizeof k_chars - 1)]);
  }
  return out;
}

Result<std::string> read_fd(int fd, const std::string& path, size_t max_bytes) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return fail(fmt::format("cannot read '{}': {}", path, errno_text(errno)), {}, "io-read");
  }
  if (S_ISDIR(st.st_mode)) {
    return fail(fmt::format("cannot read '{}': is a directory", path), {}, "io-read");
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(fmt::format("cannot read '{}': not a regular file (a FIFO, socket or device is never read)", path),
                {}, "io-read");
  }
  if (st.st_size > 0 && static_cast<size_t>(st.st_size) > max_bytes) {
    return fail(fmt::format("cannot read '{}': file is {} bytes, over the {} byte limit", path, st.st_size,
                            max_bytes),
                {}, "io-too-large");
  }
  // Read straight into the string (sized from fstat, grown if the file turns out longer): no
  // second copy of every input.
  std::string data;
  size_t used = 0;
  data.resize(st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 65536);
  for (;;) {
    if (used == data.size()) {
      data.resize(data.size() * 2);
    }
    ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(fmt::format("cannot read '{}': {}", path, errno_text(errno)), {}, "io-read");
    }
    if (n == 0) {
      break;
    }
    const bool short_read = static_cast<size_t>(n) < data.size() - used;
    used += static_cast<size_t>(n);
    if (used > max_bytes) {
      return fail(fmt::format("cannot read '{}': over the {} byte limit", path, max_bytes), {}, "io-too-large");
    }
    // A regular file with a size (not /proc-like) that returns less than asked is at its end: no
    // second read() just to see 0 (one open, fstat, read per file; 100,000 small manifests).
    if (short_read && st.st_size > 0) {
      break;
    }
  }
  data.resize(used);
  return data;
}

// Standard input ("-"), read once: a pipe, a terminal or a redirected file, with the same size
// limit as files. Later reads of "-" in the same run see the same text.
Result<std::string> read_stdin(size_t max_bytes) {
  static std::optional<std::string> cached;
  if (cached) {
    if (cached->size() > max_bytes) {
      return fail(fmt::format("cannot read standard input: over the {} byte limit", max_bytes), {}, "io-too-large");
    }
    return *cached;
  }
  std::string data;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(fmt::format("cannot read standard input: {}", errno_text(errno)), {}, "io-read");
    }
    if (n == 0) {
      break;
    }
    data.append(buf, static_cast<size_t>(n));
    if (data.size() > max_bytes) {
      return fail(fmt::format("cannot read standard input: over the {} byte limit", max_bytes), {}, "io-too-large");
    }
  }
  cached = data;
  return data;
}

}  // namespace

bool is_stdin_path(std::string_view path) {
  return path == "-";
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  if (is_stdin_path(path)) {
    return read_stdin(max_bytes);
  }
  // O_NONBLOCK: opening a FIFO without a writer would block here; fstat then refuses it.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.fd < 0) {
    return fail(fmt::format("cannot open '{}': {}", path, errno_text(errno)), {}, "io-read");
  }
  return read_fd(fd.fd, path, max_bytes);
}

char* ByteBuffer::tail(size_t n) {
  if (m_capacity - m_size < n) {
    size_t cap = std::max(m_capacity * 2, m_size + n);
    std::unique_ptr<char[]> bigger(new char[cap]);  // default-initialised: not zero-filled
    if (m_size > 0) {
      std::memcpy(bigger.get(), m_data.get(), m_size);
    }
    m_data = std::move(bigger);
    m_capacity = cap;
  }
  return m_data.get() + m_size;
}

Result<void> append_regular_file(const std::string& path, size_t max_bytes, ByteBuffer& out) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.fd < 0) {
    return fail(fmt::format("cannot open '{}': {}", path, errno_text(errno)), {}, "io-read");
  }
  constexpr size_t k_chunk = 64 * 1024;
  const size_t start = out.size();
  for (;;) {
    ssize_t n = ::read(fd.fd, out.tail(k_chunk), k_chunk);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      out.truncate(start);
      return fail(fmt::format("cannot read '{}': {}", path, errno_text(err)), {}, "io-read");
    }
    out.commit(static_cast<size_t>(n));
    if (out.size() - start > max_bytes) {
      out.truncate(start);
      return fail(fmt::format("cannot read '{}': over the {} byte limit", path, max_bytes), {}, "io-too-large");
    }
    if (static_cast<size_t>(n) < k_chunk) {
      return {};
    }
  }
}

Result<std::optional<std::string>> read_file_nofollow(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW));
  if (fd.fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return std::optional<std::string>();
    }
    if (err == ELOOP) {
      return fail(fmt::format("refusing to read '{}': it is a symbolic link, and talgpu rewrites this file (replace "
                              "the link with a regular file)",
                              path),
                  {}, "io-symlink");
    }
    return fail(fmt::format("cannot open '{}': {}", path, errno_text(err)), {}, "io-read");
  }
  TRY_ASSIGN(std::string text, read_fd(fd.fd, path, max_bytes));
  return std::optional<std::string>(std::move(text));
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<void> make_dirs(const std::string& path, mode_t mode) {
  if (path.empty() || is_directory(path)) {
    return {};
  }
  std::string parent = dirname_of(path);
  if (parent != path && parent != "." && parent != "/") {
    TRY(make_dirs(parent, mode));
  }
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
    return fail(fmt::format("cannot create folder '{}': {}", path, errno_text(errno)), {}, "io-write");
  }
  return {};
}

Result<void> check_output_path(const std::string& path, const WriteOptions& opts) {
  if (!opts.confine_to.empty() && !is_directory(opts.confine_to)) {
    // The folder will be created: only the lexical confinement can be checked now.
    std::filesystem::path rel = absolute_normal(path).lexically_relative(absolute_normal(opts.confine_to));
    if (rel.empty() || *rel.begin() == ".." || *rel.begin() == ".") {
      return fail(fmt::format("refusing to write '{}': it is outside the output folder '{}'", path, opts.confine_to),
                  {}, "output-outside");
    }
    return {};
  }
  if (opts.confine_to.empty() && !is_directory(dirname_of(path))) {
    return {};
  }
  TRY(open_target(path, opts, false));
  return {};
}

Result<void> write_file_atomic(const std::string& path, std::string_view content, const WriteOptions& opts) {
  TRY_ASSIGN(Target t, open_target(path, opts, true));
  std::string tmp_name;
  Fd fd;
  for (int attempt = 0; attempt < 100 && fd.fd < 0; ++attempt) {
    tmp_name = "." + t.name + ".tmp-" + random_suffix();
    fd = Fd(::openat(t.dir.fd, tmp_name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.fd < 0 && errno != EEXIST) {
      return fail(fmt::format("cannot write '{}': {}", path, errno_text(errno)), {}, "io-write");
    }
  }
  if (fd.fd < 0) {
    return fail(fmt::format("cannot write '{}': no free temporary name", path), {}, "io-write");
  }
  int slot = register_path(join_path(t.dir_path, tmp_name), k_file);
  auto cleanup = [&](int err) {
    ::unlinkat(t.dir.fd, tmp_name.c_str(), 0);
    unregister_path(slot);
    return fail(fmt::format("cannot write '{}': {}", path, errno_text(err)), {}, "io-write");
  };
  if (::fchmod(fd.fd, opts.mode) != 0) {
    return cleanup(errno);
  }
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return cleanup(errno);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.fd) != 0) {
    return cleanup(errno);
  }
  int raw = fd.fd;
  fd.fd = -1;
  if (::close(raw) != 0) {
    return cleanup(errno);
  }
  // renameat replaces the name: a symlink planted after the check is replaced, never followed.
  if (::renameat(t.dir.fd, tmp_name.c_str(), t.dir.fd, t.name.c_str()) != 0) {
    return cleanup(errno);
  }
  unregister_path(slot);
  ::fsync(t.dir.fd);  // make the rename durable too
  return {};
}

std::optional<std::string> folder_wider_than_private(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || (st.st_mode & 077) == 0) {
    return std::nullopt;
  }
  return fmt::format("output folder '{}' has mode {:04o}: other users can list it (machine configs hold private "
                     "keys; chmod 700 it)",
                     dir, st.st_mode & 07777);
}

std::string dirname_of(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) {
    return ".";
  }
  if (pos == 0) {
    return "/";
  }
  return path.substr(0, pos);
}

std::string join_path(const std::string& dir, const std::string& rel) {
  if (rel.empty()) {
    return dir;
  }
  if (rel.front() == '/' || dir.empty() || dir == ".") {
    return rel;
  }
  if (dir.back() == '/') {
    return dir + rel;
  }
  return dir + "/" + rel;
}

ScratchDir::ScratchDir(std::string path) : m_path(std::move(path)), m_slot(register_path(m_path, k_dir)) {}

ScratchDir::~ScratchDir() {
  unregister_path(m_slot);
  if (!m_keep) {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
}

void ScratchDir::keep() {
  unregister_path(m_slot);
  m_slot = -1;
  m_keep = true;
}

void remove_registered_temporaries() {
  remove_slots();
}

}  // namespace talgpu
