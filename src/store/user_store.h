// user_store.h — users, direct workspace membership, dashboard sessions and
// invitations. Every query is scoped by org_id where a caller names an id.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/types.h"

namespace accessd::store {

class Conn;

void InsertUser(Conn& c, const model::User& u, const std::optional<std::string>& password_hash);
std::optional<model::User> FindUser(Conn& c, const std::string& org_id, const std::string& id);
// By id alone (sessions: the organization comes from the user row).
std::optional<model::User> FindUserAnyOrg(Conn& c, const std::string& id);
// Any organization (login): the user whose email matches and who is not removed.
std::optional<model::User> FindLiveUserByEmail(Conn& c, const std::string& email);
std::optional<std::string> PasswordHashOf(Conn& c, const std::string& user_id);
// Users that are not removed, ordered by creation.
std::vector<model::User> ListUsers(Conn& c, const std::string& org_id);
void UpdateUser(Conn& c, const model::User& u);
void SetPasswordHash(Conn& c, const std::string& user_id, const std::string& hash);
int64_t CountActiveAdmins(Conn& c, const std::string& org_id);
bool EmailTaken(Conn& c, const std::string& email, const std::string& except_user_id);

std::vector<std::string> DirectWorkspaceIds(Conn& c, const std::string& user_id);
void SetDirectWorkspaces(Conn& c, const std::string& user_id, const std::vector<std::string>& ws);
void AddDirectWorkspace(Conn& c, const std::string& user_id, const std::string& ws);
// True when the member reaches the workspace (directly or through a group).
bool UserReachesWorkspace(Conn& c, const std::string& user_id, const std::string& workspace_id);
// Workspaces, groups, member policies and legacy roles of a user who leaves.
void RemoveUserMemberships(Conn& c, const std::string& user_id);

struct SessionRow {
  std::string id_hash;
  std::string user_id;
  std::string csrf_hash;
  int64_t created_at = 0;
  int64_t last_seen_at = 0;
};
void InsertSession(Conn& c, const SessionRow& s, const std::string& ip, const std::string& ua);
std::optional<SessionRow> FindSession(Conn& c, const std::string& id_hash);
void TouchSession(Conn& c, const std::string& id_hash, int64_t now);
void DeleteSession(Conn& c, const std::string& id_hash);
void DeleteSessionsOfUser(Conn& c, const std::string& user_id);
void DeleteSessionsIdleSince(Conn& c, int64_t cutoff);

void InsertInvitation(Conn& c, const model::Invitation& inv, const std::string& token_hash);
std::vector<model::Invitation> ListInvitations(Conn& c, const std::string& org_id, int64_t now);
std::optional<model::Invitation> FindInvitation(Conn& c, const std::string& org_id,
                                                const std::string& id);
std::optional<model::Invitation> FindInvitationByTokenHash(Conn& c, const std::string& token_hash);
void DeleteInvitation(Conn& c, const std::string& id);

}  // namespace accessd::store
