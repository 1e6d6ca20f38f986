#include <core/fs.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace talgpu {

namespace {
std::string errno_text(int err) {
  return std::strerror(err);
}
}  // namespace

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fail(fmt::format("cannot open '{}': {}", path, errno_text(errno)), {}, "io-read");
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return fail(fmt::format("cannot read '{}': is a directory", path), {}, "io-read");
  }
  if (st.st_size > 0 && static_cast<size_t>(st.st_size) > max_bytes) {
    ::close(fd);
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
      int err = errno;
      ::close(fd);
      return fail(fmt::format("cannot read '{}': {}", path, errno_text(err)), {}, "io-read");
    }
    if (n == 0) {
      break;
    }
    used += static_cast<size_t>(n);
    if (used > max_bytes) {
      ::close(fd);
      return fail(fmt::format("cannot read '{}': over the {} byte limit", path, max_bytes), {}, "io-too-large");
    }
  }
  data.resize(used);
  ::close(fd);
  return data;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
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

Result<void> write_file_atomic(const std::string& path, std::string_view content, const WriteOptions& opts) {
  std::string dir = dirname_of(path);
  if (opts.create_parents) {
    TRY(make_dirs(dir, opts.parent_mode));
  }
  std::string tmpl = join_path(dir, "." + std::filesystem::path(path).filename().string() + ".tmp-XXXXXX");
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    return fail(fmt::format("cannot write '{}': {}", path, errno_text(errno)), {}, "io-write");
  }
  auto cleanup = [&](int err) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    return fail(fmt::format("cannot write '{}': {}", path, errno_text(err)), {}, "io-write");
  };
  if (::fchmod(fd, opts.mode) != 0) {
    return cleanup(errno);
  }
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return cleanup(errno);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    return cleanup(errno);
  }
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return fail(fmt::format("cannot write '{}': {}", path, errno_text(err)), {}, "io-write");
  }
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    return fail(fmt::format("cannot write '{}': {}", path, errno_text(err)), {}, "io-write");
  }
  // Make the rename durable too.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return {};
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

}  // namespace talgpu
