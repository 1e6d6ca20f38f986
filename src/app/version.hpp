#pragma once
// What `talgpu version` and `talgpu --version` print (src/app/cmd_version.cpp).

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace talgpu {

nlohmann::ordered_json version_json();
std::string version_text();

}  // namespace talgpu
