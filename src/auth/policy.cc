// policy.cc — parsing, rendering and evaluating access policy documents
// (SPEC §1 "Policy document", §2 credentials, §3 who may do what).
//
// Everything here is a pure function over values: the only outside knowledge
// is the `exists` callback the caller passes to ParsePolicy. This file must
// not do I/O (no SQL, no HTTP, no logging), must not keep mutable global
// state, and must never turn a rejected document into a partial policy: a
// document with any error yields no policy at all.
#include "auth/policy.h"

#include "auth/legacy.h"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <utility>

namespace accessd::auth {

namespace {

using nlohmann::json;

// Indexed by ResourceType; the names are the SPEC §1 policy keys.
constexpr std::array<const char*, kResourceTypeCount> kTypeKeys = {
    "sources", "destinations", "transformations", "libraries", "tracking_plans"};

// The grantable actions, in Policy::grants index order.
constexpr std::array<Action, kGrantActionCount> kGrantActions = {Action::kEdit, Action::kConnect,
                                                                 Action::kCreateDelete};

constexpr std::array<ResourceType, kResourceTypeCount> kTypes = {
    ResourceType::kSources, ResourceType::kDestinations, ResourceType::kTransformations,
    ResourceType::kLibraries, ResourceType::kTrackingPlans};

constexpr const char* kGrantShape =
    R"(must be true, false or {"ids": [...], "includeFuture": bool})";

bool ValidType(ResourceType t) {
  const int i = static_cast<int>(t);
  return i >= 0 && i < kResourceTypeCount;
}

// Grant actions are 1..3 in the enum; kView (0) is implicit and never stored.
bool ValidGrantAction(Action a) {
  const int i = static_cast<int>(a);
  return i >= 1 && i <= kGrantActionCount;
}

std::optional<Action> ParseGrantActionKey(const std::string& key) {
  for (Action a : kGrantActions) {
    if (key == ActionKey(a)) return a;
  }
  // "view" is deliberately not accepted: it is implicit (SPEC §1), and
  // accepting it as a no-op would let clients believe they restricted it.
  return std::nullopt;
}

void AddError(std::vector<PolicyError>* errors, std::string path, std::string message) {
  errors->push_back(PolicyError{std::move(path), std::move(message)});
}

// Parses one permission value at `path` ("sources.edit"). Returns false on
// error (errors appended); on success *out holds the grant, or nullopt for a
// `false` value, which grants nothing and is dropped.
bool ParseGrant(const json& v, ResourceType t, const std::string& path,
                const ResourceExists& exists, std::optional<Grant>* out,
                std::vector<PolicyError>* errors) {
  out->reset();
  if (v.is_boolean()) {
    if (v.get<bool>()) {
      Grant g;
      g.all = true;
      *out = std::move(g);
    }
    return true;
  }
  if (!v.is_object()) {
    AddError(errors, path, kGrantShape);
    return false;
  }

  bool ok = true;
  Grant g;
  bool saw_ids = false;
  for (const auto& item : v.items()) {
    const std::string& key = item.key();
    const json& value = item.value();
    const std::string field_path = path + "." + key;
    if (key == "ids") {
      saw_ids = true;
      if (!value.is_array()) {
        AddError(errors, field_path, "must be an array of resource ids");
        ok = false;
        continue;
      }
      std::set<std::string> seen;
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string id_path = field_path + "[" + std::to_string(i) + "]";
        const json& id = value[i];
        if (!id.is_string()) {
          AddError(errors, id_path, "must be a string");
          ok = false;
          continue;
        }
        const std::string& s = id.get_ref<const std::string&>();
        // Duplicates are rejected rather than merged so that a stored
        // document is exactly what the client sent (SPEC §1: reject, 400).
        if (!seen.insert(s).second) {
          AddError(errors, id_path, "duplicate id \"" + s + "\"");
          ok = false;
          continue;
        }
        // SPEC §1: unknown ids are rejected. Resource ids are never reused,
        // so an id that does not exist now can never come to mean something.
        if (exists && !exists(t, s)) {
          AddError(errors, id_path,
                   std::string("unknown ") + ResourceTypeKey(t) + " id \"" + s + "\"");
          ok = false;
          continue;
        }
        g.ids.push_back(s);
      }
    } else if (key == "includeFuture") {
      // A non-boolean here must not be coerced: "false" (a string) is truthy
      // in some clients and would silently widen the grant.
      if (!value.is_boolean()) {
        AddError(errors, field_path, "must be a boolean");
        ok = false;
        continue;
      }
      g.include_future = value.get<bool>();
    } else {
      AddError(errors, field_path, "unknown key (expected \"ids\" or \"includeFuture\")");
      ok = false;
    }
  }
  // ids is required even when includeFuture is true: it keeps the object form
  // explicit, and `true` already exists for "everything".
  if (!saw_ids) {
    AddError(errors, path + ".ids", "required (an array of resource ids, may be empty)");
    ok = false;
  }
  if (ok) *out = std::move(g);
  return ok;
}

json GrantToJson(const Grant& g) {
  if (g.all) return true;
  // Canonical: sorted and unique, so equal grants render equally and the
  // document always passes ParsePolicy's duplicate check.
  std::vector<std::string> ids = g.ids;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return json{{"ids", ids}, {"includeFuture", g.include_future}};
}

// How the credential mode decides before any policy is consulted.
enum class Mode { kDenyAll, kAllowAll, kPolicies, kLegacy };

Mode ModeOf(const Permissions& p) {
  // view_only is checked first: a read_only PAT of an admin must stay
  // view-only (SPEC §2: a PAT's scope limits the user's permissions), so the
  // restrictive flag wins if a caller sets both.
  if (p.view_only) return Mode::kDenyAll;
  if (p.everything) return Mode::kAllowAll;
  return p.legacy ? Mode::kLegacy : Mode::kPolicies;
}

// True when some policy's grant for (r.type, a) covers r, each grant judged
// against the seq_mark of the policy it belongs to.
bool AnyCovers(const Permissions& p, Action a, const ResourceRef& r) {
  for (const SourcedPolicy& sp : p.policies) {
    const std::optional<Grant>& g = sp.policy.Get(r.type, a);
    if (g && GrantCovers(*g, sp.policy.seq_mark, r)) return true;
  }
  return false;
}

}  // namespace

