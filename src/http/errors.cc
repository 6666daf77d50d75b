// errors.cc — Status → HTTP.
#include "http/errors.h"

#include <nlohmann/json.hpp>

namespace accessd::http {

int HttpStatusOf(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return 200;
    case Status::Code::kInvalid: return 400;
    case Status::Code::kUnauthenticated: return 401;
    case Status::Code::kForbidden: return 403;
    case Status::Code::kTokenTypeNotAllowed: return 403;
    case Status::Code::kNotFound: return 404;
    case Status::Code::kMethodNotAllowed: return 405;
    case Status::Code::kConflict: return 409;
    case Status::Code::kLegacyModel: return 409;
    case Status::Code::kPayloadTooLarge: return 413;
    case Status::Code::kRateLimited: return 429;
    case Status::Code::kInternal: return 500;
    case Status::Code::kUnavailable: return 503;
  }
  return 500;
}

const char* WireCodeOf(Status::Code code) {
  switch (code) {
    case Status::Code::kOk: return "ok";
    case Status::Code::kInvalid: return "invalid_request";
    case Status::Code::kUnauthenticated: return "unauthenticated";
    case Status::Code::kForbidden: return "forbidden";
    case Status::Code::kTokenTypeNotAllowed: return "token_type_not_allowed";
    case Status::Code::kNotFound: return "not_found";
    case Status::Code::kMethodNotAllowed: return "method_not_allowed";
    case Status::Code::kConflict: return "conflict";
    case Status::Code::kLegacyModel: return "legacy_model";
    case Status::Code::kPayloadTooLarge: return "payload_too_large";
    case Status::Code::kRateLimited: return "rate_limited";
    case Status::Code::kInternal: return "internal";
    case Status::Code::kUnavailable: return "unavailable";
  }
  return "internal";
}

int WriteError(httplib::Response& res, const Status& s, bool scim) {
  int http = HttpStatusOf(s.code());
  res.status = http;
  if (s.code() == Status::Code::kUnauthenticated && !scim) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"accessd\"");
  }
  if (scim) {
    // RFC 7644 §3.12: status as a string; scimType for 400/409 when known.
    nlohmann::json body = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:Error"}},
                           {"status", std::to_string(http)},
                           {"detail", s.message()}};
    if (!s.subcode().empty()) {
      body["scimType"] = s.subcode();
    } else if (s.code() == Status::Code::kConflict) {
      body["scimType"] = "uniqueness";
    } else if (s.code() == Status::Code::kInvalid) {
      body["scimType"] = "invalidValue";
    }
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/scim+json");
    return http;
  }
  nlohmann::json body = {{"error", s.message()}, {"code", WireCodeOf(s.code())}};
  if (!s.details().empty()) {
    nlohmann::json d = nlohmann::json::array();
    for (const auto& f : s.details()) d.push_back({{"field", f.field}, {"message", f.message}});
    body["details"] = d;
  }
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
  return http;
}

void WriteErrorBody(httplib::Response& res, int http_status, const std::string& code,
                    const std::string& message) {
  res.status = http_status;
  nlohmann::json body = {{"error", message}, {"code", code}};
  res.set_content(body.dump(), "application/json");
}

}  // namespace accessd::http
