// resource_service.cc — resources and connections (SPEC §1, §3, §6).
//
// The order of checks is part of the contract (see the header): workspace →
// lookup (404) → permission (403) → body (400) → conflicts (409) → one write
// job with its audit row. Lookups, permission checks and validation of
// changes run inside the write job, so what is checked is what is changed.
// This file must not write SQL (store/ does), must not render HTTP, and must
// never put a config's values or a source's writeKey into an audit row.
#include "service/resource_service.h"

#include <set>
#include <utility>

#include "base/random.h"
#include "service/audit.h"
#include "service/validate.h"
#include "store/audit_store.h"
#include "store/org_store.h"
#include "store/policy_store.h"
#include "store/resource_store.h"
#include "store/user_store.h"

namespace accessd::service {

namespace {

using auth::ResourceType;
using nlohmann::json;

// Deeper configs are refused: rendering JSON recurses, and no real
// configuration needs more than a handful of levels.
constexpr int kMaxConfigDepth = 32;

// Per resource type: the id prefix, and the singular noun for messages
// ("source not found"), indexed by ResourceType.
struct TypeNames {
  const char* id_prefix;
  const char* noun;
};
constexpr TypeNames kTypeNames[auth::kResourceTypeCount] = {
    {"src", "source"},       // kSources
    {"dst", "destination"},  // kDestinations
    {"trf", "transformation"},  // kTransformations
    {"lib", "library"},      // kLibraries
    {"tp", "tracking plan"},  // kTrackingPlans
};

const char* IdPrefixOf(ResourceType t) { return kTypeNames[static_cast<int>(t)].id_prefix; }
const char* NounOf(ResourceType t) { return kTypeNames[static_cast<int>(t)].noun; }

// Sources and destinations carry a free-text "type" (SPEC §6).
bool HasSubtype(ResourceType t) {
  return t == ResourceType::kSources || t == ResourceType::kDestinations;
}

const char* PolicySourceName(store::PolicySubject s) {
  switch (s) {
    case store::PolicySubject::kBaseline:
      return "baseline";
    case store::PolicySubject::kGroup:
      return "group";
    case store::PolicySubject::kMember:
      return "member";
  }
  return "";
}

// A 403 that names the missing permission, so a client (and the dashboard
// tooltip) can say what to ask an admin for.
Status Denied(const auth::Permissions& p, const std::string& what) {
  std::string msg = "needs " + what;
  if (p.view_only) msg += " (this token is read-only)";
  return Status::Forbidden(msg);
}

bool DepthWithin(const json& root, int max_depth) {
  std::vector<std::pair<const json*, int>> stack = {{&root, 1}};
  while (!stack.empty()) {
    auto [j, depth] = stack.back();
    stack.pop_back();
    if (depth > max_depth) return false;
    if (j->is_structured()) {
      for (const auto& child : *j) stack.push_back({&child, depth + 1});
    }
  }
  return true;
}

json ParseObject(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  return j.is_object() ? j : json::object();
}

bool ExtraFlag(const json& extra, const char* key) {
  auto it = extra.find(key);
  return it != extra.end() && it->is_boolean() && it->get<bool>();
}

// The top-level config keys whose values differ (added, removed or changed):
// what an audit row says about a config change, never the values.
std::vector<std::string> ChangedKeys(const json& before, const json& after) {
  std::set<std::string> keys;
  for (const auto& item : before.items()) {
    auto it = after.find(item.key());
    if (it == after.end() || *it != item.value()) keys.insert(item.key());
  }
  for (const auto& item : after.items()) {
    if (!before.contains(item.key())) keys.insert(item.key());
  }
  return {keys.begin(), keys.end()};
}

std::vector<std::string> Keys(const json& obj) {
  std::vector<std::string> out;
  for (const auto& item : obj.items()) out.push_back(item.key());
  return out;
}

// Body checks of a resource, after authorization. `complete`: POST and PUT,
// where name (and type for sources and destinations) are required. Merges
// the handler's syntax errors with these so one answer names every problem.
Status ValidateResource(ResourceType type, const ResourceInput& in, bool complete) {
  // A body that is not JSON at all has nothing further to check.
  if (!in.parsed.ok() && in.parsed.details().empty()) return in.parsed;
  std::vector<FieldError> errors = in.parsed.details();
  auto named = [&](const char* field) {
    for (const auto& e : errors) {
      if (e.field == field) return true;
    }
    return false;
  };
  if (in.name) {
    if (auto e = CheckName(*in.name)) errors.push_back({"name", *e});
  } else if (complete && !named("name")) {
    errors.push_back({"name", "is required"});
  }
  if (HasSubtype(type)) {
    if (in.subtype) {
      if (auto e = CheckName(*in.subtype)) errors.push_back({"type", *e});
    } else if (complete && !named("type")) {
      errors.push_back({"type", std::string("is required for ") + ResourceTypeKey(type)});
    }
  }
  if (in.config && !DepthWithin(*in.config, kMaxConfigDepth)) {
    errors.push_back({"config", "is nested too deeply (at most " + std::to_string(kMaxConfigDepth) +
                                    " levels)"});
  }
  if (!errors.empty()) {
    return Status::Invalid(std::string("invalid ") + NounOf(type), std::move(errors));
  }
  return Status::Ok();
}

json ExtraOf(ResourceType type, bool geo, bool transient) {
  if (type != ResourceType::kSources) return json::object();
  return {{"geoEnrichmentEnabled", geo}, {"transient", transient}};
}

json ConnectionDetails(const model::Connection& conn) {
  return {{model::ConnectionEndField(conn.from_type), conn.from_id},
          {model::ConnectionEndField(conn.to_type), conn.to_id},
          {"enabled", conn.enabled}};
}

int64_t OffsetOf(const PageRequest& page) {
  return (page.page - 1) * static_cast<int64_t>(page.per_page);
}

// One page of a list as the store read it: `more` when items lie beyond it.
template <typename T>
Page<T> PageOf(std::vector<T> items, int64_t total, const PageRequest& page) {
  Page<T> out;
  out.more = OffsetOf(page) + static_cast<int64_t>(items.size()) < total;
  out.total = total;
  out.items = std::move(items);
  return out;
}

// A kept page's bytes, for the list cache's bound: per row, the row and
// its text, plus the rendered text it will carry (estimated as twice the
// row's text for escapes, and 256 bytes of field names and timestamps).
size_t SizeOf(const ListedPage& page) {
  size_t n = sizeof(page);
  for (const model::Resource& r : page.items) {
    const size_t text = r.id.size() + r.org_id.size() + r.workspace_id.size() + r.name.size() +
                        r.subtype.value_or("").size() + r.config_json.size() +
                        r.extra_json.size() + r.write_key.value_or("").size();
    n += sizeof(r) + 3 * text + 256;
  }
  return n;
}

}  // namespace

const char* AuditTargetOf(ResourceType t) {
  switch (t) {
    case ResourceType::kSources:
      return "source";
    case ResourceType::kDestinations:
      return "destination";
    case ResourceType::kTransformations:
      return "transformation";
    case ResourceType::kLibraries:
      return "transformation_library";
    case ResourceType::kTrackingPlans:
      return "tracking_plan";
  }
  return "resource";
}

std::vector<FieldError> CheckNewResource(ResourceType type, const ResourceInput& in) {
  return ValidateResource(type, in, true).details();
}

model::Resource NewResource(const std::string& org_id, const std::string& workspace_id,
                            ResourceType type, const ResourceInput& in, int64_t now) {
  model::Resource r;
  r.id = NewId(IdPrefixOf(type));
  r.org_id = org_id;
  r.workspace_id = workspace_id;
  r.type = type;
  r.name = Trim(in.name.value_or(""));
  if (HasSubtype(type)) r.subtype = Trim(in.subtype.value_or(""));
  r.enabled = in.enabled.value_or(true);
  r.config_json = in.config.value_or(json::object()).dump();
  r.extra_json = ExtraOf(type, in.geo_enrichment_enabled.value_or(false),
                         in.transient.value_or(false))
                     .dump();
  // A write key identifies a source to the event pipeline; it is generated
  // here and read-only for clients (SPEC §6).
  if (type == ResourceType::kSources) r.write_key = RandomBase62(32);
  r.created_at = r.updated_at = now;
  return r;
}

ResourceService::ResourceService(store::Database& db, const Clock& clock, AuthService& auth)
    : db_(db), clock_(clock), auth_(auth), lists_(16u << 20, 1u << 20) {}

uint64_t ResourceService::list_cache_hits() const { return lists_.hits(); }

StatusOr<ResourceService::Scope> ResourceService::ResolveScope(
    model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
    bool need_permissions) {
  const model::Principal& p = ctx.principal;
  Scope scope;
  if (p.IsToken()) {
    // The edge refuses organization SATs on these routes; this keeps the
    // service safe if it is ever called another way.
    if (p.kind == model::Principal::Kind::kOrgSat) {
      return Status::TokenTypeNotAllowed(
          "organization tokens reach only the Audit Log API and SCIM");
    }
    // SPEC §3: a token's workspace is its own. A workspace_id naming another
    // one is a request for another workspace: 404, not silently ignored.
    if (workspace_param && !workspace_param->empty() && *workspace_param != p.token_workspace_id) {
      return Status::NotFound("workspace not found");
    }
    scope.workspace_id = p.token_workspace_id;
    scope.token = true;
    ctx.workspace_id = scope.workspace_id;
    if (p.kind == model::Principal::Kind::kPat && !p.reaches_workspace) {
      return Status::Forbidden("the owner of this token is no longer a member of its workspace");
    }
    return scope;
  }

  if (!p.user) return Status::Unauthenticated();
  if (!workspace_param || workspace_param->empty()) {
    return Status::Invalid("workspace_id is required for session callers",
                           {{"workspace_id", "is required"}});
  }
  const std::string& ws = *workspace_param;
  bool reaches = false;
  db_.Read([&](store::Conn& c) {
    // Scoped by organization: another organization's workspace is "not found".
    if (!store::FindWorkspace(c, p.org_id, ws)) return;
    if (need_permissions) {
      UserAccess access = ComputeUserAccess(c, *p.user, ws, p.access_model);
      reaches = access.reaches;
      scope.session_permissions = std::move(access.permissions);
    } else {
      reaches = p.IsAdminUser() || store::UserReachesWorkspace(c, p.user->id, ws);
    }
  });
  if (!reaches) return Status::NotFound("workspace not found");
  scope.workspace_id = ws;
  ctx.workspace_id = ws;
  return scope;
}

// ---- resources ----

StatusOr<std::shared_ptr<const ListedPage>> ResourceService::List(
    model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
    ResourceType type, const PageRequest& page) {
  ctx.target_type = AuditTargetOf(type);
  ctx.action = "listed";
  auto scope = ResolveScope(ctx, workspace_param, false);
  if (!scope.ok()) return scope.status();
  ctx.target_id = scope->workspace_id;
  // View is implicit for anyone who reaches the workspace (SPEC §1).
  // A list changes rarely and is the public API's hottest read: between
  // changes, pages come from memory (service/generation_cache.h).
  const uint64_t gen = db_.change_generation();
  const std::string key = scope->workspace_id + '/' + auth::ResourceTypeKey(type) + '/' +
                          std::to_string(page.per_page) + '/' + std::to_string(page.page);
  if (auto kept = lists_.Find(key, gen)) return kept;
  store::ResourcePage rows;
  db_.Read([&](store::Conn& c) {
    rows = store::ListResources(c, scope->workspace_id, type, page.per_page, OffsetOf(page));
  });
  auto fresh = std::make_shared<ListedPage>();
  static_cast<Page<model::Resource>&>(*fresh) = PageOf(std::move(rows.items), rows.total, page);
  std::shared_ptr<const ListedPage> out = std::move(fresh);
  lists_.Keep(key, gen, out, SizeOf(*out));
  return out;
}

StatusOr<model::Resource> ResourceService::Get(model::RequestContext& ctx,
                                               const std::optional<std::string>& workspace_param,
                                               ResourceType type, const std::string& id) {
  ctx.target_type = AuditTargetOf(type);
  ctx.target_id = id;
  ctx.action = "read";
  auto scope = ResolveScope(ctx, workspace_param, false);
  if (!scope.ok()) return scope.status();
  std::optional<model::Resource> r;
  db_.Read([&](store::Conn& c) { r = store::FindResource(c, scope->workspace_id, type, id); });
  if (!r) return Status::NotFound(std::string(NounOf(type)) + " not found");
  return *r;
}

StatusOr<model::Resource> ResourceService::Create(model::RequestContext& ctx,
                                                  const std::optional<std::string>& workspace_param,
                                                  ResourceType type, const ResourceInput& in) {
  ctx.target_type = AuditTargetOf(type);
  ctx.action = "created";
  auto scope = ResolveScope(ctx, workspace_param, true);
  if (!scope.ok()) return scope.status();
  ctx.target_id = scope->workspace_id;
  const auth::Permissions& perms = scope->permissions(ctx);
  // SPEC §1: creating needs create_delete covering future resources.
  if (!auth::CanCreate(perms, type)) {
    return Denied(perms, std::string("create_delete on ") + auth::ResourceTypeKey(type));
  }
  Status s = ValidateResource(type, in, true);
  if (!s.ok()) return s;

  model::Resource r = NewResource(ctx.principal.org_id, scope->workspace_id, type, in,
                                  clock_.NowMs());
  const json config = in.config.value_or(json::object());
  const bool geo = in.geo_enrichment_enabled.value_or(false);
  const bool transient = in.transient.value_or(false);

  s = CommitChange(db_, clock_, ctx, 201, [&](store::Conn& c, Change& ch) {
    if (store::ResourceNameTaken(c, r.workspace_id, type, r.name, "")) {
      return Status::Conflict(std::string("a ") + NounOf(type) + " named \"" + r.name +
                              "\" already exists in this workspace");
    }
    r.seq = store::InsertResource(c, r);
    json details = {{"name", r.name}, {"enabled", r.enabled}, {"configKeys", Keys(config)}};
    if (r.subtype) details["type"] = *r.subtype;
    if (type == ResourceType::kSources) {
      details["geoEnrichmentEnabled"] = geo;
      details["transient"] = transient;
    }
    ch = {AuditTargetOf(type), r.id, "created", r.workspace_id, std::move(details)};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  ctx.target_id = r.id;
  return r;
}

StatusOr<model::Resource> ResourceService::Update(model::RequestContext& ctx,
                                                  const std::optional<std::string>& workspace_param,
                                                  ResourceType type, const std::string& id,
                                                  const ResourceInput& in, UpdateMode mode) {
  ctx.target_type = AuditTargetOf(type);
  ctx.target_id = id;
  ctx.action = "updated";
  auto scope = ResolveScope(ctx, workspace_param, true);
  if (!scope.ok()) return scope.status();
  const auth::Permissions& perms = scope->permissions(ctx);
  const bool replace = mode == UpdateMode::kReplace;

  model::Resource out;
  Status s = CommitChange(db_, clock_, ctx, 200, [&](store::Conn& c, Change& ch) {
    auto r = store::FindResource(c, scope->workspace_id, type, id);
    if (!r) return Status::NotFound(std::string(NounOf(type)) + " not found");
    if (!auth::CanEdit(perms, auth::ResourceRef{type, r->id, r->seq})) {
      return Denied(perms, std::string("edit on ") + auth::ResourceTypeKey(type) + " (" + id + ")");
    }
    Status v = ValidateResource(type, in, replace);
    if (!v.ok()) return v;

    // PATCH keeps what was not sent; PUT resets it to the defaults.
    const json old_config = ParseObject(r->config_json);
    const json old_extra = ParseObject(r->extra_json);
    const std::string name = in.name ? Trim(*in.name) : r->name;
    std::optional<std::string> subtype = r->subtype;
    if (HasSubtype(type) && in.subtype) subtype = Trim(*in.subtype);
    const bool enabled = in.enabled ? *in.enabled : (replace ? true : r->enabled);
    const json config = in.config ? *in.config : (replace ? json::object() : old_config);
    const bool old_geo = ExtraFlag(old_extra, "geoEnrichmentEnabled");
    const bool old_transient = ExtraFlag(old_extra, "transient");
    const bool geo =
        in.geo_enrichment_enabled ? *in.geo_enrichment_enabled : (replace ? false : old_geo);
    const bool transient = in.transient ? *in.transient : (replace ? false : old_transient);

    json changed = json::object();
    if (name != r->name) {
      if (store::ResourceNameTaken(c, r->workspace_id, type, name, r->id)) {
        return Status::Conflict(std::string("a ") + NounOf(type) + " named \"" + name +
                                "\" already exists in this workspace");
      }
      changed["name"] = {{"from", r->name}, {"to", name}};
    }
    if (subtype != r->subtype) {
      changed["type"] = {{"from", r->subtype.value_or("")}, {"to", subtype.value_or("")}};
    }
    if (enabled != r->enabled) changed["enabled"] = {{"from", r->enabled}, {"to", enabled}};
    // Only the names of changed config keys: values may be credentials of
    // the systems a destination writes to.
    std::vector<std::string> keys = ChangedKeys(old_config, config);
    if (!keys.empty()) changed["configKeys"] = keys;
    if (type == ResourceType::kSources) {
      if (geo != old_geo) changed["geoEnrichmentEnabled"] = {{"from", old_geo}, {"to", geo}};
      if (transient != old_transient) {
        changed["transient"] = {{"from", old_transient}, {"to", transient}};
      }
    }

    if (!changed.empty()) {
      r->name = name;
      r->subtype = subtype;
      r->enabled = enabled;
      r->config_json = config.dump();
      r->extra_json = ExtraOf(type, geo, transient).dump();
      r->updated_at = clock_.NowMs();
      store::UpdateResource(c, *r);
    }
    ch = {AuditTargetOf(type),
          r->id,
          "updated",
          r->workspace_id,
          {{"name", r->name}, {"replace", replace}, {"changed", std::move(changed)}}};
    out = std::move(*r);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Status ResourceService::Delete(model::RequestContext& ctx,
                               const std::optional<std::string>& workspace_param, ResourceType type,
                               const std::string& id) {
  ctx.target_type = AuditTargetOf(type);
  ctx.target_id = id;
  ctx.action = "deleted";
  auto scope = ResolveScope(ctx, workspace_param, true);
  if (!scope.ok()) return scope.status();
  const auth::Permissions& perms = scope->permissions(ctx);
  const std::string ws = scope->workspace_id;

  return CommitChange(
      db_, clock_, ctx, 204,
      [&](store::Conn& c, Change& ch) {
        auto r = store::FindResource(c, ws, type, id);
        if (!r) return Status::NotFound(std::string(NounOf(type)) + " not found");
        if (!auth::CanDelete(perms, auth::ResourceRef{type, r->id, r->seq})) {
          return Denied(perms, std::string("create_delete on ") + auth::ResourceTypeKey(type) +
                                   " (" + id + ")");
        }
        const int64_t now = clock_.NowMs();
        // The connections go with the resource (ON DELETE CASCADE); each
        // removal is a change of its own and gets its own row (SPEC §4).
        std::vector<model::Connection> conns = store::ConnectionsOfResource(c, ws, r->id);
        store::DeleteResource(c, ws, r->id);
        json removed = json::array();
        for (const auto& conn : conns) {
          json d = ConnectionDetails(conn);
          d["reason"] = std::string(AuditTargetOf(type)) + "_deleted";
          Change cc{"connection", conn.id, "deleted", ws, std::move(d)};
          store::InsertAudit(c, MakeAuditRow(&ctx, ctx.principal.org_id, cc, "success", 204, now));
          removed.push_back(conn.id);
        }
        // Stored policies never name missing resources (auth::RemoveResourceId):
        // drop the id, keeping each document's seq_mark so that what counts as
        // "future" for it does not move.
        json policies = json::array();
        for (auto& sp : store::PoliciesOfWorkspace(c, ws)) {
          if (!auth::RemoveResourceId(&sp.policy, type, r->id)) continue;
          store::PutPolicy(c, ws, sp.subject, sp.subject_id, sp.policy, now);
          std::string name = PolicySourceName(sp.subject);
          if (!sp.subject_id.empty()) name += ":" + sp.subject_id;
          policies.push_back(std::move(name));
        }
        json details = {{"name", r->name},
                        {"connectionsRemoved", std::move(removed)},
                        {"policiesUpdated", std::move(policies)}};
        if (r->subtype) details["type"] = *r->subtype;
        ch = {AuditTargetOf(type), r->id, "deleted", ws, std::move(details)};
        return Status::Ok();
      },
      // Policies may have changed: cached principals are rebuilt before the
      // next request.
      [this] { auth_.InvalidateAccess(); });
}

// ---- connections ----

StatusOr<Page<model::Connection>> ResourceService::ListConnections(
    model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
    const PageRequest& page) {
  ctx.target_type = "connection";
  ctx.action = "listed";
  auto scope = ResolveScope(ctx, workspace_param, false);
  if (!scope.ok()) return scope.status();
  ctx.target_id = scope->workspace_id;
  store::ConnectionPage rows;
  db_.Read([&](store::Conn& c) {
    rows = store::ListConnections(c, scope->workspace_id, page.per_page, OffsetOf(page));
  });
  return PageOf(std::move(rows.items), rows.total, page);
}

StatusOr<model::Connection> ResourceService::GetConnection(
    model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
    const std::string& id) {
  ctx.target_type = "connection";
  ctx.target_id = id;
  ctx.action = "read";
  auto scope = ResolveScope(ctx, workspace_param, false);
  if (!scope.ok()) return scope.status();
  std::optional<model::Connection> conn;
  db_.Read([&](store::Conn& c) { conn = store::FindConnection(c, scope->workspace_id, id); });
  if (!conn) return Status::NotFound("connection not found");
  return *conn;
}

StatusOr<model::Connection> ResourceService::Connect(
    model::RequestContext& ctx, const std::optional<std::string>& workspace_param,
    const ConnectionInput& in) {
  ctx.target_type = "connection";
  ctx.action = "created";
  auto scope = ResolveScope(ctx, workspace_param, true);
  if (!scope.ok()) return scope.status();
  ctx.target_id = scope->workspace_id;
  const auth::Permissions& perms = scope->permissions(ctx);

  // The body names the ends, so its shape is checked before they are looked
  // up; a caller that may not connect anything learns nothing from it.
  if (perms.view_only) return Denied(perms, "edit and connect on both ends of a connection");
  if (!in.parsed.ok()) return in.parsed;
  std::vector<FieldError> errors;
  if (static_cast<int>(in.source_id.has_value()) + in.transformation_id.has_value() != 1) {
    errors.push_back({"sourceId", "give exactly one of sourceId and transformationId"});
  }
  if (static_cast<int>(in.destination_id.has_value()) + in.tracking_plan_id.has_value() != 1) {
    errors.push_back({"destinationId", "give exactly one of destinationId and trackingPlanId"});
  }
  if (errors.empty() && in.transformation_id && in.tracking_plan_id) {
    // SPEC §1: source→destination, transformation→destination, source→tracking plan.
    errors.push_back(
        {"trackingPlanId", "a transformation connects only to destinations, not tracking plans"});
  }
  if (!errors.empty()) return Status::Invalid("invalid connection", std::move(errors));

  model::Connection conn;
  conn.id = NewId("conn");
  conn.org_id = ctx.principal.org_id;
  conn.workspace_id = scope->workspace_id;
  conn.from_type = in.source_id ? ResourceType::kSources : ResourceType::kTransformations;
  conn.from_id = in.source_id ? *in.source_id : *in.transformation_id;
  conn.to_type = in.destination_id ? ResourceType::kDestinations : ResourceType::kTrackingPlans;
  conn.to_id = in.destination_id ? *in.destination_id : *in.tracking_plan_id;
  conn.enabled = in.enabled.value_or(true);
  conn.created_at = conn.updated_at = clock_.NowMs();

  Status s = CommitChange(db_, clock_, ctx, 201, [&](store::Conn& c, Change& ch) {
    auto from = store::FindResource(c, conn.workspace_id, conn.from_type, conn.from_id);
    if (!from) return Status::NotFound(std::string(NounOf(conn.from_type)) + " not found");
    auto to = store::FindResource(c, conn.workspace_id, conn.to_type, conn.to_id);
    if (!to) return Status::NotFound(std::string(NounOf(conn.to_type)) + " not found");
    // SPEC §1: a connection needs edit and connect on both ends.
    for (const model::Resource* end : {&*from, &*to}) {
      if (!auth::CanConnectEnd(perms, auth::ResourceRef{end->type, end->id, end->seq})) {
        return Denied(perms, std::string("edit and connect on ") +
                                 auth::ResourceTypeKey(end->type) + " (" + end->id + ")");
      }
    }
    if (store::ConnectionExists(c, conn.from_id, conn.to_id)) {
      return Status::Conflict("these resources are already connected");
    }
    store::InsertConnection(c, conn);
    ch = {"connection", conn.id, "created", conn.workspace_id, ConnectionDetails(conn)};
    return Status::Ok();
  });
  if (!s.ok()) return s;
  ctx.target_id = conn.id;
  return conn;
}

Status ResourceService::Disconnect(model::RequestContext& ctx,
                                   const std::optional<std::string>& workspace_param,
                                   const std::string& id) {
  ctx.target_type = "connection";
  ctx.target_id = id;
  ctx.action = "deleted";
  auto scope = ResolveScope(ctx, workspace_param, true);
  if (!scope.ok()) return scope.status();
  const auth::Permissions& perms = scope->permissions(ctx);
  const std::string ws = scope->workspace_id;

  return CommitChange(db_, clock_, ctx, 204, [&](store::Conn& c, Change& ch) {
    auto conn = store::FindConnection(c, ws, id);
    if (!conn) return Status::NotFound("connection not found");
    // Both ends exist while the connection does (ON DELETE CASCADE).
    auto from = store::FindResource(c, ws, conn->from_type, conn->from_id);
    auto to = store::FindResource(c, ws, conn->to_type, conn->to_id);
    if (!from || !to) return Status::NotFound("connection not found");
    for (const model::Resource* end : {&*from, &*to}) {
      if (!auth::CanConnectEnd(perms, auth::ResourceRef{end->type, end->id, end->seq})) {
        return Denied(perms, std::string("edit and connect on ") +
                                 auth::ResourceTypeKey(end->type) + " (" + end->id + ")");
      }
    }
    store::DeleteConnection(c, ws, id);
    ch = {"connection", conn->id, "deleted", ws, ConnectionDetails(*conn)};
    return Status::Ok();
  });
}

}  // namespace accessd::service
