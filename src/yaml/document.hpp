#pragma once
// Parsing YAML text into Nodes with positions.

#include <core/error.hpp>
#include <core/fs.hpp>
#include <yaml/node.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace talgpu::yaml {

struct Document {
  Node root;          // null scalar for an empty document
  bool empty = true;  // true when the document had no content at all
};

// Alias expansion shared by every file of one run (the manifest loader's): each file is held to a
// million alias-expanded nodes, and the run to k_max_alias_nodes_per_run in all, so that a hundred
// files just under the per-file bound cannot add up to gigabytes (rule `yaml-limit`, exit 2).
constexpr size_t k_max_alias_nodes_per_file = 1'000'000;
constexpr size_t k_max_alias_nodes_per_run = 10'000'000;
struct AliasBudget {
  size_t limit = k_max_alias_nodes_per_run;
  size_t used = 0;
};

struct ParseOptions {
  bool allow_duplicate_keys = false;
  size_t max_depth = 256;
  // parse_file refuses larger files (rule `io-too-large`): the one input limit of core/fs.hpp
  // (talconfig, manifests, nodes.json alike; README "Limits").
  size_t max_bytes = k_max_input_bytes;
  AliasBudget* alias_budget = nullptr;  // charged with every alias expansion, when set
};

// Parses a (multi-document) YAML stream. `name` is the file name used in locations; the text is
// registered with the SourceRegistry so diagnostics can quote it. Syntax errors, tabs used for
// indentation, duplicate keys, undefined aliases and non-scalar keys are located errors (rule
// `yaml-syntax` / `yaml-duplicate-key`); binary input, UTF-16 and invalid UTF-8 are `yaml-encoding`.
Result<std::vector<Document>> parse(std::string_view text, std::string name, const ParseOptions& opts = {});
// Reads and parses a file (rule `io-read` when unreadable).
Result<std::vector<Document>> parse_file(const std::string& path, const ParseOptions& opts = {});

// The streaming forms: each document is handed to `sink` as soon as it is complete and freed after,
// so a file of 30,000 documents is never one tree (issue 18). The documents are those parse()
// returns, in order. When the text turns out not to be valid YAML (or a limit refuses it) after
// some documents were handed over, the error is returned all the same: callers stage what they
// build from the documents until the result is known.
using DocumentSink = std::function<void(Document&&)>;
Result<void> parse_each(std::string_view text, std::string name, const ParseOptions& opts, const DocumentSink& sink);
// `text`: the file's content, already read (a prefetching reader); registered under `path`.
Result<void> parse_file_each(const std::string& path, std::string text, const ParseOptions& opts,
                             const DocumentSink& sink);
Result<void> parse_file_each(const std::string& path, const ParseOptions& opts, const DocumentSink& sink);
// The encoding checks parse() applies before parsing: binary input, UTF-16/32 and invalid UTF-8 are
// located `yaml-encoding` errors.
Result<void> check_text_encoding(std::string_view text, const std::string& name);
// Convenience: exactly one document (an empty stream yields a null root).
Result<Node> parse_one(std::string_view text, std::string name, const ParseOptions& opts = {});

}  // namespace talgpu::yaml
