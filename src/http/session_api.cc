// session_api.cc — dashboard sessions: POST/DELETE /api/session, GET /api/me.
//
// The session id travels only in an HttpOnly, SameSite=Strict cookie; the
// CSRF token is returned in the login body and must come back in
// X-CSRF-Token on every cookie-authenticated change.
#include "http/json_body.h"
#include "http/render.h"
#include "http/server.h"

namespace accessd::http {

void BindSessionApi(Router& r, const Deps& d, const Config& config) {
  const bool secure = config.cookie_secure;
  const int max_age = config.session_idle_minutes * 60;

  r.Add("POST", "/api/session", Gate::kAnonymous, [d, secure, max_age](Call& c) {
    JsonBody body(c.req.body);
    auto email = body.Str("email", true);
    auto password = body.Str("password", true);
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    auto r = d.identity->Login(*email, *password, c.ctx.ip, c.ctx.user_agent);
    if (!r.ok()) {
      // One answer for unknown email, wrong password and inactive user.
      return c.Fail(Status(r.status().code() == Status::Code::kUnauthenticated
                               ? Status::Unauthenticated()
                               : r.status()));
    }
    std::string cookie = std::string(kSessionCookie) + "=" + r->session_id +
                         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                         std::to_string(max_age) + (secure ? "; Secure" : "");
    c.res.set_header("Set-Cookie", cookie);
    c.res.set_header("Cache-Control", "no-store");
    c.Json(200, {{"user", RenderUser(r->user)}, {"csrfToken", r->csrf_token}});
  });

  r.Add("DELETE", "/api/session", Gate::kSession, [d](Call& c) {
    if (Status s = d.identity->Logout(c.ctx); !s.ok()) return c.Fail(s);
    c.res.set_header("Set-Cookie", std::string(kSessionCookie) +
                                       "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    c.NoContent();
  });

  r.Add("GET", "/api/me", Gate::kSession, [d](Call& c) {
    auto ws = d.identity->MyWorkspaces(c.ctx);
    if (!ws.ok()) return c.Fail(ws.status());
    nlohmann::json list = nlohmann::json::array();
    for (const auto& w : *ws) {
      nlohmann::json j = RenderWorkspace(w.workspace);
      j["permissions"] = RenderPermissions(w.permissions);
      list.push_back(std::move(j));
    }
    c.Json(200, {{"user", RenderUser(*c.ctx.principal.user)},
                 {"organization", {{"id", c.ctx.principal.org_id},
                                   {"accessModel", c.ctx.principal.access_model}}},
                 {"workspaces", list}});
  });
}

}  // namespace accessd::http
