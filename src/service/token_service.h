// token_service.h — service access tokens (admins) and personal access tokens
// (each user their own): create, list, delete, and the unauthenticated
// revocation of leaked tokens.
//
// The secret exists only in the return value of Create*: it is hashed with
// Argon2id before the write job runs and never stored, logged or audited.
// Deleting a token clears it from the verification cache before Delete*
// returns (SPEC §2). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "service/auth_service.h"
#include "store/db.h"

namespace accessd::service {

struct SatInput {
  std::string level;  // "organization" | "workspace"
  std::string name;
  std::optional<std::string> workspace_id;
  std::optional<nlohmann::json> policy;  // workspace SATs; absent = empty (baseline only)
};

struct PatInput {
  std::string name;
  std::string workspace_id;
  std::string scope;  // "read_only" | "read_write"
};

struct CreatedToken {
  model::Token token;
  std::string secret;  // shown once
};

class TokenService {
 public:
  TokenService(store::Database& db, const Clock& clock, AuthService& auth);

  StatusOr<CreatedToken> CreateSat(model::RequestContext& ctx, const SatInput& in);
  // level: "organization" | "workspace" | "" (all).
  StatusOr<std::vector<model::Token>> ListSats(const model::RequestContext& ctx,
                                               const std::string& level,
                                               const std::optional<std::string>& workspace_id);
  Status DeleteSat(model::RequestContext& ctx, const std::string& id);

  StatusOr<CreatedToken> CreatePat(model::RequestContext& ctx, const PatInput& in);
  StatusOr<std::vector<model::Token>> ListPats(const model::RequestContext& ctx);
  Status DeletePat(model::RequestContext& ctx, const std::string& id);

  // POST /v2/tokens/revoke: revokes every presented token that verifies.
  // Returns how many were revoked (the HTTP answer reveals nothing of it).
  int RevokeLeaked(const std::vector<std::string>& tokens, const std::string& ip,
                   const std::string& user_agent);

 private:
  Status DeleteToken(model::RequestContext& ctx, const std::string& id, bool sat);

  store::Database& db_;
  const Clock& clock_;
  AuthService& auth_;
};

}  // namespace accessd::service
