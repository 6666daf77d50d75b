// org_store.h — organizations and workspaces. Every workspace query is
// scoped by org_id: a workspace of another organization is "not found".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/types.h"

namespace accessd::store {

class Conn;

void InsertOrganization(Conn& c, const model::Organization& o);
std::optional<model::Organization> FindOrganization(Conn& c, const std::string& id);
std::vector<model::Organization> ListOrganizations(Conn& c);
void UpdateOrganization(Conn& c, const model::Organization& o);
int64_t CountOrganizations(Conn& c);

void InsertWorkspace(Conn& c, const model::Workspace& w);
std::optional<model::Workspace> FindWorkspace(Conn& c, const std::string& org_id,
                                              const std::string& id);
std::vector<model::Workspace> ListWorkspaces(Conn& c, const std::string& org_id);
// Workspaces a member reaches: direct membership or through a group.
std::vector<model::Workspace> ListWorkspacesOfUser(Conn& c, const std::string& org_id,
                                                   const std::string& user_id);
bool WorkspaceNameTaken(Conn& c, const std::string& org_id, const std::string& name,
                        const std::string& except_id);
void UpdateWorkspace(Conn& c, const model::Workspace& w);
// Deletes the workspace; resources, connections, policies, workspace SATs,
// PATs bound to it, memberships go with it (ON DELETE CASCADE). Audit rows stay.
void DeleteWorkspace(Conn& c, const std::string& org_id, const std::string& id);

}  // namespace accessd::store
