// audit_store.cc — SQL for the audit log. Every read filters on org_id first
// so the (org_id, …, id) indexes serve every page.
#include "store/audit_store.h"

#include "store/conn.h"

namespace accessd::store {

namespace {

#define AUDIT_COLS                                                                          \
  "id, created_at, org_id, workspace_id, actor_type, actor_id, target_type, target_id, "    \
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

}  // namespace

int64_t InsertAudit(Conn& c, const model::AuditRow& row) {
  auto& st = c.Prepare(
      "INSERT INTO audit_log (created_at, org_id, workspace_id, actor_type, actor_id, "
      "target_type, target_id, action, ip, user_agent, outcome, details) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, row.created_at);
  st.bind(2, row.org_id);
  if (row.workspace_id) {
    st.bind(3, *row.workspace_id);
  } else {
    st.bind(3);
  }
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
  // Two statements so each uses its best index: with a workspace filter the
  // (org_id, workspace_id, id) index, without it (org_id, id).
  SQLite::Statement* st;
  if (q.workspace_id) {
    st = &c.Prepare("SELECT " AUDIT_COLS
                    " FROM audit_log WHERE org_id = ?1 AND workspace_id = ?2 AND id > ?3"
                    " AND created_at > ?4 ORDER BY id LIMIT ?5");
    st->bind(2, *q.workspace_id);
  } else {
    st = &c.Prepare("SELECT " AUDIT_COLS
                    " FROM audit_log WHERE org_id = ?1 AND id > ?3"
                    " AND created_at > ?4 ORDER BY id LIMIT ?5");
  }
  st->bind(1, q.org_id);
  st->bind(3, q.after_id.value_or(0));
  st->bind(4, q.created_after.value_or(INT64_MIN));
  st->bind(5, q.limit);
  std::vector<model::AuditRow> out;
  while (st->executeStep()) out.push_back(ReadRow(*st));
  return out;
}

int64_t CountAudit(Conn& c, const AuditQuery& q) {
  SQLite::Statement* st;
  if (q.workspace_id) {
    st = &c.Prepare("SELECT count(*) FROM audit_log WHERE org_id = ?1 AND workspace_id = ?2"
                    " AND created_at > ?3");
    st->bind(2, *q.workspace_id);
  } else {
    st = &c.Prepare("SELECT count(*) FROM audit_log WHERE org_id = ?1 AND created_at > ?3");
  }
  st->bind(1, q.org_id);
  st->bind(3, q.created_after.value_or(INT64_MIN));
  st->executeStep();
  return st->getColumn(0).getInt64();
}

int64_t PruneAudit(Conn& c, const std::string& org_id, int64_t cutoff) {
  auto& st = c.Prepare("DELETE FROM audit_log WHERE org_id = ? AND created_at < ?");
  st.bind(1, org_id);
  st.bind(2, cutoff);
  return st.exec();
}

}  // namespace accessd::store
