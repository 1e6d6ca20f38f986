#include <nvidia/smi.hpp>

#include <cctype>

#include <fmt/format.h>

#include <core/strings.hpp>

namespace talgpu::nvidia {

namespace {

// The value after `label` up to the next run of two spaces or '|'.
std::string field_after(std::string_view line, std::string_view label) {
  auto at = line.find(label);
  if (at == std::string_view::npos) {
    return {};
  }
  std::string_view rest = trim(line.substr(at + label.size()));
  size_t end = 0;
  while (end < rest.size() && rest[end] != ' ' && rest[end] != '|') {
    ++end;
  }
  return std::string(rest.substr(0, end));
}

std::vector<std::string_view> cells(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    size_t j = line.find('|', i);
    if (j == std::string_view::npos) {
      j = line.size();
    }
    out.push_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::optional<int64_t> mib(std::string_view s) {
  s = trim(s);
  if (s.size() < 4 || s.substr(s.size() - 3) != "MiB") {
    return std::nullopt;
  }
  int64_t v = 0;
  for (char c : s.substr(0, s.size() - 3)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

// "|   0  NVIDIA H200                    On  |   00000000:00:06.0 Off |  0 |" → a GPU.
std::optional<SmiGpu> gpu_line(std::string_view line) {
  auto c = cells(line);
  if (c.size() < 4) {
    return std::nullopt;
  }
  std::string_view first = trim(c[1]);
  size_t digits = 0;
  while (digits < first.size() && std::isdigit(static_cast<unsigned char>(first[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits == first.size() || first[digits] != ' ') {
    return std::nullopt;
  }
  SmiGpu g;
  g.index = std::stoi(std::string(first.substr(0, digits)));
  std::string_view name = trim(first.substr(digits));
  for (std::string_view mode : {" On", " Off"}) {
    if (name.size() > mode.size() && name.substr(name.size() - mode.size()) == mode) {
      name = trim(name.substr(0, name.size() - mode.size()));
      break;
    }
  }
  if (name.size() >= 3 && name.substr(name.size() - 3) == "...") {
    g.name_truncated = true;
    name = trim(name.substr(0, name.size() - 3));
  }
  g.name = std::string(name);
  std::string_view bus = trim(c[2]);
  g.bus_id = std::string(bus.substr(0, bus.find(' ')));
  if (g.bus_id.find(':') == std::string::npos) {
    return std::nullopt;
  }
  return g;
}

}  // namespace

Result<SmiReport> parse_nvidia_smi(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) {
      j = text.size();
    }
    std::string_view l = text.substr(i, j - i);
    if (!l.empty() && l.back() == '\r') {
      l.remove_suffix(1);
    }
    lines.push_back(l);
    i = j + 1;
  }
  SmiReport r;
  bool table = false;
  bool processes = false;
  SmiGpu* current = nullptr;
  for (auto line : lines) {
    if (line.find("NVIDIA-SMI ") != std::string_view::npos && line.find("Driver Version:") != std::string_view::npos) {
      r.driver_version = field_after(line, "Driver Version:");
      r.cuda_version = field_after(line, "CUDA Version:");
      continue;
    }
    if (line.find("Processes:") != std::string_view::npos) {
      processes = true;
    }
    if (processes) {
      continue;
    }
    if (line.rfind("|===", 0) == 0) {
      table = true;
      continue;
    }
    if (!table || line.empty() || line[0] != '|') {
      current = nullptr;
      continue;
    }
    if (auto g = gpu_line(line)) {
      r.gpus.push_back(*g);
      current = &r.gpus.back();
      continue;
    }
    if (current != nullptr && !current->memory_total_mib) {
      auto c = cells(line);
      if (c.size() >= 3) {
        auto slash = c[2].find('/');
        if (slash != std::string_view::npos) {
          current->memory_used_mib = mib(c[2].substr(0, slash));
          current->memory_total_mib = mib(c[2].substr(slash + 1));
        }
      }
    }
  }
  if (r.driver_version.empty()) {
    std::string first;
    for (auto l : lines) {
      if (!trim(l).empty()) {
        first = std::string(trim(l));
        break;
      }
    }
    if (first.size() > 200) {
      first = first.substr(0, 200) + "...";
    }
    return fail(first.empty() ? std::string("nvidia-smi printed nothing")
                              : fmt::format("nvidia-smi did not print its table: {}", quoted(first)),
                {}, "nvidia-smi");
  }
  return r;
}

}  // namespace talgpu::nvidia
