// audit_store.h — the audit log table (SPEC §4): append, page through, prune.
#pragma once

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
// Rows in ascending id order.
std::vector<model::AuditRow> QueryAudit(Conn& c, const AuditQuery& q);
// Rows matching the filters (ignoring the cursor and the limit).
int64_t CountAudit(Conn& c, const AuditQuery& q);
// Deletes the organization's rows created before `cutoff`; returns how many.
int64_t PruneAudit(Conn& c, const std::string& org_id, int64_t cutoff);

}  // namespace accessd::store
