#include <yaml/json.hpp>

#include <cerrno>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace talgpu::yaml {

namespace {

template <typename J>
J scalar_to_json(const Node& n) {
  const std::string& v = n.value();
  switch (n.scalar_type()) {
    case ScalarType::null:
      return nullptr;
    case ScalarType::boolean:
      return v == "true" || v == "True" || v == "TRUE";
    case ScalarType::integer: {
      std::string plain;
      for (char c : v) {
        if (c != '_') {
          plain.push_back(c);
        }
      }
      errno = 0;
      char* end = nullptr;
      bool neg = !plain.empty() && plain[0] == '-';
      std::string digits = plain;
      int base = 10;
      size_t off = (plain[0] == '-' || plain[0] == '+') ? 1 : 0;
      if (plain.size() > off + 1 && plain[off] == '0') {
        char p = plain[off + 1];
        if (p == 'x' || p == 'X') {
          base = 16;
          digits = plain.substr(off + 2);
        } else if (p == 'o' || p == 'O') {
          base = 8;
          digits = plain.substr(off + 2);
        } else if (p == 'b' || p == 'B') {
          base = 2;
          digits = plain.substr(off + 2);
        } else {
          base = 8;
          digits = plain.substr(off + 1);
        }
      } else {
        digits = plain.substr(off);
      }
      unsigned long long u = std::strtoull(digits.c_str(), &end, base);
      if (errno == 0 && end != nullptr && *end == '\0') {
        if (neg) {
          if (u <= 9223372036854775808ULL) {
            return static_cast<int64_t>(0 - u);
          }
        } else if (u <= 9223372036854775807ULL) {
          return static_cast<int64_t>(u);
        } else {
          return static_cast<uint64_t>(u);
        }
      }
      return std::strtod(plain.c_str(), nullptr);
    }
    case ScalarType::floating: {
      std::string plain;
      for (char c : v) {
        if (c != '_') {
          plain.push_back(c);
        }
      }
      if (plain.find("inf") != std::string::npos || plain.find("Inf") != std::string::npos ||
          plain.find("INF") != std::string::npos || plain.find("nan") != std::string::npos ||
          plain.find("NaN") != std::string::npos || plain.find("NAN") != std::string::npos) {
        return v;  // JSON has no infinities or NaN
      }
      return std::strtod(plain.c_str(), nullptr);
    }
    case ScalarType::timestamp:
    case ScalarType::string:
      break;
  }
  return v;
}

template <typename J>
J convert(const Node& n) {
  switch (n.kind()) {
    case Kind::scalar:
      return scalar_to_json<J>(n);
    case Kind::sequence: {
      J arr = J::array();
      for (const auto& i : n.items()) {
        arr.push_back(convert<J>(i));
      }
      return arr;
    }
    case Kind::mapping: {
      J obj = J::object();
      for (const auto& e : n.entries()) {
        obj[e.key.value()] = convert<J>(e.value);
      }
      return obj;
    }
  }
  return nullptr;
}

template <typename J>
Node convert_back(const J& j) {
  if (j.is_object()) {
    Node m = Node::mapping();
    for (auto it = j.begin(); it != j.end(); ++it) {
      m.set(it.key(), convert_back(it.value()));
    }
    return m;
  }
  if (j.is_array()) {
    Node s = Node::sequence();
    for (const auto& i : j) {
      s.push_back(convert_back(i));
    }
    return s;
  }
  if (j.is_string()) {
    return Node::string(j.template get<std::string>());
  }
  if (j.is_null()) {
    return Node::null();
  }
  if (j.is_boolean()) {
    return Node::boolean(j.template get<bool>());
  }
  return Node::plain(j.dump());
}

}  // namespace

nlohmann::json to_json(const Node& n) {
  return convert<nlohmann::json>(n);
}
nlohmann::ordered_json to_ordered_json(const Node& n) {
  return convert<nlohmann::ordered_json>(n);
}
Node from_json(const nlohmann::json& j) {
  return convert_back(j);
}
Node from_json(const nlohmann::ordered_json& j) {
  return convert_back(j);
}

}  // namespace talgpu::yaml
