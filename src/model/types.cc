// types.cc — the names of the model's enums as they appear on the wire and
// in the database.
#include "model/types.h"

namespace accessd::model {

const char* RoleName(Role r) { return r == Role::kAdmin ? "admin" : "member"; }

std::optional<Role> ParseRole(const std::string& s) {
  if (s == "admin") return Role::kAdmin;
  if (s == "member") return Role::kMember;
  return std::nullopt;
}

const char* UserStatusName(UserStatus s) {
  switch (s) {
    case UserStatus::kActive: return "active";
    case UserStatus::kDeactivated: return "deactivated";
    case UserStatus::kRemoved: return "removed";
  }
  return "";
}

std::optional<UserStatus> ParseUserStatus(const std::string& s) {
  if (s == "active") return UserStatus::kActive;
  if (s == "deactivated") return UserStatus::kDeactivated;
  if (s == "removed") return UserStatus::kRemoved;
  return std::nullopt;
}

std::optional<TokenKind> ParseTokenKindName(const std::string& s) {
  if (s == "organization_sat") return TokenKind::kOrgSat;
  if (s == "workspace_sat") return TokenKind::kWorkspaceSat;
  if (s == "pat") return TokenKind::kPat;
  return std::nullopt;
}

const char* PatScopeName(PatScope s) {
  switch (s) {
    case PatScope::kReadOnly: return "read_only";
    case PatScope::kReadWrite: return "read_write";
    case PatScope::kAdmin: return "admin";
  }
  return "";
}

std::optional<PatScope> ParsePatScope(const std::string& s) {
  if (s == "read_only") return PatScope::kReadOnly;
  if (s == "read_write") return PatScope::kReadWrite;
  if (s == "admin") return PatScope::kAdmin;
  return std::nullopt;
}

const char* ConnectionEndField(auth::ResourceType t) {
  switch (t) {
    case auth::ResourceType::kSources: return "sourceId";
    case auth::ResourceType::kTransformations: return "transformationId";
    case auth::ResourceType::kDestinations: return "destinationId";
    case auth::ResourceType::kTrackingPlans: return "trackingPlanId";
    case auth::ResourceType::kLibraries: break;
  }
  return "resourceId";
}

const char* ActorTypeName(ActorType a) {
  switch (a) {
    case ActorType::kUser: return "user";
    case ActorType::kServiceAccessToken: return "service_access_token";
    case ActorType::kPersonalAccessToken: return "personal_access_token";
    case ActorType::kSystem: return "system";
  }
  return "";
}

ActorType Principal::actor_type() const {
  switch (kind) {
    case Kind::kSession: return ActorType::kUser;
    case Kind::kOrgSat:
    case Kind::kWorkspaceSat: return ActorType::kServiceAccessToken;
    case Kind::kPat: return ActorType::kPersonalAccessToken;
  }
  return ActorType::kSystem;
}

std::string Principal::actor_id() const {
  if (kind == Kind::kSession) return user ? user->id : std::string();
  return token_id;
}

}  // namespace accessd::model
