// server.cc — httplib setup and the one request path.
#include "http/server.h"

#include <chrono>

#include "base/digest.h"
#include "base/log.h"
#include "http/errors.h"
#include "service/audit.h"
#include "service/validate.h"

namespace accessd::http {

namespace {

bool IsMutating(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// The value of one cookie from the Cookie header.
std::string CookieValue(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    size_t b = part.find_first_not_of(' ');
    if (b != std::string::npos) part = part.substr(b);
    if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 &&
        part[name.size()] == '=') {
      return part.substr(name.size() + 1);
    }
    pos = end + 1;
  }
  return std::string();
}

const char* OutcomeOf(int status) {
  if (status < 400) return "success";
  if (status == 403 || status == 404) return "denied";
  return "failed";
}

}  // namespace

Server::Server(const Config& config, const Deps& deps) : config_(config), deps_(deps) {
  BindHealthApi(router_, deps_);
  BindSessionApi(router_, deps_, config_);
  BindOrganizationApi(router_, deps_);
  BindMemberApi(router_, deps_);
  BindTokenApi(router_, deps_, config_);
  BindPublicApi(router_, deps_);
  BindResourceApi(router_, deps_);
  BindPolicyApi(router_, deps_);
  BindAuditApi(router_, deps_);
  BindMigrationApi(router_, deps_);
  BindScimApi(router_, deps_);
  BindWebAssets(router_);

  http_ = std::make_unique<httplib::Server>();
  // Measured on this class of machine: the defaults (Nagle on, 5 requests
  // per keep-alive connection) cap a hello-world at ~280 req/s; with these,
  // ~45,000.
  http_->set_tcp_nodelay(true);
  http_->set_keep_alive_max_count(static_cast<size_t>(config_.keep_alive_max_count));
  http_->set_keep_alive_timeout(5);
  http_->set_read_timeout(config_.read_timeout_seconds, 0);
  http_->set_write_timeout(config_.read_timeout_seconds, 0);
  http_->set_payload_max_length(static_cast<size_t>(config_.max_body_bytes));
  // A keep-alive connection occupies a worker for its lifetime, so the pool
  // must exceed the expected number of concurrent connections.
  const int threads = config_.threads;
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };

  auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    Dispatch(req, res);
  };
  for (const char* pattern : {".*"}) {
    http_->Get(pattern, handler);
    http_->Post(pattern, handler);
    http_->Put(pattern, handler);
    http_->Patch(pattern, handler);
    http_->Delete(pattern, handler);
    http_->Options(pattern, handler);
  }
  // RFC 9112 §6.3: a request with neither Content-Length nor
  // Transfer-Encoding has no body. httplib 0.11 instead reads a POST, PUT or
  // PATCH body until the client closes the connection or the read timeout
  // passes; declaring the length zero here (before the body is read) makes
  // it read none, so `curl -X POST` without data is answered at once. A
  // transfer coding other than chunked cannot be delimited at all: 411.
  http_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    const bool body_method = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (!body_method || req.has_header("Content-Length")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (req.has_header("Transfer-Encoding")) {
      const std::string coding = service::Lower(req.get_header_value("Transfer-Encoding"));
      if (coding.find("chunked") != std::string::npos) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      WriteErrorBody(res, 411, "length_required",
                     "the request body must be sent with Content-Length or chunked");
      return httplib::Server::HandlerResponse::Handled;
    }
    // The Request is httplib's own non-const object, handed to this hook as
    // const; adding a header is what a client omitting one would have sent.
    const_cast<httplib::Request&>(req).set_header("Content-Length", "0");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // httplib's own refusals (oversized body, unparsable request line) get the
  // JSON envelope too; our handlers always write a body, so only empty
  // error bodies are filled here.
  http_->set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    switch (res.status) {
      case 413:
        WriteErrorBody(res, 413, "payload_too_large", "the request body is too large");
        break;
      case 404:
        WriteErrorBody(res, 404, "not_found", "no such endpoint");
        break;
      case 405:
        WriteErrorBody(res, 405, "method_not_allowed", "method not allowed");
        break;
      default:
        if (res.status >= 500) {
          WriteErrorBody(res, res.status, "internal", "internal error");
        } else {
          WriteErrorBody(res, res.status, "invalid_request", "the request is malformed");
        }
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  http_->set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        LogError("unhandled exception on " + req.method + " " + req.path + ": " + what);
        WriteErrorBody(res, 500, "internal", "internal error");
      });
  if (config_.access_log) {
    http_->set_logger([](const httplib::Request& req, const httplib::Response& res) {
      // Path only: query strings and headers may carry secrets.
      if (LogEnabled(LogLevel::kInfo)) {
        LogInfo(req.remote_addr + " " + req.method + " " + req.path + " " +
                std::to_string(res.status));
      }
    });
  }
}

Server::~Server() { Stop(); }

