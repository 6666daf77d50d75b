// policy.h — access policy documents (SPEC §1) and the pure evaluator.
//
// A policy document grants, per resource type, up to three permissions
// (edit, connect, create_delete). Each grant is either "every resource of
// the type, including future ones" or a list of ids plus an includeFuture
// flag. Policies only ever add: the effective permissions of a principal are
// the union of several policies (baseline, groups, member policy, or a
// workspace SAT's own policy).
//
// "Future" is made exact with a sequence mark: every resource carries a
// monotonically increasing `seq` (never reused), and every stored policy
// remembers the highest resource seq that existed when it was saved
// (`seq_mark`). A resource is "created later" than the policy iff
// resource.seq > policy.seq_mark.
//
// This file does no I/O: no SQL, no HTTP. nlohmann::json is used only as the
// value type of the document. Everything here is thread-safe (pure functions
// over values).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace accessd::auth {

enum class ResourceType { kSources = 0, kDestinations, kTransformations, kLibraries, kTrackingPlans };
inline constexpr int kResourceTypeCount = 5;

// view is implicit for anyone who reaches the workspace; the others are grants.
enum class Action { kView = 0, kEdit, kConnect, kCreateDelete };
inline constexpr int kGrantActionCount = 3;  // edit, connect, create_delete

// Policy keys as they appear in documents: "sources", "destinations",
// "transformations", "libraries", "tracking_plans".
const char* ResourceTypeKey(ResourceType t);
std::optional<ResourceType> ParseResourceTypeKey(const std::string& key);
// "edit", "connect", "create_delete" ("view" for kView).
const char* ActionKey(Action a);

// One permission for one resource type.
struct Grant {
  bool all = false;               // `true` in the document
  std::vector<std::string> ids;   // the listed resources (when !all)
  bool include_future = false;    // plus resources with seq > seq_mark
};

struct Policy {
  // grants[type][action-1]; action index 0 = edit, 1 = connect, 2 = create_delete.
  std::array<std::array<std::optional<Grant>, kGrantActionCount>, kResourceTypeCount> grants;
  // Highest resource seq that existed when this policy was saved.
  int64_t seq_mark = 0;

  // Get answers nullopt for Action::kView (view is never a grant) and for
  // out-of-range enum values. Mutable throws std::invalid_argument for those,
  // since writing a view grant is a programming error.
  const std::optional<Grant>& Get(ResourceType t, Action a) const;
  std::optional<Grant>& Mutable(ResourceType t, Action a);
  bool Empty() const;  // grants nothing: every grant absent or GrantsNothing
};

// One field error of a rejected document: `path` like "sources.edit.ids[2]".
// The empty path "" names the document itself (e.g. when it is not an object).
struct PolicyError {
  std::string path;
  std::string message;
};

// Answers whether a resource id of the given type exists in the workspace the
// policy is for (used to reject unknown ids).
using ResourceExists = std::function<bool(ResourceType, const std::string& id)>;

// Parses and validates a document. Returns the policy, or nullopt with at
// least one error appended to *errors. Rejected: a non-object document,
// unknown resource-type keys, unknown permission keys, values other than
// `true`/`false`/`{"ids": [...], "includeFuture": bool}` (a `false` value
// grants nothing and is dropped), unknown keys inside the object form, ids
// that are not strings, duplicate ids, and ids for which `exists` is false.
// `includeFuture` may be omitted (false). The returned policy's seq_mark is 0;
// the caller sets it when storing.
// Every error is reported (not only the first), in document key order, so a
// client can fix a document in one round trip. `exists` is called only for
// string, non-duplicate ids; an empty `exists` skips the existence check (for
// re-reading documents that were validated when they were stored). `errors`
// may be null when the caller only needs the verdict.
std::optional<Policy> ParsePolicy(const nlohmann::json& doc, const ResourceExists& exists,
                                  std::vector<PolicyError>* errors);

// The canonical document: only granted permissions appear; every resource
// type key appears (possibly as {}). Round-trips through ParsePolicy.
// ids are rendered sorted and de-duplicated. A present grant whose ids became
// empty (see RemoveResourceId) is kept as {"ids": [], "includeFuture": false}.
nlohmann::json PolicyToJson(const Policy& p);

// Drops ids of resources that no longer exist (called when a resource is
// deleted, so that stored documents never name missing resources).
// Removes the id from every grant of type t; the grants themselves stay, even
// when their id list becomes empty. Returns true when something was removed.
bool RemoveResourceId(Policy* p, ResourceType t, const std::string& id);

// A resource as the evaluator sees it.
struct ResourceRef {
  ResourceType type;
  std::string id;
  int64_t seq = 0;
};

// Where a policy came from, for explanations ("baseline", "group:<id>",
// "member", "token").
struct SourcedPolicy {
  std::string source;
  Policy policy;
};

struct LegacyAccess;  // auth/legacy.h

// The effective permission set of a principal in one workspace.
struct Permissions {
  bool everything = false;   // admins (and legacy admin tokens): bypass policies
  bool view_only = false;    // read_only PATs: view and nothing else
  std::vector<SourcedPolicy> policies;  // union of these
  // Organizations on the legacy model (SPEC §7): when set, the decisions
  // follow the legacy rules (auth/legacy.h) and `policies` only explains
  // them (it holds the equivalent policy, for GET /api/me and the like).
  std::shared_ptr<const LegacyAccess> legacy;
};

// True when the grant covers the resource, given the mark of the policy it
// belongs to.
bool GrantCovers(const Grant& g, int64_t seq_mark, const ResourceRef& r);
// True when the grant covers resources created after seq_mark (`all` or includeFuture).
bool GrantCoversFuture(const Grant& g);
// True when the grant covers no resource now or later: not `all`, no ids and
// no includeFuture (e.g. `{"ids": []}`).
bool GrantsNothing(const Grant& g);

// The decisions. All are pure; view is always allowed for anyone holding a
// Permissions value (reaching the workspace is checked by the caller).
// `view_only` wins over `everything`: an admin's read_only PAT is view-only.
bool CanView(const Permissions& p);
bool CanEdit(const Permissions& p, const ResourceRef& r);
bool CanDelete(const Permissions& p, const ResourceRef& r);       // create_delete covering r
bool CanCreate(const Permissions& p, ResourceType t);            // create_delete covering future
bool CanConnectEnd(const Permissions& p, const ResourceRef& r);  // edit AND connect covering r
// A connection needs edit and connect on both ends (SPEC §1).
bool CanConnect(const Permissions& p, const ResourceRef& from, const ResourceRef& to);

// Explanation of one permission for one resource type, for GET /api/me and
// /api/workspaces/{ws}/effective/{userId}: which sources grant it and how.
// Returns the union as a document (same shape as a policy document: `true`,
// or {"ids": [...], "includeFuture": bool}) plus, per type and action, the
// list of sources that contributed.
//   {"permissions": <policy document>,
//    "sources": {"sources": {"edit": ["baseline", "group:grp_1"]}, ...},
//    "everything": bool, "viewOnly": bool}
// ids that came from includeFuture grants are not expanded here.
// Deterministic: ids sorted, sources in the order of p.policies (each named
// once), grants that grant nothing left out. "everything" and "viewOnly"
// report the effective mode (view_only wins); under either, "permissions"
// shows what the mode allows (all `true`, or all `{}`) and "sources" is empty
// per type, because the policies did not decide.
nlohmann::json ExplainPermissions(const Permissions& p);

}  // namespace accessd::auth
