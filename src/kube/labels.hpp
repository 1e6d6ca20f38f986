#pragma once
// Label syntax from k8s.io/apimachinery/pkg/util/validation (IsQualifiedName, IsValidLabelValue)
// and Go's strconv.ParseInt(s, 10, 64), shared by selector matching and manifest validation.

#include <cstdint>
#include <optional>
#include <string_view>

namespace talgpu::kube {

// [prefix/]name: prefix a DNS-1123 subdomain (<= 253), name <= 63 of
// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], non-empty.
bool is_qualified_name(std::string_view s);
// Empty, or <= 63 characters of ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
bool is_label_value(std::string_view s);
// A lowercase RFC 1123 subdomain (<= 253).
bool is_dns1123_subdomain(std::string_view s);
// A lowercase RFC 1123 label (<= 63).
bool is_dns1123_label(std::string_view s);
// strconv.ParseInt(s, 10, 64): optional sign, decimal digits (leading zeros allowed), in range.
std::optional<int64_t> go_parse_int(std::string_view s);

}  // namespace talgpu::kube
