// resource_store.h — workspace resources (sources, destinations,
// transformations, libraries, tracking plans) and connections. Every query
// is scoped by workspace_id (and so by organization): a resource of another
// workspace is "not found".
//
// SQL only: no authorization, no validation, no audit. Callers are services,
// inside Database::Read or a write job. A list page and its total come from
// one cached prepared statement (they sit on the public API's hot path); only
// a page past the end costs a second, counting one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/policy.h"
#include "model/types.h"

namespace accessd::store {

class Conn;

bool ResourceExistsInWorkspace(Conn& c, const std::string& workspace_id, auth::ResourceType type,
                               const std::string& id);

// ---- resources ----

// Inserts `r` (r.seq is ignored: SQLite hands out the next AUTOINCREMENT
// value, never reused). Returns the new seq. Throws on a UNIQUE violation
// (id, or name within workspace and type), which Database::Write maps to
// kConflict.
int64_t InsertResource(Conn& c, const model::Resource& r);

// The resource with this id, type and workspace; nullopt otherwise.
std::optional<model::Resource> FindResource(Conn& c, const std::string& workspace_id,
                                            auth::ResourceType type, const std::string& id);

// One page of a workspace's resources of one type, oldest first, and how
// many there are in all. `limit` > 0, `offset` >= 0.
struct ResourcePage {
  std::vector<model::Resource> items;
  int64_t total = 0;
};
ResourcePage ListResources(Conn& c, const std::string& workspace_id, auth::ResourceType type,
                           int limit, int64_t offset);

// True when another resource of the type in the workspace (not `except_id`)
// has exactly this name.
bool ResourceNameTaken(Conn& c, const std::string& workspace_id, auth::ResourceType type,
                       const std::string& name, const std::string& except_id);

// Writes name, subtype, enabled, config, extra and updated_at of the row
// with r.id in r.workspace_id.
void UpdateResource(Conn& c, const model::Resource& r);

// Deletes the resource; its connections go with it (ON DELETE CASCADE).
void DeleteResource(Conn& c, const std::string& workspace_id, const std::string& id);

// ---- connections ----

void InsertConnection(Conn& c, const model::Connection& conn);

// The connection with this id in the workspace, with the types of both ends.
std::optional<model::Connection> FindConnection(Conn& c, const std::string& workspace_id,
                                                const std::string& id);

// True when from_id → to_id is already connected.
bool ConnectionExists(Conn& c, const std::string& from_id, const std::string& to_id);

// The connections that have `resource_id` at either end, oldest first.
std::vector<model::Connection> ConnectionsOfResource(Conn& c, const std::string& workspace_id,
                                                     const std::string& resource_id);

struct ConnectionPage {
  std::vector<model::Connection> items;
  int64_t total = 0;
};
// One page of a workspace's connections, oldest first, with the total.
ConnectionPage ListConnections(Conn& c, const std::string& workspace_id, int limit, int64_t offset);

void DeleteConnection(Conn& c, const std::string& workspace_id, const std::string& id);

}  // namespace accessd::store
