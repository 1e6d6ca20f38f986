#pragma once
// Internal to src/yaml (and kube/nodes_json.cpp, whose reader mirrors it): a fast path for the block-style YAML that Kubernetes manifests are made of.
//
// yaml::parse() tries this first and falls back to libyaml, the reference, whenever the text
// leaves the subset below or is not valid YAML, so callers see exactly libyaml's trees and
// errors. tests/unit/yaml_fast_parse_test.cpp holds the two to the same output (values, styles,
// tags, marks, document boundaries) over every YAML fixture we have and thousands of mutations.
//
// The subset: a JSON text (RFC 8259, as `kubectl get -o json` writes it); or block mappings and
// block sequences (including "- key: value" compact mappings and
// sequences at their parent key's indentation), single-line plain, single-quoted and
// double-quoted scalars, the empty flow collections `[]` and `{}`, comments, and `---` document
// markers. Anything else (anchors, aliases, tags, block scalars, multi-line scalars, flow
// collections with content, directives, `...`, tabs, CR, control characters, a BOM, merge keys,
// duplicate keys, explicit keys) makes it return nullopt.

#include <yaml/document.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu::yaml::detail {

// True when the text holds bytes the fast path leaves to libyaml (tabs, CR, control characters,
// NEL, U+2028/9, BOM, U+FFFE/F). kube/nodes_json.cpp's streaming reader uses the same test.
bool has_unsupported_bytes(std::string_view text);

// Lexing shared with kube/nodes_json_fast.cpp, so both read scalars exactly alike.
// Decodes the text between the quotes of a double-quoted scalar. False for what it leaves to
// libyaml (surrogates, \N \_ \L \P, invalid escapes); `json_only` also refuses YAML's own
// escapes (\x, \U, \0, ...), keeping to RFC 8259's.
bool decode_double_quoted(std::string_view body, std::string& out, bool json_only);
// True when a JSON scalar may end at p inside a flow collection: end of text, `,`, `]`, `}`, space
// or newline.
bool json_delimiter(std::string_view text, size_t p);
// The end of the RFC 8259 number at p (followed by a delimiter), or npos.
size_t json_number_end(std::string_view text, size_t p);
// "true", "false" or "null" when one stands at p (followed by a delimiter), else empty.
std::string_view json_literal_at(std::string_view text, size_t p);

// The nodes an alias to `n` expands to, as both paths charge them to the alias bounds.
size_t count_nodes(const Node& n);

// `file` is the SourceRegistry id used in the marks of the nodes.
// Streaming: each document goes to `sink` as soon as the line after it starts another document or
// the text ends (where libyaml ends it too), and `handed` counts them. False when the fast path
// steps aside; the documents already handed over are exactly libyaml's first `handed` documents,
// so the reference path goes on from there (parse.cpp skips them).
bool parse_fast_each(std::string_view text, int32_t file, const ParseOptions& opts, const DocumentSink& sink,
                     size_t& handed);
// All documents at once (nullopt when it steps aside, even after some documents).
std::optional<std::vector<Document>> parse_fast(std::string_view text, int32_t file, const ParseOptions& opts);

// libyaml alone (what parse() falls back to), for tests that compare the two.
Result<std::vector<Document>> parse_reference(std::string_view text, std::string name, const ParseOptions& opts);
// The same, streaming: the documents libyaml completes before an error reach `sink`.
Result<void> parse_reference_each(std::string_view text, std::string name, const ParseOptions& opts,
                                  const DocumentSink& sink);

}  // namespace talgpu::yaml::detail
