#include <gitops/tree.hpp>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include <core/diff.hpp>
#include <core/fs.hpp>

namespace talgpu::gitops {

namespace fs = std::filesystem;

namespace {

// Generated files are a few KiB; anything larger in their place is read only this far.
constexpr size_t k_max_existing = size_t{16} << 20;

}  // namespace

const char* file_state_name(FileState s) {
  switch (s) {
    case FileState::unchanged:
      return "unchanged";
    case FileState::changed:
      return "changed";
    case FileState::added:
      return "new";
    case FileState::removed:
      return "obsolete";
  }
  return "?";
}

bool TreeStatus::stale() const {
  return std::any_of(files.begin(), files.end(), [](const FileStatus& f) { return f.state != FileState::unchanged; });
}

Result<TreeStatus> compare_tree(const std::string& dir, const std::vector<GeneratedFile>& files) {
  TreeStatus status;
  status.dir = dir;
  for (const auto& f : files) {
    FileStatus st;
    st.name = f.name;
    st.new_text = f.content;
    std::string path = join_path(dir, f.name);
    std::error_code ec;
    auto type = fs::symlink_status(path, ec).type();
    if (type == fs::file_type::not_found) {
      st.state = FileState::added;
    } else {
      auto old = read_file(path, k_max_existing);
      if (!old) {
        return fail(fmt::format("cannot read {}: {}", path, old.error().message), {}, "manifests-read");
      }
      st.old_text = std::move(*old);
      st.state = st.old_text == st.new_text ? FileState::unchanged : FileState::changed;
    }
    status.files.push_back(std::move(st));
  }
  // Obsolete generated files.
  std::error_code ec;
  if (is_directory(dir)) {
    std::vector<std::string> obsolete;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (!entry.is_regular_file(ec) || entry.path().extension() != ".yaml" ||
          std::any_of(files.begin(), files.end(), [&](const GeneratedFile& g) { return g.name == name; })) {
        continue;
      }
      auto text = read_file(entry.path().string(), 4096);
      ManifestOptions ignored;
      if (text && parse_header(*text, ignored)) {
        obsolete.push_back(name);
      }
    }
    std::sort(obsolete.begin(), obsolete.end());
    for (auto& name : obsolete) {
      FileStatus st;
      st.name = name;
      st.state = FileState::removed;
      st.old_text = read_file(join_path(dir, name), k_max_existing).value_or("");
      status.files.push_back(std::move(st));
    }
  }
  return status;
}

std::string tree_diff(const TreeStatus& status, const std::string& display_dir) {
  std::string out;
  for (const auto& f : status.files) {
    if (f.state == FileState::unchanged) {
      continue;
    }
    std::string name = join_path(display_dir, f.name);
    out += unified_diff(f.old_text, f.new_text, f.state == FileState::added ? "/dev/null" : name,
                        f.state == FileState::removed ? "/dev/null" : name);
  }
  return out;
}

Result<void> write_tree(const TreeStatus& status) {
  if (!status.stale()) {
    return {};
  }
  if (auto made = make_dirs(status.dir); !made) {
    return fail(fmt::format("{} (nothing was written)", made.error().message), {}, "manifests-write");
  }
  std::vector<std::pair<std::string, std::string>> staged;  // staged path, target
  auto unstage = [&staged] {
    std::error_code ec;
    for (const auto& [tmp, target] : staged) {
      fs::remove(tmp, ec);
    }
  };
  for (const auto& f : status.files) {
    if (f.state != FileState::changed && f.state != FileState::added) {
      continue;
    }
    std::string target = join_path(status.dir, f.name);
    std::string tmp = join_path(status.dir, "." + f.name + ".talgpu-new");
    if (auto w = write_file_atomic(tmp, f.new_text); !w) {
      unstage();
      return fail(fmt::format("cannot write into {}: {} (nothing was changed)", status.dir, w.error().message), {},
                  "manifests-write");
    }
    staged.emplace_back(tmp, target);
  }
  for (const auto& [tmp, target] : staged) {
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) {
      unstage();
      return fail(fmt::format("cannot replace {}: {}", target, ec.message()), {}, "manifests-write");
    }
  }
  for (const auto& f : status.files) {
    if (f.state == FileState::removed) {
      std::error_code ec;
      fs::remove(join_path(status.dir, f.name), ec);
      if (ec) {
        return fail(fmt::format("cannot remove the obsolete {}: {}", join_path(status.dir, f.name), ec.message()), {},
                    "manifests-write");
      }
    }
  }
  return {};
}

}  // namespace talgpu::gitops
