// auth_service.h — turns a presented credential into a Principal: tokens
// (Bearer/Basic) and dashboard sessions. The only place that verifies
// secrets on the request path.
//
// Token verification (SPEC §2): parse and check the CRC (no database work for
// a malformed token) → find the row by key id → Argon2id-verify → check
// status, kind, expiry and owner. A verified token is remembered in memory:
//   * the SHA-256 of the verified secret, so later requests skip Argon2 and a
//     different secret for the same key id is refused without Argon2;
//   * the Principal built from the database, tagged with the "access epoch"
//     it was built at. Any change that can affect access (policies, groups,
//     memberships, roles, user status, token deletion) bumps the epoch from
//     the writer thread right after its commit and before the change's request
//     returns, so the very next request rebuilds the Principal (database
//     reads, never Argon2).
// Concurrent first uses of the same token share one Argon2 computation
// (single flight), and auth/secret_hash bounds how many run at once.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "store/db.h"
#include "store/legacy_store.h"

namespace accessd::service {

struct AuthOptions {
  int64_t session_idle_ms = 12LL * 3600 * 1000;  // sessions expire after this much idleness
  size_t max_cached_tokens = 100000;             // verified tokens kept in memory
};

class AuthService {
 public:
  AuthService(store::Database& db, const Clock& clock, AuthOptions options);

  // The value of an Authorization header → a token Principal. Unauthenticated
  // for every failure (absent, malformed, unknown, deleted, expired, wrong
  // secret, user deactivated or removed): the answer never says which.
  StatusOr<model::Principal> AuthenticateHeader(std::string_view authorization);
  StatusOr<model::Principal> AuthenticateToken(std::string_view token);

  // The session cookie value → a session Principal (user active, session not
  // idle past its limit). Unauthenticated otherwise.
  StatusOr<model::Principal> AuthenticateSession(const std::string& cookie_value);

  // Verifies a presented token's secret exactly like AuthenticateToken but
  // ignores the owner's state; returns the key id of a real token (for the
  // unauthenticated revocation endpoint), or nullopt.
  std::optional<std::string> VerifyTokenForRevocation(std::string_view token);

  // Access-relevant state changed: every cached Principal is rebuilt on its
  // next use. Cheap (one atomic increment). Call from Database::Write's
  // after_commit.
  void InvalidateAccess();
  // A token was deleted: forget its secret and bump the epoch.
  void ForgetToken(const std::string& key_id);

  // Writes the lastUsedAt times recorded since the last call (one write
  // transaction). Called by the maintenance task and at shutdown.
  void FlushTouches();

  // For tests and the benchmark.
  uint64_t epoch() const { return epoch_.load(); }
  size_t cached_tokens() const;

 private:
  struct Cached {
    std::string secret_digest;  // SHA-256 of the verified secret
    std::shared_ptr<const model::Principal> principal;
    uint64_t epoch = 0;
    std::shared_ptr<std::atomic<int64_t>> last_touched;  // last_used_at written
  };
  struct Flight;

  // Looks up the row and builds the principal; Unauthenticated when the row
  // is gone or its owner is not active. `verify_secret` runs Argon2.
  StatusOr<model::Principal> Load(const std::string& cache_key, bool legacy,
                                  const std::string& lookup, const std::string& secret,
                                  bool verify_secret, std::string* secret_hash_out);
  StatusOr<model::Principal> Finish(const std::shared_ptr<const model::Principal>& p,
                                    const std::shared_ptr<std::atomic<int64_t>>& touched);
  void Touch(const std::string& key_id, const std::shared_ptr<std::atomic<int64_t>>& touched);

  store::Database& db_;
  const Clock& clock_;
  AuthOptions options_;
  std::atomic<uint64_t> epoch_{1};

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // by key id ("legacy:<digest>" for legacy)

  std::mutex touches_mu_;
  std::unordered_map<std::string, int64_t> touches_;  // key id → last used (ms)

  std::mutex flights_mu_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
};

// Builds the permissions of a user in a workspace from the database (member:
// baseline ∪ groups ∪ member policy, or the legacy rules in an organization
// on the legacy model; admin: everything). reaches=false when a member does
// not reach the workspace. Used for tokens and sessions alike; the caller
// passes the organization's access model, which its principal already holds.
struct UserAccess {
  bool reaches = false;
  auth::Permissions permissions;
};
UserAccess ComputeUserAccess(store::Conn& c, const model::User& u,
                             const std::string& workspace_id, const std::string& access_model);

// A member's or workspace SAT's permissions under the legacy rules (SPEC §7):
// decided by auth/legacy.h, explained by the equivalent policy ("legacy").
auth::Permissions LegacyPermissions(store::Conn& c, const std::string& workspace_id,
                                    store::LegacySubject subject, const std::string& subject_id);

}  // namespace accessd::service
