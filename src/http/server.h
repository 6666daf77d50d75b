// server.h — the HTTP edge: cpp-httplib configured for speed, one dispatch
// function that authenticates every request once (Authorization header or
// session cookie → Principal, or 401), applies the route's Gate and CSRF,
// runs the handler, and writes the audit row of every token-authenticated
// request before the response leaves.
//
// This is the only place that includes httplib.h besides http/*_api.cc.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "base/clock.h"
#include "config.h"
#include "http/router.h"
#include "service/auth_service.h"
#include "service/identity_service.h"
#include "service/token_service.h"
#include "store/db.h"

namespace accessd::service {
class ResourceService;
class PolicyService;
class AuditService;
class MigrationService;
}  // namespace accessd::service
namespace accessd::scim {
class ScimService;
}  // namespace accessd::scim

namespace accessd::http {

// Everything handlers may call. Owned by main (or a test), outlives Server.
struct Deps {
  store::Database* db = nullptr;
  const Clock* clock = nullptr;
  service::AuthService* auth = nullptr;
  service::IdentityService* identity = nullptr;
  service::TokenService* tokens = nullptr;
  service::ResourceService* resources = nullptr;
  service::PolicyService* policies = nullptr;
  service::AuditService* audit = nullptr;
  service::MigrationService* migration = nullptr;
  scim::ScimService* scim = nullptr;
};

class Server {
 public:
  Server(const Config& config, const Deps& deps);
  ~Server();

  // Binds; port 0 picks a free port. Returns the port, or -1.
  int Bind(const std::string& host, int port);
  // Serves until Stop(); blocks.
  void Run();
  // Stops accepting, lets in-flight requests finish, returns.
  void Stop();
  bool running() const;

 private:
  void Dispatch(const httplib::Request& req, httplib::Response& res);
  // Authenticates for the route's gate; on failure writes the answer and
  // returns false.
  bool Admit(const Route& route, Call& call);

  Config config_;
  Deps deps_;
  Router router_;
  std::unique_ptr<httplib::Server> http_;
};

// Route binders, one per *_api.cc file.
void BindHealthApi(Router& r, const Deps& d);
void BindSessionApi(Router& r, const Deps& d, const Config& config);
void BindOrganizationApi(Router& r, const Deps& d);
void BindMemberApi(Router& r, const Deps& d);
void BindTokenApi(Router& r, const Deps& d, const Config& config);
void BindPublicApi(Router& r, const Deps& d);
void BindResourceApi(Router& r, const Deps& d);
void BindPolicyApi(Router& r, const Deps& d);
void BindAuditApi(Router& r, const Deps& d);
void BindMigrationApi(Router& r, const Deps& d);
void BindScimApi(Router& r, const Deps& d);
void BindWebAssets(Router& r);

// The session cookie's name.
inline constexpr char kSessionCookie[] = "accessd_session";

}  // namespace accessd::http
