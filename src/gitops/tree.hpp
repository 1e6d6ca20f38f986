#pragma once
// The generated tree against the folder on disk: what changed, a unified diff of it, and an
// all-or-nothing write.
//
// A file is rewritten only when its bytes differ. Files in the folder that start with a talgpu
// manifests header but are no longer generated (time-slicing.yaml after dropping --time-slicing)
// are obsolete: stale for --check, removed on write. Other files are left alone.

#include <string>
#include <vector>

#include <core/error.hpp>
#include <gitops/manifests.hpp>

namespace talgpu::gitops {

enum class FileState { unchanged, changed, added, removed };
const char* file_state_name(FileState s);  // "unchanged", "changed", "new", "obsolete"

struct FileStatus {
  std::string name;
  FileState state = FileState::unchanged;
  std::string old_text;  // on disk ("" when added)
  std::string new_text;  // generated ("" when removed)
};

struct TreeStatus {
  std::string dir;
  std::vector<FileStatus> files;  // generated files in order, then obsolete ones by name

  bool stale() const;
};

// Compares the generated files with `dir` (which need not exist).
Result<TreeStatus> compare_tree(const std::string& dir, const std::vector<GeneratedFile>& files);

// Unified diff of every change, file names shown as `display_dir`/name (a/ and b/ free, as
// `diff -u` of two paths).
std::string tree_diff(const TreeStatus& status, const std::string& display_dir);

// Writes the changed and new files and removes obsolete ones. Every new content is first staged
// next to its target (atomically, fsynced); only when all are staged are they renamed into place,
// so a folder that cannot be written is left exactly as it was.
Result<void> write_tree(const TreeStatus& status);

}  // namespace talgpu::gitops
