// audit.h — writing audit rows (SPEC §4) from services, and the helper that
// commits a change together with its row.
//
// Every change runs as one write job that performs the change and appends
// its audit row in the same transaction (CommitChange); requests made with a
// token that did not change anything — reads, denials, failures — get their
// row from RecordRequest, through the same group-commit writer, before the
// response is sent. Details never carry a secret.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "store/db.h"

namespace accessd::service {

// What a change's audit row says besides who, when and from where.
struct Change {
  std::string target_type;
  std::string target_id;
  std::string action;
  std::optional<std::string> workspace_id;
  nlohmann::json details = nlohmann::json::object();  // what changed (never a secret)
};

// The row for `ctx`'s principal (or the system when ctx is null).
model::AuditRow MakeAuditRow(const model::RequestContext* ctx, const std::string& org_id,
                             const Change& change, const std::string& outcome, int status,
                             int64_t now);

// Runs `fn` in a write job; when it returns Ok, appends the audit row it
// described in `change` in the same transaction, and marks ctx audited.
// `after_commit` runs after the commit, before this returns (cache clearing).
// `status` is the HTTP status the caller answers on success (recorded in
// details).
Status CommitChange(store::Database& db, const Clock& clock, model::RequestContext& ctx,
                    int status, const std::function<Status(store::Conn&, Change&)>& fn,
                    std::function<void()> after_commit = nullptr);

// Appends the row of a token-authenticated request that the service did not
// audit itself; durable before this returns (group commit).
Status RecordRequest(store::Database& db, const Clock& clock, const model::RequestContext& ctx,
                     const std::string& outcome, int status);

// Appends one row with its own job (logins, failed logins, system actions).
Status RecordRow(store::Database& db, const model::AuditRow& row);

}  // namespace accessd::service
