// scim_service.h — SCIM 2.0 provisioning of Users and Groups (SPEC §5,
// RFC 7643, RFC 7644) for an organization SAT: one method per use case.
//
// Every method first admits the caller (Admit: an org SAT whose organization
// has scimEnabled, read from the database on every call, so turning SCIM off
// takes effect at once), then validates, then runs one write job that makes
// the change and appends its audit row with the org SAT as actor
// (service/audit.h CommitChange). Ids are looked up inside the caller's
// organization and removed users are skipped, so another organization's
// object, or a deprovisioned user, is kNotFound.
//
// What SCIM changes mean (SPEC §5):
//   * a created user is a member without a password, scim_managed, and joins
//     every workspace of the organization at the baseline policy;
//   * active=false deactivates: sessions deleted, PATs refused until
//     active=true restores the user with their role; SATs are untouched;
//   * DELETE deprovisions: status removed (the row stays for the audit
//     trail), sessions, PATs and memberships deleted;
//   * the organization always keeps an active admin (409).
// Group membership changes take effect on the members' next request
// (AuthService::InvalidateAccess after commit).
//
// Resources come back rendered (scim/resources.h); `base` is the absolute
// URL of /scim/v2 for meta.location. Failures carry SCIM scimTypes
// (Status::subcode). Thread-safe.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "model/types.h"
#include "scim/resources.h"
#include "service/audit.h"
#include "service/auth_service.h"
#include "store/db.h"

namespace accessd::scim {

// RFC 7644 §3.4.2 list parameters.
struct ListQuery {
  std::string filter;  // "" = every resource
  int64_t start_index = 1;
  std::optional<int64_t> count;
};

class ScimService {
 public:
  ScimService(store::Database& db, const Clock& clock, service::AuthService& auth);

  // Ok for an org SAT of an organization with SCIM enabled; kForbidden for
  // any other caller or when SCIM is disabled.
  Status Admit(const model::RequestContext& ctx);

  // Users. List: invalidFilter for a bad filter; `userName eq` and `id eq`
  // are answered by an indexed lookup.
  StatusOr<Page> ListUsers(const model::RequestContext& ctx, const std::string& base,
                           const ListQuery& q);
  StatusOr<nlohmann::json> GetUser(const model::RequestContext& ctx, const std::string& base,
                                   const std::string& id);
  // 409 uniqueness when the userName belongs to a user that is not removed.
  StatusOr<nlohmann::json> CreateUser(model::RequestContext& ctx, const std::string& base,
                                      const nlohmann::json& body);
  StatusOr<nlohmann::json> ReplaceUser(model::RequestContext& ctx, const std::string& base,
                                       const std::string& id, const nlohmann::json& body);
  StatusOr<nlohmann::json> PatchUser(model::RequestContext& ctx, const std::string& base,
                                     const std::string& id, const nlohmann::json& body);
  Status DeleteUser(model::RequestContext& ctx, const std::string& id);

  // Groups. Member ids must name users of the organization that are not
  // removed (invalidValue otherwise); displayName is unique in the
  // organization, case-insensitively (409 uniqueness).
  StatusOr<Page> ListGroups(const model::RequestContext& ctx, const std::string& base,
                            const ListQuery& q);
  StatusOr<nlohmann::json> GetGroup(const model::RequestContext& ctx, const std::string& base,
                                    const std::string& id);
  StatusOr<nlohmann::json> CreateGroup(model::RequestContext& ctx, const std::string& base,
                                       const nlohmann::json& body);
  StatusOr<nlohmann::json> ReplaceGroup(model::RequestContext& ctx, const std::string& base,
                                        const std::string& id, const nlohmann::json& body);
  StatusOr<nlohmann::json> PatchGroup(model::RequestContext& ctx, const std::string& base,
                                      const std::string& id, const nlohmann::json& body);
  Status DeleteGroup(model::RequestContext& ctx, const std::string& id);

 private:
  // PUT and PATCH share everything but how the draft is changed.
  StatusOr<nlohmann::json> UpdateUser(model::RequestContext& ctx, const std::string& base,
                                      const std::string& id, const nlohmann::json& body,
                                      bool patch);
  StatusOr<nlohmann::json> UpdateGroup(model::RequestContext& ctx, const std::string& base,
                                       const std::string& id, const nlohmann::json& body,
                                       bool patch);

  // Every SCIM change: `fn` runs in one write transaction after checking,
  // inside it, that SCIM is still enabled (it may have been switched off
  // since Admit); the change and its audit row commit together, then
  // `after_commit` (if any) runs and the access epoch moves, before the
  // answer leaves.
  Status CommitScimChange(model::RequestContext& ctx, int status,
                          const std::function<Status(store::Conn&, service::Change&)>& fn,
                          const std::function<void()>& after_commit = nullptr);

  store::Database& db_;
  const Clock& clock_;
  service::AuthService& auth_;
};

}  // namespace accessd::scim
