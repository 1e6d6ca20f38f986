// Quantity parsing after k8s.io/apimachinery/pkg/api/resource/quantity.go (ParseQuantity): a
// signed decimal number followed by a binary suffix, a decimal SI suffix or a decimal exponent.
// We do not need Quantity's canonical re-encoding, only the amount.

#include <kube/quantity.hpp>

#include <cctype>
#include <cmath>
#include <limits>

namespace talgpu::kube {

namespace {

// Multiplier for a suffix; false when the suffix is not one Kubernetes accepts.
bool suffix_multiplier(std::string_view s, long double& mul) {
  struct Entry {
    std::string_view suffix;
    long double mul;
  };
  static constexpr Entry k_table[] = {
      {"", 1.0L},
      {"n", 1e-9L},
      {"u", 1e-6L},
      {"m", 1e-3L},
      {"k", 1e3L},
      {"M", 1e6L},
      {"G", 1e9L},
      {"T", 1e12L},
      {"P", 1e15L},
      {"E", 1e18L},
      {"Ki", 1024.0L},
      {"Mi", 1024.0L * 1024},
      {"Gi", 1024.0L * 1024 * 1024},
      {"Ti", 1024.0L * 1024 * 1024 * 1024},
      {"Pi", 1024.0L * 1024 * 1024 * 1024 * 1024},
      {"Ei", 1024.0L * 1024 * 1024 * 1024 * 1024 * 1024},
  };
  for (const auto& e : k_table) {
    if (e.suffix == s) {
      mul = e.mul;
      return true;
    }
  }
  // Decimal exponent: e3, E-2, e+1.
  if (s.size() >= 2 && (s[0] == 'e' || s[0] == 'E')) {
    size_t i = 1;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') {
      neg = s[i] == '-';
      ++i;
    }
    if (i >= s.size()) {
      return false;
    }
    int exp = 0;
    for (; i < s.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i])) || exp > 1000) {
        return false;
      }
      exp = exp * 10 + (s[i] - '0');
    }
    mul = std::pow(10.0L, neg ? -exp : exp);
    return true;
  }
  return false;
}

}  // namespace

Quantity Quantity::parse(std::string_view text) {
  Quantity q;
  q.text = std::string(text);
  size_t i = 0;
  bool neg = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    neg = text[i] == '-';
    ++i;
  }
  // Digits with at most one '.', at least one digit overall.
  long double num = 0;
  size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    num = num * 10 + (text[i] - '0');
    ++i;
    ++digits;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    long double scale = 0.1L;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      num += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++digits;
    }
  }
  if (digits == 0) {
    return q;
  }
  long double mul = 1;
  if (!suffix_multiplier(text.substr(i), mul)) {
    return q;
  }
  q.valid = true;
  q.value = (neg ? -num : num) * mul;
  long double milli = std::ceil(q.value * 1000.0L - 1e-9L);
  if (std::fabs(milli) < static_cast<long double>(std::numeric_limits<int64_t>::max())) {
    q.milli = static_cast<int64_t>(milli);
  }
  return q;
}

Quantity Quantity::from_int(int64_t units) {
  return parse(std::to_string(units));
}

int64_t Quantity::whole() const {
  if (!valid) {
    return 0;
  }
  long double v = std::ceil(value - 1e-12L);
  if (v > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(v);
}

bool Quantity::same_amount(const Quantity& o) const {
  if (!valid || !o.valid) {
    return text == o.text;
  }
  if (milli && o.milli) {
    return *milli == *o.milli;
  }
  return value == o.value;
}

}  // namespace talgpu::kube
