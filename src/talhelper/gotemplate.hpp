#pragma once
// The Go templates talhelper renders in `nodeLabels` and `nodeAnnotations` values.
//
// talhelper (pkg/talos/nodeconfig.go templateConfig, pkg/templating/template.go) runs every value
// that contains "{{" or "}}" through Go's html/template with the sprig functions, with the node's
// generated v1alpha1.Config Go struct as data, so templates name Go struct fields:
// `{{ .MachineConfig.MachineInstall.InstallImage }}`. The data is the config after the talconfig
// fields and the installer image are applied, before patches.
//
// talgpu evaluates a small, safe subset: text with `{{ }}` actions (and `{{-`/`-}}` trimming),
// pipelines of field chains, string/number/bool literals and a few pure sprig functions. Field
// chains go through a table of Go field names to YAML keys (below in gotemplate.cpp); fields that
// hold secrets are refused. Anything else is an error with its position, never silent output.
// Results are escaped the way html/template escapes text (& < > " ' + and NUL), as talhelper's
// output is.

#include <core/error.hpp>
#include <yaml/node.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace talgpu::talhelper {

// talhelper's IsStringATemplate: the value contains "{{" or "}}".
bool is_go_template(std::string_view text);

// Renders `text` against the v1alpha1 document `config`. Errors carry a message naming the
// offending part; `Error::location.column` is the 1-based offset in `text` where it starts.
Result<std::string> render_go_template(std::string_view text, const yaml::Node& config);

// The same evaluator over a flat struct of string fields, with text/template semantics (no
// escaping): talhelper's `filenameTmpl` (pkg/config/outputfilename.go) exposes ClusterName,
// Hostname, IPAddress and Role. An unknown field is an error, as Go's "can't evaluate field".
Result<std::string> render_text_template(std::string_view text,
                                         const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace talgpu::talhelper
