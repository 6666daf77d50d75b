// identity_service.h — organizations, workspaces, users (members), invitations
// and dashboard sessions: one method per use case.
//
// Each method authorizes first (admin-only methods answer kForbidden to a
// member), then validates, then runs one write job that performs the change
// and appends its audit row (service/audit.h). Lookups of ids are scoped to
// the caller's organization, so another organization's object is kNotFound.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/policy.h"
#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "service/auth_service.h"
#include "service/generation_cache.h"
#include "store/db.h"

namespace accessd::service {

struct IdentityOptions {
  int64_t invitation_ttl_ms = 3LL * 24 * 3600 * 1000;  // SPEC §1: 3 days
};

struct BootstrapResult {
  bool created = false;
  std::string org_id;
  std::string admin_id;
  std::optional<std::string> generated_password;  // printed once by main
};

struct LoginResult {
  std::string session_id;  // the cookie value (shown once, stored as a digest)
  std::string csrf_token;  // shown once, stored as a digest
  model::User user;
};

struct WorkspaceAccess {
  model::Workspace workspace;
  auth::Permissions permissions;
};

struct OrganizationPatch {
  std::optional<std::string> name;
  std::optional<bool> scim_enabled;
  std::optional<int> audit_retention_days;
};

struct WorkspaceInput {
  std::optional<std::string> name;
  std::optional<std::string> environment;
};

struct InvitationInput {
  std::vector<std::string> emails;
  std::string role;
  std::vector<std::string> workspace_ids;
  std::vector<std::string> group_ids;
};

// An invitation as created: with its token, shown once.
struct CreatedInvitation {
  model::Invitation invitation;
  std::string token;
};

struct Member {
  model::User user;
  std::vector<std::string> workspace_ids;  // direct memberships
  std::vector<std::string> group_ids;
};

class IdentityService {
 public:
  IdentityService(store::Database& db, const Clock& clock, AuthService& auth,
                  IdentityOptions options = {});

  // First start: when the database holds no organization, creates "Default"
  // and its admin. A password is generated when none is given.
  StatusOr<BootstrapResult> Bootstrap(const std::string& admin_email,
                                      const std::optional<std::string>& admin_password);
  // `accessd org create`.
  StatusOr<BootstrapResult> CreateOrganization(const std::string& name, const std::string& email,
                                               const std::string& password);

  // Sessions. Login audits success and failure (for a known email).
  StatusOr<LoginResult> Login(const std::string& email, const std::string& password,
                              const std::string& ip, const std::string& user_agent);
  Status Logout(model::RequestContext& ctx);
  // The caller's workspaces with their effective permissions.
  StatusOr<std::vector<WorkspaceAccess>> MyWorkspaces(const model::RequestContext& ctx);

  StatusOr<model::Organization> GetOrganization(const model::RequestContext& ctx);
  StatusOr<model::Organization> UpdateOrganization(model::RequestContext& ctx,
                                                   const OrganizationPatch& patch);

  // Workspaces: members list theirs, admins all; admins write.
  StatusOr<std::vector<model::Workspace>> ListWorkspaces(const model::RequestContext& ctx);
  StatusOr<model::Workspace> CreateWorkspace(model::RequestContext& ctx, const WorkspaceInput& in);
  StatusOr<model::Workspace> UpdateWorkspace(model::RequestContext& ctx, const std::string& id,
                                             const WorkspaceInput& in);
  Status DeleteWorkspace(model::RequestContext& ctx, const std::string& id);
  // The workspace if the caller reaches it (admins: any of the org), else kNotFound.
  StatusOr<model::Workspace> ReachableWorkspace(const model::RequestContext& ctx,
                                                const std::string& id);
  // ReachableWorkspace answers whose row came from memory (for tests).
  uint64_t workspace_cache_hits() const { return workspaces_.hits(); }

  // Members (admin).
  StatusOr<std::vector<Member>> ListMembers(const model::RequestContext& ctx);
  StatusOr<Member> SetMemberRole(model::RequestContext& ctx, const std::string& user_id,
                                 const std::string& role);
  Status RemoveMember(model::RequestContext& ctx, const std::string& user_id);
  StatusOr<Member> SetMemberWorkspaces(model::RequestContext& ctx, const std::string& user_id,
                                       const std::vector<std::string>& workspace_ids);

  // Invitations (admin); accepting needs only the token.
  StatusOr<std::vector<CreatedInvitation>> CreateInvitations(model::RequestContext& ctx,
                                                             const InvitationInput& in);
  StatusOr<std::vector<model::Invitation>> ListInvitations(const model::RequestContext& ctx);
  Status DeleteInvitation(model::RequestContext& ctx, const std::string& id);
  StatusOr<model::User> AcceptInvitation(const std::string& token, const std::string& display_name,
                                         const std::string& password, const std::string& ip,
                                         const std::string& user_agent);

 private:
  StatusOr<Member> LoadMember(const std::string& org_id, const std::string& user_id);

  store::Database& db_;
  const Clock& clock_;
  AuthService& auth_;
  IdentityOptions options_;
  GenerationCache<model::Workspace> workspaces_;  // key: org/workspace id
};

// Kind-of-caller gates shared by services.
Status RequireAdmin(const model::RequestContext& ctx);
Status RequireSession(const model::RequestContext& ctx);
// SPEC §7: while the caller's organization is on the legacy model, its roles,
// allow-lists and tokens can be used and deleted but not changed or added to
// (409 legacy_model). `what` completes "… cannot be changed until …", e.g.
// "member roles".
Status RequirePoliciesModel(const model::RequestContext& ctx, const std::string& what);

}  // namespace accessd::service
