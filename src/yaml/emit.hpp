#pragma once
// Deterministic YAML emitters.
//
// Two house styles, both driven by the same scalar-style rules:
//  - `Flavor::goyaml_v3`: byte-for-byte what go-yaml v3's Encoder writes (4-space indent by
//    default, sequences indented under their key, the emitter's indent rounding, 80-column folding
//    of plain and quoted scalars). Image Factory schematic IDs and Talos machine configs are
//    defined by this encoding, so it must match upstream exactly.
//  - `Flavor::kubernetes`: the kubectl/sigs.k8s.io look: 2-space indent, sequence items at their
//    key's column, no folding.
// Strings are quoted exactly when go-yaml would quote them: when the plain text would resolve to
// another type (`true`, `1.0`, `0x1F`, `2024-01-01`, `~`), for YAML 1.1 booleans (`yes`, `on`, `n`)
// and base-60 floats (`1:20`), and when the emitter cannot write them plain (indicators, `: `,
// ` #`, leading/trailing spaces, tabs, non-printable characters).

#include <yaml/node.hpp>

#include <string>
#include <vector>

namespace talgpu::yaml {

enum class Flavor { goyaml_v3, kubernetes };

struct EmitOptions {
  Flavor flavor = Flavor::goyaml_v3;
  int indent = 4;    // best_indent
  int width = 80;    // best_width; <= 0 disables folding
};

EmitOptions goyaml_v3_options(int indent = 4);
EmitOptions kubernetes_options();

// One document, ending with a newline.
std::string emit(const Node& root, const EmitOptions& opts = {});
// Several documents separated by "---\n" (go-yaml's Encoder stream form).
std::string emit_stream(const std::vector<Node>& docs, const EmitOptions& opts = {});

// The scalar style go-yaml v3 would choose for a string value in block context (exposed for tests).
enum class ChosenStyle { plain, single_quoted, double_quoted, literal };
ChosenStyle goyaml_string_style(std::string_view s, bool simple_key = false);

}  // namespace talgpu::yaml
