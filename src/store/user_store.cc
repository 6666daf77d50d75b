// user_store.cc — SQL for users, memberships, sessions and invitations.
#include "store/user_store.h"

#include <nlohmann/json.hpp>

#include "store/conn.h"

namespace accessd::store {

namespace {

#define USER_COLS                                                                       \
  "id, org_id, email, display_name, given_name, family_name, role, status, "            \
  "password_hash IS NOT NULL, external_id, scim_managed, created_at, updated_at"

model::User ReadUser(SQLite::Statement& st) {
  model::User u;
  u.id = st.getColumn(0).getString();
  u.org_id = st.getColumn(1).getString();
  u.email = st.getColumn(2).getString();
  u.display_name = st.getColumn(3).getString();
  u.given_name = OptString(st.getColumn(4));
  u.family_name = OptString(st.getColumn(5));
  u.role = model::ParseRole(st.getColumn(6).getString()).value_or(model::Role::kMember);
  u.status = model::ParseUserStatus(st.getColumn(7).getString())
                 .value_or(model::UserStatus::kDeactivated);
  u.has_password = st.getColumn(8).getInt() != 0;
  u.external_id = OptString(st.getColumn(9));
  u.scim_managed = st.getColumn(10).getInt() != 0;
  u.created_at = st.getColumn(11).getInt64();
  u.updated_at = st.getColumn(12).getInt64();
  return u;
}

std::vector<std::string> JsonIds(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_array()) {
    for (auto& v : j) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

model::Invitation ReadInvitation(SQLite::Statement& st) {
  model::Invitation inv;
  inv.id = st.getColumn(0).getString();
  inv.org_id = st.getColumn(1).getString();
  inv.email = st.getColumn(2).getString();
  inv.role = model::ParseRole(st.getColumn(3).getString()).value_or(model::Role::kMember);
  inv.workspace_ids = JsonIds(st.getColumn(4).getString());
  inv.group_ids = JsonIds(st.getColumn(5).getString());
  inv.created_by = OptString(st.getColumn(6));
  inv.created_at = st.getColumn(7).getInt64();
  inv.expires_at = st.getColumn(8).getInt64();
  return inv;
}

#define INV_COLS \
  "id, org_id, email, role, workspace_ids, group_ids, created_by, created_at, expires_at"

}  // namespace

void InsertUser(Conn& c, const model::User& u, const std::optional<std::string>& password_hash) {
  auto& st = c.Prepare(
      "INSERT INTO users (id, org_id, email, display_name, given_name, family_name, role, "
      "status, password_hash, external_id, scim_managed, created_at, updated_at) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, u.id);
  st.bind(2, u.org_id);
  st.bind(3, u.email);
  st.bind(4, u.display_name);
  BindOpt(st, 5, u.given_name);
  BindOpt(st, 6, u.family_name);
  st.bind(7, model::RoleName(u.role));
  st.bind(8, model::UserStatusName(u.status));
  BindOpt(st, 9, password_hash);
  BindOpt(st, 10, u.external_id);
  st.bind(11, u.scim_managed ? 1 : 0);
  st.bind(12, u.created_at);
  st.bind(13, u.updated_at);
  st.exec();
}

std::optional<model::User> FindUser(Conn& c, const std::string& org_id, const std::string& id) {
  auto& st = c.Prepare("SELECT " USER_COLS " FROM users WHERE id = ? AND org_id = ?");
  st.bind(1, id);
  st.bind(2, org_id);
  if (!st.executeStep()) return std::nullopt;
  return ReadUser(st);
}

std::optional<model::User> FindUserAnyOrg(Conn& c, const std::string& id) {
  auto& st = c.Prepare("SELECT " USER_COLS " FROM users WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return ReadUser(st);
}

std::optional<model::User> FindLiveUserByEmail(Conn& c, const std::string& email) {
  auto& st = c.Prepare("SELECT " USER_COLS
                       " FROM users WHERE lower(email) = lower(?) AND status != 'removed'");
  st.bind(1, email);
  if (!st.executeStep()) return std::nullopt;
  return ReadUser(st);
}

std::optional<std::string> PasswordHashOf(Conn& c, const std::string& user_id) {
  auto& st = c.Prepare("SELECT password_hash FROM users WHERE id = ?");
  st.bind(1, user_id);
  if (!st.executeStep()) return std::nullopt;
  return OptString(st.getColumn(0));
}

std::vector<model::User> ListUsers(Conn& c, const std::string& org_id) {
  auto& st = c.Prepare("SELECT " USER_COLS
                       " FROM users WHERE org_id = ? AND status != 'removed'"
                       " ORDER BY created_at, id");
  st.bind(1, org_id);
  std::vector<model::User> out;
  while (st.executeStep()) out.push_back(ReadUser(st));
  return out;
}

void UpdateUser(Conn& c, const model::User& u) {
  auto& st = c.Prepare(
      "UPDATE users SET email = ?, display_name = ?, given_name = ?, family_name = ?, role = ?, "
      "status = ?, external_id = ?, scim_managed = ?, updated_at = ? WHERE id = ? AND org_id = ?");
  st.bind(1, u.email);
  st.bind(2, u.display_name);
  BindOpt(st, 3, u.given_name);
  BindOpt(st, 4, u.family_name);
  st.bind(5, model::RoleName(u.role));
  st.bind(6, model::UserStatusName(u.status));
  BindOpt(st, 7, u.external_id);
  st.bind(8, u.scim_managed ? 1 : 0);
  st.bind(9, u.updated_at);
  st.bind(10, u.id);
  st.bind(11, u.org_id);
  st.exec();
}

void SetPasswordHash(Conn& c, const std::string& user_id, const std::string& hash) {
  auto& st = c.Prepare("UPDATE users SET password_hash = ? WHERE id = ?");
  st.bind(1, hash);
  st.bind(2, user_id);
  st.exec();
}

int64_t CountActiveAdmins(Conn& c, const std::string& org_id) {
  auto& st = c.Prepare(
      "SELECT count(*) FROM users WHERE org_id = ? AND role = 'admin' AND status = 'active'");
  st.bind(1, org_id);
  st.executeStep();
  return st.getColumn(0).getInt64();
}

bool EmailTaken(Conn& c, const std::string& email, const std::string& except_user_id) {
  auto& st = c.Prepare(
      "SELECT 1 FROM users WHERE lower(email) = lower(?) AND status != 'removed' AND id != ?");
  st.bind(1, email);
  st.bind(2, except_user_id);
  return st.executeStep();
}

std::vector<std::string> DirectWorkspaceIds(Conn& c, const std::string& user_id) {
  auto& st = c.Prepare(
      "SELECT workspace_id FROM workspace_members WHERE user_id = ? ORDER BY workspace_id");
  st.bind(1, user_id);
  std::vector<std::string> out;
  while (st.executeStep()) out.push_back(st.getColumn(0).getString());
  return out;
}

void SetDirectWorkspaces(Conn& c, const std::string& user_id, const std::vector<std::string>& ws) {
  auto& del = c.Prepare("DELETE FROM workspace_members WHERE user_id = ?");
  del.bind(1, user_id);
  del.exec();
  for (const auto& w : ws) AddDirectWorkspace(c, user_id, w);
}

void AddDirectWorkspace(Conn& c, const std::string& user_id, const std::string& ws) {
  auto& st = c.Prepare(
      "INSERT OR IGNORE INTO workspace_members (workspace_id, user_id) VALUES (?, ?)");
  st.bind(1, ws);
  st.bind(2, user_id);
  st.exec();
}

bool UserReachesWorkspace(Conn& c, const std::string& user_id, const std::string& workspace_id) {
  auto& st = c.Prepare(
      "SELECT 1 FROM workspace_members WHERE user_id = ?1 AND workspace_id = ?2"
      " UNION ALL SELECT 1 FROM group_members gm JOIN group_workspaces gw"
      "   ON gw.group_id = gm.group_id WHERE gm.user_id = ?1 AND gw.workspace_id = ?2 LIMIT 1");
  st.bind(1, user_id);
  st.bind(2, workspace_id);
  return st.executeStep();
}

void RemoveUserMemberships(Conn& c, const std::string& user_id) {
  auto& a = c.Prepare("DELETE FROM workspace_members WHERE user_id = ?");
  a.bind(1, user_id);
  a.exec();
  auto& b = c.Prepare("DELETE FROM group_members WHERE user_id = ?");
  b.bind(1, user_id);
  b.exec();
  auto& p = c.Prepare("DELETE FROM policies WHERE subject_type = 'member' AND subject_id = ?");
  p.bind(1, user_id);
  p.exec();
  auto& l =
      c.Prepare("DELETE FROM legacy_roles WHERE subject_type = 'member' AND subject_id = ?");
  l.bind(1, user_id);
  l.exec();
}

void InsertSession(Conn& c, const SessionRow& s, const std::string& ip, const std::string& ua) {
  auto& st = c.Prepare(
      "INSERT INTO sessions (id_hash, user_id, csrf_hash, created_at, last_seen_at, ip, "
      "user_agent) VALUES (?,?,?,?,?,?,?)");
  st.bind(1, s.id_hash);
  st.bind(2, s.user_id);
  st.bind(3, s.csrf_hash);
  st.bind(4, s.created_at);
  st.bind(5, s.last_seen_at);
  st.bind(6, ip);
  st.bind(7, ua);
  st.exec();
}

std::optional<SessionRow> FindSession(Conn& c, const std::string& id_hash) {
  auto& st = c.Prepare(
      "SELECT id_hash, user_id, csrf_hash, created_at, last_seen_at FROM sessions WHERE id_hash = ?");
  st.bind(1, id_hash);
  if (!st.executeStep()) return std::nullopt;
  SessionRow s;
  s.id_hash = st.getColumn(0).getString();
  s.user_id = st.getColumn(1).getString();
  s.csrf_hash = st.getColumn(2).getString();
  s.created_at = st.getColumn(3).getInt64();
  s.last_seen_at = st.getColumn(4).getInt64();
  return s;
}

void TouchSession(Conn& c, const std::string& id_hash, int64_t now) {
  auto& st = c.Prepare("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?");
  st.bind(1, now);
  st.bind(2, id_hash);
  st.exec();
}

void DeleteSession(Conn& c, const std::string& id_hash) {
  auto& st = c.Prepare("DELETE FROM sessions WHERE id_hash = ?");
  st.bind(1, id_hash);
  st.exec();
}

void DeleteSessionsOfUser(Conn& c, const std::string& user_id) {
  auto& st = c.Prepare("DELETE FROM sessions WHERE user_id = ?");
  st.bind(1, user_id);
  st.exec();
}

void DeleteSessionsIdleSince(Conn& c, int64_t cutoff) {
  auto& st = c.Prepare("DELETE FROM sessions WHERE last_seen_at < ?");
  st.bind(1, cutoff);
  st.exec();
}

void InsertInvitation(Conn& c, const model::Invitation& inv, const std::string& token_hash) {
  auto& st = c.Prepare(
      "INSERT INTO invitations (id, org_id, email, role, token_hash, workspace_ids, group_ids, "
      "created_by, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, inv.id);
  st.bind(2, inv.org_id);
  st.bind(3, inv.email);
  st.bind(4, model::RoleName(inv.role));
  st.bind(5, token_hash);
  st.bind(6, nlohmann::json(inv.workspace_ids).dump());
  st.bind(7, nlohmann::json(inv.group_ids).dump());
  BindOpt(st, 8, inv.created_by);
  st.bind(9, inv.created_at);
  st.bind(10, inv.expires_at);
  st.exec();
}

std::vector<model::Invitation> ListInvitations(Conn& c, const std::string& org_id, int64_t now) {
  auto& st = c.Prepare("SELECT " INV_COLS
                       " FROM invitations WHERE org_id = ? AND expires_at > ?"
                       " ORDER BY created_at, id");
  st.bind(1, org_id);
  st.bind(2, now);
  std::vector<model::Invitation> out;
  while (st.executeStep()) out.push_back(ReadInvitation(st));
  return out;
}

std::optional<model::Invitation> FindInvitation(Conn& c, const std::string& org_id,
                                                const std::string& id) {
  auto& st = c.Prepare("SELECT " INV_COLS " FROM invitations WHERE id = ? AND org_id = ?");
  st.bind(1, id);
  st.bind(2, org_id);
  if (!st.executeStep()) return std::nullopt;
  return ReadInvitation(st);
}

std::optional<model::Invitation> FindInvitationByTokenHash(Conn& c, const std::string& token_hash) {
  auto& st = c.Prepare("SELECT " INV_COLS " FROM invitations WHERE token_hash = ?");
  st.bind(1, token_hash);
  if (!st.executeStep()) return std::nullopt;
  return ReadInvitation(st);
}

void DeleteInvitation(Conn& c, const std::string& id) {
  auto& st = c.Prepare("DELETE FROM invitations WHERE id = ?");
  st.bind(1, id);
  st.exec();
}

}  // namespace accessd::store