int Server::Bind(const std::string& host, int port) {
  if (port == 0) return http_->bind_to_any_port(host);
  return http_->bind_to_port(host, port) ? port : -1;
}

void Server::Run() { http_->listen_after_bind(); }

void Server::Stop() {
  if (http_ && http_->is_running()) http_->stop();
}

bool Server::running() const { return http_ && http_->is_running(); }

bool Server::Admit(const Route& route, Call& call) {
  model::RequestContext& ctx = call.ctx;
  if (route.gate == Gate::kAnonymous) return true;

  const std::string authz = call.req.get_header_value("Authorization");
  bool session = false;
  if (!authz.empty()) {
    auto p = deps_.auth->AuthenticateHeader(authz);
    if (!p.ok()) {
      call.Fail(p.status());
      return false;
    }
    ctx.principal = std::move(p.value());
  } else {
    const std::string cookie = CookieValue(call.req, kSessionCookie);
    if (cookie.empty()) {
      call.Fail(Status::Unauthenticated());
      return false;
    }
    auto p = deps_.auth->AuthenticateSession(cookie);
    if (!p.ok()) {
      call.Fail(p.status());
      return false;
    }
    ctx.principal = std::move(p.value());
    session = true;
  }

  const model::Principal& pr = ctx.principal;
  switch (route.gate) {
    case Gate::kAnonymous:
      break;
    case Gate::kSession:
      // The management API is for dashboard sessions only (SPEC §3).
      if (!session) {
        call.Fail(Status::Unauthenticated());
        return false;
      }
      break;
    case Gate::kWorkspaceApi:
      if (pr.kind == model::Principal::Kind::kOrgSat) {
        call.Fail(Status::TokenTypeNotAllowed(
            "organization tokens reach only the Audit Log API and SCIM"));
        return false;
      }
      break;
    case Gate::kOrgApi:
      if (session ? !pr.IsAdminUser() : pr.kind != model::Principal::Kind::kOrgSat) {
        call.Fail(Status::Forbidden("only organization tokens and admins may use this API"));
        return false;
      }
      break;
    case Gate::kScim:
      if (pr.kind != model::Principal::Kind::kOrgSat) {
        call.Fail(Status::Forbidden("SCIM needs an organization service access token"));
        return false;
      }
      break;
  }
  // Cookie-authenticated changes must carry the CSRF token they were given
  // at login (SameSite=Strict is the first line, this the second).
  if (session && IsMutating(call.req.method)) {
    const std::string csrf = call.req.get_header_value("X-CSRF-Token");
    if (csrf.empty() || !ConstantTimeEquals(Sha256Hex(csrf), pr.csrf_hash)) {
      call.Fail(Status::Forbidden("missing or invalid X-CSRF-Token header"));
      return false;
    }
  }
  return true;
}

void Server::Dispatch(const httplib::Request& req, httplib::Response& res) {
  Call call(req, res);
  call.ctx.ip = req.remote_addr;
  call.ctx.user_agent = req.get_header_value("User-Agent").substr(0, 512);
  call.ctx.method = req.method;
  call.ctx.path = req.path;
  call.scim = req.path.rfind("/scim/", 0) == 0;

  std::vector<std::string> allowed;
  const Route* route = router_.Match(req.method, req.path, &call.params, &allowed);
  if (!route) {
    if (!allowed.empty()) {
      std::string allow;
      for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
      res.set_header("Allow", allow);
      call.Fail(Status::MethodNotAllowed(req.method + " is not supported here"));
    } else {
      call.Fail(Status::NotFound("no such endpoint"));
    }
    return;
  }
  if (!Admit(*route, call)) {
    // A token that authenticated but may not use this route is still a
    // request "authenticated by a token": it is audited as denied.
    if (call.ctx.principal.IsToken() && !call.ctx.principal.org_id.empty()) {
      service::RecordRequest(*deps_.db, *deps_.clock, call.ctx, OutcomeOf(call.status),
                             call.status);
    }
    return;
  }
  try {
    route->handler(call);
  } catch (const std::exception& e) {
    LogError("handler failed on " + req.method + " " + req.path + ": " + e.what());
    call.Fail(Status::Internal("internal error"));
  }
  if (call.status == 0) call.Fail(Status::Internal("the handler wrote no answer"));
  if (call.ctx.principal.IsToken() && !call.ctx.audited) {
    // Every token request is audited, reads included; the row is durable
    // before the answer leaves (group commit keeps this cheap).
    Status s = service::RecordRequest(*deps_.db, *deps_.clock, call.ctx, OutcomeOf(call.status),
                                      call.status);
    if (!s.ok()) {
      res.body.clear();
      res.headers.erase("Location");
      call.Fail(Status::Unavailable("the audit log could not be written; nothing was returned"));
    }
  }
}

}  // namespace accessd::http
