// router.h — the route table and the per-request Call object.
//
// A route is a method, a path pattern with {param} segments, a Gate (who may
// call it at all: visible in the table, checked at the edge before the
// handler runs) and a handler. Matching is by path segments, not regexes, so
// dispatch costs a few string compares and a path that exists under another
// method answers 405 with an Allow header.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "base/status.h"
#include "model/types.h"

namespace accessd::http {

// Who may reach a route (SPEC §3).
enum class Gate {
  kAnonymous,     // no credential (health, login, invitation acceptance, revocation)
  kSession,       // dashboard session only; any token answers 401
  kWorkspaceApi,  // workspace SAT, PAT or session; org SAT answers 403 token_type_not_allowed
  kOrgApi,        // org SAT or admin session (audit log)
  kScim,          // org SAT of an organization with SCIM enabled
};

struct Call {
  Call(const httplib::Request& r, httplib::Response& s) : req(r), res(s) {}

  const httplib::Request& req;
  httplib::Response& res;
  std::vector<std::string> params;  // the {param} segments, in order
  model::RequestContext ctx;
  bool scim = false;  // errors use the SCIM body (RFC 7644 §3.12)
  int status = 0;     // what was answered

  const std::string& Param(size_t i) const { return params.at(i); }
  bool HasQuery(const char* key) const { return req.has_param(key); }
  std::string Query(const char* key) const { return req.get_param_value(key); }

  void Json(int code, const nlohmann::json& body);
  void NoContent();
  // Maps the Status to HTTP through the one table in errors.cc.
  void Fail(const Status& s);
};

using Handler = std::function<void(Call&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // "{}" marks a parameter
  Gate gate;
  Handler handler;
};

class Router {
 public:
  void Add(const std::string& method, const std::string& pattern, Gate gate, Handler handler);

  // The route for method+path, with its parameters; nullptr when none. When
  // the path matches under other methods, *allowed lists them.
  const Route* Match(const std::string& method, const std::string& path,
                     std::vector<std::string>* params, std::vector<std::string>* allowed) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace accessd::http
