// app.h — the wiring of one accessd process: database, clock, services, HTTP
// server and the maintenance task. main.cc and the API tests build the very
// same App, so the tests exercise exactly what ships.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/status.h"
#include "config.h"
#include "http/server.h"
#include "scim/scim_service.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/identity_service.h"
#include "service/migration_service.h"
#include "service/policy_service.h"
#include "service/resource_service.h"
#include "service/token_service.h"
#include "store/db.h"

namespace accessd {

class App {
 public:
  // `clock` may be null (system clock). The App does not own it.
  explicit App(Config config, const Clock* clock = nullptr);
  ~App();

  // Opens the database and builds the services (no network yet).
  Status Open();
  // Binds the listener; returns the port (useful with port 0).
  StatusOr<int> Bind();
  // Serves until Stop(); blocks. Starts the maintenance task.
  void Serve();
  // Stops accepting, drains in-flight requests, flushes, closes the database.
  void Stop();

  store::Database& db() { return *db_; }
  const Clock& clock() const { return *clock_; }
  service::AuthService& auth() { return *auth_; }
  service::IdentityService& identity() { return *identity_; }
  service::TokenService& tokens() { return *tokens_; }
  service::ResourceService& resources() { return *resources_; }
  service::PolicyService& policies() { return *policies_; }
  service::AuditService& audit() { return *audit_; }
  service::MigrationService& migration() { return *migration_; }
  scim::ScimService& scim() { return *scim_; }
  const Config& config() const { return config_; }

 private:
  void MaintenanceLoop();

  Config config_;
  SystemClock system_clock_;
  const Clock* clock_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<service::AuthService> auth_;
  std::unique_ptr<service::IdentityService> identity_;
  std::unique_ptr<service::TokenService> tokens_;
  std::unique_ptr<service::ResourceService> resources_;
  std::unique_ptr<service::PolicyService> policies_;
  std::unique_ptr<service::AuditService> audit_;
  std::unique_ptr<service::MigrationService> migration_;
  std::unique_ptr<scim::ScimService> scim_;
  std::unique_ptr<http::Server> server_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool serving_ = false;
  std::mutex stop_mu_;
  bool closed_ = false;
  std::thread maintenance_;
};

}  // namespace accessd
