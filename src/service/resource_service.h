// resource_service.h — workspace resources (sources, destinations,
// transformations, libraries, tracking plans) and connections, with policy
// enforcement (SPEC §1, §3, §6). One method per use case.
//
// Every method runs the same ladder, and stops at the first step that fails:
//   1. the caller's workspace: a token's own (a `workspace_id` naming another
//      one is kNotFound; a PAT whose user no longer reaches it is
//      kForbidden), or for a session the `workspace_id` parameter (absent:
//      kInvalid; not reachable: kNotFound — admins reach every workspace of
//      their organization, members the ones they belong to);
//   2. the resource (or connection) by id within that workspace: kNotFound;
//   3. the permission, asked of the pure evaluator (auth/policy.h):
//      kForbidden with a message naming what is missing;
//   4. the request body (parsed by the handler, judged here so that a denied
//      caller learns nothing from validation): kInvalid; then conflicts:
//      kConflict;
//   5. one write job that performs the change and appends its audit row
//      (service/audit.h CommitChange).
// A request that fails any step changes nothing. Methods set ctx.target_type,
// ctx.target_id, ctx.action and ctx.workspace_id as soon as they know them,
// so the edge's audit row of a token request that was denied or failed names
// its target.
//
// Reads do no writes and, for token callers, one prepared statement. This
// class never sees a secret: writeKey is a public identifier of a source,
// but it is still kept out of audit details. Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/policy.h"
#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "service/auth_service.h"
#include "service/generation_cache.h"
#include "store/db.h"

namespace accessd::service {

// What a list request asks for: per_page 1..1000, page >= 1 (checked by the
// handler, which owns the query syntax).
struct PageRequest {
  int per_page = 100;
  int64_t page = 1;
};

template <typename T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;  // every item of the list, on all pages
  bool more = false;  // a later page holds more items
};

// A page of a resource list as List() answers and keeps it. The HTTP layer
// renders a page's items once, through ItemsText, and every later answer
// from the same kept page reuses that text: the page and its text are
// immutable once rendered, and dropped together when a change commits.
struct ListedPage : Page<model::Resource> {
  // The text `render(*this)` returns, computed by the first caller; the
  // others wait for it. `render` must be a pure function of the page.
  template <typename Render>
  const std::string& ItemsText(Render&& render) const {
    std::call_once(rendered_, [&] { text_ = render(*this); });
    return text_;
  }

 private:
  mutable std::once_flag rendered_;
  mutable std::string text_;
};

// A resource body as the handler read it. `parsed` is the JSON syntax check
// (unknown fields, wrong types); it is reported only after authorization.
// Absent fields are nullopt: PATCH leaves them alone, PUT resets them.
struct ResourceInput {
  Status parsed;
  std::optional<std::string> name;
  std::optional<std::string> subtype;  // "type" of sources and destinations
  std::optional<bool> enabled;
  std::optional<nlohmann::json> config;        // an object
  std::optional<bool> geo_enrichment_enabled;  // sources
  std::optional<bool> transient;               // sources
};

enum class UpdateMode { kPatch, kReplace };

// A connection body: exactly one of source_id / transformation_id and
// exactly one of destination_id / tracking_plan_id.
struct ConnectionInput {
  Status parsed;
  std::optional<std::string> source_id;
  std::optional<std::string> transformation_id;
  std::optional<std::string> destination_id;
  std::optional<std::string> tracking_plan_id;
  std::optional<bool> enabled;
};

// SPEC §4 audit target type of a resource type: "source", "destination",
// "transformation", "transformation_library", "tracking_plan".
const char* AuditTargetOf(auth::ResourceType t);

// For code that creates resources outside a request (the legacy importer),
// so that they are judged and stored exactly as ResourceService::Create
// judges and stores them:
// CheckNewResource answers the field errors of a new resource of `type`
// (name required, and type for sources and destinations; config nested at
// most 32 levels), named as in the API body ("name", "type", "config"), for
// an `in` whose `parsed` is Ok;
// NewResource builds the row of a valid `in`: a fresh id, trimmed name and
// type, defaults for absent fields, a generated writeKey for sources. It
// inserts nothing.
std::vector<FieldError> CheckNewResource(auth::ResourceType type, const ResourceInput& in);
model::Resource NewResource(const std::string& org_id, const std::string& workspace_id,
                            auth::ResourceType type, const ResourceInput& in, int64_t now);

class ResourceService {
 public:
  ResourceService(store::Database& db, const Clock& clock, AuthService& auth);

  // `workspace_param` is the `workspace_id` query parameter (nullopt when
  // absent); session callers must give it, token callers need not.

  // A page of the workspace's resources of `type`, oldest first. Pages are
  // kept (shared, immutable) until the next change of any kind commits
  // (service/generation_cache.h).
  StatusOr<std::shared_ptr<const ListedPage>> List(
      model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
      auth::ResourceType type, const PageRequest& page);
  // Lists answered from kept pages (for tests and the benchmark).
  uint64_t list_cache_hits() const;
  StatusOr<model::Resource> Get(model::RequestContext& ctx,
                                const std::optional<std::string>& workspace_param,
                                auth::ResourceType type, const std::string& id);
  // Needs create_delete covering future resources of the type. Names are
  // unique per type within a workspace (kConflict).
  StatusOr<model::Resource> Create(model::RequestContext& ctx,
                                   const std::optional<std::string>& workspace_param,
                                   auth::ResourceType type, const ResourceInput& in);
  // PATCH changes the given fields; PUT replaces (name, and type for sources
  // and destinations, required; absent optional fields take their defaults).
  // Needs edit on the resource.
  StatusOr<model::Resource> Update(model::RequestContext& ctx,
                                   const std::optional<std::string>& workspace_param,
                                   auth::ResourceType type, const std::string& id,
                                   const ResourceInput& in, UpdateMode mode);
  // Needs create_delete covering the resource. Its connections go with it,
  // and its id leaves every stored baseline/group/member policy of the
  // workspace, in the same transaction.
  Status Delete(model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
                auth::ResourceType type, const std::string& id);

  StatusOr<Page<model::Connection>> ListConnections(
      model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
      const PageRequest& page);
  StatusOr<model::Connection> GetConnection(model::RequestContext& ctx,
                                            const std::optional<std::string>& workspace_param,
                                            const std::string& id);
  // source→destination, transformation→destination or source→tracking plan;
  // needs edit and connect on both ends; an existing pair is kConflict.
  // The body's shape is checked before the ends are looked up (the ids to
  // look up come from it).
  StatusOr<model::Connection> Connect(model::RequestContext& ctx,
                                      const std::optional<std::string>& workspace_param,
                                      const ConnectionInput& in);
  // Needs edit and connect on both ends.
  Status Disconnect(model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
                    const std::string& id);

 private:
  // The caller's workspace and, when `need_permissions`, its permissions
  // there: a token's were computed when its Principal was built; a
  // session's are read from the database for this request.
  struct Scope {
    std::string workspace_id;
    bool token = false;
    auth::Permissions session_permissions;
    const auth::Permissions& permissions(const model::RequestContext& ctx) const {
      return token ? ctx.principal.token_permissions : session_permissions;
    }
  };
  StatusOr<Scope> ResolveScope(model::RequestContext& ctx,
                               const std::optional<std::string>& workspace_param,
                               bool need_permissions);

  store::Database& db_;
  const Clock& clock_;
  AuthService& auth_;
  GenerationCache<ListedPage> lists_;  // key: workspace/type/per_page/page
};

}  // namespace accessd::service
