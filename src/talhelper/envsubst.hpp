#pragma once
// talhelper's environment handling, in three steps (budimanjojo/talhelper pkg/substitute/envsubst.go):
//
//  1. Env files (`talenv.yaml`, `talenv.sops.yaml`, `talenv.yml`, `talenv.sops.yml`, `-e FILE`) are
//     flat `KEY: value` / `KEY=value` files read with godotenv rules; talhelper exports each key
//     with os.Setenv, so env files win over the process environment and later files over earlier.
//  2. YAML comments are removed before substituting, so `# ${NOT_SET}` in a comment is harmless.
//     talhelper strips them with a regex/re-encode; we blank them in place, so every line keeps
//     its number and diagnostics still point at the line the user wrote.
//  3. a8m/envsubst in restricted mode (noUnset, noEmpty): `$VAR`, `${VAR}`, `${VAR-def}`,
//     `${VAR:-def}`, `${VAR=def}`, `${VAR:=def}`, `${VAR+alt}`, `${VAR:+alt}`, `$$` for a literal
//     `$`. An unset or empty variable is an error naming it and its line.

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <core/diagnostic.hpp>
#include <core/error.hpp>

namespace talgpu::talhelper {

// Variables from env files, with the process environment as fallback.
struct EnvVars {
  std::map<std::string, std::string> values;  // from env files (these win)
  bool use_process_env = true;

  std::optional<std::string> get(std::string_view name) const;
  void set(std::string name, std::string value) { values[std::move(name)] = std::move(value); }
};

// The env-file names talhelper looks for by default, in load order.
const char* const* default_env_file_names();  // null-terminated

// Parses godotenv-style content: `KEY=value`, `KEY: value`, optional `export `, quotes, `#`
// comments; lines that are exactly `---` are ignored (talhelper #220). An error names the line.
Result<std::map<std::string, std::string>> parse_env_file(std::string_view text, const std::string& name);

// Removes YAML comments, leaving block scalars and quoted scalars alone and keeping every line
// (a comment-only line becomes empty).
std::string strip_yaml_comments(std::string_view text);

// Substitutes variables in `text` (already comment-stripped). Problems are reported into `diags`
// located in `file` (rules `envsubst-unset`, `envsubst-empty`, `envsubst-syntax`); the failing
// reference is left as written. Returns the substituted text.
std::string envsubst(std::string_view text, const EnvVars& env, const std::string& file, Diagnostics& diags);

// Convenience for callers without a file: the first problem becomes the error.
Result<std::string> envsubst_string(std::string_view text, const EnvVars& env);

}  // namespace talgpu::talhelper
