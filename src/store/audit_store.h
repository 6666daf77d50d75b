// audit_store.h — the audit log table (SPEC §4): append, page through, count,
// prune. The only code that reads or writes audit_log and audit_counts.
//
// Every read is scoped by org_id: another organization's rows are never
// returned or counted. Costs (what the Audit Log API's latency rests on):
//   * a page without created_after walks the (org_id[, workspace_id], id)
//     index from the cursor: O(page), however deep the cursor is;
//   * its total is one lookup in audit_counts (kept exact by triggers,
//     schema.sql): O(workspaces of the organization);
//   * with created_after, the page and the total scan the covering
//     (org_id[, workspace_id], created_at) index range: linear in the rows
//     created after it (tens of nanoseconds each), never in the table size.
// Functions take a Conn from store::Database (Read or Write) and are not
// thread-safe beyond that connection's rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/types.h"

namespace accessd::store {

class Conn;

// Appends a row; returns its id.
int64_t InsertAudit(Conn& c, const model::AuditRow& row);

struct AuditQuery {
  std::string org_id;
  std::optional<std::string> workspace_id;
  std::optional<int64_t> created_after;  // ms, exclusive
  std::optional<int64_t> after_id;       // cursor, exclusive
  int limit = 100;
};
// Rows in ascending id order, at most q.limit.
std::vector<model::AuditRow> QueryAudit(Conn& c, const AuditQuery& q);
// Rows matching the filters (ignoring the cursor and the limit). Exact.
int64_t CountAudit(Conn& c, const AuditQuery& q);

// One page and its total, read from one snapshot so the two agree even while
// rows are being appended. `more` is true when rows follow the page.
struct AuditPage {
  std::vector<model::AuditRow> rows;
  int64_t total = 0;
  bool more = false;
};
AuditPage ReadAuditPage(Conn& c, const AuditQuery& q);

// Deletes up to `limit` (-1: all) of the organization's rows created before
// `cutoff` (ms); returns how many. Callers batch with `limit` so that one
// write job never holds the writer for long.
int64_t PruneAudit(Conn& c, const std::string& org_id, int64_t cutoff, int64_t limit = -1);

// Test and benchmark support: appends `n` synthetic rows for `org_id`, row i
// created at start_ms + i * step_ms, in workspace workspace_ids[i % size]
// (an empty string there means "no workspace"; an empty list: none at all).
// Uses the same prepared INSERT as InsertAudit; run it inside one write job.
// Returns the id of the last row inserted (0 when n is 0).
int64_t InsertSyntheticAudit(Conn& c, const std::string& org_id,
                             const std::vector<std::string>& workspace_ids, int64_t n,
                             int64_t start_ms, int64_t step_ms);

}  // namespace accessd::store
