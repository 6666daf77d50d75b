// policy_service.h — groups, baseline/group/member policies and effective
// permissions (SPEC §1, §6a): one method per use case.
//
// Each method authorizes first (everything but EffectiveAccess is admin-only:
// a member gets kForbidden, a token kUnauthenticated), then validates, then
// runs one write job that performs the change and appends its audit row in
// the same transaction (service/audit.h). Ids are looked up inside the
// caller's organization, so another organization's group, workspace or user
// is kNotFound. Every change clears the verification cache's principals
// (AuthService::InvalidateAccess) after its commit and before it returns, so
// it takes effect on the very next request of every token and session.
// Organizations on the legacy access model (SPEC §7) answer kLegacyModel to
// every change. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/policy.h"
#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "service/auth_service.h"
#include "store/db.h"

namespace accessd::service {

// POST /api/groups (name required) and PATCH /api/groups/{id} (any field).
struct GroupInput {
  std::optional<std::string> name;         // 1-100 characters, unique per org (case-insensitive)
  std::optional<std::string> description;  // up to 1000 characters
  std::optional<std::vector<std::string>> workspace_ids;  // workspaces of the org, no repeats
};

// Whose policy in a workspace.
enum class PolicyKind { kBaseline, kGroup, kMember };

struct PolicySubjectRef {
  PolicyKind kind = PolicyKind::kBaseline;
  std::string id;  // the group or user id; empty for the baseline
};

// GET /api/workspaces/{ws}/effective/{userId}.
struct EffectiveAccess {
  std::string workspace_id;
  std::string user_id;
  bool reaches = false;
  model::Role role = model::Role::kMember;
  auth::Permissions permissions;  // empty when !reaches
};

class PolicyService {
 public:
  PolicyService(store::Database& db, const Clock& clock, AuthService& auth);

  // Groups (admin). Lookups of other organizations' groups are kNotFound.
  StatusOr<std::vector<model::Group>> ListGroups(const model::RequestContext& ctx);
  StatusOr<model::Group> GetGroup(const model::RequestContext& ctx, const std::string& id);
  // kInvalid (field errors: name, description, workspaceIds[i]); kConflict
  // when the name is taken; kLegacyModel on a legacy organization.
  StatusOr<model::Group> CreateGroup(model::RequestContext& ctx, const GroupInput& in);
  // Removing a workspace drops the group's policy there.
  StatusOr<model::Group> UpdateGroup(model::RequestContext& ctx, const std::string& id,
                                     const GroupInput& in);
  // The group's policies go with it.
  Status DeleteGroup(model::RequestContext& ctx, const std::string& id);
  // Replaces the member list: users of the organization that are not removed
  // (kInvalid naming userIds[i] otherwise).
  StatusOr<model::Group> SetGroupMembers(model::RequestContext& ctx, const std::string& id,
                                         const std::vector<std::string>& user_ids);

  // Policies (admin). The workspace, group or user must belong to the
  // caller's organization (kNotFound); a group must be part of the workspace
  // and a member must reach it (kConflict). A policy never saved reads as the
  // empty policy.
  StatusOr<auth::Policy> GetPolicy(const model::RequestContext& ctx,
                                   const std::string& workspace_id,
                                   const PolicySubjectRef& subject);
  // Validates `document` against the workspace's resources (kInvalid naming
  // every bad path), stores it with the current resource mark (so
  // includeFuture means "resources created after this save") and returns the
  // stored policy.
  StatusOr<auth::Policy> PutPolicy(model::RequestContext& ctx, const std::string& workspace_id,
                                   const PolicySubjectRef& subject, const nlohmann::json& document);

  // Admins may ask about anyone; a member only about themself (kForbidden
  // otherwise) and only in a workspace they reach (kNotFound otherwise).
  StatusOr<EffectiveAccess> GetEffectiveAccess(const model::RequestContext& ctx,
                                               const std::string& workspace_id,
                                               const std::string& user_id);

 private:
  store::Database& db_;
  const Clock& clock_;
  AuthService& auth_;
};

}  // namespace accessd::service
