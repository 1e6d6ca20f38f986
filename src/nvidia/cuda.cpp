#include <nvidia/cuda.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

#include <fmt/format.h>

#include <core/strings.hpp>

namespace talgpu::nvidia {

namespace {

bool parse_int(std::string_view s, int& out) {
  if (s.empty() || s.size() > 6) {
    return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// NVIDIA "CUDA Toolkit and Corresponding Driver Versions" (CUDA 13.1 release notes, Table 3,
// Linux x86_64, GA row of each minor). A driver branch supports the newest CUDA whose GA driver
// belongs to the same or an older branch. There is no CUDA 12.7; R565 is treated as 12.6 here
// (conservative: no image asks for 12.7).
struct ToolkitRow {
  int cuda_major;
  int cuda_minor;
  const char* driver;
};
constexpr std::array<ToolkitRow, 24> k_toolkits = {{
    {11, 0, "450.51.05"},  {11, 1, "455.23"},     {11, 2, "460.27.03"},  {11, 3, "465.19.01"},
    {11, 4, "470.42.01"},  {11, 5, "495.29.05"},  {11, 6, "510.39.01"},  {11, 7, "515.43.04"},
    {11, 8, "520.61.05"},  {12, 0, "525.60.13"},  {12, 1, "530.30.02"},  {12, 2, "535.54.03"},
    {12, 3, "545.23.06"},  {12, 4, "550.54.14"},  {12, 5, "555.42.02"},  {12, 6, "560.28.03"},
    {12, 8, "570.26"},     {12, 9, "575.51.03"},  {13, 0, "580.65.06"},  {13, 1, "590.44.01"},
    // Rows past 13.1 are not in the release notes we read; keep the table ending at 13.1.
    {0, 0, ""}, {0, 0, ""}, {0, 0, ""}, {0, 0, ""},
}};

// Brands NVIDIA lists in the official images' OR clauses (dist/*/base/Dockerfile).
constexpr std::array<const char*, 10> k_brands_a = {"tesla",  "unknown", "nvidia",    "nvidiartx", "geforce",
                                                    "geforcertx", "quadro", "quadrortx", "titan",     "titanrtx"};
constexpr std::array<const char*, 12> k_brands_b = {"unknown", "grid", "tesla", "nvidia", "quadro", "quadrortx",
                                                    "nvidiartx", "vapps", "vpc", "vcs", "vws", "cloudgaming"};

struct OfficialRow {
  int major;
  int minor;
  std::vector<int> branches;
  bool brand_set_b;
};

const std::vector<OfficialRow>& official_rows() {
  static const std::vector<OfficialRow> rows = {
      {11, 4, {}, false},
      {11, 5, {470}, false},
      {11, 6, {470}, false},
      {11, 7, {470}, false},
      {11, 8, {470}, false},
      {12, 0, {470}, false},
      {12, 1, {470, 525}, false},
      {12, 2, {470, 525}, false},
      {12, 3, {470, 525, 535}, false},
      {12, 4, {470, 525, 535}, false},
      {12, 5, {470, 535, 550}, true},
      {12, 6, {470, 535, 550}, true},
      {12, 8, {470, 535, 550, 560, 565}, true},
      {12, 9, {535, 550, 560, 565, 570}, true},
      {13, 0, {535, 550, 565, 570, 575}, true},
  };
  return rows;
}

std::optional<Comparator> parse_comparator(std::string_view op) {
  // dsl.c matches the whole run of operator characters against its table.
  if (op == "=") {
    return Comparator::equal;
  }
  if (op == "!=") {
    return Comparator::not_equal;
  }
  if (op == "<") {
    return Comparator::less;
  }
  if (op == "<=") {
    return Comparator::less_equal;
  }
  if (op == ">") {
    return Comparator::greater;
  }
  if (op == ">=") {
    return Comparator::greater_equal;
  }
  return std::nullopt;
}

// One term: 1 true, 0 false, -1 invalid (dsl.c evaluate_rule).
int evaluate_term(std::string_view term, const DriverFacts& facts) {
  size_t key_end = term.find_first_of("<>=!");
  if (key_end == 0 || key_end == std::string_view::npos) {
    return -1;
  }
  size_t op_end = term.find_first_not_of("<>=!", key_end);
  if (op_end == std::string_view::npos) {
    return -1;  // no value
  }
  auto cmp = parse_comparator(term.substr(key_end, op_end - key_end));
  if (!cmp) {
    return -1;
  }
  std::string key = to_lower(term.substr(0, key_end));
  std::string_view value = term.substr(op_end);
  auto version_rule = [&](const std::string& have) -> int {
    if (have.empty()) {
      return 1;  // unknown: the library treats it as satisfied
    }
    return compare_dsl_version(have, *cmp, value);
  };
  if (key == "cuda") {
    return version_rule(facts.cuda);
  }
  if (key == "driver") {
    return version_rule(facts.driver);
  }
  if (key == "arch") {
    return version_rule(facts.arch);
  }
  if (key == "brand") {
    if (facts.brand.empty()) {
      return 1;
    }
    bool eq = to_lower(facts.brand) == to_lower(value);
    if (*cmp == Comparator::equal) {
      return eq ? 1 : 0;
    }
    if (*cmp == Comparator::not_equal) {
      return eq ? 0 : 1;
    }
    return -1;
  }
  return -1;
}

std::string driver_str(const DriverFacts& f) {
  return f.driver.empty() ? std::string("an unknown driver") : fmt::format("driver {}", f.driver);
}

// "cuda>=X.Y" in the first term of a requirement, the CUDA the image was built for.
std::optional<CudaVersion> cuda_of_require(std::string_view req) {
  for (const auto& group : split(req, ' ')) {
    for (const auto& term : split(group, ',')) {
      std::string t = to_lower(term);
      if (t.rfind("cuda>=", 0) == 0) {
        return CudaVersion::parse(std::string_view(t).substr(6));
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<CudaVersion> CudaVersion::parse(std::string_view text) {
  auto parts = split(text, '.');
  if (parts.empty() || parts.size() > 3) {
    return std::nullopt;
  }
  CudaVersion v;
  if (!parse_int(parts[0], v.major)) {
    return std::nullopt;
  }
  if (parts.size() >= 2 && !parse_int(parts[1], v.minor)) {
    return std::nullopt;
  }
  if (parts.size() == 3 && !parse_int(parts[2], v.patch)) {
    return std::nullopt;
  }
  return v;
}

std::string CudaVersion::str() const {
  return patch >= 0 ? fmt::format("{}.{}.{}", major, minor, patch) : minor_str();
}

std::string CudaVersion::minor_str() const {
  return fmt::format("{}.{}", major, minor);
}

std::optional<CudaVersion> cuda_ceiling(const Version& driver) {
  std::optional<CudaVersion> best;
  for (const auto& row : k_toolkits) {
    if (row.cuda_major == 0) {
      continue;
    }
    auto v = Version::parse(row.driver);
    if (v && v->major <= driver.major) {
      best = CudaVersion{row.cuda_major, row.cuda_minor, -1};
    }
  }
  return best;
}

std::optional<Version> toolkit_driver(const CudaVersion& cuda) {
  for (const auto& row : k_toolkits) {
    if (row.cuda_major == cuda.major && row.cuda_minor == cuda.minor) {
      return Version::parse(row.driver);
    }
  }
  return std::nullopt;
}

std::optional<Version> minor_compat_floor(int cuda_major) {
  // NVIDIA CUDA Compatibility, "Minor Version Compatibility" (and the 12.x release notes for the
  // patch-level floors).
  switch (cuda_major) {
    case 11:
      return Version::parse("450.80.02");
    case 12:
      return Version::parse("525.60.13");
    case 13:
      return Version::parse("580");
    default:
      return std::nullopt;
  }
}

int compare_dsl_version(std::string_view a, Comparator cmp, std::string_view b) {
  auto valid = [](std::string_view s) { return s.find_first_not_of("0123456789.") == std::string_view::npos; };
  if (!valid(a) || !valid(b)) {
    return -1;
  }
  auto number = [](std::string_view& s, uintmax_t& n) -> bool {
    size_t len = 0;
    while (len < s.size() && s[len] >= '0' && s[len] <= '9') {
      ++len;
    }
    if (len == 0) {
      return false;
    }
    n = 0;
    for (size_t i = 0; i < len; ++i) {
      n = n * 10 + static_cast<uintmax_t>(s[i] - '0');
    }
    s.remove_prefix(len);
    while (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
    }
    return true;
  };
  while (!a.empty() && !b.empty()) {
    uintmax_t n1 = 0;
    uintmax_t n2 = 0;
    if (!number(a, n1) || !number(b, n2)) {
      return -1;
    }
    if (n1 != n2) {
      switch (cmp) {
        case Comparator::equal:
          return 0;
        case Comparator::not_equal:
          return 1;
        case Comparator::less:
        case Comparator::less_equal:
          return n1 < n2 ? 1 : 0;
        case Comparator::greater:
        case Comparator::greater_equal:
          return n1 > n2 ? 1 : 0;
      }
    }
  }
  auto rest_zero = [](std::string_view s) { return s.find_first_not_of(".0") == std::string_view::npos; };
  bool a_done = rest_zero(a);
  bool b_done = rest_zero(b);
  switch (cmp) {
    case Comparator::not_equal:
      return (!a_done || !b_done) ? 1 : 0;
    case Comparator::equal:
      return (a_done && b_done) ? 1 : 0;
    case Comparator::less_equal:
      return (a_done && b_done) || (a_done && !b_done) ? 1 : 0;
    case Comparator::greater_equal:
      return (a_done && b_done) || (!a_done && b_done) ? 1 : 0;
    case Comparator::less:
      return (a_done && !b_done) ? 1 : 0;
    case Comparator::greater:
      return (!a_done && b_done) ? 1 : 0;
  }
  return -1;
}

RequireResult evaluate_require(std::string_view predicate, const DriverFacts& facts) {
  RequireResult r;
  bool ret = true;
  int group_index = -1;
  for (const auto& group : split(predicate, ' ')) {
    if (group.empty()) {
      continue;
    }
    ++group_index;
    bool all = true;
    for (const auto& term : split(group, ',')) {
      if (term.empty()) {
        continue;
      }
      int v = evaluate_term(term, facts);
      if (v < 0) {
        r.status = RequireStatus::invalid;
        r.message = "invalid expression";
        return r;
      }
      if (v == 0) {
        all = false;
        break;
      }
    }
    ret = all;
    if (all) {
      r.satisfied_group = group_index;
      break;
    }
  }
  if (!ret) {
    r.status = RequireStatus::unsatisfied;
    std::string first(predicate.substr(0, predicate.find(' ')));
    if (first.rfind("cuda>=", 0) == 0) {
      r.message = fmt::format(
          "unsatisfied condition: {}, please update your driver to a newer version, or use an earlier cuda container",
          first);
    } else {
      r.message = fmt::format("unsatisfied condition: {}", first);
    }
  }
  return r;
}

std::optional<std::string> official_require_cuda(const CudaVersion& version) {
  for (const auto& row : official_rows()) {
    if (row.major != version.major || row.minor != version.minor) {
      continue;
    }
    std::string s = fmt::format("cuda>={}.{}", row.major, row.minor);
    for (int branch : row.branches) {
      auto add = [&](const char* brand) {
        s += fmt::format(" brand={},driver>={},driver<{}", brand, branch, branch + 1);
      };
      if (row.brand_set_b) {
        std::for_each(k_brands_b.begin(), k_brands_b.end(), add);
      } else {
        std::for_each(k_brands_a.begin(), k_brands_a.end(), add);
      }
    }
    return s;
  }
  return std::nullopt;
}

std::optional<std::string> cuda_base_image(const CudaVersion& ceiling) {
  static const char* const k_tags[] = {"13.0.1", "12.9.1", "12.8.1", "12.6.3", "12.5.1", "12.4.1", "12.3.2",
                                       "12.2.2", "12.1.1", "12.0.1", "11.8.0"};
  for (const char* tag : k_tags) {
    auto v = CudaVersion::parse(tag);
    if (v && *v <= ceiling) {
      return fmt::format("nvcr.io/nvidia/cuda:{}-base-ubuntu22.04", tag);
    }
  }
  return std::nullopt;
}

std::optional<bool> parse_go_bool(std::string_view s) {
  if (s == "1" || s == "t" || s == "T" || s == "TRUE" || s == "true" || s == "True") {
    return true;
  }
  if (s == "0" || s == "f" || s == "F" || s == "FALSE" || s == "false" || s == "False") {
    return false;
  }
  return std::nullopt;
}

ImageNeeds image_needs(std::optional<CudaVersion> tag_cuda, bool official_cuda_image,
                       const std::map<std::string, std::string>& env) {
  ImageNeeds needs;
  needs.cuda = tag_cuda;
  // Requirements from the environment (cuda_image.go: every NVIDIA_REQUIRE_ prefix except JETPACK).
  for (const auto& [name, value] : env) {
    if (name.rfind("NVIDIA_REQUIRE_", 0) == 0 && name != "NVIDIA_REQUIRE_JETPACK") {
      needs.requires_.push_back(value);
    }
  }
  if (auto it = env.find("NVIDIA_DISABLE_REQUIRE"); it != env.end()) {
    needs.disable_require = parse_go_bool(it->second).value_or(false);
  }
  if (auto it = env.find("NVIDIA_REQUIRE_CUDA"); it != env.end()) {
    if (auto c = cuda_of_require(it->second)) {
      needs.cuda = c;
    }
    return needs;
  }
  if (auto it = env.find("CUDA_VERSION"); it != env.end() && !official_cuda_image) {
    if (auto c = CudaVersion::parse(it->second)) {
      needs.cuda = c;
      needs.requires_.push_back(fmt::format("cuda>={}", c->minor_str()));
      return needs;
    }
  }
  if (official_cuda_image && tag_cuda) {
    if (auto req = official_require_cuda(*tag_cuda)) {
      needs.requires_.push_back(*req);
      needs.official_image = true;
    } else {
      needs.requires_.push_back(fmt::format("cuda>={}", tag_cuda->minor_str()));
    }
  }
  return needs;
}

GpuClass gpu_class_of_brand(std::string_view brand) {
  std::string b = to_lower(brand);
  if (b == "tesla" || b == "grid" || b == "nvidia") {
    return GpuClass::datacenter;
  }
  if (b == "geforce" || b == "geforcertx" || b == "titan" || b == "titanrtx" || b == "quadro" || b == "quadrortx" ||
      b == "nvs" || b == "nvidiartx") {
    return GpuClass::consumer;
  }
  return GpuClass::unknown;
}

const char* verdict_name(CudaVerdict v) {
  switch (v) {
    case CudaVerdict::ok:
      return "ok";
    case CudaVerdict::minor_compat:
      return "minor-version-compat";
    case CudaVerdict::forward_compat:
      return "forward-compat";
    case CudaVerdict::wont_start:
      return "wont-start";
    case CudaVerdict::cuda_fails:
      return "cuda-fails";
    case CudaVerdict::unknown:
      return "unknown";
  }
  return "unknown";
}

CudaCheck check_cuda(const ImageNeeds& needs, const DriverFacts& facts, GpuClass gpu) {
  CudaCheck out;
  // 1. Will it start?
  bool used_window = false;
  if (!needs.disable_require) {
    for (const auto& req : needs.requires_) {
      RequireResult r = evaluate_require(req, facts);
      if (r.status != RequireStatus::satisfied) {
        out.verdict = CudaVerdict::wont_start;
        out.message = fmt::format("requirement error: {}", r.message);
        return out;
      }
      if (r.satisfied_group > 0) {
        used_window = true;
      }
    }
  }
  // 2. Will CUDA work?
  auto ceiling = CudaVersion::parse(facts.cuda);
  if (!needs.cuda || !ceiling) {
    out.verdict = CudaVerdict::unknown;
    return out;
  }
  const CudaVersion& need = *needs.cuda;
  if (need <= *ceiling) {
    out.verdict = CudaVerdict::ok;
    out.message = fmt::format("CUDA {} image on {} (CUDA {})", need.minor_str(), driver_str(facts),
                              ceiling->minor_str());
    return out;
  }
  std::string gap = fmt::format("image needs CUDA {} but {} supports CUDA {}", need.minor_str(), driver_str(facts),
                                ceiling->minor_str());
  // Official images ship cuda-compat; libnvidia-container puts it first when its driver is newer than
  // the host's (src/cli/compat_mode.c), so they run on forward compatibility, never minor compat.
  if (needs.official_image || used_window) {
    if (gpu == GpuClass::consumer) {
      out.verdict = CudaVerdict::cuda_fails;
      out.message = gap + ": the image's cuda-compat libraries need a data-center GPU (CUDA error 804 on this card)";
    } else {
      out.verdict = CudaVerdict::forward_compat;
      out.message = gap + ": runs only through forward compatibility (cuda-compat), which works on data-center GPUs only";
    }
    return out;
  }
  auto floor = minor_compat_floor(need.major);
  auto drv = Version::parse(facts.driver);
  if (need.major == ceiling->major && floor && drv && *drv >= *floor) {
    out.verdict = CudaVerdict::minor_compat;
    out.message = gap + ": runs only through minor-version compatibility (no PTX JIT, newer APIs fail)";
    return out;
  }
  out.verdict = CudaVerdict::cuda_fails;
  std::string min = "a newer driver";
  if (floor) {
    min = fmt::format("driver >= {}", need.major == 11 ? "450.80.02" : need.major == 12 ? "525.60.13" : "580");
  }
  out.message = fmt::format("{}: CUDA {}.x needs {}", gap, need.major, min);
  (void)gpu;
  return out;
}

}  // namespace talgpu::nvidia
