// member_api.cc — members and invitations:
//   GET /api/members, PATCH/DELETE /api/members/{id}, PUT /api/members/{id}/workspaces,
//   GET/POST /api/invitations, DELETE /api/invitations/{id},
//   POST /api/invitations/accept (no session: the invitation token is the credential).
#include "http/json_body.h"
#include "http/render.h"
#include "http/server.h"

namespace accessd::http {

void BindMemberApi(Router& r, const Deps& d) {
  r.Add("GET", "/api/members", Gate::kSession, [d](Call& c) {
    auto list = d.identity->ListMembers(c.ctx);
    if (!list.ok()) return c.Fail(list.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : *list) out.push_back(RenderMember(m));
    c.Json(200, {{"members", out}});
  });

  r.Add("PATCH", "/api/members/{id}", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    auto role = body.Str("role", true);
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    auto m = d.identity->SetMemberRole(c.ctx, c.Param(0), *role);
    if (!m.ok()) return c.Fail(m.status());
    c.Json(200, {{"member", RenderMember(*m)}});
  });

  r.Add("DELETE", "/api/members/{id}", Gate::kSession, [d](Call& c) {
    if (Status s = d.identity->RemoveMember(c.ctx, c.Param(0)); !s.ok()) return c.Fail(s);
    c.NoContent();
  });

  r.Add("PUT", "/api/members/{id}/workspaces", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    auto ids = body.StrArray("workspaceIds", true);
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    auto m = d.identity->SetMemberWorkspaces(c.ctx, c.Param(0), *ids);
    if (!m.ok()) return c.Fail(m.status());
    c.Json(200, {{"member", RenderMember(*m)}});
  });

  r.Add("GET", "/api/invitations", Gate::kSession, [d](Call& c) {
    auto list = d.identity->ListInvitations(c.ctx);
    if (!list.ok()) return c.Fail(list.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& inv : *list) out.push_back(RenderInvitation(inv));
    c.Json(200, {{"invitations", out}});
  });

  r.Add("POST", "/api/invitations", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    service::InvitationInput in;
    auto emails = body.StrArray("emails", true);
    auto role = body.Str("role", true);
    auto ws = body.StrArray("workspaceIds");
    auto groups = body.StrArray("groupIds");
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    in.emails = *emails;
    in.role = *role;
    in.workspace_ids = ws.value_or(std::vector<std::string>{});
    in.group_ids = groups.value_or(std::vector<std::string>{});
    auto created = d.identity->CreateInvitations(c.ctx, in);
    if (!created.ok()) return c.Fail(created.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& ci : *created) {
      nlohmann::json j = RenderInvitation(ci.invitation);
      j["token"] = ci.token;  // shown once
      out.push_back(std::move(j));
    }
    c.res.set_header("Cache-Control", "no-store");
    c.Json(201, {{"invitations", out}});
  });

  r.Add("DELETE", "/api/invitations/{id}", Gate::kSession, [d](Call& c) {
    if (Status s = d.identity->DeleteInvitation(c.ctx, c.Param(0)); !s.ok()) return c.Fail(s);
    c.NoContent();
  });

  r.Add("POST", "/api/invitations/accept", Gate::kAnonymous, [d](Call& c) {
    JsonBody body(c.req.body);
    auto token = body.Str("token", true);
    auto name = body.Str("displayName", true);
    auto password = body.Str("password", true);
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    auto u = d.identity->AcceptInvitation(*token, *name, *password, c.ctx.ip, c.ctx.user_agent);
    if (!u.ok()) return c.Fail(u.status());
    c.Json(201, {{"user", RenderUser(*u)}});
  });
}

}  // namespace accessd::http
