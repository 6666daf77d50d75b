// legacy_store.h — SQL for the legacy access model (SPEC §7): per-workspace
// legacy roles of members and workspace SATs, resources' edit allow-lists,
// and the staged migration of an organization.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/legacy.h"

namespace accessd::store {

class Conn;

enum class LegacySubject { kMember, kToken };
const char* LegacySubjectName(LegacySubject s);  // "member" / "token"

std::optional<auth::LegacyRole> GetLegacyRole(Conn& c, const std::string& workspace_id,
                                              LegacySubject subject,
                                              const std::string& subject_id);
void PutLegacyRole(Conn& c, const std::string& workspace_id, LegacySubject subject,
                   const std::string& subject_id, const auth::LegacyRole& role);

// What the legacy rules need for one principal in one workspace: its role
// (connections_viewer without transformations_edit when none is stored) and
// the sources and destinations whose allow-list does not name it.
auth::LegacyAccess LegacyAccessIn(Conn& c, const std::string& workspace_id,
                                  LegacySubject subject, const std::string& subject_id);

// Every resource of a workspace as the evaluator sees it (type, id, seq).
std::vector<auth::ResourceRef> ResourceRefsOfWorkspace(Conn& c, const std::string& workspace_id);

// A resource's edit allow-list (user ids and token key ids), or nullopt when
// it has none.
std::optional<std::vector<std::string>> GetEditAllowList(Conn& c, const std::string& resource_id);
void SetEditAllowList(Conn& c, const std::string& resource_id,
                      const std::optional<std::vector<std::string>>& ids);

// A resource of the organization that carries an edit allow-list, with
// where it lives; nullopt when the resource is not the organization's or has
// no allow-list.
struct EditAllowList {
  std::string workspace_id;
  auth::ResourceType type = auth::ResourceType::kSources;
  std::string name;
  std::vector<std::string> ids;
};
std::optional<EditAllowList> FindEditAllowList(Conn& c, const std::string& org_id,
                                               const std::string& resource_id);

struct LegacyRoleRow {
  std::string workspace_id;
  LegacySubject subject = LegacySubject::kMember;
  std::string subject_id;
  auth::LegacyRole role;
};
// Every legacy role of an organization's workspaces, by workspace, subject.
std::vector<LegacyRoleRow> LegacyRolesOfOrg(Conn& c, const std::string& org_id);
// Deletes an organization's legacy roles and clears its resources' allow-lists.
void DeleteLegacyStateOfOrg(Conn& c, const std::string& org_id);

struct MigrationStaging {
  std::string strategy;   // start_fresh | use_existing_policies
  std::string plan_json;  // service/migration_service.cc
  std::optional<std::string> created_by;
  int64_t created_at = 0;
};
std::optional<MigrationStaging> GetMigrationStaging(Conn& c, const std::string& org_id);
void PutMigrationStaging(Conn& c, const std::string& org_id, const MigrationStaging& s);
// True when there was one to delete.
bool DeleteMigrationStaging(Conn& c, const std::string& org_id);

}  // namespace accessd::store
