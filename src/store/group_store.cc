// group_store.cc — SQL for groups and their memberships.
#include "store/group_store.h"

#include <nlohmann/json.hpp>

#include "store/conn.h"

namespace accessd::store {

namespace {

#define GROUP_COLS \
  "id, org_id, name, description, external_id, scim_managed, created_at, updated_at"

model::Group ReadGroup(SQLite::Statement& st) {
  model::Group g;
  g.id = st.getColumn(0).getString();
  g.org_id = st.getColumn(1).getString();
  g.name = st.getColumn(2).getString();
  g.description = st.getColumn(3).getString();
  if (!st.getColumn(4).isNull()) g.external_id = st.getColumn(4).getString();
  g.scim_managed = st.getColumn(5).getInt() != 0;
  g.created_at = st.getColumn(6).getInt64();
  g.updated_at = st.getColumn(7).getInt64();
  return g;
}

std::vector<std::string> Strings(SQLite::Statement& st) {
  std::vector<std::string> out;
  while (st.executeStep()) out.push_back(st.getColumn(0).getString());
  return out;
}

void FillMemberships(Conn& c, model::Group* g) {
  g->member_ids = GroupMemberIds(c, g->id);
  g->workspace_ids = GroupWorkspaceIds(c, g->id);
}

}  // namespace

void InsertGroup(Conn& c, const model::Group& g) {
  auto& st = c.Prepare("INSERT INTO groups (" GROUP_COLS ") VALUES (?,?,?,?,?,?,?,?)");
  st.bind(1, g.id);
  st.bind(2, g.org_id);
  st.bind(3, g.name);
  st.bind(4, g.description);
  BindOpt(st, 5, g.external_id);
  st.bind(6, g.scim_managed ? 1 : 0);
  st.bind(7, g.created_at);
  st.bind(8, g.updated_at);
  st.exec();
}

std::optional<model::Group> FindGroup(Conn& c, const std::string& org_id, const std::string& id) {
  std::optional<model::Group> g;
  {
    auto& st = c.Prepare("SELECT " GROUP_COLS " FROM groups WHERE id = ? AND org_id = ?");
    st.bind(1, id);
    st.bind(2, org_id);
    if (!st.executeStep()) return std::nullopt;
    g = ReadGroup(st);
  }
  FillMemberships(c, &*g);
  return g;
}

std::optional<model::Group> FindGroupByName(Conn& c, const std::string& org_id,
                                            const std::string& name) {
  std::optional<model::Group> g;
  {
    auto& st = c.Prepare("SELECT " GROUP_COLS
                         " FROM groups WHERE org_id = ? AND name = ? COLLATE NOCASE");
    st.bind(1, org_id);
    st.bind(2, name);
    if (!st.executeStep()) return std::nullopt;
    g = ReadGroup(st);
  }
  FillMemberships(c, &*g);
  return g;
}

std::vector<model::Group> ListGroups(Conn& c, const std::string& org_id) {
  std::vector<model::Group> out;
  {
    auto& st = c.Prepare("SELECT " GROUP_COLS " FROM groups WHERE org_id = ? ORDER BY created_at, id");
    st.bind(1, org_id);
    while (st.executeStep()) out.push_back(ReadGroup(st));
  }
  for (auto& g : out) FillMemberships(c, &g);
  return out;
}

bool GroupExists(Conn& c, const std::string& org_id, const std::string& id) {
  auto& st = c.Prepare("SELECT 1 FROM groups WHERE id = ? AND org_id = ?");
  st.bind(1, id);
  st.bind(2, org_id);
  return st.executeStep();
}

void UpdateGroup(Conn& c, const model::Group& g) {
  auto& st = c.Prepare(
      "UPDATE groups SET name = ?, description = ?, external_id = ?, scim_managed = ?, "
      "updated_at = ? WHERE id = ? AND org_id = ?");
  st.bind(1, g.name);
  st.bind(2, g.description);
  BindOpt(st, 3, g.external_id);
  st.bind(4, g.scim_managed ? 1 : 0);
  st.bind(5, g.updated_at);
  st.bind(6, g.id);
  st.bind(7, g.org_id);
  st.exec();
}

void DeleteGroup(Conn& c, const std::string& org_id, const std::string& id) {
  auto& p = c.Prepare("DELETE FROM policies WHERE subject_type = 'group' AND subject_id = ?");
  p.bind(1, id);
  p.exec();
  auto& st = c.Prepare("DELETE FROM groups WHERE id = ? AND org_id = ?");
  st.bind(1, id);
  st.bind(2, org_id);
  st.exec();
}

void SetGroupMembers(Conn& c, const std::string& group_id, const std::vector<std::string>& users) {
  auto& del = c.Prepare("DELETE FROM group_members WHERE group_id = ?");
  del.bind(1, group_id);
  del.exec();
  for (const auto& u : users) AddGroupMember(c, group_id, u);
}

void AddGroupMember(Conn& c, const std::string& group_id, const std::string& user_id) {
  auto& st = c.Prepare("INSERT OR IGNORE INTO group_members (group_id, user_id) VALUES (?, ?)");
  st.bind(1, group_id);
  st.bind(2, user_id);
  st.exec();
}

void RemoveGroupMember(Conn& c, const std::string& group_id, const std::string& user_id) {
  auto& st = c.Prepare("DELETE FROM group_members WHERE group_id = ? AND user_id = ?");
  st.bind(1, group_id);
  st.bind(2, user_id);
  st.exec();
}

void SetGroupWorkspaces(Conn& c, const std::string& group_id,
                        const std::vector<std::string>& workspace_ids) {
  auto& del = c.Prepare("DELETE FROM group_workspaces WHERE group_id = ?");
  del.bind(1, group_id);
  del.exec();
  // Policies of workspaces the group is no longer part of go with it.
  auto& pol = c.Prepare(
      "DELETE FROM policies WHERE subject_type = 'group' AND subject_id = ?1 AND workspace_id "
      "NOT IN (SELECT value FROM json_each(?2))");
  const std::string arr = nlohmann::json(workspace_ids).dump();
  pol.bind(1, group_id);
  pol.bind(2, arr);
  pol.exec();
  for (const auto& w : workspace_ids) {
    auto& st = c.Prepare(
        "INSERT OR IGNORE INTO group_workspaces (group_id, workspace_id) VALUES (?, ?)");
    st.bind(1, group_id);
    st.bind(2, w);
    st.exec();
  }
}

std::vector<std::string> GroupIdsOfUser(Conn& c, const std::string& user_id) {
  auto& st = c.Prepare("SELECT group_id FROM group_members WHERE user_id = ? ORDER BY group_id");
  st.bind(1, user_id);
  return Strings(st);
}

std::vector<std::string> GroupMemberIds(Conn& c, const std::string& group_id) {
  auto& st = c.Prepare("SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id");
  st.bind(1, group_id);
  return Strings(st);
}

std::vector<std::string> GroupWorkspaceIds(Conn& c, const std::string& group_id) {
  auto& st = c.Prepare(
      "SELECT workspace_id FROM group_workspaces WHERE group_id = ? ORDER BY workspace_id");
  st.bind(1, group_id);
  return Strings(st);
}

}  // namespace accessd::store
