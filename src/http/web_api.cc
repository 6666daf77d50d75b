// web_api.cc — serves the embedded dashboard: "/" is index.html, files by
// their path. Security headers keep the dashboard from being framed and keep
// scripts to our own origin.
#include <string>

#include "http/server.h"
#include "http/web_assets.h"

namespace accessd::http {

namespace {

const WebAsset* FindAsset(const std::string& path) {
  for (size_t i = 0; i < kWebAssetCount; ++i) {
    if (path == kWebAssets[i].path) return &kWebAssets[i];
  }
  return nullptr;
}

void Serve(Call& c, const std::string& path) {
  const WebAsset* a = FindAsset(path);
  if (!a) return c.Fail(Status::NotFound("no such page"));
  c.status = 200;
  c.res.status = 200;
  c.res.set_header("Content-Security-Policy",
                   "default-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  c.res.set_header("X-Content-Type-Options", "nosniff");
  c.res.set_header("Referrer-Policy", "no-referrer");
  c.res.set_header("Cache-Control", "no-cache");
  c.res.set_content(reinterpret_cast<const char*>(a->data), a->size, a->content_type);
}

}  // namespace

void BindWebAssets(Router& r) {
  r.Add("GET", "/", Gate::kAnonymous, [](Call& c) { Serve(c, "/index.html"); });
  for (size_t i = 0; i < kWebAssetCount; ++i) {
    std::string path = kWebAssets[i].path;
    r.Add("GET", path, Gate::kAnonymous, [path](Call& c) { Serve(c, path); });
  }
}

}  // namespace accessd::http
