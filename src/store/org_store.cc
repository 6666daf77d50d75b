// org_store.cc — SQL for organizations and workspaces.
#include "store/org_store.h"

#include "store/conn.h"

namespace accessd::store {

namespace {

model::Organization ReadOrg(SQLite::Statement& st) {
  model::Organization o;
  o.id = st.getColumn(0).getString();
  o.name = st.getColumn(1).getString();
  o.scim_enabled = st.getColumn(2).getInt() != 0;
  o.audit_retention_days = st.getColumn(3).getInt();
  o.access_model = st.getColumn(4).getString();
  o.created_at = st.getColumn(5).getInt64();
  o.updated_at = st.getColumn(6).getInt64();
  return o;
}

model::Workspace ReadWorkspace(SQLite::Statement& st) {
  model::Workspace w;
  w.id = st.getColumn(0).getString();
  w.org_id = st.getColumn(1).getString();
  w.name = st.getColumn(2).getString();
  w.environment = st.getColumn(3).getString();
  w.created_at = st.getColumn(4).getInt64();
  w.updated_at = st.getColumn(5).getInt64();
  return w;
}

#define ORG_COLS "id, name, scim_enabled, audit_retention_days, access_model, created_at, updated_at"
#define WS_COLS "id, org_id, name, environment, created_at, updated_at"

}  // namespace

void InsertOrganization(Conn& c, const model::Organization& o) {
  auto& st = c.Prepare("INSERT INTO organizations (" ORG_COLS ") VALUES (?,?,?,?,?,?,?)");
  st.bind(1, o.id);
  st.bind(2, o.name);
  st.bind(3, o.scim_enabled ? 1 : 0);
  st.bind(4, o.audit_retention_days);
  st.bind(5, o.access_model);
  st.bind(6, o.created_at);
  st.bind(7, o.updated_at);
  st.exec();
}

std::optional<model::Organization> FindOrganization(Conn& c, const std::string& id) {
  auto& st = c.Prepare("SELECT " ORG_COLS " FROM organizations WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return ReadOrg(st);
}

std::vector<model::Organization> ListOrganizations(Conn& c) {
  auto& st = c.Prepare("SELECT " ORG_COLS " FROM organizations ORDER BY created_at, id");
  std::vector<model::Organization> out;
  while (st.executeStep()) out.push_back(ReadOrg(st));
  return out;
}

void UpdateOrganization(Conn& c, const model::Organization& o) {
  auto& st = c.Prepare(
      "UPDATE organizations SET name = ?, scim_enabled = ?, audit_retention_days = ?, "
      "access_model = ?, updated_at = ? WHERE id = ?");
  st.bind(1, o.name);
  st.bind(2, o.scim_enabled ? 1 : 0);
  st.bind(3, o.audit_retention_days);
  st.bind(4, o.access_model);
  st.bind(5, o.updated_at);
  st.bind(6, o.id);
  st.exec();
}

int64_t CountOrganizations(Conn& c) {
  auto& st = c.Prepare("SELECT count(*) FROM organizations");
  st.executeStep();
  return st.getColumn(0).getInt64();
}

void InsertWorkspace(Conn& c, const model::Workspace& w) {
  auto& st = c.Prepare("INSERT INTO workspaces (" WS_COLS ") VALUES (?,?,?,?,?,?)");
  st.bind(1, w.id);
  st.bind(2, w.org_id);
  st.bind(3, w.name);
  st.bind(4, w.environment);
  st.bind(5, w.created_at);
  st.bind(6, w.updated_at);
  st.exec();
}

std::optional<model::Workspace> FindWorkspace(Conn& c, const std::string& org_id,
                                              const std::string& id) {
  auto& st = c.Prepare("SELECT " WS_COLS " FROM workspaces WHERE id = ? AND org_id = ?");
  st.bind(1, id);
  st.bind(2, org_id);
  if (!st.executeStep()) return std::nullopt;
  return ReadWorkspace(st);
}

std::vector<model::Workspace> ListWorkspaces(Conn& c, const std::string& org_id) {
  auto& st = c.Prepare("SELECT " WS_COLS " FROM workspaces WHERE org_id = ? ORDER BY created_at, id");
  st.bind(1, org_id);
  std::vector<model::Workspace> out;
  while (st.executeStep()) out.push_back(ReadWorkspace(st));
  return out;
}

std::vector<model::Workspace> ListWorkspacesOfUser(Conn& c, const std::string& org_id,
                                                   const std::string& user_id) {
  auto& st = c.Prepare(
      "SELECT " WS_COLS " FROM workspaces WHERE org_id = ? AND id IN ("
      " SELECT workspace_id FROM workspace_members WHERE user_id = ?"
      " UNION SELECT gw.workspace_id FROM group_workspaces gw"
      "   JOIN group_members gm ON gm.group_id = gw.group_id WHERE gm.user_id = ?)"
      " ORDER BY created_at, id");
  st.bind(1, org_id);
  st.bind(2, user_id);
  st.bind(3, user_id);
  std::vector<model::Workspace> out;
  while (st.executeStep()) out.push_back(ReadWorkspace(st));
  return out;
}

bool WorkspaceNameTaken(Conn& c, const std::string& org_id, const std::string& name,
                        const std::string& except_id) {
  auto& st = c.Prepare(
      "SELECT 1 FROM workspaces WHERE org_id = ? AND name = ? COLLATE NOCASE AND id != ?");
  st.bind(1, org_id);
  st.bind(2, name);
  st.bind(3, except_id);
  return st.executeStep();
}

void UpdateWorkspace(Conn& c, const model::Workspace& w) {
  auto& st = c.Prepare(
      "UPDATE workspaces SET name = ?, environment = ?, updated_at = ? WHERE id = ? AND org_id = ?");
  st.bind(1, w.name);
  st.bind(2, w.environment);
  st.bind(3, w.updated_at);
  st.bind(4, w.id);
  st.bind(5, w.org_id);
  st.exec();
}

void DeleteWorkspace(Conn& c, const std::string& org_id, const std::string& id) {
  auto& st = c.Prepare("DELETE FROM workspaces WHERE id = ? AND org_id = ?");
  st.bind(1, id);
  st.bind(2, org_id);
  st.exec();
}

}  // namespace accessd::store