const char* ResourceTypeKey(ResourceType t) {
  return ValidType(t) ? kTypeKeys[static_cast<int>(t)] : "";
}

std::optional<ResourceType> ParseResourceTypeKey(const std::string& key) {
  for (ResourceType t : kTypes) {
    if (key == kTypeKeys[static_cast<int>(t)]) return t;
  }
  return std::nullopt;
}

const char* ActionKey(Action a) {
  switch (a) {
    case Action::kView:
      return "view";
    case Action::kEdit:
      return "edit";
    case Action::kConnect:
      return "connect";
    case Action::kCreateDelete:
      return "create_delete";
  }
  return "";
}

const std::optional<Grant>& Policy::Get(ResourceType t, Action a) const {
  // Function-local static: initialized once (thread-safe since C++11) and
  // never written, so sharing it keeps Get pure.
  static const std::optional<Grant> kNone;
  if (!ValidType(t) || !ValidGrantAction(a)) return kNone;
  return grants[static_cast<int>(t)][static_cast<int>(a) - 1];
}

std::optional<Grant>& Policy::Mutable(ResourceType t, Action a) {
  if (!ValidType(t) || !ValidGrantAction(a)) {
    throw std::invalid_argument("Policy::Mutable: not a grantable type/action");
  }
  return grants[static_cast<int>(t)][static_cast<int>(a) - 1];
}

bool Policy::Empty() const {
  for (const auto& per_type : grants) {
    for (const auto& g : per_type) {
      if (g && !GrantsNothing(*g)) return false;
    }
  }
  return true;
}

std::optional<Policy> ParsePolicy(const nlohmann::json& doc, const ResourceExists& exists,
                                  std::vector<PolicyError>* errors) {
  std::vector<PolicyError> local;
  if (errors == nullptr) errors = &local;

  if (!doc.is_object()) {
    AddError(errors, "", "policy document must be a JSON object");
    return std::nullopt;
  }

  // Keep going after an error: the API answers 400 with every problem at once.
  bool ok = true;
  Policy policy;
  for (const auto& type_item : doc.items()) {
    const std::string& type_key = type_item.key();
    const std::optional<ResourceType> type = ParseResourceTypeKey(type_key);
    if (!type) {
      AddError(errors, type_key, "unknown resource type");
      ok = false;
      continue;
    }
    const json& perms = type_item.value();
    if (!perms.is_object()) {
      AddError(errors, type_key,
               "must be an object with \"edit\", \"connect\" and/or \"create_delete\"");
      ok = false;
      continue;
    }
    for (const auto& perm_item : perms.items()) {
      const std::string path = type_key + "." + perm_item.key();
      const std::optional<Action> action = ParseGrantActionKey(perm_item.key());
      if (!action) {
        AddError(errors, path,
                 "unknown permission (expected \"edit\", \"connect\" or \"create_delete\")");
        ok = false;
        continue;
      }
      std::optional<Grant> grant;
      if (!ParseGrant(perm_item.value(), *type, path, exists, &grant, errors)) {
        ok = false;
        continue;
      }
      policy.Mutable(*type, *action) = std::move(grant);
    }
  }
  if (!ok) return std::nullopt;
  return policy;
}

nlohmann::json PolicyToJson(const Policy& p) {
  json doc = json::object();
  for (ResourceType t : kTypes) {
    json perms = json::object();
    for (Action a : kGrantActions) {
      const std::optional<Grant>& g = p.Get(t, a);
      if (g) perms[ActionKey(a)] = GrantToJson(*g);
    }
    doc[ResourceTypeKey(t)] = std::move(perms);
  }
  return doc;
}

