// public_api.cc — the public API's workspace endpoint, GET /v2/workspace
// (SPEC §6). Resource endpoints live in resource_api.cc.
#include "http/render.h"
#include "http/server.h"

namespace accessd::http {

void BindPublicApi(Router& r, const Deps& d) {
  r.Add("GET", "/v2/workspace", Gate::kWorkspaceApi, [d](Call& c) {
    std::string ws_id = c.ctx.principal.IsToken() ? c.ctx.principal.token_workspace_id
                                                  : c.Query("workspace_id");
    if (ws_id.empty()) {
      return c.Fail(Status::Invalid("workspace_id is required for session callers",
                                    {{"workspace_id", "is required"}}));
    }
    c.ctx.target_type = "workspace";
    c.ctx.target_id = ws_id;
    c.ctx.action = "read";
    c.ctx.workspace_id = ws_id;
    auto w = d.identity->ReachableWorkspace(c.ctx, ws_id);
    if (!w.ok()) return c.Fail(w.status());
    c.Json(200, {{"workspace", RenderWorkspace(*w)}});
  });
}

}  // namespace accessd::http
