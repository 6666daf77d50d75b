// group_store.h — groups, their members and the workspaces they are part of.
// Every lookup by id is scoped by org_id.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/types.h"

namespace accessd::store {

class Conn;

void InsertGroup(Conn& c, const model::Group& g);
// With member_ids and workspace_ids filled.
std::optional<model::Group> FindGroup(Conn& c, const std::string& org_id, const std::string& id);
std::optional<model::Group> FindGroupByName(Conn& c, const std::string& org_id,
                                            const std::string& name);
std::vector<model::Group> ListGroups(Conn& c, const std::string& org_id);
bool GroupExists(Conn& c, const std::string& org_id, const std::string& id);
void UpdateGroup(Conn& c, const model::Group& g);  // name, description, external id
void DeleteGroup(Conn& c, const std::string& org_id, const std::string& id);

void SetGroupMembers(Conn& c, const std::string& group_id, const std::vector<std::string>& users);
void AddGroupMember(Conn& c, const std::string& group_id, const std::string& user_id);
void RemoveGroupMember(Conn& c, const std::string& group_id, const std::string& user_id);
void SetGroupWorkspaces(Conn& c, const std::string& group_id,
                        const std::vector<std::string>& workspace_ids);

std::vector<std::string> GroupIdsOfUser(Conn& c, const std::string& user_id);
std::vector<std::string> GroupMemberIds(Conn& c, const std::string& group_id);
std::vector<std::string> GroupWorkspaceIds(Conn& c, const std::string& group_id);

}  // namespace accessd::store
