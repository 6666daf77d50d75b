// render.cc — JSON shapes of the model.
#include "http/render.h"

#include "base/clock.h"

namespace accessd::http {

nlohmann::json RenderTime(int64_t ms) { return FormatRfc3339(ms); }

nlohmann::json RenderTime(const std::optional<int64_t>& ms) {
  if (!ms) return nullptr;
  return FormatRfc3339(*ms);
}

namespace {
nlohmann::json OptStr(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return *s;
}
}  // namespace

nlohmann::json RenderOrganization(const model::Organization& o) {
  return {{"id", o.id},
          {"name", o.name},
          {"scimEnabled", o.scim_enabled},
          {"auditRetentionDays", o.audit_retention_days},
          {"accessModel", o.access_model},
          {"createdAt", RenderTime(o.created_at)},
          {"updatedAt", RenderTime(o.updated_at)}};
}

nlohmann::json RenderWorkspace(const model::Workspace& w) {
  return {{"id", w.id},
          {"name", w.name},
          {"environment", w.environment},
          {"status", "active"},
          {"region", "local"},
          {"createdAt", RenderTime(w.created_at)},
          {"updatedAt", RenderTime(w.updated_at)}};
}

nlohmann::json RenderUser(const model::User& u) {
  return {{"id", u.id},
          {"organizationId", u.org_id},
          {"email", u.email},
          {"displayName", u.display_name},
          {"role", model::RoleName(u.role)},
          {"status", model::UserStatusName(u.status)},
          {"hasPassword", u.has_password},
          {"scimManaged", u.scim_managed},
          {"createdAt", RenderTime(u.created_at)},
          {"updatedAt", RenderTime(u.updated_at)}};
}

nlohmann::json RenderMember(const service::Member& m) {
  nlohmann::json j = RenderUser(m.user);
  j["workspaceIds"] = m.workspace_ids;
  j["groupIds"] = m.group_ids;
  return j;
}

nlohmann::json RenderToken(const model::Token& t) {
  nlohmann::json j = {{"id", t.id},
                      {"name", t.name},
                      {"kind", auth::TokenKindName(t.kind)},
                      {"workspaceId", OptStr(t.workspace_id)},
                      {"createdBy", OptStr(t.created_by)},
                      {"createdAt", RenderTime(t.created_at)},
                      {"lastUsedAt", RenderTime(t.last_used_at)},
                      {"expiresAt", RenderTime(t.expires_at)}};
  if (t.kind == model::TokenKind::kWorkspaceSat) {
    j["policy"] = t.policy ? auth::PolicyToJson(*t.policy) : auth::PolicyToJson(auth::Policy{});
  }
  if (t.kind == model::TokenKind::kPat) {
    j["scope"] = t.scope ? nlohmann::json(model::PatScopeName(*t.scope)) : nlohmann::json();
    j["userId"] = OptStr(t.user_id);
  }
  if (t.legacy) j["legacy"] = true;
  return j;
}

nlohmann::json RenderInvitation(const model::Invitation& inv) {
  return {{"id", inv.id},
          {"email", inv.email},
          {"role", model::RoleName(inv.role)},
          {"workspaceIds", inv.workspace_ids},
          {"groupIds", inv.group_ids},
          {"createdBy", OptStr(inv.created_by)},
          {"createdAt", RenderTime(inv.created_at)},
          {"expiresAt", RenderTime(inv.expires_at)}};
}

nlohmann::json RenderGroup(const model::Group& g) {
  return {{"id", g.id},
          {"name", g.name},
          {"description", g.description},
          {"workspaceIds", g.workspace_ids},
          {"memberIds", g.member_ids},
          {"scimManaged", g.scim_managed},
          {"createdAt", RenderTime(g.created_at)},
          {"updatedAt", RenderTime(g.updated_at)}};
}

nlohmann::json RenderPermissions(const auth::Permissions& p) {
  return auth::ExplainPermissions(p);
}

}  // namespace accessd::http
