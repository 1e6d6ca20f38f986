#pragma once
// What `talgpu version` and `talgpu --version` print (src/app/cmd_version.cpp).

#include <string>

namespace talgpu {

std::string version_json_text();  // the -o json document, indented, with a final newline
std::string version_text();

}  // namespace talgpu
