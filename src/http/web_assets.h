// web_assets.h — the dashboard's files, compiled into the binary by
// scripts/embed.py from web/.
#pragma once

#include <cstddef>

namespace accessd::http {

struct WebAsset {
  const char* path;  // "/index.html"
  const char* content_type;
  const unsigned char* data;
  size_t size;
};

extern const WebAsset kWebAssets[];
extern const size_t kWebAssetCount;

}  // namespace accessd::http
