// legacy_store.cc — SQL for legacy roles, allow-lists and migration staging.
#include "store/legacy_store.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "store/conn.h"

namespace accessd::store {

namespace {

// Allow-lists are stored as a JSON array of ids; anything else (never
// written by accessd) reads as an empty list, which only narrows.
std::vector<std::string> DecodeAllowList(const std::string& text) {
  std::vector<std::string> ids;
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_array()) return ids;
  for (const auto& v : doc) {
    if (v.is_string()) ids.push_back(v.get<std::string>());
  }
  return ids;
}

auth::LegacyRole ReadRole(SQLite::Statement& st, int connections_col) {
  auth::LegacyRole role;
  role.connections = auth::ParseConnectionsRole(st.getColumn(connections_col).getString())
                         .value_or(auth::ConnectionsRole::kViewer);
  role.transformations_edit = st.getColumn(connections_col + 1).getInt() != 0;
  return role;
}

}  // namespace

const char* LegacySubjectName(LegacySubject s) {
  return s == LegacySubject::kMember ? "member" : "token";
}

std::optional<auth::LegacyRole> GetLegacyRole(Conn& c, const std::string& workspace_id,
                                              LegacySubject subject,
                                              const std::string& subject_id) {
  auto& st = c.Prepare(
      "SELECT connections, transformations_edit FROM legacy_roles"
      " WHERE workspace_id = ? AND subject_type = ? AND subject_id = ?");
  st.bind(1, workspace_id);
  st.bind(2, LegacySubjectName(subject));
  st.bind(3, subject_id);
  if (!st.executeStep()) return std::nullopt;
  return ReadRole(st, 0);
}

void PutLegacyRole(Conn& c, const std::string& workspace_id, LegacySubject subject,
                   const std::string& subject_id, const auth::LegacyRole& role) {
  auto& st = c.Prepare(
      "INSERT INTO legacy_roles (workspace_id, subject_type, subject_id, connections,"
      " transformations_edit) VALUES (?,?,?,?,?)"
      " ON CONFLICT (workspace_id, subject_type, subject_id) DO UPDATE SET"
      " connections = excluded.connections, transformations_edit = excluded.transformations_edit");
  st.bind(1, workspace_id);
  st.bind(2, LegacySubjectName(subject));
  st.bind(3, subject_id);
  st.bind(4, auth::ConnectionsRoleName(role.connections));
  st.bind(5, role.transformations_edit ? 1 : 0);
  st.exec();
}

auth::LegacyAccess LegacyAccessIn(Conn& c, const std::string& workspace_id,
                                  LegacySubject subject, const std::string& subject_id) {
  auth::LegacyAccess a;
  a.role = GetLegacyRole(c, workspace_id, subject, subject_id).value_or(auth::LegacyRole{});
  auto& st = c.Prepare(
      "SELECT id, edit_allow FROM resources"
      " WHERE workspace_id = ? AND edit_allow IS NOT NULL");
  st.bind(1, workspace_id);
  while (st.executeStep()) {
    const std::vector<std::string> ids = DecodeAllowList(st.getColumn(1).getString());
    if (std::find(ids.begin(), ids.end(), subject_id) == ids.end()) {
      a.excluded.insert(st.getColumn(0).getString());
    }
  }
  return a;
}

std::vector<auth::ResourceRef> ResourceRefsOfWorkspace(Conn& c, const std::string& workspace_id) {
  std::vector<auth::ResourceRef> out;
  auto& st = c.Prepare("SELECT type, id, seq FROM resources WHERE workspace_id = ? ORDER BY seq");
  st.bind(1, workspace_id);
  while (st.executeStep()) {
    auto type = auth::ParseResourceTypeKey(st.getColumn(0).getString());
    if (!type) continue;
    out.push_back({*type, st.getColumn(1).getString(), st.getColumn(2).getInt64()});
  }
  return out;
}

std::optional<std::vector<std::string>> GetEditAllowList(Conn& c, const std::string& resource_id) {
  auto& st = c.Prepare("SELECT edit_allow FROM resources WHERE id = ?");
  st.bind(1, resource_id);
  if (!st.executeStep() || st.getColumn(0).isNull()) return std::nullopt;
  return DecodeAllowList(st.getColumn(0).getString());
}

