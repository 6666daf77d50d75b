// app.cc — builds and runs the pieces in order; tears them down in reverse.
#include "app.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "auth/secret_hash.h"
#include "base/log.h"
#include "store/user_store.h"

namespace accessd {

App::App(Config config, const Clock* clock)
    : config_(std::move(config)), clock_(clock ? clock : &system_clock_) {}

App::~App() { Stop(); }

Status App::Open() {
  auth::Argon2Params params;
  params.memory_kib = config_.argon2_memory_kib;
  params.iterations = config_.argon2_iterations;
  params.max_concurrent = config_.argon2_max_concurrent;
  auth::ConfigureArgon2(params);

  std::filesystem::path p(config_.db_path);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) return Status::Invalid("cannot create " + p.parent_path().string() + ": " + ec.message());
  }
  store::DbOptions opts;
  opts.path = config_.db_path;
  auto db = store::Database::Open(opts);
  if (!db.ok()) return db.status();
  db_ = std::move(db.value());

  service::AuthOptions ao;
  ao.session_idle_ms = static_cast<int64_t>(config_.session_idle_minutes) * 60 * 1000;
  auth_ = std::make_unique<service::AuthService>(*db_, *clock_, ao);
  identity_ = std::make_unique<service::IdentityService>(*db_, *clock_, *auth_);
  tokens_ = std::make_unique<service::TokenService>(*db_, *clock_, *auth_);
  resources_ = std::make_unique<service::ResourceService>(*db_, *clock_, *auth_);
  policies_ = std::make_unique<service::PolicyService>(*db_, *clock_, *auth_);
  audit_ = std::make_unique<service::AuditService>(*db_, *clock_);
  migration_ = std::make_unique<service::MigrationService>(*db_, *clock_, *auth_);
  scim_ = std::make_unique<scim::ScimService>(*db_, *clock_, *auth_);

  http::Deps deps;
  deps.db = db_.get();
  deps.clock = clock_;
  deps.auth = auth_.get();
  deps.identity = identity_.get();
  deps.tokens = tokens_.get();
  deps.resources = resources_.get();
  deps.policies = policies_.get();
  deps.audit = audit_.get();
  deps.migration = migration_.get();
  deps.scim = scim_.get();
  server_ = std::make_unique<http::Server>(config_, deps);
  return Status::Ok();
}

StatusOr<int> App::Bind() {
  int port = server_->Bind(config_.listen_host, config_.listen_port);
  if (port < 0) {
    return Status::Unavailable("cannot listen on " + config_.listen_host + ":" +
                               std::to_string(config_.listen_port));
  }
  return port;
}

void App::Serve() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    serving_ = true;
  }
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
  server_->Run();  // returns after the worker pool drained in-flight requests
  {
    std::lock_guard<std::mutex> lock(mu_);
    serving_ = false;
  }
  cv_.notify_all();
}

void App::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (server_) server_->Stop();
  {
    // Drain: the database stays open until every in-flight request answered.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !serving_; });
  }
  std::lock_guard<std::mutex> once(stop_mu_);
  if (maintenance_.joinable()) maintenance_.join();
  if (closed_) return;
  closed_ = true;
  if (auth_ && db_) auth_->FlushTouches();
  if (db_) db_->Close();
}

void App::MaintenanceLoop() {
  // Every few seconds: write lastUsedAt times, drop idle sessions. Audit
  // retention pruning (SPEC §4) every prune_interval_seconds, the first run
  // within a minute of starting so that a server restarted more often than
  // the interval still prunes.
  auto next_prune = std::chrono::steady_clock::now() +
                    std::chrono::seconds(std::min(config_.prune_interval_seconds, 60));
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::seconds(5), [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    try {
      if (LogEnabled(LogLevel::kDebug)) {
        const auto w = db_->writer_stats();
        LogDebug("writer: " + std::to_string(w.batches) + " transactions, " +
                 std::to_string(w.jobs) + " jobs (largest batch " + std::to_string(w.max_batch) +
                 "), " + std::to_string(w.run_us / 1000) + " ms running jobs, " +
                 std::to_string(w.commit_us / 1000) + " ms committing; " +
                 std::to_string(resources_->list_cache_hits()) +
                 " lists answered from kept pages; " + std::to_string(w.wal_writes_made) +
                 " WAL writes made, " + std::to_string(w.wal_writes_sent) + " sent");
      }
      auth_->FlushTouches();
      const int64_t cutoff =
          clock_->NowMs() - static_cast<int64_t>(config_.session_idle_minutes) * 60 * 1000;
      db_->Write([cutoff](store::Conn& c) {
        store::DeleteSessionsIdleSince(c, cutoff);
        return Status::Ok();
      });
      if (std::chrono::steady_clock::now() >= next_prune) {
        next_prune = std::chrono::steady_clock::now() +
                     std::chrono::seconds(config_.prune_interval_seconds);
        // Stops between batches on shutdown (still auditing what it pruned).
        audit_->PruneExpired(clock_->NowMs(), [this] {
          std::lock_guard<std::mutex> guard(mu_);
          return stopping_;
        });
      }
    } catch (const std::exception& e) {
      LogError(std::string("maintenance failed: ") + e.what());
    }
    lock.lock();
  }
}

}  // namespace accessd
