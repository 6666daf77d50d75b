// audit_store.cc — SQL for the audit log. Every statement filters on org_id
// first and names its index (INDEXED BY): the plan of a query that must stay
// fast at millions of rows is fixed here, not left to the planner's guess on
// an un-ANALYZEd file, and a missing index fails loudly at prepare time.
#include "store/audit_store.h"

#include <sqlite3.h>

#include "store/conn.h"

namespace accessd::store {

namespace {

#define AUDIT_COLS                                                                       \
  "id, created_at, org_id, workspace_id, actor_type, actor_id, target_type, target_id, " \
  "action, ip, user_agent, outcome, details"

model::AuditRow ReadRow(SQLite::Statement& st) {
  model::AuditRow r;
  r.id = st.getColumn(0).getInt64();
  r.created_at = st.getColumn(1).getInt64();
  r.org_id = st.getColumn(2).getString();
  if (!st.getColumn(3).isNull()) r.workspace_id = st.getColumn(3).getString();
  r.actor_type = st.getColumn(4).getString();
  r.actor_id = st.getColumn(5).getString();
  r.target_type = st.getColumn(6).getString();
  r.target_id = st.getColumn(7).getString();
  r.action = st.getColumn(8).getString();
  r.ip = st.getColumn(9).getString();
  r.user_agent = st.getColumn(10).getString();
  r.outcome = st.getColumn(11).getString();
  r.details_json = st.getColumn(12).getString();
  return r;
}

// Rows without a workspace are counted under '' in audit_counts, so an empty
// workspace filter must not reach that table (no real workspace id is empty).
bool EmptyWorkspaceFilter(const AuditQuery& q) { return q.workspace_id && q.workspace_id->empty(); }

// A read transaction around several statements, so that they all see one
// snapshot (WAL readers otherwise take a fresh snapshot per statement). A
// no-op inside a transaction that is already open (a write job).
class Snapshot {
 public:
  explicit Snapshot(Conn& c) : c_(c), own_(sqlite3_get_autocommit(c.db().getHandle()) != 0) {
    if (own_) c_.Exec("BEGIN");
  }
  ~Snapshot() {
    if (!own_) return;
    try {
      // Nothing was written: ending a read transaction either way is the same,
      // and ROLLBACK also succeeds with a statement still mid-step.
      c_.Exec("ROLLBACK");
    } catch (...) {
    }
  }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

