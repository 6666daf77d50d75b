// migration_service.h — moving an organization from the legacy access model
// to access policies (SPEC §7 "Migration", §6a /api/migration): stage a
// strategy, show the staging area beside the legacy rules, reset it, deploy it.
//
// Staging computes, for every workspace, the member policy of every member
// who reaches it (start_fresh: the empty policy, so the baseline decides;
// use_existing_policies: the legacy role mapped by auth::LegacyToPolicy) and
// the policy of every workspace SAT (always its legacy role, mapped). Each
// staged policy carries the resource seq mark of staging time, so that
// resources created before the deploy count as "future" exactly as they would
// for a policy saved then. Admins are never staged: they keep everything.
// Organization SATs and PATs are shown unchanged; nothing about them moves.
//
// What a staged policy would change is not stored: GetMigration recomputes
// it from the current roles, allow-lists and resources, comparing every
// decision of the legacy rules (auth/legacy.h) with the decision of the
// policies that would apply after the deploy (baseline ∪ groups ∪ staged
// member policy; baseline ∪ staged policy for a SAT).
//
// Every method is for admin sessions only (a member gets kForbidden, a token
// kUnauthenticated). Changes run as one write job with their audit row
// (service/audit.h); the deploy clears the verified-token cache's principals
// after its commit, so every token and session follows the new model on its
// very next request. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/legacy.h"
#include "auth/policy.h"
#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "service/auth_service.h"
#include "store/db.h"

namespace accessd::service {

enum class MigrationStrategy { kStartFresh, kUseExistingPolicies };
// "start_fresh" / "use_existing_policies".
const char* MigrationStrategyName(MigrationStrategy s);
std::optional<MigrationStrategy> ParseMigrationStrategy(const std::string& s);

// The decisions a change can be about: SPEC §1's actions, with create_delete
// split into its two decisions.
enum class MigrationAction { kEdit, kConnect, kDelete, kCreate };
// "edit" / "connect" / "delete" / "create".
const char* MigrationActionName(MigrationAction a);

// One decision that differs between the legacy rules and the staged policies.
struct MigrationChange {
  auth::ResourceType type = auth::ResourceType::kSources;
  std::optional<std::string> resource_id;    // absent for kCreate
  std::optional<std::string> resource_name;  // absent for kCreate
  MigrationAction action = MigrationAction::kEdit;
  bool legacy = false;    // what the legacy rules decide now
  bool migrated = false;  // what the policies would decide after the deploy
};

// A member or workspace SAT of one workspace: its legacy access now, the
// staged policy, and where the two decide differently.
struct StagedMember {
  model::User user;
  auth::LegacyAccess legacy;
  auth::Policy policy;
  std::vector<MigrationChange> changes;
};
struct StagedToken {
  model::Token token;
  auth::LegacyAccess legacy;
  auth::Policy policy;
  std::vector<MigrationChange> changes;
};
struct StagedWorkspace {
  model::Workspace workspace;
  std::vector<StagedMember> members;
  std::vector<StagedToken> tokens;  // workspace SATs
};

// The staging area as GET /api/migration shows it. Members, tokens and
// workspaces deleted since staging are left out (the deploy skips them too).
struct StagedMigration {
  MigrationStrategy strategy = MigrationStrategy::kStartFresh;
  int64_t created_at = 0;
  std::optional<std::string> created_by;  // user id
  std::vector<StagedWorkspace> workspaces;
  std::vector<model::Token> organization_tokens;  // unchanged by a migration
  std::vector<model::Token> personal_tokens;      // unchanged: they keep their scope
  int64_t change_count = 0;                       // changes of every member and token
};

struct MigrationState {
  std::string access_model;                // "legacy" | "policies"
  std::optional<StagedMigration> staging;  // nullopt when nothing is staged
};

struct MigrationDeployment {
  int64_t deployed_at = 0;
  int64_t members = 0;  // member policies written
  int64_t tokens = 0;   // workspace SAT policies written
};

class MigrationService {
 public:
  MigrationService(store::Database& db, const Clock& clock, AuthService& auth);

  // GET /api/migration: the organization's access model and its staging area.
  StatusOr<MigrationState> GetMigration(const model::RequestContext& ctx);

  // POST /api/migration/import: stages `strategy`, replacing any staging.
  // kInvalid naming "strategy" when it is not a strategy; kConflict when the
  // organization already uses access policies. Returns what GetMigration
  // answers afterwards.
  StatusOr<MigrationState> Import(model::RequestContext& ctx, const std::string& strategy);

  // DELETE /api/migration/staging: kNotFound when nothing is staged.
  Status ResetStaging(model::RequestContext& ctx);

  // POST /api/migration/deploy, irreversible. In one transaction with its
  // audit row: writes every staged member policy and workspace SAT policy
  // (skipping users removed since staging or no longer reaching the
  // workspace, and tokens or workspaces deleted since), deletes the legacy
  // roles and allow-lists, switches the organization to "policies" and
  // deletes the staging. kConflict when nothing is staged or the
  // organization already uses access policies.
  // SPEC §7: an edit allow-list can be deleted (not changed) while the
  // organization is legacy; the resource is then editable by anyone whose
  // role allows it. Admins only; kNotFound when the resource is not the
  // organization's or has no allow-list. Audited as the resource "updated".
  Status DeleteEditAllowList(model::RequestContext& ctx, const std::string& resource_id);

  StatusOr<MigrationDeployment> Deploy(model::RequestContext& ctx);

 private:
  store::Database& db_;
  const Clock& clock_;
  AuthService& auth_;
};

}  // namespace accessd::service
