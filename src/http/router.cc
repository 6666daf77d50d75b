// router.cc — segment matching.
#include "http/router.h"

#include "http/errors.h"

namespace accessd::http {

namespace {

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool MatchSegments(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   std::vector<std::string>* params) {
  if (pattern.size() != path.size()) return false;
  std::vector<std::string> found;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "{}") {
      if (path[i].empty()) return false;
      found.push_back(path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  if (params) *params = std::move(found);
  return true;
}

}  // namespace

void Call::Json(int code, const nlohmann::json& body) {
  status = code;
  res.status = code;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  scim ? "application/scim+json" : "application/json");
}

void Call::NoContent() {
  status = 204;
  res.status = 204;
}

void Call::Fail(const Status& s) {
  status = WriteError(res, s, scim);
}

void Router::Add(const std::string& method, const std::string& pattern, Gate gate,
                 Handler handler) {
  Route r;
  r.method = method;
  r.pattern = pattern;
  for (auto& seg : Split(pattern)) {
    r.segments.push_back(seg.size() > 1 && seg.front() == '{' && seg.back() == '}' ? "{}" : seg);
  }
  r.gate = gate;
  r.handler = std::move(handler);
  routes_.push_back(std::move(r));
}

const Route* Router::Match(const std::string& method, const std::string& path,
                           std::vector<std::string>* params,
                           std::vector<std::string>* allowed) const {
  std::vector<std::string> segs = Split(path);
  // Literal routes win over parameter routes ("/api/invitations/accept"
  // before "/api/invitations/{id}"): pick the match with the most literals.
  const Route* best = nullptr;
  int best_literals = -1;
  std::vector<std::string> best_params;
  for (const Route& r : routes_) {
    std::vector<std::string> p;
    if (!MatchSegments(r.segments, segs, &p)) continue;
    if (r.method != method && !(method == "HEAD" && r.method == "GET")) {
      if (allowed) allowed->push_back(r.method);
      continue;
    }
    int literals = 0;
    for (const auto& s : r.segments) literals += s != "{}";
    if (literals > best_literals) {
      best = &r;
      best_literals = literals;
      best_params = std::move(p);
    }
  }
  if (best && params) *params = std::move(best_params);
  return best;
}

}  // namespace accessd::http