 private:
  Conn& c_;
  bool own_;
};

}  // namespace

int64_t InsertAudit(Conn& c, const model::AuditRow& row) {
  auto& st = c.Prepare(
      "INSERT INTO audit_log (created_at, org_id, workspace_id, actor_type, actor_id, "
      "target_type, target_id, action, ip, user_agent, outcome, details) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, row.created_at);
  st.bind(2, row.org_id);
  BindOpt(st, 3, row.workspace_id);
  st.bind(4, row.actor_type);
  st.bind(5, row.actor_id);
  st.bind(6, row.target_type);
  st.bind(7, row.target_id);
  st.bind(8, row.action);
  st.bind(9, row.ip);
  st.bind(10, row.user_agent);
  st.bind(11, row.outcome);
  st.bind(12, row.details_json);
  st.exec();
  return c.db().getLastInsertRowid();
}

std::vector<model::AuditRow> QueryAudit(Conn& c, const AuditQuery& q) {
  std::vector<model::AuditRow> out;
  if (EmptyWorkspaceFilter(q) || q.limit <= 0) return out;
  // Four statements, one per filter combination, each on its best index.
  // Without created_after: walk (org_id[, workspace_id], id) from the cursor,
  // O(limit) at any depth. With it: pick the ids from the covering
  // (org_id[, workspace_id], created_at) range — no table reads for rows that
  // do not make the page — then read only the page's rows by id. created_at
  // is not monotonic in id (clocks step, jobs queue), so the id index cannot
  // stand in for the time filter.
  SQLite::Statement* st;
  if (q.created_after && q.workspace_id) {
    st = &c.Prepare("SELECT " AUDIT_COLS
                    " FROM audit_log WHERE id IN ("
                    "SELECT id FROM audit_log INDEXED BY audit_org_ws_created"
                    " WHERE org_id = ?1 AND workspace_id = ?2 AND created_at > ?4 AND id > ?3"
                    " ORDER BY id LIMIT ?5) ORDER BY id");
  } else if (q.created_after) {
    st = &c.Prepare("SELECT " AUDIT_COLS
                    " FROM audit_log WHERE id IN ("
                    "SELECT id FROM audit_log INDEXED BY audit_org_created"
                    " WHERE org_id = ?1 AND created_at > ?4 AND id > ?3"
                    " ORDER BY id LIMIT ?5) ORDER BY id");
  } else if (q.workspace_id) {
    st = &c.Prepare("SELECT " AUDIT_COLS
                    " FROM audit_log INDEXED BY audit_org_ws_id"
                    " WHERE org_id = ?1 AND workspace_id = ?2 AND id > ?3"
                    " ORDER BY id LIMIT ?5");
  } else {
    st = &c.Prepare("SELECT " AUDIT_COLS
                    " FROM audit_log INDEXED BY audit_org_id"
                    " WHERE org_id = ?1 AND id > ?3 ORDER BY id LIMIT ?5");
  }
  st->bind(1, q.org_id);
  if (q.workspace_id) st->bind(2, *q.workspace_id);
  st->bind(3, q.after_id.value_or(0));
  if (q.created_after) st->bind(4, *q.created_after);
  st->bind(5, q.limit);
  out.reserve(static_cast<size_t>(q.limit < 1024 ? q.limit : 1024));
  while (st->executeStep()) out.push_back(ReadRow(*st));
  return out;
}

int64_t CountAudit(Conn& c, const AuditQuery& q) {
  if (EmptyWorkspaceFilter(q)) return 0;
  SQLite::Statement* st;
  if (q.created_after && q.workspace_id) {
    // Linear in the matching rows (a covering index range, no table reads).
    st = &c.Prepare(
        "SELECT count(*) FROM audit_log INDEXED BY audit_org_ws_created"
        " WHERE org_id = ?1 AND workspace_id = ?2 AND created_at > ?3");
  } else if (q.created_after) {
    st = &c.Prepare(
        "SELECT count(*) FROM audit_log INDEXED BY audit_org_created"
        " WHERE org_id = ?1 AND created_at > ?3");
  } else if (q.workspace_id) {
    // Maintained by the audit_counts_* triggers in the writer's transaction.
    st = &c.Prepare(
        "SELECT coalesce(sum(n), 0) FROM audit_counts"
        " WHERE org_id = ?1 AND workspace_id = ?2");
  } else {
    st = &c.Prepare("SELECT coalesce(sum(n), 0) FROM audit_counts WHERE org_id = ?1");
  }
  st->bind(1, q.org_id);
  if (q.workspace_id) st->bind(2, *q.workspace_id);
  if (q.created_after) st->bind(3, *q.created_after);
  int64_t n = st->executeStep() ? st->getColumn(0).getInt64() : 0;
  st->reset();
  return n;
}

AuditPage ReadAuditPage(Conn& c, const AuditQuery& q) {
  Snapshot snapshot(c);
  AuditQuery probe = q;
  probe.limit = q.limit + 1;  // one extra row says whether a next page exists
  AuditPage page;
  page.rows = QueryAudit(c, probe);
  if (static_cast<int>(page.rows.size()) > q.limit) {
    page.rows.pop_back();
    page.more = true;
  }
  page.total = CountAudit(c, q);
  return page;
}

int64_t PruneAudit(Conn& c, const std::string& org_id, int64_t cutoff, int64_t limit) {
  // The victims come from the covering (org_id, created_at) range, so a batch
  // costs O(limit) however large the table; the delete trigger keeps
  // audit_counts exact.
  auto& st = c.Prepare(
      "DELETE FROM audit_log WHERE id IN ("
      "SELECT id FROM audit_log INDEXED BY audit_org_created"
      " WHERE org_id = ?1 AND created_at < ?2 LIMIT ?3)");
  st.bind(1, org_id);
  st.bind(2, cutoff);
  st.bind(3, limit);
  return st.exec();
}

int64_t InsertSyntheticAudit(Conn& c, const std::string& org_id,
                             const std::vector<std::string>& workspace_ids, int64_t n,
                             int64_t start_ms, int64_t step_ms) {
  model::AuditRow row;
  row.org_id = org_id;
  row.actor_type = "service_access_token";
  row.actor_id = "synthetic0000";
  row.target_type = "workspace";
  row.action = "read";
  row.ip = "127.0.0.1";
  row.user_agent = "synthetic";
  row.outcome = "success";
  row.details_json = R"({"method":"GET","path":"/v2/workspace","status":200})";
  int64_t last = 0;
  for (int64_t i = 0; i < n; ++i) {
    row.created_at = start_ms + i * step_ms;
    row.workspace_id.reset();
    if (!workspace_ids.empty()) {
      const std::string& ws = workspace_ids[static_cast<size_t>(i) % workspace_ids.size()];
      if (!ws.empty()) row.workspace_id = ws;
    }
    row.target_id = row.workspace_id.value_or(org_id);
    last = InsertAudit(c, row);
  }
  return last;
}

}  // namespace accessd::store
