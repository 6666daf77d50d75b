// policy_service.h — groups, baseline/group/member policies and effective
// permissions (SPEC §1, §6a). Every change clears the verification cache's
// principals (AuthService::InvalidateAccess) before it returns, so it takes
// effect on the very next request. Thread-safe.
#pragma once

#include "base/clock.h"
#include "service/auth_service.h"
#include "store/db.h"

namespace accessd::service {

class PolicyService {
 public:
  PolicyService(store::Database& db, const Clock& clock, AuthService& auth);

 private:
  store::Database& db_;
  const Clock& clock_;
  AuthService& auth_;
};

}  // namespace accessd::service
