#pragma once
// Kubernetes resource quantities ("1", "500m", "2Gi", "1e3"), as
// k8s.io/apimachinery/pkg/api/resource/quantity.go parses them: an optional sign, a decimal
// number, then a binary suffix (Ki..Ei), a decimal suffix (n, u, m, "", k, M, G, T, P, E) or a
// decimal exponent (e3, E-2). We keep the text as written plus the value in milli-units, which is
// what extended-resource validation compares (`MilliValue() % 1000 == 0` = an integer).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace talgpu::kube {

struct Quantity {
  std::string text;          // as written
  bool valid = false;        // parsed as a Kubernetes quantity
  long double value = 0;     // in units
  std::optional<int64_t> milli;  // MilliValue() (rounded up); nullopt when it overflows int64

  static Quantity parse(std::string_view text);
  static Quantity from_int(int64_t units);

  bool is_integer() const { return valid && milli && *milli % 1000 == 0; }
  bool negative() const { return valid && value < 0; }
  // Value() (rounded up to a whole unit); 0 when invalid.
  int64_t whole() const;
  // Same amount (Quantity.Cmp == 0).
  bool same_amount(const Quantity& o) const;
};

}  // namespace talgpu::kube