bool RemoveResourceId(Policy* p, ResourceType t, const std::string& id) {
  bool removed = false;
  for (Action a : kGrantActions) {
    std::optional<Grant>& g = p->Mutable(t, a);
    if (!g) continue;
    auto it = std::remove(g->ids.begin(), g->ids.end(), id);
    if (it != g->ids.end()) {
      g->ids.erase(it, g->ids.end());
      removed = true;
    }
    // The grant stays even with no ids left: dropping it would also drop an
    // includeFuture flag, and keeping it shows the admin what was granted.
  }
  return removed;
}

bool GrantCovers(const Grant& g, int64_t seq_mark, const ResourceRef& r) {
  if (g.all) return true;
  if (std::find(g.ids.begin(), g.ids.end(), r.id) != g.ids.end()) return true;
  // Strictly greater: a resource that existed when the policy was saved
  // (seq <= mark) was visible to the admin and deliberately not listed.
  return g.include_future && r.seq > seq_mark;
}

bool GrantCoversFuture(const Grant& g) { return g.all || g.include_future; }

bool GrantsNothing(const Grant& g) { return !g.all && g.ids.empty() && !g.include_future; }

bool CanView(const Permissions& /*p*/) { return true; }

bool CanEdit(const Permissions& p, const ResourceRef& r) {
  switch (ModeOf(p)) {
    case Mode::kDenyAll:
      return false;
    case Mode::kAllowAll:
      return true;
    case Mode::kLegacy:
      return LegacyCanEdit(*p.legacy, r);
    case Mode::kPolicies:
      break;
  }
  return AnyCovers(p, Action::kEdit, r);
}

bool CanDelete(const Permissions& p, const ResourceRef& r) {
  switch (ModeOf(p)) {
    case Mode::kDenyAll:
      return false;
    case Mode::kAllowAll:
      return true;
    case Mode::kLegacy:
      return LegacyCanDelete(*p.legacy, r);
    case Mode::kPolicies:
      break;
  }
  return AnyCovers(p, Action::kCreateDelete, r);
}

bool CanCreate(const Permissions& p, ResourceType t) {
  switch (ModeOf(p)) {
    case Mode::kDenyAll:
      return false;
    case Mode::kAllowAll:
      return true;
    case Mode::kLegacy:
      return LegacyCanCreate(*p.legacy, t);
    case Mode::kPolicies:
      break;
  }
  // SPEC §1: creating needs create_delete covering future resources; the new
  // resource's seq exceeds every existing mark, so any includeFuture grant
  // will cover it.
  for (const SourcedPolicy& sp : p.policies) {
    const std::optional<Grant>& g = sp.policy.Get(t, Action::kCreateDelete);
    if (g && GrantCoversFuture(*g)) return true;
  }
  return false;
}

bool CanConnectEnd(const Permissions& p, const ResourceRef& r) {
  switch (ModeOf(p)) {
    case Mode::kDenyAll:
      return false;
    case Mode::kAllowAll:
      return true;
    case Mode::kLegacy:
      return LegacyCanConnectEnd(*p.legacy, r);
    case Mode::kPolicies:
      break;
  }
  // Edit and connect are looked up independently: the effective permission is
  // the union of all policies (SPEC §1), so a baseline granting edit and a
  // group granting connect together allow connecting.
  return AnyCovers(p, Action::kEdit, r) && AnyCovers(p, Action::kConnect, r);
}

bool CanConnect(const Permissions& p, const ResourceRef& from, const ResourceRef& to) {
  return CanConnectEnd(p, from) && CanConnectEnd(p, to);
}

nlohmann::json ExplainPermissions(const Permissions& p) {
  const Mode mode = ModeOf(p);
  json permissions = json::object();
  json sources = json::object();
  for (ResourceType t : kTypes) {
    json type_perms = json::object();
    json type_sources = json::object();
    for (Action a : kGrantActions) {
      if (mode == Mode::kDenyAll) continue;
      if (mode == Mode::kAllowAll) {
        type_perms[ActionKey(a)] = true;
        continue;
      }
      bool all = false;
      bool include_future = false;
      std::set<std::string> ids;  // sorted, for deterministic output
      std::vector<std::string> from;
      for (const SourcedPolicy& sp : p.policies) {
        const std::optional<Grant>& g = sp.policy.Get(t, a);
        if (!g || GrantsNothing(*g)) continue;
        all = all || g->all;
        include_future = include_future || g->include_future;
        ids.insert(g->ids.begin(), g->ids.end());
        if (std::find(from.begin(), from.end(), sp.source) == from.end()) {
          from.push_back(sp.source);
        }
      }
      if (from.empty()) continue;
      if (all) {
        type_perms[ActionKey(a)] = true;
      } else {
        type_perms[ActionKey(a)] = json{{"ids", std::vector<std::string>(ids.begin(), ids.end())},
                                        {"includeFuture", include_future}};
      }
      type_sources[ActionKey(a)] = std::move(from);
    }
    permissions[ResourceTypeKey(t)] = std::move(type_perms);
    sources[ResourceTypeKey(t)] = std::move(type_sources);
  }
  return json{{"permissions", std::move(permissions)},
              {"sources", std::move(sources)},
              {"everything", mode == Mode::kAllowAll},
              {"viewOnly", mode == Mode::kDenyAll}};
}

}  // namespace accessd::auth
