// types.h — the plain data of accessd: organizations, workspaces, users,
// tokens, resources, audit rows, and the Principal a request acts as.
//
// Plain structs and enums only: no I/O, no JSON, no SQL. Times are
// milliseconds since the Unix epoch; optional values use std::optional.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/policy.h"
#include "auth/token_format.h"

namespace accessd::model {

struct Organization {
  std::string id;
  std::string name;
  bool scim_enabled = false;
  int audit_retention_days = 365;
  std::string access_model = "policies";  // "policies" | "legacy"
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Workspace {
  std::string id;
  std::string org_id;
  std::string name;
  std::string environment;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

enum class Role { kAdmin, kMember };
enum class UserStatus { kActive, kDeactivated, kRemoved };

const char* RoleName(Role r);
std::optional<Role> ParseRole(const std::string& s);
const char* UserStatusName(UserStatus s);
std::optional<UserStatus> ParseUserStatus(const std::string& s);

struct User {
  std::string id;
  std::string org_id;
  std::string email;
  std::string display_name;
  std::optional<std::string> given_name;
  std::optional<std::string> family_name;
  Role role = Role::kMember;
  UserStatus status = UserStatus::kActive;
  bool has_password = false;
  std::optional<std::string> external_id;
  bool scim_managed = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

using auth::TokenKind;  // organization_sat | workspace_sat | pat (auth::TokenKindName)
std::optional<TokenKind> ParseTokenKindName(const std::string& s);

enum class PatScope { kReadOnly, kReadWrite, kAdmin };
const char* PatScopeName(PatScope s);
std::optional<PatScope> ParsePatScope(const std::string& s);

// A token's metadata (never its secret).
struct Token {
  std::string id;  // key id
  std::string org_id;
  TokenKind kind = TokenKind::kOrgSat;
  std::string name;
  std::optional<std::string> workspace_id;
  std::optional<std::string> user_id;
  std::optional<PatScope> scope;
  std::optional<auth::Policy> policy;  // workspace SATs
  std::optional<std::string> created_by;
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
  std::optional<int64_t> expires_at;
  bool legacy = false;
};

struct Invitation {
  std::string id;
  std::string org_id;
  std::string email;
  Role role = Role::kMember;
  std::vector<std::string> workspace_ids;
  std::vector<std::string> group_ids;
  std::optional<std::string> created_by;
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

struct Group {
  std::string id;
  std::string org_id;
  std::string name;
  std::string description;
  std::vector<std::string> workspace_ids;
  std::vector<std::string> member_ids;
  std::optional<std::string> external_id;
  bool scim_managed = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A workspace resource (source, destination, transformation, library,
// tracking plan).
struct Resource {
  int64_t seq = 0;
  std::string id;
  std::string org_id;
  std::string workspace_id;
  auth::ResourceType type = auth::ResourceType::kSources;
  std::string name;
  std::optional<std::string> subtype;  // sources/destinations "type"
  bool enabled = true;
  std::string config_json = "{}";  // a JSON object, as text
  std::string extra_json = "{}";   // optional fields (geoEnrichmentEnabled, transient)
  std::optional<std::string> write_key;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// The wire name of a connection end: "sourceId", "transformationId",
// "destinationId", "trackingPlanId" (SPEC §6); "resourceId" for libraries,
// which are never connected.
const char* ConnectionEndField(auth::ResourceType t);

struct Connection {
  std::string id;
  std::string org_id;
  std::string workspace_id;
  std::string from_id;
  auth::ResourceType from_type = auth::ResourceType::kSources;
  std::string to_id;
  auth::ResourceType to_type = auth::ResourceType::kDestinations;
  bool enabled = true;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

enum class ActorType { kUser, kServiceAccessToken, kPersonalAccessToken, kSystem };
const char* ActorTypeName(ActorType a);

struct AuditRow {
  int64_t id = 0;
  int64_t created_at = 0;
  std::string org_id;
  std::optional<std::string> workspace_id;
  std::string actor_type;
  std::string actor_id;
  std::string target_type;
  std::string target_id;
  std::string action;
  std::string ip;
  std::string user_agent;
  std::string outcome;       // success | denied | failed
  std::string details_json;  // a JSON object, as text
};

// Who a request acts as, after authentication. Built once per request at the
// edge (service/auth_service.h) and passed down.
struct Principal {
  enum class Kind { kSession, kOrgSat, kWorkspaceSat, kPat };
  Kind kind = Kind::kSession;
  std::string org_id;
  std::string access_model = "policies";
  // Sessions and PATs: the user. Tokens: the token's key id in token_id.
  std::optional<User> user;
  std::string token_id;
  std::string token_name;
  // Workspace SATs and PATs: the one workspace the token reaches.
  std::string token_workspace_id;
  std::optional<PatScope> scope;
  std::optional<auth::Policy> token_policy;  // workspace SATs
  // Tokens bound to a workspace: their permissions there, computed when the
  // principal was built (and rebuilt after any access-relevant change).
  // reaches_workspace is false for a PAT whose user no longer reaches it.
  auth::Permissions token_permissions;
  bool reaches_workspace = true;
  std::optional<int64_t> expires_at;
  // Sessions: the digest of the session id (for logout) and the CSRF digest.
  std::string session_hash;
  std::string csrf_hash;
  bool legacy_token = false;

  bool IsToken() const { return kind != Kind::kSession; }
  bool IsAdminUser() const { return user && user->role == Role::kAdmin; }
  ActorType actor_type() const;
  std::string actor_id() const;
};

// Everything a service needs to know about the request besides its body:
// who, from where, and what the audit row should say.
struct RequestContext {
  Principal principal;
  std::string ip;
  std::string user_agent;
  std::string method;
  std::string path;  // without the query string
  // Set by a service when it committed the request's own audit row together
  // with a change; the HTTP edge then writes no second row.
  bool audited = false;
  // What a token request's audit row names when the service did not audit it
  // itself (reads, denials, failures).
  std::string target_type;
  std::string target_id;
  std::string action;
  std::optional<std::string> workspace_id;
};

}  // namespace accessd::model
