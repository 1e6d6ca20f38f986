#include <nvidia/image_ref.hpp>

#include <array>
#include <cctype>

#include <fmt/format.h>

namespace talgpu::nvidia {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// distribution/reference: path components are lower-case alphanumerics joined by '.', '_', '__'
// or runs of '-'. We check the character set and that separators do not start or end a component.
bool valid_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) {
    return false;
  }
  for (char ch : c) {
    bool ok = (ch >= 'a' && ch <= 'z') || is_digit(ch) || ch == '.' || ch == '_' || ch == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128) {
    return false;
  }
  if (!(is_alnum(t.front()) || t.front() == '_')) {
    return false;
  }
  for (char ch : t) {
    if (!(is_alnum(ch) || ch == '_' || ch == '.' || ch == '-')) {
      return false;
    }
  }
  return true;
}

// Reads "<digits>.<digits>[.<digits>]" at `pos`; returns the version and advances `pos`.
std::optional<CudaVersion> read_version(std::string_view s, size_t& pos) {
  size_t start = pos;
  auto digits = [&]() {
    size_t b = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      ++pos;
    }
    return s.substr(b, pos - b);
  };
  auto major = digits();
  if (major.empty() || pos >= s.size() || s[pos] != '.') {
    pos = start;
    return std::nullopt;
  }
  ++pos;
  auto minor = digits();
  if (minor.empty()) {
    pos = start;
    return std::nullopt;
  }
  std::string text = fmt::format("{}.{}", major, minor);
  if (pos + 1 < s.size() && s[pos] == '.' && is_digit(s[pos + 1])) {
    ++pos;
    text += "." + std::string(digits());
  }
  return CudaVersion::parse(text);
}

// NGC PyTorch container releases → CUDA, from the "Driver Requirements" section of each release's
// notes (docs.nvidia.com/deeplearning/frameworks/pytorch-release-notes/rel-YY-MM.html, "Release
// YY.MM is based on CUDA x.y.z").
struct NgcRow {
  const char* release;
  const char* cuda;
};
constexpr std::array<NgcRow, 34> k_ngc = {{
    {"20.02", "10.2.89"}, {"20.06", "11.0.167"}, {"23.01", "12.0.1"}, {"23.02", "12.0.1"}, {"23.03", "12.1.0"},
    {"23.04", "12.1.0"},  {"23.05", "12.1.1"},   {"23.06", "12.1.1"}, {"23.07", "12.1.1"}, {"23.08", "12.2.1"},
    {"23.09", "12.2.1"},  {"23.10", "12.2.2"},   {"23.11", "12.3.0"}, {"23.12", "12.3.2"}, {"24.01", "12.3.2"},
    {"24.02", "12.3.2"},  {"24.03", "12.4.0"},   {"24.04", "12.4.1"}, {"24.05", "12.4.1"}, {"24.06", "12.5.0"},
    {"24.07", "12.5.1"},  {"24.08", "12.6.0"},   {"24.09", "12.6.1"}, {"24.10", "12.6.2"}, {"24.11", "12.6.3"},
    {"24.12", "12.6.3"},  {"25.01", "12.8.0"},   {"25.02", "12.8.0"}, {"25.03", "12.8.1"}, {"25.04", "12.9.0"},
    {"25.05", "12.9.0"},  {"25.06", "12.9.1"},   {"25.12", "13.1.0"}, {"", ""},
}};

}  // namespace

std::optional<ImageRef> ImageRef::parse(std::string_view text) {
  if (text.empty() || text.find_first_of(" \t\n") != std::string_view::npos) {
    return std::nullopt;
  }
  ImageRef ref;
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (ref.digest.find(':') == std::string::npos) {
      return std::nullopt;
    }
  }
  // A tag is after the last ':' that follows the last '/' (a ':' before it is a registry port).
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!valid_tag(ref.tag)) {
      return std::nullopt;
    }
  }
  size_t first = rest.find('/');
  if (first != std::string_view::npos) {
    std::string_view head = rest.substr(0, first);
    if (head.find('.') != std::string_view::npos || head.find(':') != std::string_view::npos || head == "localhost") {
      ref.registry = std::string(head);
      rest = rest.substr(first + 1);
    }
  }
  if (ref.registry.empty()) {
    ref.registry = "docker.io";
  }
  if (rest.empty()) {
    return std::nullopt;
  }
  size_t b = 0;
  while (b <= rest.size()) {
    size_t e = rest.find('/', b);
    std::string_view comp = rest.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b);
    if (!valid_component(comp)) {
      return std::nullopt;
    }
    if (e == std::string_view::npos) {
      break;
    }
    b = e + 1;
  }
  ref.repository = std::string(rest);
  if (ref.registry == "docker.io" && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  return ref;
}

std::string ImageRef::str() const {
  std::string s = registry + "/" + repository;
  if (!tag.empty()) {
    s += ":" + tag;
  }
  if (!digest.empty()) {
    s += "@" + digest;
  }
  return s;
}

bool ImageRef::is_official_cuda() const {
  return repository == "nvidia/cuda" && (registry == "docker.io" || registry == "nvcr.io");
}

std::optional<CudaVersion> ngc_release_cuda(std::string_view release) {
  for (const auto& row : k_ngc) {
    if (release == row.release && row.release[0] != '\0') {
      return CudaVersion::parse(row.cuda);
    }
  }
  return std::nullopt;
}

std::optional<TagCuda> cuda_from_tag(const ImageRef& ref) {
  const std::string& tag = ref.tag;
  if (tag.empty()) {
    return std::nullopt;
  }
  if (ref.is_official_cuda()) {
    size_t pos = 0;
    auto v = read_version(tag, pos);
    if (v && (pos == tag.size() || tag[pos] == '-')) {
      return TagCuda{*v, CudaSource::official_tag};
    }
    return std::nullopt;
  }
  if (ref.registry == "nvcr.io" && ref.repository == "nvidia/pytorch") {
    // "24.01-py3", "24.01-py3-igpu"
    std::string_view release = std::string_view(tag).substr(0, tag.find('-'));
    if (auto v = ngc_release_cuda(release)) {
      return TagCuda{*v, CudaSource::ngc_release};
    }
  }
  std::string lower;
  for (char c : tag) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  // "cuda" [-_]? X.Y[.Z]
  for (size_t at = lower.find("cuda"); at != std::string::npos; at = lower.find("cuda", at + 1)) {
    size_t pos = at + 4;
    if (pos < lower.size() && (lower[pos] == '-' || lower[pos] == '_')) {
      ++pos;
    }
    if (auto v = read_version(lower, pos)) {
      return TagCuda{*v, CudaSource::tag_pattern};
    }
  }
  // "cu" + three digits as a token of its own: cu118 = 11.8, cu121 = 12.1.
  for (size_t at = lower.find("cu"); at != std::string::npos; at = lower.find("cu", at + 1)) {
    bool start_ok = at == 0 || !is_alnum(lower[at - 1]);
    size_t pos = at + 2;
    size_t n = 0;
    while (pos + n < lower.size() && is_digit(lower[pos + n])) {
      ++n;
    }
    bool end_ok = pos + n == lower.size() || !is_alnum(lower[pos + n]);
    if (start_ok && end_ok && n == 3) {
      CudaVersion v;
      v.major = (lower[pos] - '0') * 10 + (lower[pos + 1] - '0');
      v.minor = lower[pos + 2] - '0';
      return TagCuda{v, CudaSource::tag_pattern};
    }
  }
  return std::nullopt;
}

}  // namespace talgpu::nvidia
