// audit_service.h — reading the audit log (GET /v2/audit-logs) and retention
// pruning (SPEC §4). Writing rows is service/audit.h.
//
// Reading is for organization SATs and admin sessions only, and only ever
// returns the caller's organization's rows. Pruning is a system action run by
// the maintenance loop; it never touches a row younger than its
// organization's auditRetentionDays, and it audits itself. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "store/db.h"

namespace accessd::service {

inline constexpr int kAuditMaxPerPage = 100;  // SPEC §4: per_page 1–100, default 100

struct AuditListQuery {
  std::optional<std::string> workspace_id;  // a workspace of another org matches nothing
  std::optional<int64_t> created_after;     // ms, exclusive
  std::optional<int64_t> after_cursor;      // an id from a previous page, exclusive
  int per_page = kAuditMaxPerPage;
};

struct AuditLogPage {
  std::vector<model::AuditRow> rows;  // ascending by id (= by creation)
  int64_t total = 0;                  // rows matching the filters, ignoring the cursor
  bool more = false;                  // rows follow this page
};

class AuditService {
 public:
  // Rows per prune write job: small enough that the writer (and every
  // request waiting on it) is never held for long.
  static constexpr int64_t kPruneBatchRows = 10000;

  AuditService(store::Database& db, const Clock& clock);

  // One page of the caller's organization's audit log.
  // Errors: kUnauthenticated (no principal), kForbidden (not an org SAT or an
  // admin session), kInvalid (per_page outside 1–100, negative cursor).
  StatusOr<AuditLogPage> List(const model::RequestContext& ctx, const AuditListQuery& q);

  // Deletes, for every organization, the rows created before
  // now_ms - auditRetentionDays, in write jobs of kPruneBatchRows rows. For
  // each organization that lost rows, one audit row (actor system, target the
  // organization, action "deleted", details {reason, prunedRows, before}) is
  // committed in the same transaction as its last delete batch. `cancelled`
  // (optional) is polled between batches; a cancelled run still writes the
  // audit row of what it pruned. Runs are serialized. Returns the number of
  // rows pruned in all organizations.
  StatusOr<int64_t> PruneExpired(int64_t now_ms, const std::function<bool()>& cancelled = nullptr);

 private:
  store::Database& db_;
  const Clock& clock_;
  std::mutex prune_mu_;  // one pruning run at a time (maintenance loop, tests)
};

}  // namespace accessd::service
