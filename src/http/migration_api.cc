// migration_api.cc — moving a legacy organization to access policies
// (SPEC §7, §6a):
//   GET /api/migration, POST /api/migration/import,
//   DELETE /api/migration/staging, POST /api/migration/deploy; and
//   DELETE /api/edit-allow-lists/{resourceId} (a legacy allow-list removed).
//
// Thin handlers: parse, call one MigrationService method, render. Admin
// sessions only: the gate keeps every token out (SPEC §3: /api/* is for
// sessions), the service refuses members. Policies are rendered as the bare
// document of SPEC §1.
#include "http/json_body.h"
#include "http/render.h"
#include "http/server.h"
#include "service/migration_service.h"

namespace accessd::http {

namespace {

using nlohmann::json;

json RenderChanges(const std::vector<service::MigrationChange>& changes) {
  json out = json::array();
  for (const auto& ch : changes) {
    json c = {{"resourceType", auth::ResourceTypeKey(ch.type)}};
    if (ch.resource_id) c["resourceId"] = *ch.resource_id;
    if (ch.resource_name) c["resourceName"] = *ch.resource_name;
    c["action"] = service::MigrationActionName(ch.action);
    c["legacy"] = ch.legacy;
    c["migrated"] = ch.migrated;
    out.push_back(std::move(c));
  }
  return out;
}

json ExcludedBy(const auth::LegacyAccess& a) {
  return json(std::vector<std::string>(a.excluded.begin(), a.excluded.end()));
}

json RenderStaging(const service::StagedMigration& m) {
  json workspaces = json::array();
  for (const auto& w : m.workspaces) {
    json members = json::array();
    for (const auto& sm : w.members) {
      members.push_back({{"userId", sm.user.id},
                         {"email", sm.user.email},
                         {"displayName", sm.user.display_name},
                         {"legacy",
                          {{"connections", auth::ConnectionsRoleName(sm.legacy.role.connections)},
                           {"transformationsEdit", sm.legacy.role.transformations_edit},
                           {"excludedBy", ExcludedBy(sm.legacy)}}},
                         {"policy", auth::PolicyToJson(sm.policy)},
                         {"changes", RenderChanges(sm.changes)}});
    }
    json tokens = json::array();
    for (const auto& st : w.tokens) {
      tokens.push_back({{"id", st.token.id},
                        {"name", st.token.name},
                        {"legacy",
                         {{"role", auth::LegacySatRoleName(st.legacy.role.connections)},
                          {"transformationsEdit", st.legacy.role.transformations_edit},
                          {"excludedBy", ExcludedBy(st.legacy)}}},
                        {"policy", auth::PolicyToJson(st.policy)},
                        {"changes", RenderChanges(st.changes)}});
    }
    workspaces.push_back({{"id", w.workspace.id},
                          {"name", w.workspace.name},
                          {"members", members},
                          {"serviceAccessTokens", tokens}});
  }
  json org_tokens = json::array();
  for (const auto& t : m.organization_tokens)
    org_tokens.push_back({{"id", t.id}, {"name", t.name}});
  json pats = json::array();
  for (const auto& t : m.personal_tokens) {
    pats.push_back({{"id", t.id},
                    {"name", t.name},
                    {"userId", t.user_id ? json(*t.user_id) : json(nullptr)},
                    {"workspaceId", t.workspace_id ? json(*t.workspace_id) : json(nullptr)},
                    {"scope", t.scope ? json(model::PatScopeName(*t.scope)) : json(nullptr)}});
  }
  return {{"strategy", service::MigrationStrategyName(m.strategy)},
          {"createdAt", RenderTime(m.created_at)},
          {"createdBy", m.created_by ? json(*m.created_by) : json(nullptr)},
          {"workspaces", workspaces},
          {"organizationTokens", org_tokens},
          {"personalAccessTokens", pats},
          {"changeCount", m.change_count}};
}

json RenderState(const service::MigrationState& s) {
  return {{"accessModel", s.access_model},
          {"staging", s.staging ? RenderStaging(*s.staging) : json(nullptr)}};
}

}  // namespace

void BindMigrationApi(Router& r, const Deps& d) {
  r.Add("GET", "/api/migration", Gate::kSession, [d](Call& c) {
    auto m = d.migration->GetMigration(c.ctx);
    if (!m.ok()) return c.Fail(m.status());
    c.Json(200, RenderState(*m));
  });

  r.Add("POST", "/api/migration/import", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    auto strategy = body.Str("strategy", true);
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    auto m = d.migration->Import(c.ctx, *strategy);
    if (!m.ok()) return c.Fail(m.status());
    c.Json(200, RenderState(*m));
  });

  r.Add("DELETE", "/api/edit-allow-lists/{id}", Gate::kSession, [d](Call& c) {
    if (Status s = d.migration->DeleteEditAllowList(c.ctx, c.Param(0)); !s.ok()) return c.Fail(s);
    c.NoContent();
  });
  r.Add("DELETE", "/api/migration/staging", Gate::kSession, [d](Call& c) {
    if (Status s = d.migration->ResetStaging(c.ctx); !s.ok()) return c.Fail(s);
    c.NoContent();
  });

  r.Add("POST", "/api/migration/deploy", Gate::kSession, [d](Call& c) {
    auto m = d.migration->Deploy(c.ctx);
    if (!m.ok()) return c.Fail(m.status());
    c.Json(200, {{"accessModel", "policies"},
                 {"deployedAt", RenderTime(m->deployed_at)},
                 {"members", m->members},
                 {"serviceAccessTokens", m->tokens}});
  });
}

}  // namespace accessd::http