void SetEditAllowList(Conn& c, const std::string& resource_id,
                      const std::optional<std::vector<std::string>>& ids) {
  auto& st = c.Prepare("UPDATE resources SET edit_allow = ? WHERE id = ?");
  if (ids) {
    st.bind(1, nlohmann::json(*ids).dump());
  } else {
    st.bind(1);
  }
  st.bind(2, resource_id);
  st.exec();
}

std::optional<EditAllowList> FindEditAllowList(Conn& c, const std::string& org_id,
                                               const std::string& resource_id) {
  auto& st = c.Prepare(
      "SELECT workspace_id, type, name, edit_allow FROM resources"
      " WHERE id = ? AND org_id = ? AND edit_allow IS NOT NULL");
  st.bind(1, resource_id);
  st.bind(2, org_id);
  if (!st.executeStep()) return std::nullopt;
  auto type = auth::ParseResourceTypeKey(st.getColumn(1).getString());
  if (!type) return std::nullopt;
  return EditAllowList{st.getColumn(0).getString(), *type, st.getColumn(2).getString(),
                       DecodeAllowList(st.getColumn(3).getString())};
}

std::vector<LegacyRoleRow> LegacyRolesOfOrg(Conn& c, const std::string& org_id) {
  std::vector<LegacyRoleRow> out;
  auto& st = c.Prepare(
      "SELECT lr.workspace_id, lr.subject_type, lr.subject_id, lr.connections,"
      " lr.transformations_edit FROM legacy_roles lr"
      " JOIN workspaces w ON w.id = lr.workspace_id"
      " WHERE w.org_id = ? ORDER BY lr.workspace_id, lr.subject_type, lr.subject_id");
  st.bind(1, org_id);
  while (st.executeStep()) {
    LegacyRoleRow row;
    row.workspace_id = st.getColumn(0).getString();
    row.subject = st.getColumn(1).getString() == "member" ? LegacySubject::kMember
                                                           : LegacySubject::kToken;
    row.subject_id = st.getColumn(2).getString();
    row.role = ReadRole(st, 3);
    out.push_back(std::move(row));
  }
  return out;
}

void DeleteLegacyStateOfOrg(Conn& c, const std::string& org_id) {
  auto& roles = c.Prepare(
      "DELETE FROM legacy_roles WHERE workspace_id IN"
      " (SELECT id FROM workspaces WHERE org_id = ?)");
  roles.bind(1, org_id);
  roles.exec();
  auto& lists = c.Prepare(
      "UPDATE resources SET edit_allow = NULL WHERE org_id = ? AND edit_allow IS NOT NULL");
  lists.bind(1, org_id);
  lists.exec();
}

std::optional<MigrationStaging> GetMigrationStaging(Conn& c, const std::string& org_id) {
  auto& st = c.Prepare(
      "SELECT strategy, plan, created_by, created_at FROM migration_staging WHERE org_id = ?");
  st.bind(1, org_id);
  if (!st.executeStep()) return std::nullopt;
  MigrationStaging s;
  s.strategy = st.getColumn(0).getString();
  s.plan_json = st.getColumn(1).getString();
  s.created_by = OptString(st.getColumn(2));
  s.created_at = st.getColumn(3).getInt64();
  return s;
}

void PutMigrationStaging(Conn& c, const std::string& org_id, const MigrationStaging& s) {
  auto& st = c.Prepare(
      "INSERT INTO migration_staging (org_id, strategy, plan, created_by, created_at)"
      " VALUES (?,?,?,?,?) ON CONFLICT (org_id) DO UPDATE SET strategy = excluded.strategy,"
      " plan = excluded.plan, created_by = excluded.created_by, created_at = excluded.created_at");
  st.bind(1, org_id);
  st.bind(2, s.strategy);
  st.bind(3, s.plan_json);
  BindOpt(st, 4, s.created_by);
  st.bind(5, s.created_at);
  st.exec();
}

bool DeleteMigrationStaging(Conn& c, const std::string& org_id) {
  auto& st = c.Prepare("DELETE FROM migration_staging WHERE org_id = ?");
  st.bind(1, org_id);
  return st.exec() > 0;
}

}  // namespace accessd::store
