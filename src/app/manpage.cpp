#include <app/manpage.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <core/build_info.hpp>

namespace talgpu {

std::string troff_escape(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) {
      out += "\\&";  // a control character at the start of a line would be a request
    }
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

namespace {

void command_section(const CLI::App& app, const std::string& path, std::string& out) {
  out += fmt::format(".SS \"{}\"\n.nf\n", troff_escape(path));
  std::string help = app.help(path.substr(0, path.rfind(' ')));
  out += troff_escape(help);
  if (!help.empty() && help.back() != '\n') {
    out += '\n';
  }
  out += ".fi\n";
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    command_section(*sub, path + " " + sub->get_name(), out);
  }
}

}  // namespace

std::string man_page(const CLI::App& root, const std::string& root_help) {
  const BuildInfo& b = build_info();
  std::string date = std::string(b.date).substr(0, 10);  // reproducible: the commit's date
  std::string out;
  out += fmt::format(".TH TALGPU 1 \"{}\" \"talgpu {}\" \"User Commands\"\n", date, b.version);
  out += ".SH NAME\ntalgpu \\- " + troff_escape(root.get_description()) + "\n";
  out += ".SH SYNOPSIS\n.B talgpu\n[global flags] <command> [args]\n";
  out += ".SH DESCRIPTION\n.nf\n" + troff_escape(root_help) + ".fi\n";
  out += ".SH COMMANDS\n";
  for (const CLI::App* sub : root.get_subcommands([](const CLI::App*) { return true; })) {
    command_section(*sub, "talgpu " + sub->get_name(), out);
  }
  out += ".SH SEE ALSO\ntalhelper(1), talosctl(1), kubectl(1)\n";
  return out;
}

}  // namespace talgpu
