#include <core/source.hpp>

#include <deque>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

namespace talgpu {

const std::string FileName::s_empty;

namespace {
struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct NameTable {
  std::mutex mutex;
  std::unordered_set<std::string, NameHash, std::equal_to<>> names;  // node-based: elements never move
};
NameTable& name_table() {
  static NameTable* table = new NameTable;  // never destroyed: FileNames outlive static destructors
  return *table;
}
}  // namespace

FileName::FileName(std::string_view name) {
  if (name.empty()) {
    return;
  }
  NameTable& t = name_table();
  std::lock_guard lock(t.mutex);
  auto it = t.names.find(name);
  m_name = &*(it != t.names.end() ? it : t.names.emplace(name).first);
}

std::string SourceLocation::str() const {
  if (line <= 0) {
    return file.str();
  }
  if (column <= 0) {
    return fmt::format("{}:{}", file, line);
  }
  return fmt::format("{}:{}:{}", file, line, column);
}

struct SourceRegistryImpl {
  std::deque<std::string> texts;  // texts[id]; a deque: references stay valid as we grow
  std::vector<FileName> names;    // names[id], for Mark::location() (every diagnostic and model location)
  std::unordered_map<std::string, int32_t> by_name;
  // Line starts of the texts a diagnostic has pointed into, built on the first look: rendering
  // many findings in one big file must not rescan it from the start for each (O(findings x size)).
  std::mutex lines_mutex;
  std::unordered_map<const char*, std::vector<size_t>> line_starts;
};

SourceRegistry::SourceRegistry() : m_impl(std::make_unique<SourceRegistryImpl>()) {}
SourceRegistry::~SourceRegistry() = default;

SourceRegistry& SourceRegistry::instance() {
  static SourceRegistry registry;
  return registry;
}

int32_t SourceRegistry::add(std::string name, std::string text) {
  auto id = static_cast<int32_t>(m_impl->texts.size());
  m_impl->by_name[name] = id;
  m_impl->names.emplace_back(name);
  m_impl->texts.push_back(std::move(text));
  return id;
}

FileName SourceRegistry::name(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= m_impl->names.size()) {
    return {};
  }
  return m_impl->names[static_cast<size_t>(id)];
}

std::string_view SourceRegistry::text(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= m_impl->texts.size()) {
    return {};
  }
  return m_impl->texts[static_cast<size_t>(id)];
}

std::string_view SourceRegistry::text_of(std::string_view name) const {
  auto it = m_impl->by_name.find(std::string(name));
  return it == m_impl->by_name.end() ? std::string_view{} : text(it->second);
}

std::string_view SourceRegistry::line_of(std::string_view name, int line) const {
  std::string_view t = text_of(name);
  if (t.empty() || line <= 0) {
    return {};
  }
  size_t pos = 0;
  {
    std::lock_guard lock(m_impl->lines_mutex);
    auto [it, inserted] = m_impl->line_starts.try_emplace(t.data());
    std::vector<size_t>& starts = it->second;
    if (inserted) {
      starts.push_back(0);
      for (size_t nl = t.find('\n'); nl != std::string_view::npos; nl = t.find('\n', nl + 1)) {
        starts.push_back(nl + 1);
      }
    }
    if (static_cast<size_t>(line) > starts.size()) {
      return {};
    }
    pos = starts[static_cast<size_t>(line) - 1];
  }
  size_t end = t.find('\n', pos);
  std::string_view out = t.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  if (!out.empty() && out.back() == '\r') {
    out.remove_suffix(1);
  }
  return out;
}

}  // namespace talgpu
