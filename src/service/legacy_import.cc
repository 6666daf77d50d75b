// legacy_import.cc — the legacy export (legacy-export.md) judged as a whole,
// then written as one organization on the legacy access model (SPEC §7).
//
// Order: read every member of the document, collecting each problem with its
// path → ask the database what the file would collide with (live users'
// emails, token values imported before) → hash passwords and token values
// with Argon2id outside the writer (Argon2 must never run inside a write
// batch: it would hold up every other writer) → one write job that asks the
// database again, so that what is checked is what is written, and inserts
// everything with one audit row.
//
// This file must not write SQL (store/ does). It must never put a token
// value or a password into a message, a log line or an audit row: messages
// name paths, never the values found there.
#include "service/legacy_import.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "auth/legacy.h"
#include "auth/secret_hash.h"
#include "auth/token_format.h"
#include "base/digest.h"
#include "base/random.h"
#include "model/types.h"
#include "service/audit.h"
#include "service/resource_service.h"
#include "service/validate.h"
#include "store/audit_store.h"
#include "store/legacy_store.h"
#include "store/org_store.h"
#include "store/resource_store.h"
#include "store/token_store.h"
#include "store/user_store.h"

namespace accessd::service {

namespace {

using auth::ResourceType;
using nlohmann::json;

constexpr char kRejected[] = "the legacy export was rejected";

// ---- paths and problems ----

std::string MemberPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string ElementPath(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Every problem found, in the order found; one per path (the first thing
// wrong there), so that a missing value is not also reported as invalid.
class Problems {
 public:
  void Add(const std::string& path, std::string message) {
    if (paths_.insert(path).second) list_.push_back({path, std::move(message)});
  }
  bool empty() const { return list_.empty(); }
  const std::vector<FieldError>& list() const { return list_; }

 private:
  std::set<std::string> paths_;
  std::vector<FieldError> list_;
};

// Reads the members of one JSON object, each with the type it must have;
// Done() reports every member that no read asked for. A null member counts
// as absent.
class Members {
 public:
  Members(const json& object, std::string path, Problems& problems)
      : object_(object), path_(std::move(path)), problems_(problems) {}

  const std::string& path() const { return path_; }
  std::string PathOf(const std::string& key) const { return MemberPath(path_, key); }

  std::optional<std::string> Str(const char* key, bool required) {
    const json* v = Get(key, required, json::value_t::string, "must be a string");
    return v ? std::optional<std::string>(v->get<std::string>()) : std::nullopt;
  }
  std::optional<bool> Bool(const char* key) {
    const json* v = Get(key, false, json::value_t::boolean, "must be true or false");
    return v ? std::optional<bool>(v->get<bool>()) : std::nullopt;
  }
  const json* Object(const char* key, bool required) {
    return Get(key, required, json::value_t::object, "must be an object");
  }
  const json* Array(const char* key, bool required) {
    return Get(key, required, json::value_t::array, "must be an array");
  }
  // Whether the member is there (and not null), whatever its type.
  bool Given(const char* key) const {
    auto it = object_.find(key);
    return it != object_.end() && !it->is_null();
  }

  void Done() {
    for (const auto& item : object_.items()) {
      if (!known_.count(item.key())) problems_.Add(PathOf(item.key()), "unknown field");
    }
  }

 private:
  const json* Get(const char* key, bool required, json::value_t type, const char* type_message) {
    known_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) problems_.Add(PathOf(key), "is required");
      return nullptr;
    }
    if (it->type() != type) {
      problems_.Add(PathOf(key), type_message);
      return nullptr;
    }
    return &*it;
  }

  const json& object_;
  std::string path_;
  Problems& problems_;
  std::set<std::string> known_;
};

// Calls `read` for every element of the array `list` (at `path`) that is an
// object, and reports the others.
void ForEachObject(const json* list, const std::string& path, Problems& problems,
                   const std::function<void(const json&, const std::string&)>& read) {
  if (!list) return;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string at = ElementPath(path, i);
    if ((*list)[i].is_object()) {
      read((*list)[i], at);
    } else {
      problems.Add(at, "must be an object");
    }
  }
}

// ---- the document as read ----

// The keys of one collection: each names the index and path of the object
// that carries it.
struct Keyed {
  size_t index = 0;
  std::string path;
};
using KeyIndex = std::map<std::string, Keyed>;

struct UserIn {
  std::string path;
  model::User row;
  std::optional<std::string> password;             // plain: hashed before the write
  std::optional<std::string> password_hash;        // an Argon2id PHC string: stored as is
  std::optional<std::string> stored_hash;          // what the users row gets
  std::map<size_t, auth::LegacyRole> memberships;  // workspace index → role (members)
};

struct ResourceIn {
  std::string path;
  std::optional<size_t> workspace;
  std::optional<ResourceType> type;
  ResourceInput input;
  std::vector<std::pair<std::string, std::string>> allow_keys;  // (key, its path)
  std::optional<std::vector<std::string>> allow_ids;            // user ids and token key ids
  model::Resource row;                                          // built once the file is accepted
};

struct ConnectionIn {
  size_t from = 0;  // resource indexes
  size_t to = 0;
  model::Connection row;
};

// A service access token or a personal access token.
struct TokenIn {
  std::string path;
  model::Token row;                      // key id, kind, name, scope
  std::optional<size_t> workspace;       // workspace SATs and PATs
  std::optional<size_t> user;            // PATs
  std::optional<auth::LegacyRole> role;  // workspace SATs
  std::string value;                     // the legacy secret itself: hashed, never shown
  std::string lookup;                    // SHA-256 hex of value: the authentication index
  std::string secret_hash;               // Argon2id PHC of value
};

struct Plan {
  model::Organization org;
  std::vector<model::Workspace> workspaces;
  KeyIndex workspace_keys;
  std::vector<UserIn> users;
  KeyIndex user_keys;
  std::vector<ResourceIn> resources;
  KeyIndex resource_keys;
  std::vector<ConnectionIn> connections;
  std::vector<TokenIn> sats;
  KeyIndex sat_keys;
  std::vector<TokenIn> pats;
};

// ---- field rules ----

// Reads `key` and registers it for the object at `index` of its collection:
// required, 1-100 characters without control characters, and new there.
void ReadKey(Members& m, KeyIndex& keys, size_t index, Problems& p) {
  auto key = m.Str("key", true);
  if (!key) return;
  const std::string at = m.PathOf("key");
  if (key->empty()) {
    p.Add(at, "must not be empty");
  } else if (auto e = CheckText(*key, 100)) {
    p.Add(at, *e);
  } else if (auto [it, fresh] = keys.emplace(*key, Keyed{index, m.path()}); !fresh) {
    p.Add(at, "repeats the key of " + it->second.path);
  }
}

// The index of the object whose key `key` is, or a problem at `path`.
std::optional<size_t> Resolve(const KeyIndex& keys, const std::optional<std::string>& key,
                              const std::string& path, const char* what, Problems& p) {
  if (!key) return std::nullopt;
  auto it = keys.find(*key);
  if (it == keys.end()) {
    p.Add(path, std::string("is not the key of ") + what + " in this file");
    return std::nullopt;
  }
  return it->second.index;
}

// A name (organization, workspace, token): validate.h's rule, trimmed.
std::optional<std::string> ReadName(Members& m, Problems& p) {
  auto name = m.Str("name", true);
  if (!name) return std::nullopt;
  if (auto e = CheckName(*name)) {
    p.Add(m.PathOf("name"), *e);
    return std::nullopt;
  }
  return Trim(*name);
}

std::optional<uint64_t> ParseDecimal(std::string_view s, uint64_t max) {
  if (s.empty() || s.size() > 10 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

// The number of bytes that unpadded standard base64 `s` decodes to, or
// nullopt. Like libargon2's decoder, it refuses a final character whose
// unused low bits are not zero (such a hash could never verify).
std::optional<size_t> Base64Bytes(std::string_view s) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (s.empty() || s.size() % 4 == 1) return std::nullopt;
  size_t last = 0;
  for (char ch : s) {
    last = kAlphabet.find(ch);
    if (last == std::string::npos) return std::nullopt;
  }
  const size_t unused_bits = s.size() % 4 == 2 ? 4 : s.size() % 4 == 3 ? 2 : 0;
  if ((last & ((1u << unused_bits) - 1)) != 0) return std::nullopt;
  return s.size() * 3 / 4;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Bounds on an imported password hash. Every login against it runs Argon2
// with the cost it names, so an absurd cost would make each login attempt a
// denial of service; these admit every common setting (up to 256 MiB, 16
// passes, 16 lanes). Salt and hash lengths are libargon2's own minimums
// (salt 8 bytes) or stricter (hash 16 bytes), at most 64 bytes each.
constexpr uint64_t kMaxImportedMemoryKib = 256 * 1024;
constexpr uint64_t kMaxImportedPasses = 16;
constexpr uint64_t kMaxImportedLanes = 16;

// SPEC §1: passwords at rest are Argon2id. An imported hash is stored as is,
// so its shape is checked here rather than trusted:
//   $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>
// with salt and hash in unpadded base64, exactly as libargon2 writes and
// reads it (auth::VerifySecret).
std::optional<std::string> CheckPasswordHash(const std::string& phc) {
  const std::string shape =
      "must be an Argon2id PHC string ($argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>)";
  std::vector<std::string_view> parts = Split(phc, '$');
  if (parts.size() != 6 || !parts[0].empty() || parts[1] != "argon2id" || parts[2] != "v=19") {
    return shape;
  }
  std::vector<std::string_view> params = Split(parts[3], ',');
  if (params.size() != 3 || params[0].substr(0, 2) != "m=" || params[1].substr(0, 2) != "t=" ||
      params[2].substr(0, 2) != "p=") {
    return shape;
  }
  auto lanes = ParseDecimal(params[2].substr(2), kMaxImportedLanes);
  if (!lanes || *lanes == 0) return "must name 1 to 16 lanes (p)";
  auto passes = ParseDecimal(params[1].substr(2), kMaxImportedPasses);
  if (!passes || *passes == 0) return "must name 1 to 16 passes (t)";
  // libargon2 needs at least 8 KiB per lane.
  auto memory = ParseDecimal(params[0].substr(2), kMaxImportedMemoryKib);
  if (!memory || *memory < 8 * *lanes) return "must name 8 KiB per lane to 256 MiB (m)";
  auto salt = Base64Bytes(parts[4]);
  if (!salt || *salt < 8 || *salt > 64) return "must have a salt of 8 to 64 bytes (base64)";
  auto hash = Base64Bytes(parts[5]);
  if (!hash || *hash < 16 || *hash > 64) return "must have a hash of 16 to 64 bytes (base64)";
  return std::nullopt;
}

// A token value as the old system issued it (legacy-export.md): 20-128
// printable ASCII characters without spaces. auth::ClassifyToken must call
// it legacy, or authentication would never look it up by its digest; the
// acd_ prefix belongs to this server's own tokens.
void ReadTokenValue(Members& m, TokenIn& t, Problems& p) {
  auto value = m.Str("token", true);
  if (!value) return;
  switch (auth::ClassifyToken(*value)) {
    case auth::TokenClass::kAccessd:
      p.Add(m.PathOf("token"), "must not start with acd_ (this server's own tokens do)");
      return;
    case auth::TokenClass::kMalformed:
      p.Add(m.PathOf("token"), "must be 20 to 128 printable ASCII characters without spaces");
      return;
    case auth::TokenClass::kLegacy:
      break;
  }
  t.value = *value;
  t.lookup = Sha256Hex(*value);  // the index AuthService::AuthenticateToken looks up
}

// ---- one reader per collection ----

void ReadOrganization(const json* object, Plan& plan, Problems& p) {
  if (!object) return;
  Members m(*object, "organization", p);
  auto name = ReadName(m, p);
  m.Done();
  if (name) plan.org.name = *name;
}

void ReadWorkspace(const json& object, const std::string& path, Plan& plan,
                   std::map<std::string, std::string>& names, Problems& p) {
  Members m(object, path, p);
  ReadKey(m, plan.workspace_keys, plan.workspaces.size(), p);
  auto name = ReadName(m, p);
  auto environment = m.Str("environment", false);
  m.Done();
  model::Workspace w;
  w.id = NewId("ws");
  if (name) {
    w.name = *name;
    // Unique per organization ignoring case, as the workspaces_org_name index
    // (COLLATE NOCASE) and the dashboard's create check have it.
    auto [it, fresh] = names.emplace(Lower(w.name), path);
    if (!fresh) p.Add(m.PathOf("name"), "repeats the name of " + it->second + " (ignoring case)");
  }
  if (environment) {
    if (auto e = CheckText(*environment, 100)) {
      p.Add(m.PathOf("environment"), *e);
    } else {
      w.environment = Trim(*environment);
    }
  }
  plan.workspaces.push_back(std::move(w));
}

// SPEC §1: an email is unique among the install's live users, ignoring case.
// Here within the file; DatabaseConflicts checks the live users.
void ReadEmail(Members& m, const std::optional<std::string>& email,
               std::map<std::string, std::string>& emails, UserIn& u, Problems& p) {
  if (!email) return;
  if (auto e = CheckEmail(*email)) {
    p.Add(m.PathOf("email"), *e);
    return;
  }
  u.row.email = *email;
  auto [it, fresh] = emails.emplace(Lower(*email), m.path());
  if (!fresh) p.Add(m.PathOf("email"), "repeats the email of " + it->second + " (ignoring case)");
}

void ReadCredentials(const Members& m, const UserIn& u, Problems& p) {
  if (u.password && u.password_hash) {
    p.Add(m.PathOf("passwordHash"), "give password or passwordHash, not both");
    return;
  }
  if (u.password) {
    if (auto e = CheckPassword(*u.password)) p.Add(m.PathOf("password"), *e);
  }
  if (u.password_hash) {
    if (auto e = CheckPasswordHash(*u.password_hash)) p.Add(m.PathOf("passwordHash"), *e);
  }
}

// A member's workspaces: workspace key → {connections, transformationsEdit}.
// The member reaches exactly these (SPEC §7); admins reach all, so an admin
// that lists some is a mistake in the file, not something to drop silently.
void ReadMemberships(const json& map, const std::string& path, const Plan& plan, UserIn& u,
                     Problems& p) {
  if (u.row.role == model::Role::kAdmin) {
    p.Add(path, "admins reach every workspace: only members list workspaces");
    return;
  }
  for (const auto& item : map.items()) {
    const std::string at = MemberPath(path, item.key());
    auto ws = plan.workspace_keys.find(item.key());
    if (ws == plan.workspace_keys.end()) {
      p.Add(at, "is not the key of a workspace in this file");
      continue;
    }
    if (!item.value().is_object()) {
      p.Add(at, "must be an object");
      continue;
    }
    Members m(item.value(), at, p);
    auto connections = m.Str("connections", true);
    auto transformations = m.Bool("transformationsEdit");
    m.Done();
    auth::LegacyRole role;
    role.transformations_edit = transformations.value_or(false);
    if (connections) {
      auto parsed = auth::ParseConnectionsRole(*connections);
      if (parsed) {
        role.connections = *parsed;
      } else {
        p.Add(m.PathOf("connections"),
              "must be connections_admin, connections_editor or connections_viewer");
      }
    }
    u.memberships[ws->second.index] = role;
  }
}

void ReadUser(const json& object, const std::string& path, Plan& plan,
              std::map<std::string, std::string>& emails, Problems& p) {
  Members m(object, path, p);
  UserIn u;
  u.path = path;
  u.row.id = NewId("usr");
  ReadKey(m, plan.user_keys, plan.users.size(), p);
  auto email = m.Str("email", true);
  auto display_name = m.Str("displayName", false);
  auto role = m.Str("role", true);
  u.password = m.Str("password", false);
  u.password_hash = m.Str("passwordHash", false);
  const json* workspaces = m.Object("workspaces", false);
  m.Done();
  ReadEmail(m, email, emails, u, p);
  if (display_name) {
    if (auto e = CheckName(*display_name)) p.Add(m.PathOf("displayName"), *e);
    u.row.display_name = Trim(*display_name);
  } else {
    // As `accessd org create` names its admin.
    u.row.display_name = u.row.email.substr(0, u.row.email.find('@'));
  }
  if (role) {
    auto parsed = model::ParseRole(*role);
    if (parsed) {
      u.row.role = *parsed;
    } else {
      p.Add(m.PathOf("role"), "must be admin or member");
    }
  }
  ReadCredentials(m, u, p);
  if (workspaces) ReadMemberships(*workspaces, m.PathOf("workspaces"), plan, u, p);
  plan.users.push_back(std::move(u));
}

// The public API's "type" of sources and destinations (SPEC §6) is
// sourceType / destinationType in the export; no other type has either.
const char* SubtypeField(ResourceType t) {
  if (t == ResourceType::kSources) return "sourceType";
  if (t == ResourceType::kDestinations) return "destinationType";
  return "";
}

void ReadSubtype(const Members& m, const std::optional<std::string>& source_type,
                 const std::optional<std::string>& destination_type, ResourceIn& r, Problems& p) {
  const ResourceType t = *r.type;
  if (m.Given("sourceType") && t != ResourceType::kSources) {
    p.Add(m.PathOf("sourceType"), "only sources have a sourceType");
  }
  if (m.Given("destinationType") && t != ResourceType::kDestinations) {
    p.Add(m.PathOf("destinationType"), "only destinations have a destinationType");
  }
  if (t == ResourceType::kSources) r.input.subtype = source_type;
  if (t == ResourceType::kDestinations) r.input.subtype = destination_type;
}

// SPEC §7: only sources and destinations carry an edit allow-list; an empty
// one is kept (only admins may then edit the resource). Keys are resolved
// once every user and token is read (ResolveAllowLists).
void ReadAllowList(const json& list, const std::string& path, ResourceIn& r, Problems& p) {
  if (*r.type != ResourceType::kSources && *r.type != ResourceType::kDestinations) {
    p.Add(path, "only sources and destinations have an edit allow-list");
    return;
  }
  r.allow_ids.emplace();
  std::set<std::string> seen;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string at = ElementPath(path, i);
    if (!list[i].is_string()) {
      p.Add(at, "must be a string");
    } else if (!seen.insert(list[i].get<std::string>()).second) {
      p.Add(at, "lists the same key twice");
    } else {
      r.allow_keys.push_back({list[i].get<std::string>(), at});
    }
  }
}

// The rules ResourceService::Create applies (name, type, config), at this
// file's paths.
void CheckResourceFields(const Members& m, const ResourceIn& r, Problems& p) {
  for (const FieldError& e : CheckNewResource(*r.type, r.input)) {
    p.Add(m.PathOf(e.field == "type" ? SubtypeField(*r.type) : e.field), e.message);
  }
}

void ReadResource(const json& object, const std::string& path, Plan& plan,
                  std::map<std::string, std::string>& names, Problems& p) {
  Members m(object, path, p);
  ResourceIn r;
  r.path = path;
  ReadKey(m, plan.resource_keys, plan.resources.size(), p);
  auto workspace = m.Str("workspace", true);
  auto type = m.Str("type", true);
  r.input.name = m.Str("name", true);
  auto source_type = m.Str("sourceType", false);
  auto destination_type = m.Str("destinationType", false);
  if (const json* config = m.Object("config", false)) r.input.config = *config;
  const json* allow = m.Array("editAllowList", false);
  m.Done();
  r.workspace = Resolve(plan.workspace_keys, workspace, m.PathOf("workspace"), "a workspace", p);
  if (type) {
    r.type = auth::ParseResourceTypeKey(*type);
    if (!r.type) {
      p.Add(m.PathOf("type"),
            "must be sources, destinations, transformations, libraries or tracking_plans");
    }
  }
  if (r.type) {
    ReadSubtype(m, source_type, destination_type, r, p);
    CheckResourceFields(m, r, p);
    if (allow) ReadAllowList(*allow, m.PathOf("editAllowList"), r, p);
    // Unique per workspace and type (the resources_ws_type_name index).
    if (r.workspace && r.input.name) {
      const std::string name_key = std::to_string(*r.workspace) + "/" +
                                   auth::ResourceTypeKey(*r.type) + "/" + Trim(*r.input.name);
      auto [it, fresh] = names.emplace(name_key, path);
      if (!fresh) {
        p.Add(m.PathOf("name"), "repeats the name of " + it->second + " (same workspace and type)");
      }
    }
  }
  plan.resources.push_back(std::move(r));
}

// One end of a connection: the key of a resource of this file, of a type
// that may sit at that end (SPEC §1), in the connection's workspace.
std::optional<size_t> ConnectionEnd(const Plan& plan, const std::optional<std::string>& key,
                                    const std::string& path, std::optional<size_t> workspace,
                                    bool from, Problems& p) {
  auto i = Resolve(plan.resource_keys, key, path, "a resource", p);
  if (!i) return std::nullopt;
  const ResourceIn& r = plan.resources[*i];
  if (!r.type || !r.workspace) return std::nullopt;  // reported at the resource
  const bool fits =
      from ? (*r.type == ResourceType::kSources || *r.type == ResourceType::kTransformations)
           : (*r.type == ResourceType::kDestinations || *r.type == ResourceType::kTrackingPlans);
  if (!fits) {
    p.Add(path, from ? "must be the key of a source or a transformation"
                     : "must be the key of a destination or a tracking plan");
    return std::nullopt;
  }
  if (!workspace) return std::nullopt;
  if (*r.workspace != *workspace) {
    p.Add(path, "is a resource of another workspace than the connection's");
    return std::nullopt;
  }
  return i;
}

void ReadConnection(const json& object, const std::string& path, Plan& plan,
                    std::map<std::pair<size_t, size_t>, std::string>& pairs, Problems& p) {
  Members m(object, path, p);
  auto workspace = m.Str("workspace", true);
  auto from_key = m.Str("from", true);
  auto to_key = m.Str("to", true);
  m.Done();
  auto ws = Resolve(plan.workspace_keys, workspace, m.PathOf("workspace"), "a workspace", p);
  auto from = ConnectionEnd(plan, from_key, m.PathOf("from"), ws, true, p);
  auto to = ConnectionEnd(plan, to_key, m.PathOf("to"), ws, false, p);
  if (!from || !to) return;
  // SPEC §1: source→destination, transformation→destination, source→tracking plan.
  if (*plan.resources[*from].type == ResourceType::kTransformations &&
      *plan.resources[*to].type == ResourceType::kTrackingPlans) {
    p.Add(m.PathOf("to"), "a transformation connects only to destinations");
    return;
  }
  auto [it, fresh] = pairs.emplace(std::make_pair(*from, *to), path);
  if (!fresh) {
    p.Add(path, "repeats the connection of " + it->second);
    return;
  }
  ConnectionIn conn;
  conn.from = *from;
  conn.to = *to;
  plan.connections.push_back(std::move(conn));
}

// A workspace SAT has a workspace and a role (and may have
// transformationsEdit); an organization SAT is an organization admin
// (SPEC §7) and has none of them.
void ReadSatLevel(Members& m, const std::optional<std::string>& level, const Plan& plan, TokenIn& t,
                  Problems& p) {
  auto workspace = m.Str("workspace", false);
  auto role = m.Str("role", false);
  auto transformations = m.Bool("transformationsEdit");
  if (!level) return;
  if (*level == "organization") {
    t.row.kind = model::TokenKind::kOrgSat;
    for (const char* field : {"workspace", "role", "transformationsEdit"}) {
      if (m.Given(field)) p.Add(m.PathOf(field), "organization tokens have none");
    }
    return;
  }
  if (*level != "workspace") {
    p.Add(m.PathOf("level"), "must be organization or workspace");
    return;
  }
  t.row.kind = model::TokenKind::kWorkspaceSat;
  if (!m.Given("workspace")) p.Add(m.PathOf("workspace"), "is required for workspace tokens");
  t.workspace = Resolve(plan.workspace_keys, workspace, m.PathOf("workspace"), "a workspace", p);
  if (!m.Given("role")) p.Add(m.PathOf("role"), "is required for workspace tokens");
  if (!role) return;
  auto parsed = auth::ParseLegacySatRole(*role);
  if (!parsed) {
    p.Add(m.PathOf("role"), "must be admin, editor or viewer");
    return;
  }
  t.role = auth::LegacyRole{*parsed, transformations.value_or(false)};
}

void ReadServiceToken(const json& object, const std::string& path, Plan& plan, Problems& p) {
  Members m(object, path, p);
  TokenIn t;
  t.path = path;
  // Key ids are made as auth::GenerateToken makes them: the public handle.
  t.row.id = RandomBase62(auth::kKeyIdLength);
  ReadKey(m, plan.sat_keys, plan.sats.size(), p);
  if (auto name = ReadName(m, p)) t.row.name = *name;
  ReadSatLevel(m, m.Str("level", true), plan, t, p);
  ReadTokenValue(m, t, p);
  m.Done();
  plan.sats.push_back(std::move(t));
}

void ReadPersonalToken(const json& object, const std::string& path, Plan& plan, Problems& p) {
  Members m(object, path, p);
  TokenIn t;
  t.path = path;
  t.row.id = RandomBase62(auth::kKeyIdLength);
  t.row.kind = model::TokenKind::kPat;
  auto user = m.Str("user", true);
  auto workspace = m.Str("workspace", true);
  if (auto name = ReadName(m, p)) t.row.name = *name;
  auto scope = m.Str("scope", true);
  ReadTokenValue(m, t, p);
  m.Done();
  t.user = Resolve(plan.user_keys, user, m.PathOf("user"), "a user", p);
  t.workspace = Resolve(plan.workspace_keys, workspace, m.PathOf("workspace"), "a workspace", p);
  if (scope) {
    // admin scope exists only on legacy tokens (SPEC §2): this is where they come from.
    t.row.scope = model::ParsePatScope(*scope);
    if (!t.row.scope) p.Add(m.PathOf("scope"), "must be read_only, read_write or admin");
  }
  // A PAT belongs to one user and one workspace that user reaches (SPEC §2):
  // an admin reaches every workspace, a member the ones it lists.
  if (t.user && t.workspace) {
    const UserIn& u = plan.users[*t.user];
    if (u.row.role != model::Role::kAdmin && !u.memberships.count(*t.workspace)) {
      p.Add(m.PathOf("workspace"), "is not a workspace that this token's user reaches");
    }
  }
  plan.pats.push_back(std::move(t));
}

// ---- rules across collections ----

// Allow-lists name users and service access tokens by key; a key carried by
// both a user and a token would be ambiguous there.
void ResolveAllowLists(Plan& plan, Problems& p) {
  for (ResourceIn& r : plan.resources) {
    if (!r.allow_ids) continue;
    for (const auto& [key, at] : r.allow_keys) {
      auto user = plan.user_keys.find(key);
      auto sat = plan.sat_keys.find(key);
      const bool is_user = user != plan.user_keys.end(), is_sat = sat != plan.sat_keys.end();
      if (is_user && is_sat) {
        p.Add(at, "is ambiguous: a user and a service access token both have this key");
      } else if (!is_user && !is_sat) {
        p.Add(at, "is not the key of a user or a service access token in this file");
      } else {
        r.allow_ids->push_back(is_user ? plan.users[user->second.index].row.id
                                       : plan.sats[sat->second.index].row.id);
      }
    }
  }
}

std::vector<TokenIn*> AllTokens(Plan& plan) {
  std::vector<TokenIn*> out;
  for (TokenIn& t : plan.sats) out.push_back(&t);
  for (TokenIn& t : plan.pats) out.push_back(&t);
  return out;
}

// One token value opens one token: the legacy_lookup index is unique.
void CheckTokenValuesUnique(Plan& plan, Problems& p) {
  std::map<std::string, std::string> seen;  // lookup → path
  for (TokenIn* t : AllTokens(plan)) {
    if (t->lookup.empty()) continue;
    auto [it, fresh] = seen.emplace(t->lookup, t->path);
    if (!fresh) p.Add(t->path + ".token", "repeats the token value of " + it->second);
  }
}

// SPEC §1: an organization always keeps at least one active admin.
void CheckHasAdmin(const Plan& plan, Problems& p) {
  for (const UserIn& u : plan.users) {
    if (u.row.role == model::Role::kAdmin) return;
  }
  p.Add("users", "must include at least one admin");
}

// The whole document, read and judged; `p` holds every problem.
Plan ReadPlan(const json& doc, Problems& p) {
  Plan plan;
  plan.org.id = NewId("org");
  plan.org.access_model = "legacy";
  if (!doc.is_object()) {
    p.Add("", "must be a JSON object (a legacy export)");
    return plan;
  }
  Members top(doc, "", p);
  const json* organization = top.Object("organization", true);
  const json* workspaces = top.Array("workspaces", false);
  const json* users = top.Array("users", true);
  const json* resources = top.Array("resources", false);
  const json* connections = top.Array("connections", false);
  const json* sats = top.Array("serviceAccessTokens", false);
  const json* pats = top.Array("personalAccessTokens", false);
  top.Done();

  ReadOrganization(organization, plan, p);
  std::map<std::string, std::string> workspace_names, emails, resource_names;
  std::map<std::pair<size_t, size_t>, std::string> pairs;
  ForEachObject(workspaces, "workspaces", p, [&](const json& o, const std::string& at) {
    ReadWorkspace(o, at, plan, workspace_names, p);
  });
  ForEachObject(users, "users", p,
                [&](const json& o, const std::string& at) { ReadUser(o, at, plan, emails, p); });
  ForEachObject(resources, "resources", p, [&](const json& o, const std::string& at) {
    ReadResource(o, at, plan, resource_names, p);
  });
  ForEachObject(connections, "connections", p, [&](const json& o, const std::string& at) {
    ReadConnection(o, at, plan, pairs, p);
  });
  ForEachObject(sats, "serviceAccessTokens", p,
                [&](const json& o, const std::string& at) { ReadServiceToken(o, at, plan, p); });
  ForEachObject(pats, "personalAccessTokens", p,
                [&](const json& o, const std::string& at) { ReadPersonalToken(o, at, plan, p); });
  if (users) CheckHasAdmin(plan, p);
  ResolveAllowLists(plan, p);
  CheckTokenValuesUnique(plan, p);
  return plan;
}

// ---- the database ----

// What the file would collide with in the database: a live user's email
// (unique across the whole install, not per organization) or a token value
// imported before (the unique legacy_lookup index).
std::vector<FieldError> DatabaseConflicts(store::Conn& c, Plan& plan) {
  std::vector<FieldError> out;
  for (const UserIn& u : plan.users) {
    if (!u.row.email.empty() && store::EmailTaken(c, u.row.email, "")) {
      out.push_back({u.path + ".email", "is already the email of a user of this install"});
    }
  }
  for (const TokenIn* t : AllTokens(plan)) {
    if (!t->lookup.empty() && store::FindTokenByLegacyLookup(c, t->lookup)) {
      out.push_back({t->path + ".token", "was imported before: a token with this value exists"});
    }
  }
  return out;
}

// Argon2id for every secret of the file, before the write job. The token
// hash covers the whole legacy value, as AuthService verifies it.
Status HashSecrets(Plan& plan) {
  for (UserIn& u : plan.users) {
    if (u.password) {
      u.stored_hash = auth::HashSecret(*u.password);
      if (u.stored_hash->empty()) return Status::Internal("could not hash a password");
    } else if (u.password_hash) {
      u.stored_hash = u.password_hash;
    }
    u.row.has_password = u.stored_hash.has_value();
  }
  for (TokenIn* t : AllTokens(plan)) {
    t->secret_hash = auth::HashSecret(t->value);
    if (t->secret_hash.empty()) return Status::Internal("could not hash a token");
  }
  return Status::Ok();
}

// Fills what needs the ids of other objects and the time of the import.
void BuildRows(Plan& plan, int64_t now) {
  const std::string& org_id = plan.org.id;
  plan.org.created_at = plan.org.updated_at = now;
  for (model::Workspace& w : plan.workspaces) {
    w.org_id = org_id;
    w.created_at = w.updated_at = now;
  }
  for (UserIn& u : plan.users) {
    u.row.org_id = org_id;
    u.row.created_at = u.row.updated_at = now;
  }
  for (ResourceIn& r : plan.resources) {
    r.row = NewResource(org_id, plan.workspaces[*r.workspace].id, *r.type, r.input, now);
  }
  for (ConnectionIn& conn : plan.connections) {
    const model::Resource& from = plan.resources[conn.from].row;
    const model::Resource& to = plan.resources[conn.to].row;
    conn.row.id = NewId("conn");
    conn.row.org_id = org_id;
    conn.row.workspace_id = from.workspace_id;
    conn.row.from_id = from.id;
    conn.row.from_type = from.type;
    conn.row.to_id = to.id;
    conn.row.to_type = to.type;
    conn.row.created_at = conn.row.updated_at = now;
  }
  for (TokenIn* t : AllTokens(plan)) {
    t->row.org_id = org_id;
    if (t->workspace) t->row.workspace_id = plan.workspaces[*t->workspace].id;
    if (t->user) t->row.user_id = plan.users[*t->user].row.id;
    t->row.created_at = now;  // created_by stays empty: no user made it here
    t->row.legacy = true;
  }
}

// The import's audit row: what was created, in counts (SPEC §4: never a
// secret; the rows themselves say the rest).
Change ImportChange(const Plan& plan) {
  json imported = {
      {"workspaces", plan.workspaces.size()},    {"users", plan.users.size()},
      {"resources", plan.resources.size()},      {"connections", plan.connections.size()},
      {"serviceAccessTokens", plan.sats.size()}, {"personalAccessTokens", plan.pats.size()}};
  return {"organization",
          plan.org.id,
          "created",
          std::nullopt,
          {{"name", plan.org.name},
           {"accessModel", plan.org.access_model},
           {"source", "legacy_import"},
           {"imported", std::move(imported)}}};
}

void WriteUsers(store::Conn& c, const Plan& plan) {
  for (const UserIn& u : plan.users) {
    store::InsertUser(c, u.row, u.stored_hash);
    // A member reaches the workspaces it lists (workspace_members), with the
    // legacy role it has there.
    for (const auto& [ws, role] : u.memberships) {
      store::AddDirectWorkspace(c, u.row.id, plan.workspaces[ws].id);
      store::PutLegacyRole(c, plan.workspaces[ws].id, store::LegacySubject::kMember, u.row.id,
                           role);
    }
  }
}

void WriteTokens(store::Conn& c, Plan& plan) {
  for (const TokenIn* t : AllTokens(plan)) {
    store::InsertToken(c, t->row, t->secret_hash, t->lookup);
    // A workspace SAT's admin/editor/viewer is stored as the connections role
    // with the same rights (schema.sql, legacy_roles).
    if (t->role) {
      store::PutLegacyRole(c, *t->row.workspace_id, store::LegacySubject::kToken, t->row.id,
                           *t->role);
    }
  }
}

// The write job: everything, or (on any problem or exception) nothing.
Status WritePlan(store::Conn& c, Plan& plan, int64_t now) {
  // Asked again inside the job: another writer may have taken an email or
  // imported a token since the first check.
  std::vector<FieldError> conflicts = DatabaseConflicts(c, plan);
  if (!conflicts.empty()) return Status::Invalid(kRejected, std::move(conflicts));
  store::InsertOrganization(c, plan.org);
  for (const model::Workspace& w : plan.workspaces) store::InsertWorkspace(c, w);
  WriteUsers(c, plan);
  for (const ResourceIn& r : plan.resources) {
    store::InsertResource(c, r.row);
    if (r.allow_ids) store::SetEditAllowList(c, r.row.id, r.allow_ids);
  }
  for (const ConnectionIn& conn : plan.connections) store::InsertConnection(c, conn.row);
  WriteTokens(c, plan);
  store::InsertAudit(c, MakeAuditRow(nullptr, plan.org.id, ImportChange(plan), "success", 0, now));
  return Status::Ok();
}

// ---- parsing the text ----

// Deeper documents are refused while parsing: copying or destroying a JSON
// value recurses, and no export needs more than a handful of levels (a
// resource's config, the deepest part, may have 32: ResourceService's rule).
constexpr size_t kMaxDocumentDepth = 64;

// Thrown from the parser's callback to stop at the first level too deep.
struct TooDeep {
  std::string path;
};

// Follows the parser through the document: names every member that appears
// twice in one object (the parsed value keeps only the last of them, and an
// import must not guess which one the file meant), and stops the parse at a
// value nested deeper than kMaxDocumentDepth.
class ParseWatch {
 public:
  void On(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start: {
        if (stack_.size() >= kMaxDocumentDepth) throw TooDeep{NextPath()};
        Level level;
        level.path = NextPath();
        level.object = event == json::parse_event_t::object_start;
        stack_.push_back(std::move(level));
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!stack_.empty()) stack_.pop_back();
        break;
      case json::parse_event_t::key:
        if (!stack_.empty() && parsed.is_string()) {
          Level& top = stack_.back();
          top.key = parsed.get<std::string>();
          if (!top.keys.insert(top.key).second) {
            found.push_back({MemberPath(top.path, top.key), "appears twice in one object"});
          }
        }
        break;
      case json::parse_event_t::value:
        NextPath();  // moves an array's index on
        break;
    }
  }
  std::vector<FieldError> found;

 private:
  struct Level {
    std::string path;
    bool object = false;
    size_t next = 0;  // arrays: the index of the next element
    std::string key;  // objects: the member being read
    std::set<std::string> keys;
  };
  // The path of the value that starts now.
  std::string NextPath() {
    if (stack_.empty()) return "";
    Level& top = stack_.back();
    return top.object ? MemberPath(top.path, top.key) : ElementPath(top.path, top.next++);
  }
  std::vector<Level> stack_;
};

// "line L, column C" of the parser's byte count (1-based, the byte it
// stopped at): where to look, without quoting the text.
std::string Position(const std::string& text, size_t byte) {
  const size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  size_t line = 1, column = 1;
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

StatusOr<LegacyDocument> ParseLegacyExport(const std::string& text) {
  ParseWatch watch;
  LegacyDocument doc;
  try {
    doc.json = json::parse(text, [&watch](int, json::parse_event_t event, json& parsed) {
      watch.On(event, parsed);
      return true;
    });
  } catch (const json::parse_error& e) {
    // The parser's own message quotes the text it read, which may be a
    // secret: only the position is given.
    return Status::Invalid(kRejected, {{"", "is not valid JSON (" + Position(text, e.byte) + ")"}});
  } catch (const json::exception&) {
    // A number too large for any JSON number type (1e999) is the parser's
    // other refusal; its message quotes the number.
    return Status::Invalid(kRejected, {{"", "is not valid JSON (a number is out of range)"}});
  } catch (const TooDeep& e) {
    return Status::Invalid(
        kRejected, {{e.path, "is nested too deeply (at most " + std::to_string(kMaxDocumentDepth) +
                                 " levels in the whole document)"}});
  }
  doc.duplicates = std::move(watch.found);
  return doc;
}

StatusOr<LegacyImportResult> ImportLegacyExport(store::Database& db, const Clock& clock,
                                                const LegacyDocument& doc) {
  Problems p;
  for (const FieldError& e : doc.duplicates) p.Add(e.field, e.message);
  Plan plan = ReadPlan(doc.json, p);
  db.Read([&](store::Conn& c) {
    for (const FieldError& e : DatabaseConflicts(c, plan)) p.Add(e.field, e.message);
  });
  if (!p.empty()) return Status::Invalid(kRejected, p.list());

  Status s = HashSecrets(plan);
  if (!s.ok()) return s;
  const int64_t now = clock.NowMs();
  BuildRows(plan, now);
  s = db.Write([&](store::Conn& c) { return WritePlan(c, plan, now); });
  if (!s.ok()) return s;

  LegacyImportResult r;
  r.org_id = plan.org.id;
  r.workspaces = static_cast<int64_t>(plan.workspaces.size());
  r.users = static_cast<int64_t>(plan.users.size());
  r.resources = static_cast<int64_t>(plan.resources.size());
  r.connections = static_cast<int64_t>(plan.connections.size());
  r.service_access_tokens = static_cast<int64_t>(plan.sats.size());
  r.personal_access_tokens = static_cast<int64_t>(plan.pats.size());
  return r;
}

}  // namespace accessd::service
