#pragma once
// Shared by the fake driver libraries: settings read from the environment at each call, so one
// library serves every test case (tests/fakes/README.md lists the variables).

#include <cstdlib>
#include <cstring>
#include <string>

namespace fake {

inline std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

inline long env_long(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtol(v, nullptr, 0) : fallback;
}

// The value for `key` in a "k1=v1,k2=v2" list, or `fallback`.
inline long list_value(const std::string& list, const std::string& key, long fallback) {
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string::npos) {
      end = list.size();
    }
    std::string item = list.substr(pos, end - pos);
    size_t eq = item.find('=');
    if (eq != std::string::npos && item.substr(0, eq) == key) {
      return std::strtol(item.c_str() + eq + 1, nullptr, 0);
    }
    pos = end + 1;
  }
  return fallback;
}

// Failure injection: $VAR = "Function=rc,Function@index=rc,*@index=rc". Returns 0 when nothing
// is injected for this call.
inline int injected(const char* var, const char* function, long index = -1) {
  std::string list = env(var);
  if (list.empty()) {
    return 0;
  }
  std::string f = function;
  if (index >= 0) {
    long rc = list_value(list, f + "@" + std::to_string(index), 0);
    if (rc == 0) {
      rc = list_value(list, "*@" + std::to_string(index), 0);
    }
    if (rc != 0) {
      return static_cast<int>(rc);
    }
  }
  return static_cast<int>(list_value(list, f, 0));
}

}  // namespace fake
