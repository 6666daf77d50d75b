// resource_store.cc — SQL for resources and connections.
//
// Every statement names workspace_id in its WHERE clause (or works on ids
// that were just looked up that way), so "not yours" is "not found". No
// authorization or validation happens here.
#include "store/resource_store.h"

#include "store/conn.h"

namespace accessd::store {

namespace {

#define RESOURCE_COLS                                                                       \
  "seq, id, org_id, workspace_id, type, name, subtype, enabled, config, extra, write_key, " \
  "created_at, updated_at"

// Reads RESOURCE_COLS starting at column `at`.
model::Resource ReadResource(SQLite::Statement& st, int at) {
  model::Resource r;
  r.seq = st.getColumn(at + 0).getInt64();
  r.id = st.getColumn(at + 1).getString();
  r.org_id = st.getColumn(at + 2).getString();
  r.workspace_id = st.getColumn(at + 3).getString();
  r.type = auth::ParseResourceTypeKey(st.getColumn(at + 4).getString())
               .value_or(auth::ResourceType::kSources);
  r.name = st.getColumn(at + 5).getString();
  r.subtype = OptString(st.getColumn(at + 6));
  r.enabled = st.getColumn(at + 7).getInt() != 0;
  r.config_json = st.getColumn(at + 8).getString();
  r.extra_json = st.getColumn(at + 9).getString();
  r.write_key = OptString(st.getColumn(at + 10));
  r.created_at = st.getColumn(at + 11).getInt64();
  r.updated_at = st.getColumn(at + 12).getInt64();
  return r;
}

#define CONNECTION_SELECT                                                                  \
  "SELECT c.id, c.org_id, c.workspace_id, c.from_id, f.type, c.to_id, t.type, c.enabled, " \
  "c.created_at, c.updated_at FROM connections c JOIN resources f ON f.id = c.from_id "    \
  "JOIN resources t ON t.id = c.to_id "

// Reads the columns of CONNECTION_SELECT starting at column `at`.
model::Connection ReadConnection(SQLite::Statement& st, int at) {
  model::Connection c;
  c.id = st.getColumn(at + 0).getString();
  c.org_id = st.getColumn(at + 1).getString();
  c.workspace_id = st.getColumn(at + 2).getString();
  c.from_id = st.getColumn(at + 3).getString();
  c.from_type = auth::ParseResourceTypeKey(st.getColumn(at + 4).getString())
                    .value_or(auth::ResourceType::kSources);
  c.to_id = st.getColumn(at + 5).getString();
  c.to_type = auth::ParseResourceTypeKey(st.getColumn(at + 6).getString())
                  .value_or(auth::ResourceType::kDestinations);
  c.enabled = st.getColumn(at + 7).getInt() != 0;
  c.created_at = st.getColumn(at + 8).getInt64();
  c.updated_at = st.getColumn(at + 9).getInt64();
  return c;
}

}  // namespace

bool ResourceExistsInWorkspace(Conn& c, const std::string& workspace_id, auth::ResourceType type,
                               const std::string& id) {
  auto& st = c.Prepare("SELECT 1 FROM resources WHERE id = ? AND workspace_id = ? AND type = ?");
  st.bind(1, id);
  st.bind(2, workspace_id);
  st.bind(3, auth::ResourceTypeKey(type));
  return st.executeStep();
}

int64_t InsertResource(Conn& c, const model::Resource& r) {
  auto& st = c.Prepare(
      "INSERT INTO resources (id, org_id, workspace_id, type, name, subtype, enabled, config, "
      "extra, write_key, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, r.id);
  st.bind(2, r.org_id);
  st.bind(3, r.workspace_id);
  st.bind(4, auth::ResourceTypeKey(r.type));
  st.bind(5, r.name);
  BindOpt(st, 6, r.subtype);
  st.bind(7, r.enabled ? 1 : 0);
  st.bind(8, r.config_json);
  st.bind(9, r.extra_json);
  BindOpt(st, 10, r.write_key);
  st.bind(11, r.created_at);
  st.bind(12, r.updated_at);
  st.exec();
  return c.db().getLastInsertRowid();
}

std::optional<model::Resource> FindResource(Conn& c, const std::string& workspace_id,
                                            auth::ResourceType type, const std::string& id) {
  auto& st = c.Prepare("SELECT " RESOURCE_COLS
                       " FROM resources WHERE id = ? AND workspace_id = ? AND type = ?");
  st.bind(1, id);
  st.bind(2, workspace_id);
  st.bind(3, auth::ResourceTypeKey(type));
  if (!st.executeStep()) return std::nullopt;
  return ReadResource(st, 0);
}

ResourcePage ListResources(Conn& c, const std::string& workspace_id, auth::ResourceType type,
                           int limit, int64_t offset) {
  // This list is the public API's hottest read (SPEC §6): one statement
  // answers the page and the total. The count is an uncorrelated scalar
  // subquery, which SQLite runs once per execution; both it and the page walk
  // resources_ws_type_seq, so there is no sort and no temporary table.
  auto& st = c.Prepare(
      "SELECT (SELECT count(*) FROM resources WHERE workspace_id = ?1 AND type = ?2),"
      " " RESOURCE_COLS
      " FROM resources WHERE workspace_id = ?1 AND type = ?2"
      " ORDER BY seq LIMIT ?3 OFFSET ?4");
  st.bind(1, workspace_id);
  st.bind(2, auth::ResourceTypeKey(type));
  st.bind(3, limit);
  st.bind(4, offset);
  ResourcePage page;
  while (st.executeStep()) {
    page.total = st.getColumn(0).getInt64();
    page.items.push_back(ReadResource(st, 1));
  }
  // An empty page carries no count row. From the first page that means an
  // empty list; past the end (a client's stale link), count separately.
  if (page.items.empty() && offset > 0) {
    auto& count = c.Prepare("SELECT count(*) FROM resources WHERE workspace_id = ? AND type = ?");
    count.bind(1, workspace_id);
    count.bind(2, auth::ResourceTypeKey(type));
    if (count.executeStep()) page.total = count.getColumn(0).getInt64();
  }
  return page;
}

bool ResourceNameTaken(Conn& c, const std::string& workspace_id, auth::ResourceType type,
                       const std::string& name, const std::string& except_id) {
  auto& st = c.Prepare(
      "SELECT 1 FROM resources WHERE workspace_id = ? AND type = ? AND name = ? AND id != ?");
  st.bind(1, workspace_id);
  st.bind(2, auth::ResourceTypeKey(type));
  st.bind(3, name);
  st.bind(4, except_id);
  return st.executeStep();
}

void UpdateResource(Conn& c, const model::Resource& r) {
  auto& st = c.Prepare(
      "UPDATE resources SET name = ?, subtype = ?, enabled = ?, config = ?, extra = ?, "
      "updated_at = ? WHERE id = ? AND workspace_id = ?");
  st.bind(1, r.name);
  BindOpt(st, 2, r.subtype);
  st.bind(3, r.enabled ? 1 : 0);
  st.bind(4, r.config_json);
  st.bind(5, r.extra_json);
  st.bind(6, r.updated_at);
  st.bind(7, r.id);
  st.bind(8, r.workspace_id);
  st.exec();
}

void DeleteResource(Conn& c, const std::string& workspace_id, const std::string& id) {
  auto& st = c.Prepare("DELETE FROM resources WHERE id = ? AND workspace_id = ?");
  st.bind(1, id);
  st.bind(2, workspace_id);
  st.exec();
}

void InsertConnection(Conn& c, const model::Connection& conn) {
  auto& st = c.Prepare(
      "INSERT INTO connections (id, org_id, workspace_id, from_id, to_id, enabled, created_at, "
      "updated_at) VALUES (?,?,?,?,?,?,?,?)");
  st.bind(1, conn.id);
  st.bind(2, conn.org_id);
  st.bind(3, conn.workspace_id);
  st.bind(4, conn.from_id);
  st.bind(5, conn.to_id);
  st.bind(6, conn.enabled ? 1 : 0);
  st.bind(7, conn.created_at);
  st.bind(8, conn.updated_at);
  st.exec();
}

std::optional<model::Connection> FindConnection(Conn& c, const std::string& workspace_id,
                                                const std::string& id) {
  auto& st = c.Prepare(CONNECTION_SELECT "WHERE c.id = ? AND c.workspace_id = ?");
  st.bind(1, id);
  st.bind(2, workspace_id);
  if (!st.executeStep()) return std::nullopt;
  return ReadConnection(st, 0);
}

bool ConnectionExists(Conn& c, const std::string& from_id, const std::string& to_id) {
  auto& st = c.Prepare("SELECT 1 FROM connections WHERE from_id = ? AND to_id = ?");
  st.bind(1, from_id);
  st.bind(2, to_id);
  return st.executeStep();
}

std::vector<model::Connection> ConnectionsOfResource(Conn& c, const std::string& workspace_id,
                                                     const std::string& resource_id) {
  // SQLite answers the OR with two index lookups: from_id through the UNIQUE
  // (from_id, to_id) index, to_id through connections_to.
  auto& st = c.Prepare(CONNECTION_SELECT
                       "WHERE c.workspace_id = ?1 AND (c.from_id = ?2 OR c.to_id = ?2)"
                       " ORDER BY c.rowid");
  st.bind(1, workspace_id);
  st.bind(2, resource_id);
  std::vector<model::Connection> out;
  while (st.executeStep()) out.push_back(ReadConnection(st, 0));
  return out;
}

ConnectionPage ListConnections(Conn& c, const std::string& workspace_id, int limit,
                               int64_t offset) {
  // Same shape as ListResources. rowid is insertion order, and
  // connections_ws holds it after workspace_id, so no sort either.
  auto& st = c.Prepare(
      "SELECT (SELECT count(*) FROM connections WHERE workspace_id = ?1), c.id, c.org_id, "
      "c.workspace_id, c.from_id, f.type, c.to_id, t.type, c.enabled, c.created_at, "
      "c.updated_at FROM connections c JOIN resources f ON f.id = c.from_id "
      "JOIN resources t ON t.id = c.to_id WHERE c.workspace_id = ?1 "
      "ORDER BY c.rowid LIMIT ?2 OFFSET ?3");
  st.bind(1, workspace_id);
  st.bind(2, limit);
  st.bind(3, offset);
  ConnectionPage page;
  while (st.executeStep()) {
    page.total = st.getColumn(0).getInt64();
    page.items.push_back(ReadConnection(st, 1));
  }
  if (page.items.empty() && offset > 0) {
    auto& count = c.Prepare("SELECT count(*) FROM connections WHERE workspace_id = ?");
    count.bind(1, workspace_id);
    if (count.executeStep()) page.total = count.getColumn(0).getInt64();
  }
  return page;
}

void DeleteConnection(Conn& c, const std::string& workspace_id, const std::string& id) {
  auto& st = c.Prepare("DELETE FROM connections WHERE id = ? AND workspace_id = ?");
  st.bind(1, id);
  st.bind(2, workspace_id);
  st.exec();
}

}  // namespace accessd::store
