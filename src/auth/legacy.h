// legacy.h — the legacy role model (SPEC §7): its rules, and the policy that
// makes exactly the same decisions.
//
// An organization imported from the older role-based model keeps these rules
// until an admin deploys a migration. Per workspace a member (or a workspace
// SAT) has one connections role and may have transformations_edit; a source
// or destination may carry an edit allow-list that narrows who may edit,
// connect or delete it. Admins bypass all of this (Permissions::everything).
//
// The rules are written out directly (LegacyCan*), not derived from the
// mapping, so that tests can hold LegacyToPolicy to them: for every resource
// and action, the mapped policy must decide as the rules do.
//
// Pure functions over values, like auth/policy.h: no I/O, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/policy.h"

namespace accessd::auth {

// Ordered by what they allow: each allows everything the previous one does.
enum class ConnectionsRole { kViewer = 0, kEditor, kAdmin };

// "connections_viewer" / "connections_editor" / "connections_admin".
const char* ConnectionsRoleName(ConnectionsRole r);
std::optional<ConnectionsRole> ParseConnectionsRole(const std::string& s);
// A legacy workspace SAT's role: "viewer" / "editor" / "admin" (the same rights).
const char* LegacySatRoleName(ConnectionsRole r);
std::optional<ConnectionsRole> ParseLegacySatRole(const std::string& s);

// A member's or a workspace SAT's legacy rights in one workspace.
struct LegacyRole {
  ConnectionsRole connections = ConnectionsRole::kViewer;
  bool transformations_edit = false;
};

// Everything the legacy rules need to decide for one principal in one
// workspace: its role there, and the sources and destinations whose edit
// allow-list is set and does not name it.
struct LegacyAccess {
  LegacyRole role;
  std::set<std::string> excluded;
};

// view: anyone who reaches the workspace (checked by the caller).
// edit: sources, destinations, tracking plans — connections_editor or
//       connections_admin, and not excluded by the resource's allow-list;
//       transformations, libraries — transformations_edit.
// create: sources, destinations, tracking plans — connections_admin;
//       transformations, libraries — transformations_edit.
// delete: as create, and not excluded by the resource's allow-list.
// connect (one end): sources, destinations, tracking plans — as edit;
//       transformations — transformations_edit and a connections role that
//       allows connecting; libraries are never connected.
bool LegacyCanEdit(const LegacyAccess& a, const ResourceRef& r);
bool LegacyCanDelete(const LegacyAccess& a, const ResourceRef& r);
bool LegacyCanCreate(const LegacyAccess& a, ResourceType t);
bool LegacyCanConnectEnd(const LegacyAccess& a, const ResourceRef& r);

// The SPEC §7 mapping: connections_admin → edit, connect, create_delete on
// sources, destinations and tracking plans; connections_editor → edit,
// connect; connections_viewer → nothing; transformations_edit → edit and
// create_delete on transformations and libraries, and connect on
// transformations when the connections role allows connecting. A type with
// an excluding allow-list gets its edit and create_delete scoped to every
// other resource of that type, includeFuture: true.
// `resources` are the workspace's resources now, `seq_mark` the highest
// resource seq now (the result's seq_mark).
Policy LegacyToPolicy(const LegacyAccess& a, const std::vector<ResourceRef>& resources,
                      int64_t seq_mark);

}  // namespace accessd::auth
