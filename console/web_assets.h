// The web UI's files, compiled into the binary (web_assets_data.cc is generated at build time
// from console/web/ by embed_web_assets.cmake).
#pragma once

#include <string_view>

namespace defender::console {

struct WebAsset {
  std::string_view path;  // "/index.html"
  std::string_view content_type;
  std::string_view body;
};

// nullopt-like: nullptr when there is no such file. "/" is "/index.html".
const WebAsset* find_web_asset(std::string_view path);

}  // namespace defender::console
