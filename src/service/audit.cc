// audit.cc — audit row construction and the change/row transaction helper.
#include "service/audit.h"

#include "store/audit_store.h"

namespace accessd::service {

model::AuditRow MakeAuditRow(const model::RequestContext* ctx, const std::string& org_id,
                             const Change& change, const std::string& outcome, int status,
                             int64_t now) {
  model::AuditRow row;
  row.created_at = now;
  row.org_id = org_id;
  row.workspace_id = change.workspace_id;
  if (ctx) {
    row.actor_type = model::ActorTypeName(ctx->principal.actor_type());
    row.actor_id = ctx->principal.actor_id();
    row.ip = ctx->ip;
    row.user_agent = ctx->user_agent;
  } else {
    row.actor_type = model::ActorTypeName(model::ActorType::kSystem);
    row.actor_id = "system";
  }
  row.target_type = change.target_type;
  row.target_id = change.target_id;
  row.action = change.action;
  row.outcome = outcome;
  nlohmann::json details = change.details.is_object() ? change.details : nlohmann::json::object();
  if (ctx) {
    details["method"] = ctx->method;
    details["path"] = ctx->path;
  }
  if (status > 0) details["status"] = status;
  row.details_json = details.dump();
  return row;
}

Status CommitChange(store::Database& db, const Clock& clock, model::RequestContext& ctx,
                    int status, const std::function<Status(store::Conn&, Change&)>& fn,
                    std::function<void()> after_commit) {
  Status s = db.Write(
      [&](store::Conn& c) {
        Change change;
        Status st = fn(c, change);
        if (!st.ok()) return st;
        store::InsertAudit(c, MakeAuditRow(&ctx, ctx.principal.org_id, change, "success", status,
                                           clock.NowMs()));
        return Status::Ok();
      },
      std::move(after_commit));
  if (s.ok()) ctx.audited = true;
  return s;
}

Status RecordRequest(store::Database& db, const Clock& clock, const model::RequestContext& ctx,
                     const std::string& outcome, int status) {
  Change change;
  change.workspace_id = ctx.workspace_id;
  if (!change.workspace_id && !ctx.principal.token_workspace_id.empty()) {
    change.workspace_id = ctx.principal.token_workspace_id;
  }
  // A request refused before its handler named a target (a gate or CSRF
  // refusal) is recorded against the token's workspace, or its organization.
  if (ctx.target_type.empty()) {
    change.target_type = change.workspace_id ? "workspace" : "organization";
    change.target_id = change.workspace_id ? *change.workspace_id : ctx.principal.org_id;
  } else {
    change.target_type = ctx.target_type;
    change.target_id = ctx.target_id;
  }
  change.action = ctx.action.empty() ? "read" : ctx.action;
  model::AuditRow row =
      MakeAuditRow(&ctx, ctx.principal.org_id, change, outcome, status, clock.NowMs());
  return RecordRow(db, row);
}

Status RecordRow(store::Database& db, const model::AuditRow& row) {
  return db.WriteOneStatement([&](store::Conn& c) {
    store::InsertAudit(c, row);
    return Status::Ok();
  });
}

}  // namespace accessd::service
