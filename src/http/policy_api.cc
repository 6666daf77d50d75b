// policy_api.cc — groups, policies and effective permissions (SPEC §6a):
//   GET/POST /api/groups, GET/PATCH/DELETE /api/groups/{id},
//   PUT /api/groups/{id}/members,
//   GET/PUT /api/workspaces/{ws}/policies/baseline,
//   GET/PUT /api/workspaces/{ws}/policies/groups/{groupId},
//   GET/PUT /api/workspaces/{ws}/policies/members/{userId},
//   GET /api/workspaces/{ws}/effective/{userId}.
//
// Thin handlers: parse, call one PolicyService method, render. Who may call
// what is decided by the service (admin-only except the effective view of
// oneself); the gate keeps every token out (SPEC §3: /api/* is for sessions).
// A policy is sent and returned as the bare document of SPEC §1, no wrapper.
#include "http/json_body.h"
#include "http/render.h"
#include "http/server.h"
#include "service/policy_service.h"

namespace accessd::http {

namespace {

using service::PolicyKind;
using service::PolicySubjectRef;

// GET/PUT of one policy; `subject` picks the subject from the call's params.
void BindPolicyRoutes(Router& r, const Deps& d, const std::string& pattern,
                      PolicySubjectRef (*subject)(const Call&)) {
  r.Add("GET", pattern, Gate::kSession, [d, subject](Call& c) {
    auto p = d.policies->GetPolicy(c.ctx, c.Param(0), subject(c));
    if (!p.ok()) return c.Fail(p.status());
    c.Json(200, auth::PolicyToJson(*p));
  });
  r.Add("PUT", pattern, Gate::kSession, [d, subject](Call& c) {
    // The body is the document itself, so its keys are checked by
    // auth::ParsePolicy (which names each bad path) rather than JsonBody.
    nlohmann::json doc = nlohmann::json::parse(c.req.body, nullptr, false);
    if (doc.is_discarded()) return c.Fail(Status::Invalid("the body is not valid JSON"));
    auto p = d.policies->PutPolicy(c.ctx, c.Param(0), subject(c), doc);
    if (!p.ok()) return c.Fail(p.status());
    c.Json(200, auth::PolicyToJson(*p));
  });
}

// Reads the group fields of POST and PATCH; `create` makes name required.
Status ReadGroupInput(const std::string& text, bool create, service::GroupInput* in) {
  JsonBody body(text);
  in->name = body.Str("name", create);
  in->description = body.Str("description");
  in->workspace_ids = body.StrArray("workspaceIds");
  return body.Check();
}

}  // namespace

void BindPolicyApi(Router& r, const Deps& d) {
  r.Add("GET", "/api/groups", Gate::kSession, [d](Call& c) {
    auto list = d.policies->ListGroups(c.ctx);
    if (!list.ok()) return c.Fail(list.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& g : *list) out.push_back(RenderGroup(g));
    c.Json(200, {{"groups", out}});
  });

  r.Add("POST", "/api/groups", Gate::kSession, [d](Call& c) {
    service::GroupInput in;
    if (Status s = ReadGroupInput(c.req.body, true, &in); !s.ok()) return c.Fail(s);
    auto g = d.policies->CreateGroup(c.ctx, in);
    if (!g.ok()) return c.Fail(g.status());
    c.Json(201, {{"group", RenderGroup(*g)}});
  });

  r.Add("GET", "/api/groups/{id}", Gate::kSession, [d](Call& c) {
    auto g = d.policies->GetGroup(c.ctx, c.Param(0));
    if (!g.ok()) return c.Fail(g.status());
    c.Json(200, {{"group", RenderGroup(*g)}});
  });

  r.Add("PATCH", "/api/groups/{id}", Gate::kSession, [d](Call& c) {
    service::GroupInput in;
    if (Status s = ReadGroupInput(c.req.body, false, &in); !s.ok()) return c.Fail(s);
    auto g = d.policies->UpdateGroup(c.ctx, c.Param(0), in);
    if (!g.ok()) return c.Fail(g.status());
    c.Json(200, {{"group", RenderGroup(*g)}});
  });

  r.Add("DELETE", "/api/groups/{id}", Gate::kSession, [d](Call& c) {
    if (Status s = d.policies->DeleteGroup(c.ctx, c.Param(0)); !s.ok()) return c.Fail(s);
    c.NoContent();
  });

  r.Add("PUT", "/api/groups/{id}/members", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    auto ids = body.StrArray("userIds", true);
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    auto g = d.policies->SetGroupMembers(c.ctx, c.Param(0), *ids);
    if (!g.ok()) return c.Fail(g.status());
    c.Json(200, {{"group", RenderGroup(*g)}});
  });

  BindPolicyRoutes(r, d, "/api/workspaces/{ws}/policies/baseline", [](const Call&) {
    return PolicySubjectRef{PolicyKind::kBaseline, ""};
  });
  BindPolicyRoutes(r, d, "/api/workspaces/{ws}/policies/groups/{groupId}", [](const Call& c) {
    return PolicySubjectRef{PolicyKind::kGroup, c.Param(1)};
  });
  BindPolicyRoutes(r, d, "/api/workspaces/{ws}/policies/members/{userId}", [](const Call& c) {
    return PolicySubjectRef{PolicyKind::kMember, c.Param(1)};
  });

  r.Add("GET", "/api/workspaces/{ws}/effective/{userId}", Gate::kSession, [d](Call& c) {
    auto e = d.policies->GetEffectiveAccess(c.ctx, c.Param(0), c.Param(1));
    if (!e.ok()) return c.Fail(e.status());
    c.Json(200, {{"workspaceId", e->workspace_id},
                 {"userId", e->user_id},
                 {"reaches", e->reaches},
                 {"role", model::RoleName(e->role)},
                 {"permissions", RenderPermissions(e->permissions)}});
  });
}

}  // namespace accessd::http
