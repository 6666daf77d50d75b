// legacy.cc — the legacy rules and their mapping to a policy (SPEC §7).
#include "auth/legacy.h"

namespace accessd::auth {

namespace {

// The types the connections roles govern.
bool ConnectionsType(ResourceType t) {
  return t == ResourceType::kSources || t == ResourceType::kDestinations ||
         t == ResourceType::kTrackingPlans;
}

// Only sources and destinations carry allow-lists.
bool Excluded(const LegacyAccess& a, const ResourceRef& r) {
  return (r.type == ResourceType::kSources || r.type == ResourceType::kDestinations) &&
         a.excluded.count(r.id) != 0;
}

bool MayConnect(const LegacyRole& role) { return role.connections >= ConnectionsRole::kEditor; }

}  // namespace

const char* ConnectionsRoleName(ConnectionsRole r) {
  switch (r) {
    case ConnectionsRole::kViewer: return "connections_viewer";
    case ConnectionsRole::kEditor: return "connections_editor";
    case ConnectionsRole::kAdmin: return "connections_admin";
  }
  return "";
}

std::optional<ConnectionsRole> ParseConnectionsRole(const std::string& s) {
  for (ConnectionsRole r :
       {ConnectionsRole::kViewer, ConnectionsRole::kEditor, ConnectionsRole::kAdmin}) {
    if (s == ConnectionsRoleName(r)) return r;
  }
  return std::nullopt;
}

const char* LegacySatRoleName(ConnectionsRole r) {
  switch (r) {
    case ConnectionsRole::kViewer: return "viewer";
    case ConnectionsRole::kEditor: return "editor";
    case ConnectionsRole::kAdmin: return "admin";
  }
  return "";
}

std::optional<ConnectionsRole> ParseLegacySatRole(const std::string& s) {
  for (ConnectionsRole r :
       {ConnectionsRole::kViewer, ConnectionsRole::kEditor, ConnectionsRole::kAdmin}) {
    if (s == LegacySatRoleName(r)) return r;
  }
  return std::nullopt;
}

bool LegacyCanEdit(const LegacyAccess& a, const ResourceRef& r) {
  if (ConnectionsType(r.type)) return MayConnect(a.role) && !Excluded(a, r);
  return a.role.transformations_edit;
}

bool LegacyCanCreate(const LegacyAccess& a, ResourceType t) {
  if (ConnectionsType(t)) return a.role.connections == ConnectionsRole::kAdmin;
  return a.role.transformations_edit;
}

bool LegacyCanDelete(const LegacyAccess& a, const ResourceRef& r) {
  return LegacyCanCreate(a, r.type) && !Excluded(a, r);
}

bool LegacyCanConnectEnd(const LegacyAccess& a, const ResourceRef& r) {
  switch (r.type) {
    case ResourceType::kSources:
    case ResourceType::kDestinations:
    case ResourceType::kTrackingPlans:
      return MayConnect(a.role) && !Excluded(a, r);
    case ResourceType::kTransformations:
      return a.role.transformations_edit && MayConnect(a.role);
    case ResourceType::kLibraries:
      return false;
  }
  return false;
}

Policy LegacyToPolicy(const LegacyAccess& a, const std::vector<ResourceRef>& resources,
                      int64_t seq_mark) {
  Policy p;
  p.seq_mark = seq_mark;
  const Grant all{true, {}, false};
  for (ResourceType t :
       {ResourceType::kSources, ResourceType::kDestinations, ResourceType::kTrackingPlans}) {
    if (MayConnect(a.role)) {
      p.Mutable(t, Action::kEdit) = all;
      p.Mutable(t, Action::kConnect) = all;
    }
    if (a.role.connections == ConnectionsRole::kAdmin) p.Mutable(t, Action::kCreateDelete) = all;
  }
  if (a.role.transformations_edit) {
    for (ResourceType t : {ResourceType::kTransformations, ResourceType::kLibraries}) {
      p.Mutable(t, Action::kEdit) = all;
      p.Mutable(t, Action::kCreateDelete) = all;
    }
    if (MayConnect(a.role)) p.Mutable(ResourceType::kTransformations, Action::kConnect) = all;
  }
  // An allow-list that leaves the principal out: edit and create_delete on
  // that type cover every other resource, and every later one.
  for (ResourceType t : {ResourceType::kSources, ResourceType::kDestinations}) {
    bool narrowed = false;
    Grant others{false, {}, true};
    for (const ResourceRef& r : resources) {
      if (r.type != t) continue;
      if (Excluded(a, r)) {
        narrowed = true;
      } else {
        others.ids.push_back(r.id);
      }
    }
    if (!narrowed) continue;
    for (Action act : {Action::kEdit, Action::kCreateDelete}) {
      std::optional<Grant>& g = p.Mutable(t, act);
      if (g) g = others;
    }
  }
  return p;
}

}  // namespace accessd::auth
