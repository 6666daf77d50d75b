// token_api.cc — service access tokens, personal access tokens, and the
// unauthenticated revocation of leaked tokens:
//   GET/POST /api/service-access-tokens, DELETE /api/service-access-tokens/{id}
//   GET/POST /api/personal-access-tokens, DELETE /api/personal-access-tokens/{id}
//   POST /v2/tokens/revoke
// PATCH and PUT on a token answer 405: a token's policy is fixed when it is
// generated (delete it and generate a new one).
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "http/json_body.h"
#include "http/render.h"
#include "http/server.h"

namespace accessd::http {

namespace {

// A fixed-window limiter per client address for the revocation endpoint.
class RateLimiter {
 public:
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}
  bool Allow(const std::string& key, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t window = now_ms / 60000;
    if (window != window_) {
      counts_.clear();
      window_ = window;
    }
    return ++counts_[key] <= per_minute_;
  }

 private:
  int per_minute_;
  std::mutex mu_;
  int64_t window_ = -1;
  std::unordered_map<std::string, int> counts_;
};

nlohmann::json TokenList(const std::vector<model::Token>& list) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : list) out.push_back(RenderToken(t));
  return out;
}

void Created(Call& c, const service::CreatedToken& t) {
  // The secret appears here and nowhere else, ever.
  c.res.set_header("Cache-Control", "no-store");
  c.Json(201, {{"token", RenderToken(t.token)}, {"secret", t.secret}});
}

void NotEditable(Call& c) {
  c.res.set_header("Allow", "DELETE");
  c.Fail(Status::MethodNotAllowed(
      "tokens cannot be edited: delete this one and generate a new token instead"));
}

}  // namespace

void BindTokenApi(Router& r, const Deps& d, const Config& config) {
  r.Add("GET", "/api/service-access-tokens", Gate::kSession, [d](Call& c) {
    std::string level = c.Query("level");
    if (!level.empty() && level != "organization" && level != "workspace") {
      return c.Fail(Status::Invalid("invalid query",
                                    {{"level", "must be organization or workspace"}}));
    }
    std::optional<std::string> ws;
    if (c.HasQuery("workspace_id")) ws = c.Query("workspace_id");
    auto list = d.tokens->ListSats(c.ctx, level, ws);
    if (!list.ok()) return c.Fail(list.status());
    c.Json(200, {{"tokens", TokenList(*list)}});
  });

  r.Add("POST", "/api/service-access-tokens", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    service::SatInput in;
    auto level = body.Str("level", true);
    auto name = body.Str("name", true);
    in.workspace_id = body.Str("workspaceId");
    in.policy = body.Object("policy");
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    in.level = *level;
    in.name = *name;
    auto t = d.tokens->CreateSat(c.ctx, in);
    if (!t.ok()) return c.Fail(t.status());
    Created(c, *t);
  });

  r.Add("DELETE", "/api/service-access-tokens/{id}", Gate::kSession, [d](Call& c) {
    if (Status s = d.tokens->DeleteSat(c.ctx, c.Param(0)); !s.ok()) return c.Fail(s);
    c.NoContent();
  });
  r.Add("PATCH", "/api/service-access-tokens/{id}", Gate::kSession, NotEditable);
  r.Add("PUT", "/api/service-access-tokens/{id}", Gate::kSession, NotEditable);

  r.Add("GET", "/api/personal-access-tokens", Gate::kSession, [d](Call& c) {
    auto list = d.tokens->ListPats(c.ctx);
    if (!list.ok()) return c.Fail(list.status());
    c.Json(200, {{"tokens", TokenList(*list)}});
  });

  r.Add("POST", "/api/personal-access-tokens", Gate::kSession, [d](Call& c) {
    JsonBody body(c.req.body);
    service::PatInput in;
    auto name = body.Str("name", true);
    auto ws = body.Str("workspaceId", true);
    auto scope = body.Str("scope", true);
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    in.name = *name;
    in.workspace_id = *ws;
    in.scope = *scope;
    auto t = d.tokens->CreatePat(c.ctx, in);
    if (!t.ok()) return c.Fail(t.status());
    Created(c, *t);
  });

  r.Add("DELETE", "/api/personal-access-tokens/{id}", Gate::kSession, [d](Call& c) {
    if (Status s = d.tokens->DeletePat(c.ctx, c.Param(0)); !s.ok()) return c.Fail(s);
    c.NoContent();
  });
  r.Add("PATCH", "/api/personal-access-tokens/{id}", Gate::kSession, NotEditable);
  r.Add("PUT", "/api/personal-access-tokens/{id}", Gate::kSession, NotEditable);

  auto limiter = std::make_shared<RateLimiter>(config.revoke_per_minute);
  r.Add("POST", "/v2/tokens/revoke", Gate::kAnonymous, [d, limiter](Call& c) {
    if (!limiter->Allow(c.ctx.ip, d.clock->NowMs())) {
      c.res.set_header("Retry-After", "60");
      return c.Fail(Status::RateLimited("too many revocation requests; try again in a minute"));
    }
    JsonBody body(c.req.body);
    auto tokens = body.StrArray("tokens", true);
    if (Status s = body.Check(); !s.ok()) return c.Fail(s);
    if (tokens->size() > 100) {
      return c.Fail(Status::Invalid("at most 100 tokens per request",
                                    {{"tokens", "at most 100 tokens per request"}}));
    }
    d.tokens->RevokeLeaked(*tokens, c.ctx.ip, c.ctx.user_agent);
    // Always 202: the answer reveals nothing about what was received.
    c.Json(202, {{"status", "accepted"}});
  });
}

}  // namespace accessd::http
