// organization_api.cc — GET/PATCH /api/organization and the workspaces:
// GET/POST /api/workspaces, PATCH/DELETE /api/workspaces/{id}.
#include "http/json_body.h"
#include "http/render.h"
#include "http/server.h"

namespace accessd::http {

void BindOrganizationApi(Router& r, const Deps& d) {
  r.Add("GET", "/api/organization", Gate::kSession, [d](Call& c) {
    auto o = d.identity->GetOrganization(c.ctx);
    if (!o.ok()) return c.Fail(o.status());
    c.Json(200, {{"organization", RenderOrganization(*o)}});
  });

  r.Add("PATCH", "/api/organization", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    service::OrganizationPatch patch;
    patch.name = body.Str("name");
    patch.scim_enabled = body.Bool("scimEnabled");
    auto days = body.Int("auditRetentionDays");
    body.Ignore("id");
    body.Ignore("accessModel");  // changes only through migration (SPEC §7)
    body.Ignore("createdAt");
    body.Ignore("updatedAt");
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    if (days) {
      if (*days < 1 || *days > 3650) {
        return c.Fail(Status::Invalid("invalid organization settings",
                                      {{"auditRetentionDays", "must be between 1 and 3650"}}));
      }
      patch.audit_retention_days = static_cast<int>(*days);
    }
    auto o = d.identity->UpdateOrganization(c.ctx, patch);
    if (!o.ok()) return c.Fail(o.status());
    c.Json(200, {{"organization", RenderOrganization(*o)}});
  });

  r.Add("GET", "/api/workspaces", Gate::kSession, [d](Call& c) {
    auto list = d.identity->ListWorkspaces(c.ctx);
    if (!list.ok()) return c.Fail(list.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& w : *list) out.push_back(RenderWorkspace(w));
    c.Json(200, {{"workspaces", out}});
  });

  r.Add("POST", "/api/workspaces", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    service::WorkspaceInput in;
    in.name = body.Str("name", true);
    in.environment = body.Str("environment");
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    auto w = d.identity->CreateWorkspace(c.ctx, in);
    if (!w.ok()) return c.Fail(w.status());
    c.Json(201, {{"workspace", RenderWorkspace(*w)}});
  });

  r.Add("PATCH", "/api/workspaces/{id}", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    service::WorkspaceInput in;
    in.name = body.Str("name");
    in.environment = body.Str("environment");
    body.Ignore("id");
    body.Ignore("status");
    body.Ignore("region");
    body.Ignore("createdAt");
    body.Ignore("updatedAt");
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    auto w = d.identity->UpdateWorkspace(c.ctx, c.Param(0), in);
    if (!w.ok()) return c.Fail(w.status());
    c.Json(200, {{"workspace", RenderWorkspace(*w)}});
  });

  r.Add("DELETE", "/api/workspaces/{id}", Gate::kSession, [d](Call& c) {
    if (Status s = d.identity->DeleteWorkspace(c.ctx, c.Param(0)); !s.ok()) return c.Fail(s);
    c.NoContent();
  });
}

}  // namespace accessd::http
