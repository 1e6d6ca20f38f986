#include <core/source.hpp>

#include <deque>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include <core/fs.hpp>

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

struct ReleasedText {
  bool released = false;
  size_t size = 0;
  size_t hash = 0;
};

struct SourceRegistryImpl {
  std::deque<std::string> texts;  // texts[id]; a deque: references stay valid as we grow
  std::vector<ReleasedText> released;  // released[id]
  std::vector<FileName> names;    // names[id], for Mark::location() (every diagnostic and model location)
  // Interned name -> newest id: the key is the FileName's own string, so registering a file does
  // not copy or hash its path again.
  std::unordered_map<const std::string*, int32_t> by_name;
  std::unordered_set<std::string> sensitive;
  // Line starts of the texts a diagnostic has pointed into, built on the first look: rendering
  // many findings in one big file must not rescan it from the start for each (O(findings x size)).
  std::mutex lines_mutex;
  std::unordered_map<const char*, std::vector<size_t>> line_starts;
  size_t kept_file_bytes = 0;  // texts of files release_over_budget kept
  // The last released text read again for line_of.
  int32_t reread_id = -1;
  std::string reread_text;
  std::vector<size_t> reread_starts;
};

namespace {

std::vector<size_t> line_starts_of(std::string_view t) {
  std::vector<size_t> starts{0};
  for (size_t nl = t.find('\n'); nl != std::string_view::npos; nl = t.find('\n', nl + 1)) {
    starts.push_back(nl + 1);
  }
  return starts;
}

std::string line_at(std::string_view t, const std::vector<size_t>& starts, int line) {
  if (static_cast<size_t>(line) > starts.size()) {
    return {};
  }
  const size_t pos = starts[static_cast<size_t>(line) - 1];
  const size_t end = t.find('\n', pos);
  std::string_view out = t.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
  if (!out.empty() && out.back() == '\r') {
    out.remove_suffix(1);
  }
  return std::string(out);
}

}  // namespace

SourceRegistry::SourceRegistry() : m_impl(std::make_unique<SourceRegistryImpl>()) {}
SourceRegistry::~SourceRegistry() = default;

SourceRegistry& SourceRegistry::instance() {
  static SourceRegistry registry;
  return registry;
}

int32_t SourceRegistry::add(std::string name, std::string text) {
  auto id = static_cast<int32_t>(m_impl->texts.size());
  m_impl->names.emplace_back(name);
  m_impl->by_name[&m_impl->names.back().str()] = id;
  m_impl->texts.push_back(std::move(text));
  m_impl->released.emplace_back();
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
  auto it = m_impl->by_name.find(&FileName(name).str());
  return it == m_impl->by_name.end() ? std::string_view{} : text(it->second);
}

void SourceRegistry::mark_sensitive(std::string_view name) {
  m_impl->sensitive.emplace(name);
}

bool SourceRegistry::is_sensitive(std::string_view name) const {
  return !m_impl->sensitive.empty() && m_impl->sensitive.count(std::string(name)) != 0;
}

void SourceRegistry::release(int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= m_impl->texts.size()) {
    return;
  }
  std::lock_guard lock(m_impl->lines_mutex);
  std::string& t = m_impl->texts[static_cast<size_t>(id)];
  m_impl->line_starts.erase(t.data());
  m_impl->released[static_cast<size_t>(id)] = {true, t.size(), std::hash<std::string_view>{}(t)};
  std::string().swap(t);
}

void SourceRegistry::release_over_budget(int32_t id) {
  if (id < 0 || static_cast<size_t>(id) >= m_impl->texts.size()) {
    return;
  }
  const size_t size = m_impl->texts[static_cast<size_t>(id)].size();
  if (m_impl->kept_file_bytes + size <= k_kept_file_text_bytes) {
    m_impl->kept_file_bytes += size;
    return;
  }
  release(id);
}

std::string SourceRegistry::line_of(std::string_view name, int line) const {
  if (is_sensitive(name) || line <= 0) {
    return {};
  }
  auto found = m_impl->by_name.find(&FileName(name).str());
  if (found == m_impl->by_name.end()) {
    return {};
  }
  const int32_t id = found->second;
  std::lock_guard lock(m_impl->lines_mutex);
  const ReleasedText& r = m_impl->released[static_cast<size_t>(id)];
  if (r.released) {
    if (m_impl->reread_id != id) {
      auto text = read_file(std::string(name));
      if (!text || text->size() != r.size || std::hash<std::string_view>{}(*text) != r.hash) {
        return {};  // changed or gone since it was read: nothing to quote
      }
      m_impl->reread_text = std::move(*text);
      m_impl->reread_starts = line_starts_of(m_impl->reread_text);
      m_impl->reread_id = id;
    }
    return line_at(m_impl->reread_text, m_impl->reread_starts, line);
  }
  std::string_view t = m_impl->texts[static_cast<size_t>(id)];
  if (t.empty()) {
    return {};
  }
  auto [it, inserted] = m_impl->line_starts.try_emplace(t.data());
  if (inserted) {
    it->second = line_starts_of(t);
  }
  return line_at(t, it->second, line);
}

}  // namespace talgpu
