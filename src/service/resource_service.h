// resource_service.h — workspace resources (sources, destinations,
// transformations, libraries, tracking plans) and connections, with policy
// enforcement (SPEC §1, §6). One method per use case.
//
// Every method first resolves the caller's workspace (a token's own, or the
// session's workspace_id) and the caller's Permissions there, then asks the
// pure evaluator (auth/policy.h) before touching anything. Thread-safe.
#pragma once

#include "base/clock.h"
#include "service/auth_service.h"
#include "store/db.h"

namespace accessd::service {

class ResourceService {
 public:
  ResourceService(store::Database& db, const Clock& clock, AuthService& auth);

 private:
  store::Database& db_;
  const Clock& clock_;
  AuthService& auth_;
};

}  // namespace accessd::service
